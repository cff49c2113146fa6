#!/usr/bin/env bash
# The image's entrypoint: the CLI (tools/msirig) in the image's working tree, e.g.
#   run TARGET [options]                 fuzz TARGET
#   repro crashes/<group>/<file>...      replay recorded inputs (the target comes from the
#                                        group's `finding` file)
#   help, triage DIR, show FILE, ...     as tools/msirig documents them
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec tools/msirig "$@"
