#!/usr/bin/env bash
# End-to-end benchmark of `tlsdiag analyze --format jsonl` (see README.md beside this script).
#
# Environment (all optional):
#   SIZE_MB=1000        size of each generated capture (megabytes, 10^6 bytes)
#   FILES="handshake bulk"   which captures to run (also: handshake-ok, the handshake capture without
#                       its failing connections; handshake-varied, every ClientHello made unique)
#   TOOLS="tlsdiag loop loop256k tshark ssldump"   what to run on them (the loop also runs once first, to
#                       warm the page cache; loop256k is the same loop with tlsdiag's 256 KiB stdio buffer;
#                       `before` runs the binary in BEFORE, e.g. a build of an older commit)
#   REPEAT=3            runs per tool and file; the median time and the largest peak RSS are reported
#   CHECK_MB=100        size of the smaller captures on which tlsdiag's ClientHellos are checked against
#                       tshark's (0: skip the check)
#   TSHARK_MAX_MB=1100  tshark and ssldump run only on captures up to this size (they are slow)
#   NO_BUILD=1          use the existing .build/release/tlsdiag
#   TLSDIAG=path        another tlsdiag binary
#   BEFORE=path         the binary the `before` tool runs (add `before` to TOOLS)
# Generated captures live in scripts/bench/work/ (git-ignored) and are reused while their
# parameters are unchanged.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK="$HERE/work"
CAP="$ROOT/Captures"
SIZE_MB=${SIZE_MB:-1000}
FILES=${FILES:-"handshake bulk"}
TOOLS=${TOOLS:-"tlsdiag loop loop256k tshark ssldump"}
BEFORE=${BEFORE:-}
REPEAT=${REPEAT:-3}
CHECK_MB=${CHECK_MB:-100}
TSHARK_MAX_MB=${TSHARK_MAX_MB:-1100}
TLSDIAG=${TLSDIAG:-"$ROOT/.build/release/tlsdiag"}
TSHARK_DECODE=(-d tcp.port==44319,tpkt)
mkdir -p "$WORK"

source "$HERE/lib.sh"

if [[ -z ${NO_BUILD:-} ]]; then
    (cd "$ROOT" && swift build -c release --product tlsdiag 2>&1 | tail -1)
fi
build_tools

# run TOOL FILE -> "wall_ms cpu_ms maxrss_kb" (exit statuses 0 and 2 are normal for tlsdiag)
run_one() {
    local tool=$1 f=$2 t0 t1 rc=0 tf
    tf=$(mktemp "$WORK/time.XXXXXX")
    local T=(/usr/bin/time -f '%M %U %S' -o "$tf")
    t0=$(date +%s%N)
    case $tool in
        tlsdiag) "${T[@]}" "$TLSDIAG" analyze --format jsonl "$f" > /dev/null || rc=$? ;;
        before) "${T[@]}" "$BEFORE" analyze --format jsonl "$f" > /dev/null || rc=$? ;;
        loop) "${T[@]}" "$WORK/loop" "$f" > /dev/null || rc=$? ;;
        loop256k) "${T[@]}" "$WORK/loop" -b 262144 "$f" > /dev/null || rc=$? ;;
        tshark) "${T[@]}" tshark -r "$f" "${TSHARK_DECODE[@]}" -Y 'tls.handshake.type==1' -T fields \
                    -e tls.handshake.extensions_server_name > /dev/null 2>&1 || rc=$? ;;
        ssldump) "${T[@]}" ssldump -n -r "$f" > /dev/null 2>&1 || rc=$? ;;
    esac
    t1=$(date +%s%N)
    if [[ ($tool == tlsdiag || $tool == before) && $rc -ne 0 && $rc -ne 2 ]] || [[ $tool != tlsdiag && $tool != before && $rc -ne 0 ]]; then
        echo "$tool failed on $f (exit $rc)" >&2
    fi
    local rss user sys
    read -r rss user sys < <(tail -1 "$tf")
    rm -f "$tf"
    echo "$(( (t1 - t0) / 1000000 )) $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d", (u + s) * 1000}') $rss"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { sort -n | head -1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "tlsdiag: $TLSDIAG (worktree at $(cd "$ROOT" && git rev-parse --short HEAD)$(cd "$ROOT" && git diff --quiet || echo '+changes'))${BEFORE:+; before: $BEFORE}"
