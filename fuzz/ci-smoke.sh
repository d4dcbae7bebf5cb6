#!/bin/bash
# CI hook: a short, bounded libFuzzer run of every target. Fails (exit 1) on any crash, hang,
# memory blow-up or build failure, printing the finding; the reproducer is kept in
# fuzz/<target>/artifacts/ (and its first bytes in hex are printed, for a log-only CI).
#
#   fuzz/ci-smoke.sh            FUZZ_SMOKE_SECONDS (default 45) per target
#
# Bounded for 2 cores, about 3 minutes in all: the TLSWire target (which builds its own single
# module) builds and runs in the background while the decode and pipeline targets are built
# (fuzz/build.sh, about 90 s from scratch at -O with ASan); then decode and pipeline run side by
# side. Every step is under `timeout`, so the whole script ends within 5 minutes even if a build
# hangs.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${FUZZ_SMOKE_SECONDS:-45}
LOGS="$HERE/.build/logs"
mkdir -p "$LOGS"
start=$(date +%s)

pids=()
names=()
if [ -f "$HERE/tlswire/run.sh" ]; then
    timeout 240 bash "$HERE/tlswire/run.sh" "$SECS" > "$LOGS/smoke-tlswire.log" 2>&1 &
    pids+=($!); names+=(tlswire)
else
    echo "fuzz/ci-smoke.sh: fuzz/tlswire/run.sh absent: TLSWire target skipped" >&2
fi

if ! timeout 200 bash "$HERE/build.sh" all > "$LOGS/smoke-build.log" 2>&1; then
    echo "fuzz/ci-smoke.sh: building the decode and pipeline targets failed:" >&2
    tail -30 "$LOGS/smoke-build.log" >&2
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    exit 1
fi
for t in decode pipeline; do
    timeout $((SECS + 60)) bash "$HERE/$t/run.sh" "$SECS" > "$LOGS/smoke-$t.log" 2>&1 &
    pids+=($!); names+=("$t")
done

failed=0
for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    rc=$?
    t=${names[$i]}
    log="$LOGS/smoke-$t.log"
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    if [ $rc -eq 0 ]; then
        echo "fuzz smoke: $t ok: ${runs:-?} executions, ${eps:-?}/s, cov ${cov:-?}"
    else
        failed=1
        echo "fuzz smoke: $t FAILED (exit $rc); log $log:" >&2
        grep -E -A12 '^==[0-9]+==ERROR|Fatal error|deadly signal|ALARM|out-of-memory' "$log" | head -40 >&2
        tail -15 "$log" >&2
        for a in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
            [ -f "$a" ] && echo "reproducer $a (first 512 bytes):" >&2 && head -c 512 "$a" | od -An -tx1 | head -32 >&2
        done
    fi
done
echo "fuzz smoke: $(( $(date +%s) - start )) s in all"
exit $failed
