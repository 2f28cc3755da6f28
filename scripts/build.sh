#!/usr/bin/env bash
#===- scripts/build.sh - Configure and build Credo -------------------------===#
#
# Configures (once) and builds Credo in ./build (or $CREDO_BUILD_DIR) with
# clang-19, lld, Ninja and ccache against Debian's LLVM/MLIR 19; CMake
# options in $CREDO_CMAKE_ARGS (e.g. -DCREDO_SANITIZE=address,undefined).
# Extra arguments are Ninja targets.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${CREDO_BUILD_DIR:-$root/build}"

export CCACHE_BASEDIR="$root"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-2G}"

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-19/build/utils/lit/lit.py \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DLLVM_USE_LINKER=lld \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    ${CREDO_CMAKE_ARGS:-}
fi
start=$(date +%s)
ninja -C "$build" "$@"
echo "credo: build finished in $(( $(date +%s) - start )) s ($build)"
