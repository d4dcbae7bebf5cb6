#!/usr/bin/env python3
"""Small TLS / preamble peers used by make-captures.sh to produce real captures.

Every peer is bounded in time: sockets carry timeouts, servers accept at most
the connections they were told to, and every wait has an upper limit.  The
peers speak through the real OpenSSL in Python's ssl module; nothing here
forges TLS bytes by hand.  The only hand-built bytes are the plaintext
preambles (RDP X.224, STARTTLS dialogues), laid out from their specifications.

Usage: peers.py SUBCOMMAND [options]   (see --help of each subcommand)
"""

import argparse
import errno
import socket
import ssl
import struct
import sys
import time

IO_TIMEOUT = 5.0      # every blocking socket operation
ACCEPT_TIMEOUT = 15.0  # a server gives up waiting for its client after this


def log(*parts):
    print("[peers]", *parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# sockets
# --------------------------------------------------------------------------

def listen(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(8)
    s.settimeout(ACCEPT_TIMEOUT)
    return s


def accept(lsock):
    conn, _ = lsock.accept()
    conn.settimeout(IO_TIMEOUT)
    return conn


def connect(host, port, nodelay=False):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(IO_TIMEOUT)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.connect((host, port))
    return s


def close_with_rst(sock):
    """SO_LINGER {on, 0}: close() sends RST instead of FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("peer closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def read_client_hello(sock):
    """Read TLS records until one complete handshake message (the ClientHello)
    has arrived; returns the raw bytes read.  Handles a ClientHello split over
    several records or TCP segments."""
    raw = b""
    hs = b""
    while True:
        hdr = recv_exact(sock, 5)
        ctype, _ver, length = struct.unpack("!BHH", hdr)
        body = recv_exact(sock, length)
        raw += hdr + body
        if ctype != 22:
            raise ValueError("expected a handshake record, got content type %d" % ctype)
        hs += body
        if len(hs) >= 4:
            msg_len = int.from_bytes(hs[1:4], "big")
            if len(hs) >= 4 + msg_len:
                log("read ClientHello: %d bytes in records" % len(raw))
                return raw


def read_line(sock, limit=4096):
    buf = b""
    while not buf.endswith(b"\n"):
        c = sock.recv(1)
        if not c:
            break
        buf += c
        if len(buf) > limit:
            break
    return buf


def wait_for_eof(sock, limit=IO_TIMEOUT):
    """Drain until the peer closes (or `limit` seconds pass)."""
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            if not sock.recv(4096):
                return True
    except (socket.timeout, ConnectionError, OSError):
        pass
    return False


# --------------------------------------------------------------------------
# TLS contexts
# --------------------------------------------------------------------------

def server_ctx(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if getattr(a, "tls12", False):
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if getattr(a, "alpn", None):
        ctx.set_alpn_protocols(a.alpn.split(","))
    return ctx


def client_ctx(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if getattr(a, "cafile", None):
        ctx.load_verify_locations(a.cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if getattr(a, "tls12", False):
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if getattr(a, "alpn", None):
        ctx.set_alpn_protocols(a.alpn.split(","))
    return ctx


def tls_close(tls_sock):
    """Send close_notify (and wait briefly for the peer's), then close."""
    try:
        raw = tls_sock.unwrap()
        raw.close()
    except (ssl.SSLError, OSError) as e:
        log("unwrap:", e)
        tls_sock.close()


def serve_tls_session(tls, reply):
    """Read one request (a line or up to 1 s of data), answer, close_notify."""
    tls.settimeout(1.0)
    try:
        req = tls.recv(4096)
        log("server got %r" % req[:60])
    except socket.timeout:
        req = b""
    if reply is not None and (req or reply):
        tls.settimeout(IO_TIMEOUT)
        tls.sendall(reply)
    tls.settimeout(IO_TIMEOUT)
    tls_close(tls)


def client_tls_session(tls, request):
    tls.sendall(request)
    data = b""
    try:
        while True:
            chunk = tls.recv(4096)
            if not chunk:
                break
            data += chunk
    except ssl.SSLError as e:
        log("client recv:", e)
    log("client got %d bytes: %r" % (len(data), data[:60]))
    tls_close(tls)


# --------------------------------------------------------------------------
# plain TLS server / client (scenario 4, helpers for others)
# --------------------------------------------------------------------------

def cmd_tls_server(a):
    ctx = server_ctx(a)
    ls = listen(a.host, a.port)
    for _ in range(a.count):
        conn = accept(ls)
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
            log("server handshake done:", tls.version(), tls.cipher()[0], tls.selected_alpn_protocol())
            serve_tls_session(tls, b"HTTP/1.0 200 OK\r\nContent-Length: 6\r\n\r\nhello\n")
        except (ssl.SSLError, OSError) as e:
            log("server:", e)
            conn.close()
    ls.close()


def cmd_tls_client(a):
    ctx = client_ctx(a)
    s = connect(a.host, a.port)
    tls = ctx.wrap_socket(s, server_hostname=a.sni)
    log("client handshake done:", tls.version(), tls.cipher()[0], tls.selected_alpn_protocol())
    client_tls_session(tls, b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % a.sni.encode())


# --------------------------------------------------------------------------
# servers that end the connection after the ClientHello (17, 21, 22)
# --------------------------------------------------------------------------

def cmd_abort_server(a):
    """Accept, read the ClientHello, then: reset | fin | silent | alert-wait (a fatal
    handshake_failure alert, then keep the socket open until the client closes: the client is
    then the first to hang up, as Schannel-fronted services often look in a capture)."""
    ls = listen(a.host, a.port)
    conn = accept(ls)
    read_client_hello(conn)
    if a.mode == "reset":
        time.sleep(a.delay)
        close_with_rst(conn)
        log("server sent RST after ClientHello")
    elif a.mode == "fin":
        time.sleep(a.delay)
        conn.close()
        log("server closed (FIN) after ClientHello")
    elif a.mode == "alert-wait":
        time.sleep(a.delay)
        conn.sendall(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))  # TLS 1.2 alert: fatal handshake_failure
        log("server sent fatal handshake_failure alert, waiting for the client to close")
        gone = wait_for_eof(conn, limit=a.silent_limit)
        log("client closed first" if gone else "client did not close")
        conn.close()
    else:  # silent: never answer; close only once the client has gone
        gone = wait_for_eof(conn, limit=a.silent_limit)
        log("silent server: client closed" if gone else "silent server: gave up")
        conn.close()
    ls.close()


def cmd_silent_client(a):
    """A Python ssl client whose handshake times out after `timeout` seconds."""
    ctx = client_ctx(a)
    s = connect(a.host, a.port)
    s.settimeout(a.timeout)
    try:
        ctx.wrap_socket(s, server_hostname=a.sni)
    except socket.timeout:
        log("client: handshake timed out after %.1f s, closing" % a.timeout)
    s.close()


# --------------------------------------------------------------------------
# clients driven through MemoryBIO (23, 24, 39)
# --------------------------------------------------------------------------

def mem_client(a):
    ctx = client_ctx(a)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=a.sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    return obj, incoming, outgoing, hello


def pump_until_output(sock, obj, incoming, outgoing):
    """Feed server bytes into the SSLObject until it has something to send
    (i.e. the server's whole first flight was processed) or the handshake is
    done.  Returns the bytes the client would send next."""
    while True:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("server closed during handshake")
        incoming.write(data)
        try:
            obj.do_handshake()
            return outgoing.read()
        except ssl.SSLWantReadError:
            out = outgoing.read()
            if out:
                return out


def cmd_flight_client(a):
    """Send a real ClientHello, read the server's first flight, then leave:
    with RST (mode=reset) or FIN (mode=fin), never sending an alert."""
    obj, incoming, outgoing, hello = mem_client(a)
    s = connect(a.host, a.port)
    s.sendall(hello)
    pending = pump_until_output(s, obj, incoming, outgoing)
    log("client read the server flight; it would now send %d bytes but does not" % len(pending))
    time.sleep(a.delay)
    if a.mode == "reset":
        close_with_rst(s)
        log("client sent RST")
    else:
        s.close()
        log("client closed (FIN)")


def cmd_split_client(a):
    """A ~1.8 KB ClientHello (many ALPN names) written in 3 TCP segments,
    then a normal handshake, one request, close."""
    names = ["h2", "http/1.1"] + ["x-tlsdiag-padding-%02d-" % i + "p" * 180 for i in range(7)]
    a.alpn = ",".join(names)
    obj, incoming, outgoing, hello = mem_client(a)
    log("ClientHello is %d bytes" % len(hello))
    s = connect(a.host, a.port, nodelay=True)
    n = len(hello)
    cuts = [0, 300, n * 3 // 5, n]
    for i in range(3):
        s.sendall(hello[cuts[i]:cuts[i + 1]])
        time.sleep(0.05)
    # finish the handshake over the same socket
    while True:
        data = s.recv(65536)
        if not data:
            raise ConnectionError("server closed during handshake")
        incoming.write(data)
        try:
            obj.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        out = outgoing.read()
        if out:
            s.sendall(out)
        if done:
            break
    log("split client handshake done:", obj.version(), obj.cipher()[0], obj.selected_alpn_protocol())
    obj.write(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
    s.sendall(outgoing.read())
    # read until the server's close_notify
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        incoming.write(data)
        closed = False
        try:
            while True:
                if not obj.read(65536):  # b"" only once close_notify arrived
                    closed = True
                    break
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLZeroReturnError:
            closed = True
        if closed:
            break
    try:
        obj.unwrap()
    except (ssl.SSLWantReadError, ssl.SSLError):
        pass
    out = outgoing.read()
    if out:
        s.sendall(out)
    s.close()


# --------------------------------------------------------------------------
# RDP: X.224 Connection Request / Confirm then TLS (18, 19, 20)
# --------------------------------------------------------------------------
# TPKT header (T.123 section 8):   version=3 | reserved=0 | length (u16 BE, whole packet)
# X.224 Class 0 CR TPDU (X.224 13.3, MS-RDPBCGR 2.2.1.1):
#   LI (u8: bytes after LI) | 0xE0 | DST-REF u16=0 | SRC-REF u16=0 | class/options u8=0
#   cookie "Cookie: mstshash=<name>\r\n" | RDP_NEG_REQ (8 bytes)
# RDP_NEG_REQ (2.2.1.1.1): type=0x01 | flags u8 | length u16 LE = 8 | requestedProtocols u32 LE
# X.224 CC TPDU (2.2.1.2): LI | 0xD0 | DST-REF=0 | SRC-REF=0x1234 | class=0 | rdpNegData
# RDP_NEG_RSP (2.2.1.2.1): type=0x02 | flags | length=8 | selectedProtocol u32 LE
# RDP_NEG_FAILURE (2.2.1.2.2): type=0x03 | flags=0 | length=8 | failureCode u32 LE

PROTOCOL_SSL, PROTOCOL_HYBRID = 0x1, 0x2


def tpkt(payload):
    return struct.pack("!BBH", 3, 0, 4 + len(payload)) + payload


def x224_connection_request(user, requested):
    cookie = b"Cookie: mstshash=" + user.encode() + b"\r\n"
    neg = struct.pack("<BBHI", 0x01, 0x00, 8, requested)
    variable = cookie + neg
    li = 6 + len(variable)
    return tpkt(struct.pack("!BBHHB", li, 0xE0, 0, 0, 0) + variable)


def x224_connection_confirm(neg_type, flags, value):
    neg = struct.pack("<BBHI", neg_type, flags, 8, value)
    return tpkt(struct.pack("!BBHHB", 6 + len(neg), 0xD0, 0, 0x1234, 0) + neg)


def read_tpkt(sock):
    hdr = recv_exact(sock, 4)
    version, _r, length = struct.unpack("!BBH", hdr)
    if version != 3 or length < 4:
        raise ValueError("not a TPKT header: %r" % hdr)
    return hdr + recv_exact(sock, length - 4)


def cmd_rdp_server(a):
    ls = listen(a.host, a.port)
    conn = accept(ls)
    cr = read_tpkt(conn)
    requested = struct.unpack("<I", cr[-4:])[0]
    log("X.224 CR, requestedProtocols=0x%x" % requested)
    if a.mode == "fail":
        conn.sendall(x224_connection_confirm(0x03, 0x00, a.failure_code))
        log("sent RDP_NEG_FAILURE code %d; closing" % a.failure_code)
        time.sleep(0.05)
        conn.close()
        ls.close()
        return
    # 0x1f: EXTENDED_CLIENT_DATA | GFX | reserved | RESTRICTED_ADMIN | REDIRECTED_AUTH
    conn.sendall(x224_connection_confirm(0x02, 0x1F, PROTOCOL_SSL))
    if a.mode == "reset":
        read_client_hello(conn)
        time.sleep(a.delay)
        close_with_rst(conn)
        log("RDP server sent RST after ClientHello")
    else:
        ctx = server_ctx(a)
        tls = ctx.wrap_socket(conn, server_side=True)
        log("RDP server TLS:", tls.version(), tls.cipher()[0])
        tls.settimeout(IO_TIMEOUT)
        data = tls.recv(4096)
        log("RDP server got %d bytes after TLS" % len(data))
        tls.sendall(b"\x03\x00\x00\x0b\x02\xf0\x80\x7f\x66\x00\x00")  # stand-in reply
        tls_close(tls)
    ls.close()


def cmd_rdp_client(a):
    s = connect(a.host, a.port)
    s.sendall(x224_connection_request(a.user, PROTOCOL_SSL | PROTOCOL_HYBRID))
    cc = read_tpkt(s)
    neg_type, _flags, _len, value = struct.unpack("<BBHI", cc[-8:])
    if neg_type == 0x03:
        log("RDP_NEG_FAILURE code %d; client closes" % value)
        wait_for_eof(s, limit=1.0)
        s.close()
        return
    log("RDP_NEG_RSP selectedProtocol=%d; starting TLS" % value)
    ctx = client_ctx(a)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    try:
        tls = ctx.wrap_socket(s, server_hostname=None)
    except ConnectionResetError as e:
        log("client: connection reset during TLS handshake (%s); closing" % e)
        s.close()
        return
    except OSError as e:
        if e.errno == errno.ECONNRESET:
            log("client: ECONNRESET during handshake; closing")
            s.close()
            return
        raise
    log("RDP client TLS:", tls.version(), tls.cipher()[0])
    # stand-in for the first MCS Connect Initial: an X.224 Data TPDU header + bytes
    tls.sendall(tpkt(b"\x02\xf0\x80" + b"\x7f\x65" + b"\x00" * 16))
    tls.recv(4096)
    tls_close(tls)


# --------------------------------------------------------------------------
# STARTTLS servers (28-38)
# --------------------------------------------------------------------------

LDAP_STARTTLS_OID = b"1.3.6.1.4.1.1466.20037"


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def ber(tag, content):
    return bytes([tag]) + ber_len(len(content)) + content


def read_ber(sock):
    hdr = recv_exact(sock, 2)
    n = hdr[1]
    extra = b""
    if n & 0x80:
        extra = recv_exact(sock, n & 0x7F)
        n = int.from_bytes(extra, "big")
    return hdr + extra + recv_exact(sock, n)


def mysql_handshake_v10():
    # MySQL Protocol::HandshakeV10 inside a packet header (u24 LE length, u8 sequence id)
    caps = (0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000200 |
            0x00000800 | 0x00002000 | 0x00008000 | 0x00020000 | 0x00080000)
    #        LONG_PASSWORD FOUND_ROWS LONG_FLAG CONNECT_WITH_DB PROTOCOL_41
    #        SSL           TRANSACTIONS SECURE_CONNECTION MULTI_RESULTS PLUGIN_AUTH
    salt = b"tlsdiag-salt-0123456"  # 20 bytes of auth-plugin-data
    p = b"\x0a" + b"8.0.36-tlsdiag\x00" + struct.pack("<I", 42)
    p += salt[:8] + b"\x00"
    p += struct.pack("<H", caps & 0xFFFF) + b"\xff" + struct.pack("<H", 0x0002)
    p += struct.pack("<H", caps >> 16) + bytes([21]) + b"\x00" * 10
    p += salt[8:] + b"\x00" + b"caching_sha2_password\x00"
    return struct.pack("<I", len(p))[:3] + b"\x00" + p


def starttls_preamble(proto, conn, refuse):
    """Run the plaintext part of the protocol.  Returns True when TLS should
    start, False when the server refused (then it finishes the dialogue)."""
    f = conn
    if proto == "smtp":
        f.sendall(b"220 mail.example.test ESMTP tlsdiag\r\n")
        while True:
            line = read_line(f)
            if not line:
                return False
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                f.sendall(b"250-mail.example.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
                          b"250-STARTTLS\r\n250 8BITMIME\r\n")
            elif cmd == b"STARTTLS":
                if refuse:
                    f.sendall(b"454 4.7.0 TLS not available due to temporary reason\r\n")
                    continue
                f.sendall(b"220 2.0.0 Ready to start TLS\r\n")
                return True
            elif cmd == b"QUIT":
                f.sendall(b"221 2.0.0 Bye\r\n")
                return False
            else:
                f.sendall(b"500 5.5.1 Command unrecognized\r\n")
    if proto == "imap":
        f.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] tlsdiag ready\r\n")
        while True:
            line = read_line(f)
            if not line:
                return False
            tag, _, cmd = line.strip().partition(b" ")
            if cmd.upper() == b"CAPABILITY":
                f.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n" + tag + b" OK CAPABILITY completed\r\n")
            elif cmd.upper() == b"STARTTLS":
                f.sendall(tag + b" OK Begin TLS negotiation now\r\n")
                return True
            else:
                f.sendall(tag + b" BAD command unknown\r\n")
    if proto == "pop3":
        f.sendall(b"+OK POP3 tlsdiag ready\r\n")
        while True:
            line = read_line(f)
            if not line:
                return False
            cmd = line.strip().upper()
            if cmd == b"CAPA":
                f.sendall(b"+OK\r\nSTLS\r\nUSER\r\n.\r\n")
            elif cmd == b"STLS":
                f.sendall(b"+OK Begin TLS negotiation\r\n")
                return True
            else:
                f.sendall(b"-ERR unknown command\r\n")
    if proto == "ftp":
        f.sendall(b"220-tlsdiag FTP server\r\n220 ready\r\n")
        while True:
            line = read_line(f)
            if not line:
                return False
            cmd = line.strip().upper()
            if cmd in (b"AUTH TLS", b"AUTH SSL"):
                f.sendall(b"234 AUTH TLS successful\r\n")
                return True
            elif cmd == b"FEAT":
                f.sendall(b"211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n")
            else:
                f.sendall(b"530 Please login with USER and PASS\r\n")
    if proto == "xmpp":
        buf = b""
        while b"<stream:stream" not in buf or not buf.rstrip().endswith(b">"):
            chunk = f.recv(4096)
            if not chunk:
                return False
            buf += chunk
        f.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  b"xmlns:stream='http://etherx.jabber.org/streams' id='tlsdiag1' "
                  b"from='localhost' version='1.0'>"
                  b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
                  b"<required/></starttls></stream:features>")
        buf = b""
        while b"starttls" not in buf:
            chunk = f.recv(4096)
            if not chunk:
                return False
            buf += chunk
        f.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        return True
    if proto == "postgres":
        # SSLRequest: Int32 length 8, Int32 80877103 (1234 << 16 | 5679)
        req = recv_exact(f, 8)
        length, code = struct.unpack("!II", req)
        log("postgres: length=%d code=%d" % (length, code))
        if refuse:
            f.sendall(b"N")
            # a real server now waits for a StartupMessage in the clear
            wait_for_eof(f, limit=3.0)
            return False
        f.sendall(b"S")
        return True
    if proto == "ldap":
        msg = read_ber(f)
        # LDAPMessage ::= SEQUENCE { messageID INTEGER, protocolOp ExtendedRequest [APPLICATION 23] }
        msgid = msg[4] if msg[2] == 0x02 and msg[3] == 1 else 1
        log("ldap: request %s" % msg.hex())
        # ExtendedResponse [APPLICATION 24] { resultCode ENUMERATED success(0),
        #   matchedDN "", diagnosticMessage "", responseName [10] the StartTLS OID }
        op = ber(0x78, ber(0x0A, b"\x00") + ber(0x04, b"") + ber(0x04, b"") + ber(0x8A, LDAP_STARTTLS_OID))
        f.sendall(ber(0x30, ber(0x02, bytes([msgid])) + op))
        return True
    if proto == "irc":
        # a numeric notice (RPL_HELLO 020): s_client reads numerics until 670
        # and gives up on a line without one, such as a plain NOTICE
        f.sendall(b":irc.example.test 020 * :Please wait while we process your connection.\r\n")
        while True:
            line = read_line(f)
            if not line:
                return False
            if line.strip().upper() == b"STARTTLS":
                f.sendall(b":irc.example.test 670 * :STARTTLS successful, proceed with TLS handshake\r\n")
                return True
            f.sendall(b":irc.example.test 451 * :You have not registered\r\n")
    if proto == "mysql":
        f.sendall(mysql_handshake_v10())
        hdr = recv_exact(f, 4)
        n = int.from_bytes(hdr[:3], "little")
        body = recv_exact(f, n)
        caps = struct.unpack("<I", body[:4])[0]
        log("mysql: SSLRequest seq=%d len=%d caps=0x%x ssl=%s" % (hdr[3], n, caps, bool(caps & 0x800)))
        return True
    raise ValueError(proto)


STARTTLS_AFTER = {
    # protocol: (reply to the first line the client sends inside TLS)
    "smtp": b"221 2.0.0 Bye\r\n",
    "imap": b"* BYE logging out\r\na OK LOGOUT completed\r\n",
    "pop3": b"+OK bye\r\n",
    "ftp": b"221 Goodbye.\r\n",
    "xmpp": b"</stream:stream>",
    "irc": b"ERROR :Closing Link: localhost (Quit: bye)\r\n",
    "postgres": None,
    "ldap": None,
    "mysql": None,
}


def cmd_starttls_server(a):
    ls = listen(a.host, a.port)
    conn = accept(ls)
    try:
        go = starttls_preamble(a.proto, conn, a.refuse)
        if go:
            ctx = server_ctx(a)
            tls = ctx.wrap_socket(conn, server_side=True)
            log("%s STARTTLS server TLS:" % a.proto, tls.version(), tls.cipher()[0])
            serve_tls_session(tls, STARTTLS_AFTER[a.proto])
        else:
            wait_for_eof(conn, limit=2.0)
            conn.close()
    except (ssl.SSLError, OSError, ValueError) as e:
        log("starttls server:", e)
        conn.close()
    ls.close()


def cmd_smtp_client(a):
    """A well-behaved SMTP client (smtplib): EHLO, STARTTLS; on a refusal it
    does not start TLS but says QUIT."""
    import smtplib
    smtp = smtplib.SMTP(a.host, a.port, local_hostname="client.example.test", timeout=IO_TIMEOUT)
    smtp.ehlo()
    code, msg = smtp.docmd("STARTTLS")
    log("STARTTLS answered %d %r" % (code, msg))
    if code == 220:
        smtp.sock = client_ctx(a).wrap_socket(smtp.sock, server_hostname=None)
        smtp.file = None
        smtp.ehlo()
    smtp.quit()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn, server=False, client=False):
        sp = sub.add_parser(name)
        sp.set_defaults(fn=fn)
        sp.add_argument("--host", default="127.0.0.1")
        sp.add_argument("--port", type=int, required=True)
        if server:
            sp.add_argument("--cert")
            sp.add_argument("--key")
        if client:
            sp.add_argument("--cafile")
            sp.add_argument("--sni", default="localhost")
        sp.add_argument("--tls12", action="store_true")
        sp.add_argument("--alpn")
        return sp

    sp = add("tls-server", cmd_tls_server, server=True)
    sp.add_argument("--count", type=int, default=1)
    add("tls-client", cmd_tls_client, client=True)
    sp = add("abort-server", cmd_abort_server)
    sp.add_argument("--mode", choices=["reset", "fin", "silent", "alert-wait"], required=True)
    sp.add_argument("--delay", type=float, default=0.0)
    sp.add_argument("--silent-limit", type=float, default=8.0)
    sp = add("silent-client", cmd_silent_client, client=True)
    sp.add_argument("--timeout", type=float, default=3.0)
    sp = add("flight-client", cmd_flight_client, client=True)
    sp.add_argument("--mode", choices=["reset", "fin"], required=True)
    sp.add_argument("--delay", type=float, default=0.0)
    add("split-client", cmd_split_client, client=True)
    sp = add("rdp-server", cmd_rdp_server, server=True)
    sp.add_argument("--mode", choices=["ok", "reset", "fail"], required=True)
    sp.add_argument("--failure-code", type=int, default=5)
    sp.add_argument("--delay", type=float, default=0.0)
    sp = add("rdp-client", cmd_rdp_client, client=True)
    sp.add_argument("--user", default="admin")
    sp = add("starttls-server", cmd_starttls_server, server=True)
    sp.add_argument("--proto", required=True, choices=sorted(STARTTLS_AFTER))
    sp.add_argument("--refuse", action="store_true")
    add("smtp-client", cmd_smtp_client, client=True)

    a = p.parse_args()
    try:
        a.fn(a)
    except Exception as e:  # report, but let the capture script carry on
        log("%s failed: %s: %s" % (a.cmd, type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
