#!/usr/bin/env bash
# Builds the top-level Dockerfile for real with podman and reproduces a known crash inside the
# image (README: "Docker"). Called by `tools/msirig test`; also by hand:
#   tools/container-check.sh           repro prebuild; `repro` of a recorded crash and a fixed one
#   tools/container-check.sh --full    the image as shipped (MSIRIG_PREBUILD=all), plus a short `run`
#                                      (`run schedule_fuzz --runs 300`: libFuzzer from the seeds)
# Each command must find what it needs prebuilt in the image: a compile or link step in its
# output fails the check (each `docker run` starts from the image, so it would compile every time).
#
# There is no Docker engine or registry here, so:
# - the debian:bookworm base is made locally: mmdebstrap --variant=minbase from the Debian mirror
#   this machine's apt uses (/etc/apt), cached as a tarball in ~/.cache/msirig/ (or
#   $XDG_CACHE_HOME/msirig/) between runs, and `podman import`ed as docker.io/library/debian:bookworm;
# - `podman build --pull=never`, with the runc runtime (podman 4.3's crun rejects this machine's
#   hybrid cgroup setup), host networking (the default bridge network rewrites the host's firewall
#   rules and IP forwarding) and rlimits no higher than this shell's (nofile, nproc);
# - podman keeps its images in a private store under the scratch directory, removed at the end.
# Where podman cannot run (not installable, not root, no runc), it says why and exits 0 (skipped).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
full=0
for arg in "$@"; do
  case "$arg" in
    --full) full=1 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "container-check: unknown option '$arg' (--help)" >&2; exit 2 ;;
  esac
done

skip() {
  echo "container-check: SKIPPED: $*"
  exit 0
}

[ "$(id -u)" -eq 0 ] || skip "needs root (podman with runc and a private image store); run as root"
"$root/tools/install-deps.sh" --container || skip "podman, runc or mmdebstrap could not be installed"
command -v podman >/dev/null && command -v runc >/dev/null && command -v mmdebstrap >/dev/null ||
  skip "podman, runc or mmdebstrap missing"

start=$SECONDS
cache="${XDG_CACHE_HOME:-$HOME/.cache}/msirig"
base="$cache/debian-bookworm-minbase.tar"
scratch="$(mktemp -d /var/tmp/msirig-container.XXXXXX)"
podman_=(podman --root "$scratch/storage" --runroot "$scratch/run" --runtime runc
         --cgroup-manager cgroupfs --events-backend file --storage-driver overlay)
cleanup() {
  "${podman_[@]}" system reset --force >/dev/null 2>&1 || true
  rm -rf --one-file-system "$scratch"
}
trap cleanup EXIT

# rlimits for every container (podman's defaults are higher than this machine allows, and runc
# then fails with "error setting rlimit type 7: operation not permitted"): this shell's own, and
# nproc no higher than kernel.pid_max (measured: runc refused any nproc above it, 32768 here,
# though the shell's limit was 96365).
cap() {  # the smallest of the numbers given ("unlimited" ignored)
  local n best=""
  for n in "$@"; do
    [[ "$n" =~ ^[0-9]+$ ]] || continue
    if [ -z "$best" ] || [ "$n" -lt "$best" ]; then best="$n"; fi
  done
  echo "${best:-1048576}"
}
pid_max="$(cat /proc/sys/kernel/pid_max 2>/dev/null || echo 32768)"
nofile="$(cap "$(ulimit -Sn)" "$(ulimit -Hn)")"
nproc="$(cap "$(ulimit -Su)" "$(ulimit -Hu)" "$pid_max")"
limits=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

# The machine's Debian bookworm repositories, as mmdebstrap source lines (deb822 and one-line
# formats of /etc/apt).
apt_sources() {
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] || continue
    grep -E '^deb[[:space:]]' "$file" | grep -E '[[:space:]]bookworm(-updates|-security)?[[:space:]]' || true
  done
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no")
          for (u = 1; u <= nu; u++) for (s = 1; s <= ns; s++)
            if (suites[s] ~ /^bookworm(-updates|-security)?$/) print "deb " uris[u] " " suites[s] " " comps
        types = ""; enabled = ""; nu = 0; ns = 0; comps = ""
      }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      /^Types:/ { $1 = ""; types = substr($0, 2) }
      /^Enabled:/ { enabled = $2 }
      /^URIs:/ { nu = split(substr($0, index($0, ":") + 1), uris, " ") }
      /^Suites:/ { ns = split(substr($0, index($0, ":") + 1), suites, " ") }
      /^Components:/ { comps = substr($0, index($0, ":") + 2) }
      END { flush() }' "$file"
  done
}

