#!/bin/bash
# How far two cores of this machine scale on their own, to read `batch --jobs 2` against.
#
#   scripts/bench/scaling-ceiling.sh [FOLDER] [ROUNDS]
#
# 1. spin.c alone and as two processes at once, over working sets that fit the L1 cache (16 KiB),
#    the L2 (1 MiB) and neither (64 MiB): 2.00 would be perfect scaling.
# 2. With FOLDER: `tlsdiag batch --jobs 1` on FOLDER alone, the same two processes at once (nothing
#    shared between them but the machine), and `batch --jobs 2` alone, timed in turn (interleave.py,
#    FOLDER read back into the page cache before each run). "2 x alone / two at once" is the most
#    two workers could gain on this work here; "jobs 1 / jobs 2" is what the batch gains.
# SPIN_KIB="16 1024" picks the working sets of step 1. Run it on an idle machine (no builds, no
# other benchmarks).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$here/work"; mkdir -p "$work"
gcc -O2 -o "$work/spin" "$here/spin.c"
for ws in ${SPIN_KIB:-16 1024 65536}; do
  it=$((ws < 2000 ? 200000000 : 40000000))
  one=$( { /usr/bin/time -f %e "$work/spin" $ws $it > /dev/null; } 2>&1 )
  two=$( { /usr/bin/time -f %e bash -c "'$work/spin' $ws $it > /dev/null & '$work/spin' $ws $it > /dev/null; wait"; } 2>&1 )
  python3 -c "print(f'spin, {$ws} KiB: alone {$one:.2f} s, two at once {$two:.2f} s, scaling {2*$one/$two:.3f}')"
done
if [ $# -ge 1 ]; then
  dir=$1; rounds=${2:-10}
  bin="$root/.build/release/tlsdiag"
  [ -x "$bin" ] || (cd "$root" && swift build -c release > /dev/null)
  one="$bin batch --jobs 1 --progress never $dir > /dev/null"
  PREPARE="find '$dir' -type f -print0 | xargs -0 cat > /dev/null" python3 "$here/interleave.py" "$rounds" \
    "alone=$one" "two-at-once=$one & $one; wait" "jobs2=$bin batch --jobs 2 --progress never $dir" \
    | python3 -c '
import sys, re
lines = sys.stdin.read().splitlines()
print("\n".join(lines))
m = {l.split(":")[0]: float(re.search(r"median ([0-9.]+)", l).group(1)) for l in lines if " median " in l and "/" not in l.split(":")[0]}
a, t, j = m["alone"], m["two-at-once"], m["jobs2"]
print(f"ceiling: 2 x alone / two at once = {2*a/t:.3f}; batch: jobs 1 / jobs 2 = {a/j:.3f}")'
fi
