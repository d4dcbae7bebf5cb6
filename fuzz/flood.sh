#!/bin/bash
# SYN-flood measurement: run time and peak memory of `tlsdiag analyze` over captures of N SYNs,
# each to a different (address, port), to check that memory is bounded by the connection cap and
# that time grows linearly with the input.
#
#   fuzz/flood.sh [N...]                 default: 1000000 4000000
#   FLOOD_FORMATS="jsonl text" FLOOD_ARGS="--max-connections 200000" fuzz/flood.sh 1000000
#
# Builds the release binary (swift build -c release), writes each capture once to
# ${FLOOD_DIR:-/tmp/tlsdiag-flood} (70 bytes a SYN: 70 MB per million), then runs
# `/usr/bin/time` over `tlsdiag analyze --format F FILE > /dev/null` for each format and prints
# one line per run: SYNs, format, wall and CPU seconds (user + system: the machine may be shared,
# so CPU time is the figure to compare), max RSS, CPU µs per packet, exit status, and the run's
# warnings (stderr).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DIR=${FLOOD_DIR:-/tmp/tlsdiag-flood}
FORMATS=${FLOOD_FORMATS:-"jsonl text"}
ARGS=${FLOOD_ARGS:-}
COUNTS=("$@")
[ ${#COUNTS[@]} -eq 0 ] && COUNTS=(1000000 4000000)
mkdir -p "$DIR"

(cd "$ROOT" && swift build -c release --product tlsdiag 2>&1 | tail -1) >&2
BIN="$ROOT/.build/release/tlsdiag"

# One capture of N SYNs: client 10.0.0.1:40000-59999, server 10.<hi>.<mid>.<lo>:<1..60000>,
# 10 µs apart (so no idle timeout fires: only the connection cap can bound the table).
generate() {
    local n=$1 out=$2
    [ -s "$out" ] && return 0
    python3 - "$n" "$out" <<'EOF'
import struct, sys
n, out = int(sys.argv[1]), sys.argv[2]
eth = b"\x02\x00\x00\x00\x00\x00\x02\x02\x00\x00\x00\x01\x08\x00"
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    chunk = []
    for i in range(n):
        host = i // 60000
        dst = bytes([10, (host >> 16) & 255 | 16, (host >> 8) & 255, host & 255])
        ip = struct.pack(">BBHHHBBH", 0x45, 0, 40, 0, 0x4000, 64, 6, 0) + b"\x0a\x00\x00\x01" + dst
        tcp = struct.pack(">HHIIBBHHH", 40000 + i % 20000, 1 + i % 60000, i * 7919 & 0xffffffff, 0, 0x50, 0x02, 65535, 0, 0)
        us = i * 10
        chunk.append(struct.pack("<IIII", 1700000000 + us // 1000000, us % 1000000, 54, 54) + eth + ip + tcp)
        if len(chunk) == 65536:
            f.write(b"".join(chunk)); chunk = []
    f.write(b"".join(chunk))
EOF
}

printf '%-9s %-6s %9s %9s %10s %11s %4s  %s\n' SYNs format wall-s cpu-s "max RSS" "cpu µs/pkt" exit warnings
for n in "${COUNTS[@]}"; do
    file="$DIR/syn-$n.pcap"
    generate "$n" "$file"
    for fmt in $FORMATS; do
        set +e
        /usr/bin/time -f "%e %M %U %S" -o "$DIR/time.txt" "$BIN" analyze --format "$fmt" $ARGS "$file" > /dev/null 2> "$DIR/stderr.txt"
        rc=$?
        set -e
        read -r secs kb usr sys < <(tail -n 1 "$DIR/time.txt")
        cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
        us=$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.2f", c * 1e6 / n }')
        # (grep finds nothing when a run wrote no warning: not an error under pipefail.)
        warn=$({ grep -v '^Command exited' "$DIR/stderr.txt" || true; } | sed "s|$file: ||" | tr '\n' ' ')
        printf '%-9s %-6s %9s %9s %7d MB %11s %4s  %s\n' "$n" "$fmt" "$secs" "$cpu" $((kb / 1024)) "$us" "$rc" "$warn"
    done
done
