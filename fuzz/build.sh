#!/bin/bash
# Builds the libFuzzer targets of fuzz/decode and fuzz/pipeline.
#
#   fuzz/build.sh [decode|pipeline|all]      (default: all)
#
# SwiftPM cannot link a libFuzzer binary (libFuzzer brings its own main), so each library module
# the targets need is compiled here with swiftc, whole-module, under its real module name
# (`-module-name PcapIO` …), instrumented for libFuzzer and AddressSanitizer:
#
#   swiftc -sanitize=fuzzer,address -parse-as-library -O -wmo -c -emit-module …
#
# into fuzz/.build/modules/<Module>.{o,swiftmodule}. A module is rebuilt only when one of its
# sources, or a module it imports, is newer than its object. The fuzz entry (fuzz/<target>/main.swift,
# `@_cdecl("LLVMFuzzerTestOneInput")`) is then compiled against those modules and linked with
# libpcap, zlib, libcrypto and sqlite. Binaries: fuzz/.build/<target>-fuzz.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD="$HERE/.build"
MODS="$BUILD/modules"
mkdir -p "$MODS"
WHAT=${1:-all}

FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6
       -I "$MODS" -I "$ROOT/Sources/CPcap" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CCrypto" -I "$ROOT/Sources/CSQLite")

# module: the modules it imports (as in Package.swift).
declare -A DEPS=(
    [NetCore]=""
    [PcapIO]="NetCore"
    [PacketDecode]="NetCore"
    [FlowTrack]="NetCore PacketDecode"
    [TLSWire]=""
    [TLSFingerprint]="TLSWire"
    [Preambles]=""
    [Handshake]="NetCore FlowTrack Preambles TLSWire TLSFingerprint"
    [Diagnosis]="NetCore FlowTrack Handshake Preambles TLSWire"
    [Reports]="NetCore FlowTrack Handshake Diagnosis Preambles TLSWire"
    [TLSDiagKit]="NetCore PcapIO PacketDecode FlowTrack Handshake Diagnosis Reports TLSWire"
    [TLSDiagCLI]="TLSDiagKit Reports PcapIO"
)
declare -A DONE=()

# True when $1 (a file) is missing or older than any file in the list that follows.
stale() {
    local target=$1; shift
    [ -e "$target" ] || return 0
    local f
    for f in "$@"; do [ "$f" -nt "$target" ] && return 0; done
    return 1
}

module() {
    local m=$1
    [ -n "${DONE[$m]:-}" ] && return 0
    local d
    for d in ${DEPS[$m]}; do module "$d"; done
    mapfile -t srcs < <(find "$ROOT/Sources/$m" -name '*.swift' | sort)
    local inputs=("${srcs[@]}")
    for d in ${DEPS[$m]}; do inputs+=("$MODS/$d.o"); done
    if stale "$MODS/$m.o" "${inputs[@]}"; then
        echo "fuzz/build.sh: compiling $m (${#srcs[@]} files)" >&2
        local extra=()
        [ "$m" = TLSWire ] && extra=(-enable-experimental-feature Lifetimes)
        swiftc "${FLAGS[@]}" "${extra[@]}" -wmo -c -module-name "$m" \
            -emit-module -emit-module-path "$MODS/$m.swiftmodule" \
            "${srcs[@]}" -o "$MODS/$m.o.tmp"
        mv "$MODS/$m.o.tmp" "$MODS/$m.o"
    fi
    DONE[$m]=1
}

# target name, the top module it needs; links every module built so far that it depends on.
link_target() {
    local t=$1; shift
    local objs=() m
    for m in "$@"; do module "$m"; done
    # Every module reachable from the named ones, in dependency order.
    declare -A seen=()
    local order=()
    visit() { local x=$1 y; [ -n "${seen[$x]:-}" ] && return; seen[$x]=1; for y in ${DEPS[$x]}; do visit "$y"; done; order+=("$x"); }
    for m in "$@"; do visit "$m"; done
    for m in "${order[@]}"; do objs+=("$MODS/$m.o"); done
    local out="$BUILD/$t-fuzz"
    if stale "$out" "$HERE/$t/main.swift" "${objs[@]}"; then
        echo "fuzz/build.sh: linking $out" >&2
        swiftc "${FLAGS[@]}" -module-name "${t^}Fuzz" "$HERE/$t/main.swift" "${objs[@]}" \
            -use-ld=lld -lpcap -lz -lcrypto -lsqlite3 -o "$out"
    fi
}

case "$WHAT" in
    decode) link_target decode PacketDecode ;;
    pipeline) link_target pipeline TLSDiagCLI ;;
    all) link_target decode PacketDecode; link_target pipeline TLSDiagCLI ;;
    *) echo "usage: fuzz/build.sh [decode|pipeline|all]" >&2; exit 64 ;;
esac
