#!/usr/bin/env bash
# Throughput of `tlsdiag batch` with one and two worker threads (docs/performance.md, "batch").
#
#   scripts/batch-bench.sh [copies] [runs]
#
# Builds a benchmark folder of `copies` (default 36) copies of Captures/ and of every capture in
# ../shared/corpus (about 237 files and 12 MB a copy), then times `batch --jobs 1` and `--jobs 2`
# with hyperfine (apt-get install hyperfine). The machine should be otherwise idle: the script first
# times one and two CPU-bound processes side by side and prints how much of two cores it got. On a
# shared machine, BENCH_AUTOGROUP_NICE=-15 (as root) raises this session's scheduling group, since
# with autogroup scheduling a process's own nice value does not count against other sessions.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
copies="${1:-36}"
runs="${2:-10}"
dir="${TMPDIR:-/tmp}/tlsdiag-batch-bench-$copies"
(cd "$root" && swift build -c release --product tlsdiag >/dev/null)
bin="$root/.build/release/tlsdiag"
if [[ ! -d "$dir" ]]; then
    mkdir -p "$dir.tmp"
    for i in $(seq -w 1 "$copies"); do
        mkdir -p "$dir.tmp/copy$i/captures" "$dir.tmp/copy$i/corpus"
        cp "$root"/Captures/*.pcap* "$dir.tmp/copy$i/captures/"
        (cd "$root/../shared/corpus" && find . -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.gz' \) \
            -exec cp --parents {} "$dir.tmp/copy$i/corpus/" \;)
    done
    mv "$dir.tmp" "$dir"
fi
captures=(-type f \( -iname '*.pcap' -o -iname '*.pcapng' -o -iname '*.cap' -o -iname '*.pcap.gz' -o -iname '*.pcapng.gz' -o -iname '*.cap.gz' \))
files=$(find "$dir" "${captures[@]}" | wc -l)
bytes=$(find "$dir" "${captures[@]}" -printf '%s\n' | awk '{ s += $1 } END { print s }')
echo "folder: $dir: $files captures, $((bytes / 1000000)) MB (and $(find "$dir" -type f | wc -l) files in all)"

if [[ -n "${BENCH_AUTOGROUP_NICE:-}" ]]; then
    echo "$BENCH_AUTOGROUP_NICE" > /proc/$$/autogroup
    trap 'echo 0 > /proc/$$/autogroup' EXIT
fi

# Is the machine idle? Two CPU-bound processes side by side should take as long as one. (A C loop:
# two bash loops side by side get only about 1.4x on this VM even when it is idle.)
spin="${TMPDIR:-/tmp}/tlsdiag-spin"
printf '#include <stdlib.h>\nint main(int c,char**v){unsigned long long n=strtoull(v[1],0,10),x=1;for(unsigned long long i=0;i<n;i++)x=x*6364136223846793005ull+1442695040888963407ull;return (int)(x&1);}\n' > "$spin.c"
gcc -O2 -o "$spin" "$spin.c"
one=$( { /usr/bin/time -f %e "$spin" 1000000000 || true; } 2>&1 | tail -1 )
two=$( { /usr/bin/time -f %e bash -c "'$spin' 1000000000 & '$spin' 1000000000 & wait" || true; } 2>&1 | tail -1 )
echo "cpu check: one loop ${one}s, two loops side by side ${two}s (idle machine: about equal)"

# Every file read back into the page cache before each run (not timed). This virtual machine drops
# clean page cache by itself, a few MB a second even with gigabytes free: without this, a run
# waited on the disk for the files dropped since the one before (after a 3 s pause, 150 waits and
# tens of milliseconds of the threads' time), more the longer the run and the pause before it.
warm="find '$dir' -type f -print0 | xargs -0 cat > /dev/null"
eval "$warm"
hyperfine -i -w 2 -r "$runs" --prepare "$warm" --export-json /tmp/tlsdiag-batch-bench.json \
    -n 'jobs 1' "$bin batch --jobs 1 --progress never $dir" \
    -n 'jobs 2' "$bin batch --jobs 2 --progress never $dir"
python3 - "$files" "$bytes" <<'PY'
import json, sys
files, size = int(sys.argv[1]), int(sys.argv[2])
r = {x["command"]: x for x in json.load(open("/tmp/tlsdiag-batch-bench.json"))["results"]}
for name, x in r.items():
    print(f"{name}: mean {x['mean']:.3f} s, median {x['median']:.3f} s, min {x['min']:.3f} s, {files / x['mean']:.0f} files/s, {size / 1e6 / x['mean']:.1f} MB/s"
          f" (user {x['user']:.3f} s, system {x['system']:.3f} s)")
    print(f"  runs: {' '.join(f'{t:.3f}' for t in x['times'])}")
one, two = r['jobs 1'], r['jobs 2']
print(f"ratio jobs 1 / jobs 2: mean {one['mean'] / two['mean']:.2f}x, median {one['median'] / two['median']:.2f}x, min {one['min'] / two['min']:.2f}x")
PY
