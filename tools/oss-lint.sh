#!/usr/bin/env bash
# Lints every Dockerfile of the project (the top-level one, infra/oss-fuzz/, .clusterfuzzlite/)
# with dockerfilelint from the npm registry, pinned, installed once into ~/.cache/msirig/
# ($XDG_CACHE_HOME/msirig/). First it shows the linter a Dockerfile with known faults and
# fails unless they are reported, so a linter that checks nothing cannot pass.
# Exits 0 with a SKIPPED line where npm or the registry cannot be reached.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=1.8.0
prefix="${XDG_CACHE_HOME:-$HOME/.cache}/msirig/dockerfilelint-$version"
lint="$prefix/node_modules/.bin/dockerfilelint"

if [ ! -x "$lint" ]; then
  command -v npm >/dev/null || { echo "oss-lint: SKIPPED: npm is not installed (apt-get install npm)"; exit 0; }
  mkdir -p "$prefix"
  if ! npm install --prefix "$prefix" --no-audit --no-fund --silent "dockerfilelint@$version" \
       >"$prefix/install.log" 2>&1; then
    tail -5 "$prefix/install.log"
    echo "oss-lint: SKIPPED: could not install dockerfilelint@$version from the npm registry"
    exit 0
  fi
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
printf 'FROM debian:latest\nRUN apt-get install foo\nEXPOSE 99999\n' >"$scratch/Dockerfile"
if "$lint" "$scratch/Dockerfile" >"$scratch/self.log" 2>&1 ||
   ! grep -q 'Base Image Latest' "$scratch/self.log" || ! grep -q 'Invalid Port' "$scratch/self.log"; then
  cat "$scratch/self.log"
  echo "oss-lint: FAIL: dockerfilelint did not report the planted faults (latest tag, bad port)" >&2
  exit 1
fi

cd "$root"
status=0
"$lint" Dockerfile infra/oss-fuzz/Dockerfile .clusterfuzzlite/Dockerfile || status=$?
if [ "$status" -ne 0 ]; then
  echo "oss-lint: FAIL: dockerfilelint found issues (above)" >&2
  exit 1
fi
echo "oss-lint: Dockerfiles clean (dockerfilelint $version)"
