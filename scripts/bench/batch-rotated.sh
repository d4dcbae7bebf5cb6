#!/usr/bin/env bash
# Throughput of `tlsdiag batch` with one and two threads on a folder of rotated captures: N
# generated captures of M MB each (as `tcpdump -C M` leaves them), every one with its own seed, so
# no two hold the same connections. The counterpart of scripts/batch-bench.sh, whose folder is
# thousands of small captures (per-file costs); here the work per file dominates.
#
#   scripts/bench/batch-rotated.sh [KIND] [FILES] [MB] [RUNS]     (defaults: handshake 16 64 5)
# KIND is a kind of run.sh (handshake, handshake-ok, handshake-varied, bulk). Needs hyperfine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK="$HERE/work"
CAP="$ROOT/Captures"
kind=${1:-handshake} n=${2:-16} mb=${3:-64} runs=${4:-5}
mkdir -p "$WORK"
source "$HERE/lib.sh"
build_tools
(cd "$ROOT" && swift build -c release --product tlsdiag 2>&1 | tail -1)
bin="$ROOT/.build/release/tlsdiag"
dir="$WORK/rotated-$kind-$n-$mb"
if [[ ! -d $dir ]]; then
    mkdir -p "$dir.tmp"
    for i in $(seq 1 "$n"); do
        # shellcheck disable=SC2046
        "$WORK/gen" -o "$dir.tmp/trace$(printf %03d "$i").pcap" $(gen_opts "$kind") -s "$mb" -S "$((2 * i + 1))" $(sources_for "$kind") 2> /dev/null
    done
    mv "$dir.tmp" "$dir"
fi
echo "folder: $dir: $(ls "$dir" | wc -l) captures, $(du -sm "$dir" | cut -f1) MB"
# Read back into the page cache before each run (untimed): the machine drops clean cache by itself
# (scripts/batch-bench.sh).
warm="cat '$dir'/*.pcap > /dev/null"
eval "$warm"
hyperfine -i -w 1 -r "$runs" --prepare "$warm" --export-json /tmp/tlsdiag-batch-rotated.json \
    -n 'jobs 1' "$bin batch --jobs 1 --progress never $dir" \
    -n 'jobs 2' "$bin batch --jobs 2 --progress never $dir"
python3 - <<'PY'
import json
r = {x["command"]: x for x in json.load(open("/tmp/tlsdiag-batch-rotated.json"))["results"]}
print(f"ratio jobs 1 / jobs 2: mean {r['jobs 1']['mean'] / r['jobs 2']['mean']:.2f}x, min {r['jobs 1']['min'] / r['jobs 2']['min']:.2f}x")
PY
