#!/usr/bin/env bash
# Instruction profile of `tlsdiag analyze --format jsonl` under valgrind's callgrind, on small
# generated captures (handshake 5 MB, bulk 20 MB by default). Instruction counts do not depend on
# the machine's load, unlike wall-clock times: use them to judge one change.
#
#   scripts/bench/profile.sh [TLSDIAG-BINARY]        (default .build/release/tlsdiag, not rebuilt)
#   TOP=40 FILES=handshake PROFILE_MB="handshake:5 bulk:20" scripts/bench/profile.sh
# Writes work/callgrind-<kind>.out (open with callgrind_annotate or kcachegrind) and prints the
# totals, the pipeline's stages (stages.py), the functions with the most instructions of their
# own, then inclusive.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK="$HERE/work"
CAP="$ROOT/Captures"
BIN=${1:-"$ROOT/.build/release/tlsdiag"}
TOP=${TOP:-25}
FILES=${FILES:-"handshake bulk"}
PROFILE_MB=${PROFILE_MB:-"handshake:5 bulk:20"}
mkdir -p "$WORK"
source "$HERE/lib.sh"
build_tools
demangle() { if command -v swift-demangle > /dev/null; then swift-demangle --simplified; else swift demangle --simplified; fi; }
for kind in $FILES; do
    mb=$(tr ' ' '\n' <<< "$PROFILE_MB" | sed -n "s/^$kind://p")
    f=$(generate "$kind" "${mb:-5}")
    info=$(tail -1 "$f.info")
    packets=$(sed -n 's/.* connections, \([0-9]*\) packets.*/\1/p' <<< "$info")
    conns=$(sed -n 's/.*round), \([0-9]*\) connections.*/\1/p' <<< "$info")
    out="$WORK/callgrind-$kind.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN" analyze --format jsonl "$f" > /dev/null 2> "$WORK/callgrind-$kind.log" || true
    total=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$WORK/callgrind-$kind.log")
    echo "== $kind: $(basename "$f"), $packets packets, $conns connections: $total instructions," \
        "$((total / packets)) per packet, $((total / conns)) per connection"
    echo "-- by stage (inclusive)"
    python3 "$HERE/stages.py" "$out" "$conns"
    echo "-- self"
    callgrind_annotate --inclusive=no "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | sed -n "2,$((TOP + 1))p" \
        | sed -E 's/ \[[^]]*\]$//; s#^( *[0-9,]+ \( *[0-9.]+%\)) +[^:]*:#\1  #' | demangle | cut -c1-160
    echo "-- inclusive"
    callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | sed -n "2,$((TOP + 1))p" \
        | sed -E 's/ \[[^]]*\]$//; s#^( *[0-9,]+ \( *[0-9.]+%\)) +[^:]*:#\1  #' | demangle | cut -c1-160
done
