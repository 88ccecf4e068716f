#!/usr/bin/env bash
# Sets Kiln up on a fresh Debian 12 machine: Debian packages (as root; otherwise prints the apt command),
# npm packages, then the native addon and the TypeScript build.
set -euo pipefail
cd "$(dirname "$0")/.."

# libdnnl-dev: oneDNN (GEMM/conv); llvm-14-dev: the LLVM the compiler lowers through;
# dataset-fashion-mnist: real data for training; cmake/g++/make: the addon build.
PACKAGES=(libdnnl-dev llvm-14-dev dataset-fashion-mnist cmake g++ make)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "setup: missing Debian packages. Run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

echo "setup: npm packages"
# onnxruntime-node (a test/bench peer) ships its CPU build; skip its download of CUDA extras (no network).
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
echo "setup: building the native addon and TypeScript"
npm run build
