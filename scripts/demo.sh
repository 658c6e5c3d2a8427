#!/usr/bin/env bash
# Builds citybrain if needed, then runs the brain on the bundled Hangzhou data with
# fixed-time and max-pressure control and prints a side-by-side KPI table.
# Arguments are passed to `citybrain demo` (try `scripts/demo.sh --help`).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo_root/scripts/setup.sh"
cd "$repo_root"

# The binary sits at build/release/citybrain when the build puts executables at the
# top of the build tree, else next to its CMakeLists.txt (build/release/apps/).
citybrain=build/release/citybrain
[[ -x "$citybrain" ]] || citybrain=build/release/apps/citybrain
exec "$citybrain" demo "$@"
