#!/usr/bin/env python3
"""Load for the tlsdiag live soak: many short TLS connections on 127.0.0.1 only, bounded in time
and count.

Servers (threads in this process, on free ports of 127.0.0.1):
  ok      TLS 1.2/1.3, any suite            -> clients succeed
  strict  TLS 1.2 only, AES256-SHA only     -> clients offering only ECDHE-RSA-AES128-GCM-SHA256
                                               fail (handshake_failure)
  silent  accepts, never answers            -> clients give up after 1.5 s (server silent)
  closed  a port nobody listens on          -> connection refused

Clients: WORKERS threads pick a kind by weight (ok 85 %, strict 9 %, silent 3 %, refused 2 %,
hold 1 %: a successful handshake kept open, silent, for 90 s, at most 20 at once) and run at
about RATE connections per second in total, until DURATION seconds or MAX connections.

Prints one line per 10 s on stderr and a final JSON line on stdout with the counts per kind.
Usage: loadgen.py --duration 600 --rate 50 --max 100000 --workdir DIR
"""
import argparse
import json
import os
import random
import socket
import ssl
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def free_port():
    s = socket.socket()
    s.bind((HOST, 0))
    p = s.getsockname()[1]
    s.close()
    return p


def make_cert(workdir):
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-days", "1", "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class TLSServer(threading.Thread):
    def __init__(self, ctx, stop):
        super().__init__(daemon=True)
        self.ctx, self.stop = ctx, stop
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(256)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]

    def run(self):
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        c.settimeout(120)
        try:
            t = self.ctx.wrap_socket(c, server_side=True)
            while t.recv(4096):
                t.sendall(b"HTTP/1.0 200 OK\r\n\r\nok\n")
            t.close()
        except (ssl.SSLError, OSError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass


class SilentServer:
    """Listens; accepted connections are kept open and never read."""

    def __init__(self, stop):
        self.stop = stop
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        self.sock.settimeout(0.5)
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            self.held.append((time.time(), c))
            # Close what was held long ago (the client gave up at 1.5 s).
            now = time.time()
            keep = []
            for t, s in self.held:
                if now - t > 5:
                    s.close()
                else:
                    keep.append((t, s))
            self.held = keep


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--max", type=int, default=100000)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--ports-file", required=True, help="written with the ports, for the capture filter")
    ap.add_argument("--start-file", help="wait until this file exists before starting the load")
    a = ap.parse_args()

    stop = threading.Event()
    cert, key = make_cert(a.workdir)
    ok_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ok_ctx.load_cert_chain(cert, key)
    strict_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    strict_ctx.load_cert_chain(cert, key)
    strict_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    strict_ctx.set_ciphers("AES256-SHA")
    ok, strict = TLSServer(ok_ctx, stop), TLSServer(strict_ctx, stop)
    ok.start()
    strict.start()
    silent = SilentServer(stop)
    closed_port = free_port()
    with open(a.ports_file, "w") as f:
        f.write(" ".join(str(p) for p in (ok.port, strict.port, silent.port, closed_port)) + "\n")
    if a.start_file:
        while not os.path.exists(a.start_file):
            time.sleep(0.1)

    client_ok = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ok.check_hostname = False
    client_ok.verify_mode = ssl.CERT_NONE
    client_bad = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_bad.check_hostname = False
    client_bad.verify_mode = ssl.CERT_NONE
    client_bad.maximum_version = ssl.TLSVersion.TLSv1_2
    client_bad.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")

    kinds = [("ok", 85), ("strict", 9), ("silent", 3), ("refused", 2), ("hold", 1)]
    total_w = sum(w for _, w in kinds)
    counts = {k: 0 for k, _ in kinds}
    errors = {k: 0 for k, _ in kinds}
    lock = threading.Lock()
    holders = threading.Semaphore(20)
    started = time.time()
    deadline = started + a.duration
    issued = [0]
    interval = a.workers / a.rate if a.rate > 0 else 0

    def pick():
        r = random.uniform(0, total_w)
        for k, w in kinds:
            r -= w
            if r <= 0:
                return k
        return "ok"

    def one(kind):
        if kind == "ok":
            with socket.create_connection((HOST, ok.port), timeout=10) as s:
                with client_ok.wrap_socket(s, server_hostname="localhost") as t:
                    t.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    t.recv(4096)
        elif kind == "hold":
            # Settled, then quiet for 90 s: tlsdiag forgets it after its idle timeout (60 s).
            s = socket.create_connection((HOST, ok.port), timeout=10)
            t = client_ok.wrap_socket(s, server_hostname="localhost")
            t.sendall(b"GET / HTTP/1.0\r\n\r\n")
            t.recv(4096)

            def release():
                t.close()
                holders.release()
            timer = threading.Timer(90, release)
            timer.daemon = True
            timer.start()
        elif kind == "strict":
            with socket.create_connection((HOST, strict.port), timeout=10) as s:
                try:
                    client_bad.wrap_socket(s, server_hostname="localhost")
                except ssl.SSLError:
                    pass
        elif kind == "silent":
            with socket.create_connection((HOST, silent.port), timeout=10) as s:
                s.settimeout(1.5)
                try:
                    client_ok.wrap_socket(s, server_hostname="localhost")
                except (socket.timeout, ssl.SSLError, OSError):
                    pass
        elif kind == "refused":
            try:
                socket.create_connection((HOST, closed_port), timeout=2).close()
            except OSError:
                pass

    def worker():
        nxt = time.time()
        while True:
            now = time.time()
            if now < nxt:
                time.sleep(nxt - now)
            nxt += interval
            with lock:
                if time.time() >= deadline or issued[0] >= a.max:
                    return
                issued[0] += 1
            kind = pick()
            if kind == "hold" and not holders.acquire(blocking=False):
                kind = "ok"
            try:
                one(kind)
            except (OSError, ssl.SSLError):
                if kind == "hold":
                    holders.release()
                with lock:
                    errors[kind] += 1
            with lock:
                counts[kind] += 1

    def progress():
        while not stop.is_set():
            time.sleep(10)
            with lock:
                print(f"loadgen: {time.time() - started:.0f}s {issued[0]} connections {counts}", file=sys.stderr, flush=True)

    threading.Thread(target=progress, daemon=True).start()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(a.workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1, deadline - time.time() + 120))
    stop.set()
    print(json.dumps({"seconds": round(time.time() - started, 1), "connections": issued[0],
                      "by_kind": counts, "client_errors": errors}), flush=True)


if __name__ == "__main__":
    main()
