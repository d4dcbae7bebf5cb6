#!/usr/bin/env bash
# Regenerate the tlsdiag test captures: real TLS stacks talking over loopback,
# recorded with tcpdump.  Run as root on Debian 12:
#
#     sudo bash Captures/make-captures.sh            # every scenario
#     sudo bash Captures/make-captures.sh 17 18 40   # only these (ids as in the file names)
#
# Needs: tcpdump, openssl, gnutls-bin, nginx-light, python3, tshark (for editcap), gzip, iproute2 (ss), curl.
# Each scenario uses its own port (44300 + id, 44400 + id for second variants), so
# captures never mix.  Every client and server runs under `timeout`; servers are
# killed at the end of their scenario.  Keys and certificates are made fresh in a
# temporary directory on each run (so bytes differ between runs; what happens does not).
# Captures marked "derived" are made from a real capture by tools/pcapedit.py.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-$HERE}
TOOLS=$HERE/tools
PY=${PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3
PEERS=("$PY" "$TOOLS/peers.py")
PCAPEDIT=("$PY" "$TOOLS/pcapedit.py")
WORK=$(mktemp -d /tmp/tlsdiag-captures.XXXXXX)
LOG=$WORK/log
: >"$LOG"

if [ "$(id -u)" != 0 ]; then echo "run as root (tcpdump needs it)" >&2; exit 1; fi
for t in tcpdump openssl gnutls-serv gnutls-cli nginx editcap ss curl gzip; do
    command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done

SRV_PIDS=()
CAP_PID=
cleanup() {
    [ -n "$CAP_PID" ] && kill -INT "$CAP_PID" 2>/dev/null
    for p in "${SRV_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    [ -f "$WORK/nginx/nginx.pid" ] && kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '%s\n' "$*" | tee -a "$LOG" >&2; }

# ---------------------------------------------------------------- capture control
# cap_start FILE PORT [IFACE [extra tcpdump args...]]
cap_start() {
    local file=$1 port=$2 iface=${3:-lo}
    shift 2; [ $# -gt 0 ] && shift
    rm -f "$file"
    : >"$WORK/tcpdump.err"
    timeout 60 tcpdump -i "$iface" "$@" -Z root -w "$file" -s 0 -U --immediate-mode "tcp port $port" 2>"$WORK/tcpdump.err" &
    CAP_PID=$!
    local i
    for i in $(seq 200); do
        grep -q 'listening on' "$WORK/tcpdump.err" && { sleep 0.2; return 0; }
        sleep 0.05
    done
    say "tcpdump did not start: $(cat "$WORK/tcpdump.err")"; exit 1
}
cap_stop() {
    sleep "${1:-0.4}"
    kill -INT "$CAP_PID" 2>/dev/null
    wait "$CAP_PID" 2>/dev/null
    CAP_PID=
    tail -n 3 "$WORK/tcpdump.err" | grep captured >>"$LOG"
}

# ---------------------------------------------------------------- servers
# srv CMD...: start a server in the background (bounded by timeout 40 s)
srv() {
    timeout 40 "$@" >>"$LOG" 2>&1 </dev/null &
    SRV_PIDS+=($!)
    SRV_PID=$!
}
# wait until something listens on PORT (checked with ss, so no packet is sent)
wait_listen() {
    local port=$1 i
    for i in $(seq 200); do
        [ -n "$(ss -Hltn "( sport = :$port )" 2>/dev/null)" ] && return 0
        sleep 0.05
    done
    say "nothing listens on $port"; return 1
}
stop_srv() {
    # let a server that exits by itself finish, then end it
    local pid=${1:-$SRV_PID} i
    for i in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}
# client CMD...: a client bounded by timeout, output to the log; failures are expected
client() { timeout "${CLIENT_TIMEOUT:-8}" "$@" >>"$LOG" 2>&1; say "  client exit $?"; }

OSSL_S=(openssl s_server -quiet -naccept 1)
OSSL_C=(openssl s_client -CAfile "$WORK/ca.pem")

# s_server in -WWW mode serves files from its working directory; it answers one
# HTTP request and closes with close_notify.  It never reads standard input.
ossl_server() { # port, then extra s_server args
    local port=$1; shift
    in_www srv "${OSSL_S[@]}" -accept "$port" -WWW "$@"
    wait_listen "$port"
}
# run a command with the web root as working directory (s_server -WWW, http.server)
in_www() { cd "$WORK/www" || exit 1; "$@"; cd "$HERE" || exit 1; }
GET='GET /hello.txt HTTP/1.0\r\nHost: localhost\r\n\r\n'
# openssl client that sends one request and waits for the server to close
ossl_get() { # port, then extra s_client args
    local port=$1; shift
    printf "$GET" | client "${OSSL_C[@]}" -connect "127.0.0.1:$port" -ign_eof -quiet "$@"
}
# openssl client for failing handshakes: no request, stdin at EOF
ossl_try() {
    local port=$1; shift
    client "${OSSL_C[@]}" -connect "127.0.0.1:$port" "$@" </dev/null
}

# ---------------------------------------------------------------- keys and certificates
make_pki() {
    say "== keys and certificates in $WORK"
    mkdir -p "$WORK/www"
    printf 'hello from tlsdiag\n' >"$WORK/www/hello.txt"
    cd "$WORK" || exit 1
    local q=(-batch -nodes)
    # a tiny CA, and another CA nobody trusts
    openssl req -x509 -newkey rsa:2048 -keyout ca.key -out ca.pem -days 30 "${q[@]}" \
        -subj "/CN=tlsdiag test CA" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>>"$LOG"
    openssl req -x509 -newkey rsa:2048 -keyout other-ca.key -out other-ca.pem -days 30 "${q[@]}" \
        -subj "/CN=some other CA" -addext "basicConstraints=critical,CA:TRUE" 2>>"$LOG"
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n' >server.ext
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    # server keys: RSA 2048 and ECDSA P-256, certificates signed by the CA
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>>"$LOG"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa.key 2>>"$LOG"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client.key 2>>"$LOG"
    local k
    for k in rsa ecdsa; do
        openssl req -new -key $k.key -subj "/CN=localhost" -out $k.csr 2>>"$LOG"
        openssl x509 -req -in $k.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -extfile server.ext -out $k.pem 2>>"$LOG"
    done
    openssl req -new -key client.key -subj "/CN=tlsdiag client" -out client.csr 2>>"$LOG"
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        -extfile client.ext -out client.pem 2>>"$LOG"
    # a self-signed certificate for nginx
    openssl req -x509 -newkey rsa:2048 -keyout nginx.key -out nginx.pem -days 30 "${q[@]}" \
        -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" 2>>"$LOG"
    # weak DH parameters (1024 bit) for the weak-key-exchange scenario
    openssl dhparam -out dh1024.pem 1024 2>>"$LOG"
    ls "$WORK" >>"$LOG"
    cd "$HERE" || exit 1
}

RSA=(-cert "$WORK/rsa.pem" -key "$WORK/rsa.key")
ECDSA=(-cert "$WORK/ecdsa.pem" -key "$WORK/ecdsa.key")
PYRSA=(--cert "$WORK/rsa.pem" --key "$WORK/rsa.key")

# ---------------------------------------------------------------- scenarios
# Each sNN writes $OUT/NN-name.pcap.

s01() { local p=44301 f=$OUT/01-ok-tls13.pcap
    ossl_server $p "${RSA[@]}" -tls1_3 -alpn h2
    cap_start "$f" $p
    ossl_get $p -tls1_3 -servername localhost -alpn h2
    cap_stop; stop_srv; }

s02() { local p=44302 f=$OUT/02-ok-tls12-ecdhe-rsa.pcap
    ossl_server $p "${RSA[@]}" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
    cap_start "$f" $p
    ossl_get $p -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername localhost
    cap_stop; stop_srv; }

s03() { local p=44303 f=$OUT/03-ok-gnutls-tls13.pcap
    srv gnutls-serv --http --port $p --x509certfile "$WORK/ecdsa.pem" --x509keyfile "$WORK/ecdsa.key" \
        --disable-client-cert --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3'
    wait_listen $p
    cap_start "$f" $p
    printf "$GET" | client gnutls-cli --port $p --x509cafile "$WORK/ca.pem" \
        --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3' localhost
    cap_stop; stop_srv; }

s04() { local p=44304 f=$OUT/04-ok-python.pcap
    srv "${PEERS[@]}" tls-server --port $p "${PYRSA[@]}"
    wait_listen $p
    cap_start "$f" $p
    client "${PEERS[@]}" tls-client --port $p --cafile "$WORK/ca.pem"
    cap_stop; stop_srv; }

# nginx: one instance with a TLS server (127.0.0.1 and [::1], port 44305), a
# plain-HTTP server (44325) and a second TLS server (44426); started per scenario.
nginx_up() {
    local d=$WORK/nginx
    mkdir -p "$d/logs"
    cat >"$d/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $d/body; proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi; uwsgi_temp_path $d/uwsgi; scgi_temp_path $d/scgi;
    server {
        listen 127.0.0.1:44305 ssl;
        listen [::1]:44305 ssl;
        listen 127.0.0.1:44426 ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        server_name localhost;
        ssl_certificate $WORK/nginx.pem;
        ssl_certificate_key $WORK/nginx.key;
        location / { default_type text/plain; return 200 "hello from nginx\n"; }
    }
    server {
        listen 127.0.0.1:44325;
        server_name localhost;
        location / { default_type text/plain; return 200 "hello from nginx\n"; }
    }
}
EOF
    nginx -p "$d" -c "$d/nginx.conf" >>"$LOG" 2>&1 || { say "nginx failed"; return 1; }
    wait_listen 44305 && wait_listen 44325 && wait_listen 44426
}
nginx_down() {
    local f=$WORK/nginx/nginx.pid
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    local i; for i in $(seq 40); do [ -f "$f" ] || break; sleep 0.05; done
}

s05() { local p=44305 f=$OUT/05-ok-nginx-ipv6.pcap
    nginx_up || return
    cap_start "$f" $p
    printf "$GET" | client openssl s_client -CAfile "$WORK/nginx.pem" -connect "[::1]:$p" \
        -servername localhost -ign_eof -quiet
    cap_stop; nginx_down; }

s06() { local p=44306 f=$OUT/06-no-common-cipher.pcap
    ossl_server $p "${RSA[@]}" -tls1_2 -cipher AES256-SHA
    cap_start "$f" $p
    ossl_try $p -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 -servername localhost
    cap_stop; stop_srv; }

s07() { local p=44307 f=$OUT/07-version-server13-client12.pcap
    ossl_server $p "${RSA[@]}" -tls1_3
    cap_start "$f" $p
    ossl_try $p -tls1_2 -servername localhost
    cap_stop; stop_srv; }

s08() { local p=44308 f=$OUT/08-version-server12-client13.pcap
    ossl_server $p "${RSA[@]}" -tls1_2
    cap_start "$f" $p
    ossl_try $p -tls1_3 -servername localhost
    cap_stop; stop_srv; }

s09() { local p=44309 f=$OUT/09-cert-rejected-tls12.pcap
    ossl_server $p "${RSA[@]}" -tls1_2
    cap_start "$f" $p
    client openssl s_client -connect 127.0.0.1:$p -tls1_2 -servername localhost \
        -CAfile "$WORK/other-ca.pem" -verify_return_error </dev/null
    cap_stop; stop_srv; }

s10() { local p=44310 f=$OUT/10-cert-rejected-tls13.pcap
    ossl_server $p "${RSA[@]}" -tls1_3
    cap_start "$f" $p
    client openssl s_client -connect 127.0.0.1:$p -tls1_3 -servername localhost \
        -CAfile "$WORK/other-ca.pem" -verify_return_error </dev/null
    cap_stop; stop_srv
    s10b; }

s10b() { local p=44410 f=$OUT/10b-cert-rejected-tls13-gnutls-client.pcap
    # gnutls-cli encrypts its alert under the handshake keys (openssl does not, see 10)
    ossl_server $p "${RSA[@]}" -tls1_3
    cap_start "$f" $p
    client gnutls-cli --port $p --x509cafile "$WORK/other-ca.pem" localhost </dev/null
    cap_stop; stop_srv; }

s11() { local p=44311 f=$OUT/11-client-cert-required-tls12.pcap
    ossl_server $p "${RSA[@]}" -tls1_2 -Verify 1 -CAfile "$WORK/ca.pem"
    cap_start "$f" $p
    ossl_try $p -tls1_2 -servername localhost
    cap_stop; stop_srv; }

s12() { local p=44312 f=$OUT/12-client-cert-required-tls13.pcap
    ossl_server $p "${RSA[@]}" -tls1_3 -Verify 1 -CAfile "$WORK/ca.pem"
    cap_start "$f" $p
    # the client finishes its side of the handshake, then learns of the refusal
    printf "$GET" | client "${OSSL_C[@]}" -connect 127.0.0.1:$p -tls1_3 -servername localhost -ign_eof
    cap_stop; stop_srv; }

s13() { local p=44313 f=$OUT/13-unrecognized-name.pcap
    ossl_server $p "${RSA[@]}" -servername www.example.test -servername_fatal \
        -cert2 "$WORK/ecdsa.pem" -key2 "$WORK/ecdsa.key"
    cap_start "$f" $p
    ossl_try $p -servername other.example.test
    cap_stop; stop_srv; }

s14() { local p=44314 f=$OUT/14-no-application-protocol.pcap
    # openssl s_server ignores an ALPN mismatch (no ALPN in its answer); gnutls-serv
    # with --alpn-fatal refuses with no_application_protocol.
    srv gnutls-serv --http --port $p --x509certfile "$WORK/rsa.pem" --x509keyfile "$WORK/rsa.key" \
        --disable-client-cert --alpn h2 --alpn-fatal
    wait_listen $p
    cap_start "$f" $p
    ossl_try $p -alpn http/1.1 -servername localhost
    cap_stop; stop_srv; }

s15() { local p=44315 f=$OUT/15-inappropriate-fallback.pcap
    ossl_server $p "${RSA[@]}" -cipher 'DEFAULT@SECLEVEL=0'
    cap_start "$f" $p
    ossl_try $p -tls1_1 -fallback_scsv -cipher 'DEFAULT@SECLEVEL=0' -servername localhost
    cap_stop; stop_srv; }

s16() { local p=44316 f=$OUT/16-weak-dh.pcap
    ossl_server $p "${RSA[@]}" -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256@SECLEVEL=0' \
        -dhparam "$WORK/dh1024.pem"
    cap_start "$f" $p
    # Debian's default client security level is 2: a 1024-bit DH group is refused
    ossl_try $p -cipher 'DEFAULT@SECLEVEL=2' -servername localhost
    cap_stop; stop_srv; }

s17() { local p=44317 f=$OUT/17-server-reset-after-clienthello.pcap
    srv "${PEERS[@]}" abort-server --port $p --mode reset
    wait_listen $p
    cap_start "$f" $p
    ossl_try $p -tls1_2 -servername localhost
    cap_stop; stop_srv; }

s51() { local p=44351 f=$OUT/51-server-alert-client-closes.pcap
    srv "${PEERS[@]}" abort-server --port $p --mode alert-wait
    wait_listen $p
    cap_start "$f" $p
    ossl_try $p -tls1_2 -servername localhost
    cap_stop; stop_srv; }

s18() { local p=44318 f=$OUT/18-rdp-server-reset.pcap
    srv "${PEERS[@]}" rdp-server --port $p --mode reset
    wait_listen $p
    cap_start "$f" $p
    client "${PEERS[@]}" rdp-client --port $p
    cap_stop; stop_srv; }

s19() { local p=44319 f=$OUT/19-rdp-ok.pcap
    srv "${PEERS[@]}" rdp-server --port $p --mode ok "${PYRSA[@]}"
    wait_listen $p
    cap_start "$f" $p
    client "${PEERS[@]}" rdp-client --port $p
    cap_stop; stop_srv; }

s20() { local p=44320 f=$OUT/20-rdp-negotiation-failure.pcap
    srv "${PEERS[@]}" rdp-server --port $p --mode fail --failure-code 5
    wait_listen $p
    cap_start "$f" $p
    client "${PEERS[@]}" rdp-client --port $p
    cap_stop; stop_srv; }

s21() { local p=44321 f=$OUT/21-server-closed-after-clienthello.pcap
    srv "${PEERS[@]}" abort-server --port $p --mode fin
    wait_listen $p
    cap_start "$f" $p
    ossl_try $p -tls1_2 -servername localhost
    cap_stop; stop_srv; }

s22() { local p=44322 f=$OUT/22-server-silent.pcap
    srv "${PEERS[@]}" abort-server --port $p --mode silent
    wait_listen $p
    cap_start "$f" $p
    client "${PEERS[@]}" silent-client --port $p --timeout 3
    cap_stop; stop_srv; }

s23() { local p=44323 f=$OUT/23-client-reset-after-server-flight.pcap
    ossl_server $p "${RSA[@]}" -tls1_2
    cap_start "$f" $p
    client "${PEERS[@]}" flight-client --port $p --mode reset --tls12 --delay 0.05
    cap_stop; stop_srv; }

s24() { local p=44324 f=$OUT/24-client-closed-after-server-flight.pcap
    ossl_server $p "${RSA[@]}" -tls1_3
    cap_start "$f" $p
    client "${PEERS[@]}" flight-client --port $p --mode fin --delay 0.05
    cap_stop; stop_srv; }

s25() { local p=44325 f=$OUT/25-not-tls-http-server.pcap
    # a TLS client against nginx's plain-HTTP port: nginx answers "HTTP/1.1 400"
    nginx_up || return
    cap_start "$f" $p
    ossl_try $p -servername localhost
    cap_stop; nginx_down; }

s26() { local p=44326 f=$OUT/26-plaintext-client-to-tls.pcap
    ossl_server $p "${RSA[@]}"
    cap_start "$f" $p
    client curl -sS -m 3 "http://127.0.0.1:$p/hello.txt"
    cap_stop; stop_srv
    s26b; }

s26b() { local p=44426 f=$OUT/26b-plaintext-client-to-nginx-tls.pcap
    # nginx answers plain HTTP on its TLS port with a plaintext 400 page
    nginx_up || return
    cap_start "$f" $p
    client curl -sS -m 3 "http://127.0.0.1:$p/"
    cap_stop; nginx_down; }

s27() { local p=44327 f=$OUT/27-connection-refused.pcap
    cap_start "$f" $p
    ossl_try $p -servername localhost
    cap_stop; }

# STARTTLS: openssl s_client -starttls PROTO against tools/peers.py starttls-server
starttls() { # id name proto input [s_client extra...]
    local id=$1 name=$2 proto=$3 input=$4; shift 4
    local p=$((44300 + 10#$id)) f=$OUT/$id-$name.pcap
    srv "${PEERS[@]}" starttls-server --port $p --proto "$proto" "${PYRSA[@]}"
    wait_listen $p
    cap_start "$f" $p
    printf "$input" | client "${OSSL_C[@]}" -connect 127.0.0.1:$p -starttls "$proto" -ign_eof -quiet "$@"
    cap_stop; stop_srv; }

s28() { starttls 28 starttls-smtp smtp 'QUIT\r\n' -name client.example.test; }
s29() { starttls 29 starttls-imap imap 'a LOGOUT\r\n'; }
s30() { starttls 30 starttls-pop3 pop3 'QUIT\r\n'; }
s31() { starttls 31 starttls-ftp ftp 'QUIT\r\n'; }
s32() { starttls 32 starttls-xmpp xmpp '</stream:stream>' -name localhost; }
s33() { starttls 33 starttls-postgres postgres ''; }
s34() { starttls 34 starttls-ldap ldap ''; }
s35() { starttls 35 starttls-irc irc 'QUIT\r\n'; }
s36() { starttls 36 starttls-mysql mysql ''; }

s37() { local p=44337 f=$OUT/37-starttls-smtp-refused.pcap
    # a well-behaved client (Python smtplib): 454 to STARTTLS -> it says QUIT
    srv "${PEERS[@]}" starttls-server --port $p --proto smtp --refuse "${PYRSA[@]}"
    wait_listen $p
    cap_start "$f" $p
    client "${PEERS[@]}" smtp-client --port $p
    cap_stop; stop_srv
    # openssl s_client does not look at the reply and starts TLS anyway
    p=44437 f=$OUT/37b-starttls-smtp-refused-client-ignores.pcap
    srv "${PEERS[@]}" starttls-server --port $p --proto smtp --refuse "${PYRSA[@]}"
    wait_listen $p
    cap_start "$f" $p
    client "${OSSL_C[@]}" -connect 127.0.0.1:$p -starttls smtp -name client.example.test </dev/null
    cap_stop; stop_srv; }

s38() { local p=44338 f=$OUT/38-starttls-postgres-refused.pcap
    srv "${PEERS[@]}" starttls-server --port $p --proto postgres --refuse "${PYRSA[@]}"
    wait_listen $p
    cap_start "$f" $p
    client "${OSSL_C[@]}" -connect 127.0.0.1:$p -starttls postgres </dev/null
    cap_stop; stop_srv; }

s39() { local p=44339 f=$OUT/39-split-clienthello.pcap
    srv "${PEERS[@]}" tls-server --port $p "${PYRSA[@]}" --alpn h2
    wait_listen $p
    cap_start "$f" $p
    client "${PEERS[@]}" split-client --port $p --cafile "$WORK/ca.pem"
    cap_stop; stop_srv; }

# derived captures (tools/pcapedit.py; see its docstring)
s40() { local src=$OUT/39-split-clienthello.pcap
    [ -f "$src" ] || s39
    "${PCAPEDIT[@]}" reorder "$src" "$OUT/40a-derived-clienthello-reordered.pcap" >>"$LOG" 2>&1
    "${PCAPEDIT[@]}" duplicate "$src" "$OUT/40b-derived-clienthello-duplicate.pcap" >>"$LOG" 2>&1
    "${PCAPEDIT[@]}" overlap "$src" "$OUT/40c-derived-clienthello-overlap.pcap" >>"$LOG" 2>&1; }
s41() { local src=$OUT/39-split-clienthello.pcap
    [ -f "$src" ] || s39
    "${PCAPEDIT[@]}" gap "$src" "$OUT/41-derived-clienthello-gap.pcap" >>"$LOG" 2>&1; }
s42() { local src=$OUT/01-ok-tls13.pcap
    [ -f "$src" ] || s01
    "${PCAPEDIT[@]}" cut-after-clienthello "$src" "$OUT/42-derived-cut-after-clienthello.pcap" >>"$LOG" 2>&1; }
s43() { local src=$OUT/01-ok-tls13.pcap
    [ -f "$src" ] || s01
    "${PCAPEDIT[@]}" start-at-serverhello "$src" "$OUT/43-derived-starts-at-serverhello.pcap" >>"$LOG" 2>&1; }

s50() { local src=$OUT/01-ok-tls13.pcap
    [ -f "$src" ] || s01
    "${PCAPEDIT[@]}" snaplen-96 "$src" "$OUT/50-derived-snaplen-96.pcap" >>"$LOG" 2>&1; }

s52() { local src=$OUT/39-split-clienthello.pcap
    [ -f "$src" ] || s39
    "${PCAPEDIT[@]}" lose-first-segment "$src" "$OUT/52-derived-clienthello-start-lost.pcap" >>"$LOG" 2>&1; }

s44() { local p=44344 f=$OUT/44-ok-tls13-linux-sll2.pcap
    ossl_server $p "${ECDSA[@]}" -tls1_3
    cap_start "$f" $p any -y LINUX_SLL2
    ossl_get $p -tls1_3 -servername localhost
    cap_stop; stop_srv; }

s45() { local p=44345 f=$OUT/45-ok-tls13-nano.pcap
    ossl_server $p "${RSA[@]}" -tls1_3 -alpn h2
    cap_start "$f" $p lo --time-stamp-precision=nano
    ossl_get $p -tls1_3 -servername localhost -alpn h2
    cap_stop; stop_srv
    # tcpdump 4.99 writes only pcap: convert the container to pcapng (packets unchanged)
    editcap -F pcapng "$f" "$OUT/45-ok-tls13.pcapng" >>"$LOG" 2>&1; }

s46() { local src=$OUT/01-ok-tls13.pcap
    [ -f "$src" ] || s01
    gzip -n -c "$src" >"$OUT/46-ok-tls13.pcap.gz"; }

s47() { local p=44347 f=$OUT/47-many-connections-ecdsa-server.pcap
    in_www srv openssl s_server -quiet -naccept 6 -accept $p -WWW "${ECDSA[@]}"
    wait_listen $p
    cap_start "$f" $p
    ossl_get $p -tls1_3 -servername localhost
    ossl_get $p -tls1_3 -servername localhost -ciphersuites TLS_CHACHA20_POLY1305_SHA256
    ossl_get $p -tls1_2 -servername localhost
    ossl_get $p -tls1_3 -servername localhost
    ossl_get $p -tls1_2 -servername localhost -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    # this client offers only RSA-authenticated suites: nothing fits an ECDSA-only server
    ossl_try $p -tls1_2 -servername localhost -cipher 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:AES128-GCM-SHA256'
    cap_stop; stop_srv; }

s48() { local p=44348 f=$OUT/48a-resumption-tls12.pcap
    in_www srv openssl s_server -quiet -naccept 2 -accept $p -WWW "${RSA[@]}" -tls1_2
    wait_listen $p
    cap_start "$f" $p
    ossl_get $p -tls1_2 -servername localhost -sess_out "$WORK/sess12.pem"
    ossl_get $p -tls1_2 -servername localhost -sess_in "$WORK/sess12.pem"
    cap_stop; stop_srv
    p=44448 f=$OUT/48b-resumption-tls13.pcap
    in_www srv openssl s_server -quiet -naccept 2 -accept $p -WWW "${RSA[@]}" -tls1_3
    wait_listen $p
    cap_start "$f" $p
    ossl_get $p -tls1_3 -servername localhost -sess_out "$WORK/sess13.pem"
    ossl_get $p -tls1_3 -servername localhost -sess_in "$WORK/sess13.pem"
    cap_stop; stop_srv; }

s49() { local p=44349 f=$OUT/49-hello-retry-request.pcap
    ossl_server $p "${RSA[@]}" -tls1_3 -groups P-256
    cap_start "$f" $p
    ossl_get $p -tls1_3 -servername localhost -groups X25519:P-256
    cap_stop; stop_srv; }

ALL=(01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30
     31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52)

main() {
    local ids=("$@") id start=$SECONDS
    [ ${#ids[@]} -eq 0 ] && ids=("${ALL[@]}")
    make_pki
    for id in "${ids[@]}"; do
        id=$(printf '%02d' "$((10#$id))")
        say "== scenario $id"
        "s$id"
    done
    chmod 644 "$OUT"/*.pcap* 2>/dev/null
    say "== done in $((SECONDS - start)) s; log of this run: /tmp/tlsdiag-make-captures.log"
    cp "$LOG" /tmp/tlsdiag-make-captures.log
    if command -v tshark >/dev/null; then
        say "== checking the captures against tools/checks.tsv"
        bash "$TOOLS/verify.sh" "$OUT" | tail -n 1
    fi
}

main "$@"
