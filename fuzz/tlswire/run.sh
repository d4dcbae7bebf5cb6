#!/bin/sh
# Build the TLSWire libFuzzer target and run it.
#
#   fuzz/tlswire/run.sh [SECONDS] [extra libFuzzer flags...]
#
# Compiles Sources/TLSWire/**/*.swift with fuzz/tlswire/main.swift (swiftc -sanitize=fuzzer,address,
# -O), regenerates the seed corpus from the test vectors (Tests/TLSWireTests/Vectors/*.swift:
# every `hex:` literal becomes one seed file), and runs for SECONDS (default 600) with
# findings written to fuzz/tlswire/artifacts/.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_TO_RUN=${1:-600}
[ $# -gt 0 ] && shift
BUILD="$HERE/.build"
mkdir -p "$BUILD" "$HERE/seeds" "$HERE/corpus" "$HERE/artifacts"

python3 "$HERE/make_seeds.py" "$ROOT/Tests/TLSWireTests/Vectors" "$HERE/seeds"

SOURCES=$(find "$ROOT/Sources/TLSWire" -name '*.swift' | sort)
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -enable-experimental-feature Lifetimes \
    -module-name TLSWireFuzz \
    $SOURCES "$HERE/main.swift" -o "$BUILD/tlswire-fuzz"

cd "$HERE"
# The Swift runtime backtracer and ASan do not get along: let libFuzzer report crashes.
export SWIFT_BACKTRACE=enable=no
exec "$BUILD/tlswire-fuzz" -max_total_time="$SECONDS_TO_RUN" -max_len=20000 \
    -artifact_prefix="$HERE/artifacts/" -print_final_stats=1 "$@" "$HERE/corpus" "$HERE/seeds"
