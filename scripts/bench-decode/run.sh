#!/bin/sh
# Builds PcapIO and PacketDecode in release mode and compiles bench.swift against them.
# Usage: scripts/bench-decode/run.sh [bench arguments]   (binary left in .build/bench-decode)
set -e
cd "$(dirname "$0")/../.."
swift build -c release --target PcapIO >/dev/null
swift build -c release --target PacketDecode >/dev/null
B=.build/release
swiftc -O scripts/bench-decode/bench.swift -I $B/Modules \
  -Xcc -fmodule-map-file=Sources/CPcap/module.modulemap -Xcc -fmodule-map-file=Sources/CZlib/module.modulemap \
  $B/PcapIO.build/*.o $B/NetCore.build/*.o $B/PacketDecode.build/*.o -lpcap -lz -o .build/bench-decode
if [ $# -gt 0 ]; then exec .build/bench-decode "$@"; fi
