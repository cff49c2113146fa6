#!/usr/bin/env bash
# Installs what msirig needs on Debian bookworm, or names exactly what is missing.
#   tools/install-deps.sh          the build and test toolchain
#   tools/install-deps.sh --afl    ... plus AFL++ (afl-clang-fast++, libAFLDriver)
#   tools/install-deps.sh --oss    ... plus what the cluster build check needs (tools/oss-check.sh:
#                                  AFL++, zip, unzip, binutils, libc++ as OSS-Fuzz's builder
#                                  compiles C++ with it; tests/oss/project_yaml_check.py: PyYAML)
#   tools/install-deps.sh --container   ... plus podman (runc runtime) and mmdebstrap, for
#                                  tools/container-check.sh
#   tools/install-deps.sh --cluster-builder   only what infra/oss-fuzz/build.sh needs on top of
#                                  the OSS-Fuzz/ClusterFuzzLite builder image (it brings clang)
#   tools/install-deps.sh --bench  ... plus matplotlib, for bench/run's plot
# As root it installs with apt-get; otherwise it prints the packages and exits 1.
# The Dockerfile runs this same script.
set -euo pipefail

packages=(clang-14 clang libclang-rt-14-dev llvm-14 cmake ninja-build libgtest-dev libgmock-dev
          libboost-context-dev python3)
for arg in "$@"; do
  case "$arg" in
    --afl) packages+=(afl++) ;;
    --oss) packages+=(afl++ zip unzip binutils libc++-14-dev libc++abi-14-dev python3-yaml) ;;
    --container) packages+=(podman runc mmdebstrap) ;;
    --cluster-builder) packages=(cmake ninja-build libboost-context-dev libgtest-dev libgmock-dev zip) ;;
    --bench) packages+=(python3-matplotlib) ;;
    *) echo "install-deps.sh: unknown option '$arg' (expected --afl, --oss, --container, --cluster-builder or --bench)" >&2
       exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "msirig: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "msirig: missing Debian packages: ${missing[*]}" >&2
  echo "msirig: install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
