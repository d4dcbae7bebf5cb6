#!/usr/bin/env bash
# Throughput of FlowTrack's FlowTable over generated packets (not a test: it prints figures).
# Builds NetCore, PacketDecode and FlowTrack with swiftc -O (whole module) into .build/bench-flows,
# links main.swift against them and runs it. Arguments go to the benchmark (see main.swift).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/.build/bench-flows"
mkdir -p "$OUT"
FLAGS=(-O -wmo -swift-version 6 -parse-as-library)
module() {  # name, sources…
    local name=$1; shift
    swiftc "${FLAGS[@]}" -module-name "$name" -I "$OUT" -emit-module -emit-module-path "$OUT/$name.swiftmodule" \
        -c "$@" -o "$OUT/$name.o"
}
module NetCore "$ROOT"/Sources/NetCore/*.swift
module PacketDecode "$ROOT"/Sources/PacketDecode/*.swift
module FlowTrack "$ROOT"/Sources/FlowTrack/*.swift
swiftc -O -swift-version 6 -I "$OUT" "$ROOT/scripts/bench-flows/main.swift" \
    "$OUT/NetCore.o" "$OUT/PacketDecode.o" "$OUT/FlowTrack.o" -o "$OUT/bench-flows"
"$OUT/bench-flows" "$@"
