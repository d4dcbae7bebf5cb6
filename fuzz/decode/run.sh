#!/bin/bash
# Build the PacketDecode libFuzzer target and run it.
#
#   fuzz/decode/run.sh [SECONDS] [extra libFuzzer flags...]
#
# Builds with fuzz/build.sh decode, regenerates the seeds (one packet per seed, cut from
# Captures/ and ../shared/corpus by make_seeds.py), and runs for SECONDS (default 600). The corpus
# grows in fuzz/decode/corpus/; crashes go to fuzz/decode/artifacts/. Exit status non-zero on a
# finding (libFuzzer's).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_TO_RUN=${1:-600}
[ $# -gt 0 ] && shift
mkdir -p "$HERE/seeds" "$HERE/corpus" "$HERE/artifacts"
"$ROOT/fuzz/build.sh" decode
SHARED="$ROOT/../shared/corpus"
[ -d "$SHARED" ] || echo "fuzz/decode: $SHARED is absent: seeding from Captures/ only" >&2
python3 "$HERE/make_seeds.py" "$HERE/seeds" "$ROOT/Captures" "$SHARED"
cd "$HERE"
exec "$ROOT/fuzz/.build/decode-fuzz" -max_total_time="$SECONDS_TO_RUN" -max_len=4096 -timeout=10 \
    -artifact_prefix="$HERE/artifacts/" -print_final_stats=1 "$@" "$HERE/corpus" "$HERE/seeds"
