#!/usr/bin/env bash
# Builds into the image what the entrypoint's commands need, so that `docker run` starts at once.
#   prebuild.sh repro   the asan build's replay binaries, scenario tool, triage program, seeds
#                       and crash files: what `repro` builds before it runs (tools/lib/triage.sh)
#   prebuild.sh all     ... and the libFuzzer fuzz targets (the fuzz preset): what `run` builds
#   prebuild.sh none    nothing: the CLI builds what it needs on first use
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
jobs="$(nproc 2>/dev/null || echo 2)"

mode="${1:-all}"
case "$mode" in
  none) exit 0 ;;
  repro|all) ;;
  *) echo "prebuild.sh: '$1': expected repro, all or none" >&2; exit 2 ;;
esac

cmake --preset asan >/dev/null
mapfile -t replay < <(cmake --build build/asan --target help | grep -oE '^[a-z0-9_]+_replay:' | tr -d :)
# msirig_triage too: `repro` and `run` build it on every call (the signature of a finding), and
# each `docker run` starts from the image, so without it every call would compile it again.
cmake --build build/asan -j "$jobs" --target msirig_corpora msirig_scenario_tool msirig_triage "${replay[@]}"
if [ "$mode" = all ]; then
  cmake --preset fuzz >/dev/null
  cmake --build build/fuzz -j "$jobs"
fi
