#!/usr/bin/env bash
#===- scripts/install-deps.sh - Install Credo's build and test dependencies -===#
#
# Installs, from Debian 12's archive, everything Credo needs to build and test:
# LLVM/MLIR 19, clang-19 + lld with the sanitizer and libFuzzer runtimes,
# Ninja, ccache, oneDNN, Vulkan (lavapipe), nlohmann-json, GoogleTest and the
# Fashion-MNIST data set. Idempotent: when
# every package is already present it does nothing and touches no network.
#
#===----------------------------------------------------------------------===#
set -euo pipefail

PACKAGES=(
  cmake ninja-build ccache pkg-config
  clang-19 lld-19 libclang-rt-19-dev llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools
  libdnnl-dev
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers vulkan-tools
  glslc spirv-tools
  nlohmann-json3-dev libgtest-dev
  dataset-fashion-mnist
  python3 python3-numpy python3-jsonschema zlib1g-dev libzstd-dev binutils
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "credo: all build dependencies are installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "credo: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
