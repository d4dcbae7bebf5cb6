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
# sources, or a module it imports, is newer than its object; modules that do not import each other
# compile side by side. The fuzz entry (fuzz/<target>/main.swift,
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
       -I "$MODS" -I "$ROOT/Sources/CPcap" -I "$ROOT/Sources/CZlib" -I "$ROOT/Sources/CCrypto" -I "$ROOT/Sources/CSQLite" -I "$ROOT/Sources/CSysMem")

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
# The modules in levels: each level's modules import only modules of earlier levels, so the
# stale ones of a level compile side by side (the machine has 2 cores).
LEVELS=("NetCore TLSWire Preambles" "PcapIO PacketDecode TLSFingerprint" "FlowTrack" "Handshake"
        "Diagnosis" "Reports" "TLSDiagKit" "TLSDiagCLI")

# True when $1 (a file) is missing or older than any file in the list that follows.
stale() {
    local target=$1; shift
    [ -e "$target" ] || return 0
    local f
    for f in "$@"; do [ "$f" -nt "$target" ] && return 0; done
    return 1
}

# Compiles module $1 if it is stale; returns non-zero when the compiler fails.
compile_module() {
    local m=$1 d
    mapfile -t srcs < <(find "$ROOT/Sources/$m" -name '*.swift' | sort)
    local inputs=("${srcs[@]}")
    for d in ${DEPS[$m]}; do inputs+=("$MODS/$d.o"); done
    stale "$MODS/$m.o" "${inputs[@]}" || return 0
    echo "fuzz/build.sh: compiling $m (${#srcs[@]} files)" >&2
    local extra=()
    [ "$m" = TLSWire ] && extra=(-enable-experimental-feature Lifetimes)
    swiftc "${FLAGS[@]}" "${extra[@]}" -wmo -c -module-name "$m" \
        -emit-module -emit-module-path "$MODS/$m.swiftmodule" \
        "${srcs[@]}" -o "$MODS/$m.o.tmp" && mv "$MODS/$m.o.tmp" "$MODS/$m.o"
}

# Every module reachable from the named ones (the modules a target links).
declare -A NEEDED=()
need() { local x=$1 y; [ -n "${NEEDED[$x]:-}" ] && return; NEEDED[$x]=1; for y in ${DEPS[$x]}; do need "$y"; done; }

build_modules() {
    local level m pids failed=0
    for level in "${LEVELS[@]}"; do
        pids=()
        for m in $level; do
            [ -n "${NEEDED[$m]:-}" ] || continue
            compile_module "$m" & pids+=($!)
        done
        for p in "${pids[@]}"; do wait "$p" || failed=1; done
        [ $failed -eq 0 ] || { echo "fuzz/build.sh: compiling failed" >&2; exit 1; }
    done
}

# Links fuzz/<target>/main.swift with the objects of every module it needs, in dependency order.
link_target() {
    local t=$1 objs=() level m
    for level in "${LEVELS[@]}"; do
        for m in $level; do [ -n "${NEEDED[$m]:-}" ] && objs+=("$MODS/$m.o"); done
    done
    local out="$BUILD/$t-fuzz"
    if stale "$out" "$HERE/$t/main.swift" "${objs[@]}"; then
        echo "fuzz/build.sh: linking $out" >&2
        swiftc "${FLAGS[@]}" -module-name "${t^}Fuzz" "$HERE/$t/main.swift" "${objs[@]}" \
            -use-ld=lld -lpcap -lz -lcrypto -lsqlite3 -o "$out"
    fi
}

case "$WHAT" in
    decode) need PacketDecode; build_modules; link_target decode ;;
    pipeline) need TLSDiagCLI; build_modules; link_target pipeline ;;
    all) need TLSDiagCLI; build_modules; NEEDED=(); need PacketDecode; link_target decode
         NEEDED=(); need TLSDiagCLI; link_target pipeline ;;
    *) echo "usage: fuzz/build.sh [decode|pipeline|all]" >&2; exit 64 ;;
esac