if [ ! -s "$base" ]; then
  mapfile -t sources < <(apt_sources | sort -u)
  [ ${#sources[@]} -gt 0 ] || skip "no Debian bookworm repository in /etc/apt to make the base image from"
  echo "container-check: making the debian:bookworm base (mmdebstrap, minbase) from: ${sources[*]}"
  mkdir -p "$cache"
  partial="$cache/partial-debian-bookworm-minbase.tar"
  if ! mmdebstrap --quiet --variant=minbase --mode=root --format=tar bookworm "$partial" "${sources[@]}" \
       >"$scratch/mmdebstrap.log" 2>&1; then
    tail -20 "$scratch/mmdebstrap.log" >&2
    rm -rf "$partial"
    echo "container-check: FAIL: mmdebstrap could not make the base image (log above)" >&2
    exit 1
  fi
  mv "$partial" "$base"  # complete or absent: never a half-written cache
  echo "container-check: base made in $((SECONDS - start)) s, cached at $base"
else
  echo "container-check: base image from the cache: $base"
fi

if ! "${podman_[@]}" info >"$scratch/info.log" 2>&1; then
  tail -5 "$scratch/info.log"
  skip "podman cannot run here with runc (log above)"
fi
"${podman_[@]}" import --quiet "$base" docker.io/library/debian:bookworm >/dev/null

prebuild=repro
[ "$full" = 1 ] && prebuild=all
echo "container-check: podman build (MSIRIG_PREBUILD=$prebuild, log $scratch/build.log)"
build_start=$SECONDS
if ! "${podman_[@]}" build --pull=never --network host "${limits[@]}" \
       --build-arg MSIRIG_PREBUILD="$prebuild" -t localhost/msirig:check -f "$root/Dockerfile" \
       "$root" >"$scratch/build.log" 2>&1; then
  tail -40 "$scratch/build.log" >&2
  echo "container-check: FAIL: podman build failed (log above)" >&2
  exit 1
fi
echo "container-check: image built in $((SECONDS - build_start)) s"

run() {
  "${podman_[@]}" run --rm --network host "${limits[@]}" localhost/msirig:check "$@"
}

failures=0
# Ninja's progress lines: a command that compiled or linked did not find its binaries prebuilt.
compiled_on_first_use() {  # log what
  if grep -qE '^\[[0-9]+/[0-9]+\] (Building|Linking)' "$1"; then
    grep -m3 -E '^\[[0-9]+/[0-9]+\] (Building|Linking)' "$1" >&2
    echo "container-check: FAIL: $2 compiled on first use (above): the image does not prebuild it" >&2
    failures=$((failures + 1))
  fi
}
# A recorded open finding reproduces inside the image: non-zero exit, its signature.
status=0
run repro crashes/planted_msi_lock/input.txt >"$scratch/repro.log" 2>&1 || status=$?
if [ "$status" -ne 0 ] && grep -q '^msirig: violation StorPortMSILock' "$scratch/repro.log"; then
  echo "container-check: repro crashes/planted_msi_lock/input.txt: reproduces (exit $status)"
else
  tail -20 "$scratch/repro.log" >&2
  echo "container-check: FAIL: the planted crash did not reproduce in the image (exit $status)" >&2
  failures=$((failures + 1))
fi
# A fixed one replays clean (so the repro above failed for the finding, not for the image).
if run repro crashes/port_io_after_surprise_removal/input.txt >"$scratch/fixed.log" 2>&1; then
  echo "container-check: repro crashes/port_io_after_surprise_removal/input.txt: clean"
else
  tail -20 "$scratch/fixed.log" >&2
  echo "container-check: FAIL: a fixed crash does not replay clean in the image" >&2
  failures=$((failures + 1))
fi
compiled_on_first_use "$scratch/repro.log" "repro"
compiled_on_first_use "$scratch/fixed.log" "repro"
if [ "$full" = 1 ]; then
  # `run TARGET` as the README shows it, counted in executions (not seconds): libFuzzer from the
  # target's seeds, no finding, a summary with the executions and the coverage it reached.
  status=0
  run run schedule_fuzz --runs 300 >"$scratch/run.log" 2>&1 || status=$?
  executions="$(sed -n 's/^ *executions: *\([0-9][0-9]*\).*/\1/p' "$scratch/run.log" | head -1)"
  if [ "$status" -eq 0 ] && grep -qE '^ *findings: *0$' "$scratch/run.log" &&
     [ "${executions:-0}" -ge 300 ] && grep -qE '^ *coverage: *[1-9][0-9]* edges' "$scratch/run.log"; then
    echo "container-check: run schedule_fuzz --runs 300: $executions executions," \
         "$(sed -n 's/^ *coverage: *//p' "$scratch/run.log" | head -1)"
  else
    tail -20 "$scratch/run.log" >&2
    echo "container-check: FAIL: run schedule_fuzz --runs 300 in the image (exit $status)" >&2
    failures=$((failures + 1))
  fi
  compiled_on_first_use "$scratch/run.log" "run"
fi

echo "container-check: done in $((SECONDS - start)) s"
[ "$failures" -eq 0 ]
