#!/bin/bash
# Builds and runs every libFuzzer target, one after the other, for SECONDS each (default 600):
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]      TARGET: tlswire, decode, pipeline (default: all three)
#
#   tlswire   TLSWire's parsers over arbitrary bytes (fuzz/tlswire, the TLSWire engineer's target)
#   decode    PacketDecoder.decode over one packet of any link type (fuzz/decode)
#   pipeline  `tlsdiag analyze` over a fuzzed capture file (fuzz/pipeline)
#
# Logs go to fuzz/.build/logs/<target>.log; at the end a table gives, per target, the executions,
# executions per second, edge coverage and corpus size, and whether it found anything (crash,
# hang, memory blow-up: the reproducer is in fuzz/<target>/artifacts/). Exit status 1 when any
# target found something or failed to build.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SECONDS_EACH=${1:-600}
[ $# -gt 0 ] && shift
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(tlswire decode pipeline)
LOGS="$HERE/.build/logs"
mkdir -p "$LOGS"

# One line of figures from a libFuzzer log.
summarize() {
    local name=$1 log=$2 rc=$3
    local runs eps cov corp verdict
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[KMb]*' "$log" | tail -1 | cut -d' ' -f2)
    if [ "$rc" -eq 0 ]; then verdict=ok
    elif grep -qE '^==[0-9]+==ERROR|Fatal error|SUMMARY: libFuzzer|deadly signal' "$log"; then verdict="FINDING (rc $rc)"
    else verdict="FAILED (rc $rc)"; fi
    printf '%-9s %12s %8s %7s %14s  %s\n' "$name" "${runs:--}" "${eps:--}" "${cov:--}" "${corp:--}" "$verdict"
}

failed=0
rows=()
for t in "${TARGETS[@]}"; do
    runner="$HERE/$t/run.sh"
    log="$LOGS/$t.log"
    if [ ! -x "$runner" ] && [ ! -f "$runner" ]; then
        echo "fuzz/run-all.sh: $t: no $runner; skipped" >&2
        rows+=("$(printf '%-9s %12s %8s %7s %14s  %s' "$t" - - - - 'absent (skipped)')")
        continue
    fi
    echo "fuzz/run-all.sh: $t for ${SECONDS_EACH}s (log: $log)" >&2
    bash "$runner" "$SECONDS_EACH" > "$log" 2>&1
    rc=$?
    [ $rc -ne 0 ] && failed=1
    rows+=("$(summarize "$t" "$log" "$rc")")
    if [ $rc -ne 0 ]; then
        grep -E '^==[0-9]+==ERROR|Fatal error|SUMMARY|Test unit written|error:' "$log" | head -8 >&2
    fi
done

printf '\n%-9s %12s %8s %7s %14s  %s\n' target executions exec/s cov corpus result
for r in "${rows[@]}"; do echo "$r"; done
exit $failed
