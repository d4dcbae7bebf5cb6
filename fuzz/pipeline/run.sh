#!/bin/bash
# Build the whole-pipeline libFuzzer target and run it.
#
#   fuzz/pipeline/run.sh [SECONDS] [extra libFuzzer flags...]
#
# Builds with fuzz/build.sh pipeline; the seeds are whole capture files of at most 64 KiB from
# Captures/ and ../shared/corpus (pcap, pcapng, .gz). Runs for SECONDS (default 600), each input
# limited to 10 s (a hang is a finding) and the process to 2 GiB. The corpus grows in
# fuzz/pipeline/corpus/; crashes, hangs and memory blow-ups go to fuzz/pipeline/artifacts/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_TO_RUN=${1:-600}
[ $# -gt 0 ] && shift
mkdir -p "$HERE/seeds" "$HERE/corpus" "$HERE/artifacts"
"$ROOT/fuzz/build.sh" pipeline
SHARED="$ROOT/../shared/corpus"
[ -d "$SHARED" ] || echo "fuzz/pipeline: $SHARED is absent: seeding from Captures/ only" >&2
n=0
while IFS= read -r -d '' f; do
    cp -f "$f" "$HERE/seeds/$(basename "$f")"; n=$((n + 1))
done < <(find "$ROOT/Captures" "$SHARED" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' -o -name '*.gz' \) -size -65537c -print0 2>/dev/null)
echo "pipeline seeds: $n capture files in $HERE/seeds" >&2
cd "$HERE"
exec "$ROOT/fuzz/.build/pipeline-fuzz" -max_total_time="$SECONDS_TO_RUN" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$HERE/artifacts/" -print_final_stats=1 "$@" "$HERE/corpus" "$HERE/seeds"