echo "$REPEAT runs of each, interleaved; wall: median and minimum; cpu: median user+sys; MB/s and ratios to the"
echo "plain loop from the medians; RSS: the largest of the runs. The loop ran once first to warm the page cache."
printf '\n%-12s %6s %9s %7s  %-8s %8s %7s %7s %7s %7s %7s %8s\n' file MB packets conns tool wall min cpu MB/s x-loop x-cpu 'RSS MiB'
for kind in $FILES; do
    f=$(generate "$kind" "$SIZE_MB")
    info=$(tail -1 "$f.info")
    packets=$(sed -n 's/.* connections, \([0-9]*\) packets.*/\1/p' <<< "$info")
    conns=$(sed -n 's/.*round), \([0-9]*\) connections.*/\1/p' <<< "$info")
    bytes=$(stat -c %s "$f")
    mb=$(awk -v b="$bytes" 'BEGIN {printf "%.0f", b / 1e6}')
    run_one loop "$f" > /dev/null   # warm the page cache
    declare -A walls=() cpus=() rss=()
    for ((r = 0; r < REPEAT; r++)); do
        for tool in $TOOLS; do
            if [[ ($tool == tshark || $tool == ssldump) && $mb -gt $TSHARK_MAX_MB ]]; then continue; fi
            if [[ ($tool == tshark || $tool == ssldump) ]] && ! command -v "$tool" > /dev/null; then continue; fi
            out=$(run_one "$tool" "$f")
            read -r ms cpu kb <<< "$out"
            walls[$tool]+="$ms "
            cpus[$tool]+="$cpu "
            if [[ -z ${rss[$tool]:-} || $kb -gt ${rss[$tool]} ]]; then rss[$tool]=$kb; fi
        done
    done
    loop_ms=$(tr ' ' '\n' <<< "${walls[loop]:-}" | grep . | median || true)
    loop_cpu=$(tr ' ' '\n' <<< "${cpus[loop]:-}" | grep . | median || true)
    for tool in $TOOLS; do
        [[ -n ${walls[$tool]:-} ]] || continue
        ms=$(tr ' ' '\n' <<< "${walls[$tool]}" | grep . | median)
        mn=$(tr ' ' '\n' <<< "${walls[$tool]}" | grep . | minimum)
        cpu=$(tr ' ' '\n' <<< "${cpus[$tool]}" | grep . | median)
        awk -v k="$kind" -v mb="$mb" -v p="$packets" -v c="$conns" -v t="$tool" -v ms="$ms" -v mn="$mn" -v cpu="$cpu" \
            -v lm="${loop_ms:-0}" -v lc="${loop_cpu:-0}" -v kb="${rss[$tool]}" -v b="$bytes" \
            'BEGIN {printf "%-12s %6s %9s %7s  %-8s %8.2f %7.2f %7.2f %7.0f %7s %7s %8.1f\n", k, mb, p, c, t, ms/1000, mn/1000, cpu/1000,
                    b/1e6/(ms/1000), (lm>0 ? sprintf("%.2f", ms/lm) : "-"), (lc>0 ? sprintf("%.2f", cpu/lc) : "-"), kb/1024}'
    done
    unset walls cpus rss
done

# Exactness: every ClientHello tshark finds, tlsdiag finds (by client endpoint, on smaller captures).
if [[ $CHECK_MB -gt 0 ]]; then
    echo
    for kind in $FILES; do
        f=$(generate "$kind" "$CHECK_MB")
        "$TLSDIAG" analyze --format jsonl "$f" > "$WORK/check.jsonl" || true
        tshark -r "$f" "${TSHARK_DECODE[@]}" -Y 'tls.handshake.type==1' -T fields -e ip.src -e ipv6.src -e tcp.srcport \
            > "$WORK/check.tshark" 2>/dev/null
        python3 "$HERE/compare.py" "$kind-$CHECK_MB" "$WORK/check.jsonl" "$WORK/check.tshark"
    done
fi
