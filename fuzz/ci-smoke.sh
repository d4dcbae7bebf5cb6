#!/bin/bash
# CI hook: a short, bounded libFuzzer run of every target. Fails (exit 1) on any crash, hang,
# memory blow-up, failed oracle or compile error, printing the finding; the reproducer is kept in
# fuzz/<target>/artifacts/ and its first bytes are printed in hex, for a log-only CI.
#
#   fuzz/ci-smoke.sh
#     FUZZ_SMOKE_SECONDS  run time per target (default 45)
#     FUZZ_SMOKE_BUDGET   wall-clock budget for the whole script, builds included (default 285)
#
# On 2 cores: the TLSWire target (which builds its own single module) builds and runs in the
# background while fuzz/build.sh compiles the modules of the decode and pipeline targets (about
# 60 s on an idle machine, several times that on a loaded one); then decode and pipeline run side
# by side, each for FUZZ_SMOKE_SECONDS or what is left of the budget (at least 10 s). Every step is
# under `timeout`. If the build alone does not finish within the budget (a machine that busy), the
# smoke run is reported as SKIPPED on stderr and the script exits 0: that is not a finding.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SECS=${FUZZ_SMOKE_SECONDS:-45}
BUDGET=${FUZZ_SMOKE_BUDGET:-285}
LOGS="$HERE/.build/logs"
mkdir -p "$LOGS"
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }

pids=()
names=()
if [ -f "$HERE/tlswire/run.sh" ]; then
    timeout $((BUDGET - 15)) bash "$HERE/tlswire/run.sh" "$SECS" > "$LOGS/smoke-tlswire.log" 2>&1 &
    pids+=($!); names+=(tlswire)
else
    echo "fuzz/ci-smoke.sh: fuzz/tlswire/run.sh absent: TLSWire target skipped" >&2
fi

timeout $((BUDGET - 40)) bash "$HERE/build.sh" all > "$LOGS/smoke-build.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    if [ $rc -eq 124 ]; then
        echo "fuzz/ci-smoke.sh: SKIPPED: building the fuzz targets took more than $((BUDGET - 40)) s (machine busy); no finding" >&2
        exit 0
    fi
    echo "fuzz/ci-smoke.sh: building the decode and pipeline targets failed:" >&2
    tail -30 "$LOGS/smoke-build.log" >&2
    exit 1
fi
run=$(( BUDGET - $(elapsed) - 25 ))
[ $run -gt "$SECS" ] && run=$SECS
[ $run -lt 10 ] && run=10
echo "fuzz smoke: targets built in $(elapsed) s; running decode and pipeline for $run s each"
for t in decode pipeline; do
    timeout $((run + 20)) bash "$HERE/$t/run.sh" "$run" > "$LOGS/smoke-$t.log" 2>&1 &
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
echo "fuzz smoke: $(elapsed) s in all"
exit $failed
