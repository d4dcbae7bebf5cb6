# Shared by run.sh and profile.sh: the sources of the generated captures and how they are made.
# Expects HERE, ROOT, WORK and CAP to be set.

# The source connections and their weights (copies per round); server ports mapped to the usual ones
# so that tshark and ssldump recognise STARTTLS as they would on a real network. RDP keeps its port
# (44319): tshark finds TLS inside RDP only when told the port carries TPKT (TSHARK_DECODE), and on
# 3389 its RDP dissector does not hand the bytes after the X.224 exchange to TLS.
SOURCES=(
    "$CAP/01-ok-tls13.pcap@443*4" "$CAP/02-ok-tls12-ecdhe-rsa.pcap@443*4" "$CAP/03-ok-gnutls-tls13.pcap@443*2"
    "$CAP/04-ok-python.pcap@443*2" "$CAP/05-ok-nginx-ipv6.pcap@443*2" "$CAP/19-rdp-ok.pcap"
    "$CAP/28-starttls-smtp.pcap@25" "$CAP/33-starttls-postgres.pcap@5432" "$CAP/39-split-clienthello.pcap@443*2"
    "$CAP/47-many-connections-ecdsa-server.pcap@443" "$CAP/48a-resumption-tls12.pcap@443"
    "$CAP/48b-resumption-tls13.pcap@443" "$CAP/49-hello-retry-request.pcap@443"
    "$CAP/06-no-common-cipher.pcap@443" "$CAP/13-unrecognized-name.pcap@443"
    "$CAP/17-server-reset-after-clienthello.pcap@443" "$CAP/23-client-reset-after-server-flight.pcap@443"
)
# The same without the failing connections (the four failure captures, and 47 whose sixth
# connection fails): what is left in memory is then only the connections in progress.
OK_SOURCES=()
for s in "${SOURCES[@]}"; do
    case $s in */06-*|*/13-*|*/17-*|*/23-*|*/47-*) ;; *) OK_SOURCES+=("$s") ;; esac
done
# Generator options per kind: concurrency, packet rate (virtual), bulk segments per connection.
gen_opts() {
    case $1 in
        handshake|handshake-ok) echo "-k 128 -r 40000 -b 0" ;;
        handshake-varied) echo "-k 128 -r 40000 -b 0 -V" ;;
        bulk) echo "-k 128 -r 100000 -b 300" ;;
        *) echo "unknown capture kind $1" >&2; exit 2 ;;
    esac
}
sources_for() {
    case $1 in
        handshake-ok) echo "${OK_SOURCES[*]}" ;;
        *) echo "${SOURCES[*]}" ;;
    esac
}

build_tools() {
    gcc -O2 -Wall -o "$WORK/gen" "$HERE/gen.c" -lpcap
    gcc -O2 -Wall -o "$WORK/loop" "$HERE/loop.c" -lpcap
}

# generate KIND MB -> path of the capture (made if missing or made with other parameters)
generate() {
    local kind=$1 mb=$2
    local f="$WORK/$kind-$mb.pcap"
    local params="$(gen_opts "$kind") -s $mb -S 1 $(sources_for "$kind")"
    # (The generator's checksum is kept with the parameters: a changed generator makes new files.)
    local stamp="$params gen:$(md5sum < "$HERE/gen.c" | cut -c1-12)"
    if [[ ! -f $f || ! -f $f.info || "$(head -1 "$f.info")" != "$stamp" ]]; then
        echo "generating $f ..." >&2
        # shellcheck disable=SC2086
        "$WORK/gen" -o "$f" $params 2> "$f.log"
        { echo "$stamp"; tail -1 "$f.log"; } > "$f.info"
    fi
    echo "$f"
}

