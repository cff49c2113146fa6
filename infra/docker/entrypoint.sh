#!/usr/bin/env bash
# The image's entrypoint: runs the CLI (tools/msirig) with the image's working tree.
#   run TARGET [options]     fuzz TARGET (the CLI's `fuzz`; `run` where the CLI has it)
#   repro crashes/<group>/<file>...
#                            replay recorded inputs; the target is read from
#                            crashes/<group>/finding when the CLI does not infer it itself
#   anything else            passed to tools/msirig as it is (help, fuzz, repro TARGET FILE, test)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cli=tools/msirig

usage_has() {  # the CLI's own usage mentions this command form
  "$cli" help 2>/dev/null | grep -qE "tools/msirig $1"
}

case "${1:-help}" in
  run)
    shift
    if usage_has 'run '; then exec "$cli" run "$@"; fi
    exec "$cli" fuzz "$@"
    ;;
  repro)
    shift
    if [ $# -ge 1 ] && [ -f "$1" ] && ! usage_has 'repro FILE'; then
      finding="$(dirname "$1")/finding"
      if [ ! -f "$finding" ]; then
        echo "msirig: repro $1: no $finding to name the target; use: repro TARGET FILE..." >&2
        exit 2
      fi
      target="$(sed -n 's/^target: *//p' "$finding" | head -1 | tr -d '[:space:]')"
      [ -n "$target" ] || { echo "msirig: $finding has no 'target:' line" >&2; exit 2; }
      exec "$cli" repro "$target" "$@"
    fi
    exec "$cli" repro "$@"
    ;;
  *) exec "$cli" "$@" ;;
esac
