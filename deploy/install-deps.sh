#!/usr/bin/env bash
# Installs every Debian 12 package that ekc's build, tests and tools need.
# Idempotent; run as root (or it re-runs itself with sudo when sudo is there).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E "$0" "$@"; fi
  echo "install-deps.sh: run as root (or install sudo)" >&2
  exit 1
fi

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang-14 libclang-rt-14-dev clang-format
  # libraries
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libboost-dev libfmt-dev libspdlog-dev libyaml-cpp-dev libcli11-dev
  nlohmann-json3-dev libre2-dev libsystemd-dev libstemmer-dev libabsl-dev libssl-dev
  # tests of operations: the unit file (systemd-analyze), metrics (promtool), TLS certificates, packages
  systemd prometheus openssl dpkg-dev file
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # profiling ekcd under load (docs/performance.md, "Load over gRPC")
  linux-perf
  # a second-language client for the API tests (Python gRPC from the same .proto files)
  python3 python3-grpcio python3-protobuf
  # the dashboard's end-to-end browser test (tests/browser/): headless Chromium driven by
  # playwright-core, which npm installs from tests/browser/package-lock.json
  chromium
)
# Node.js and npm for that test, from Debian unless a Node.js is installed already (e.g. from
# NodeSource, whose nodejs package already holds npm and conflicts with Debian's).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "install-deps.sh: installed ${missing[*]}"
