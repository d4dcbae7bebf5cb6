#!/bin/sh
# Build and run the TLSWire microbenchmark (see README.md).
#   scripts/bench-tlswire/run.sh [ITERATIONS]        timing (default 2,000,000 per input)
#   scripts/bench-tlswire/run.sh --allocations       heap allocations for 1,000 vs 100,000 iterations (valgrind)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD="$HERE/.build"
mkdir -p "$BUILD"

# Inputs: the first record of two captured client streams from the test vectors.
python3 "$HERE/extract_inputs.py" "$ROOT/Tests/TLSWireTests/Vectors/CorpusStreams.swift" "$BUILD"

SOURCES=$(find "$ROOT/Sources/TLSWire" -name '*.swift' | sort)
swiftc -O -wmo -enable-experimental-feature Lifetimes -module-name TLSWireBench \
    $SOURCES "$HERE/main.swift" -o "$BUILD/bench-tlswire"

INPUTS="$BUILD/chrome-kyber.record $BUILD/openssl-tls12.record"
if [ "${1:-}" = "--allocations" ]; then
    for n in 1000 100000; do
        printf 'iterations=%s: ' "$n"
        valgrind --tool=memcheck "$BUILD/bench-tlswire" "$n" $INPUTS 2>&1 | grep 'total heap usage'
    done
    exit 0
fi
exec "$BUILD/bench-tlswire" "${1:-2000000}" $INPUTS
