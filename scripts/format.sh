#!/usr/bin/env bash
# Formats our C++ sources (src apps tests bench fuzz python, *.h and *.cc) in place with
# clang-format and the repository's .clang-format. scripts/test.sh checks the same set.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

command -v clang-format >/dev/null 2>&1 ||
  { echo "citybrain: error: clang-format not found; run scripts/setup.sh first" >&2; exit 1; }

dirs=()
for d in src apps tests bench fuzz python; do
  [[ -d "$d" ]] && dirs+=("$d")
done
((${#dirs[@]} > 0)) || exit 0

find "${dirs[@]}" -type f \( -name '*.h' -o -name '*.cc' \) -print0 | sort -z |
  xargs -0 -r clang-format -i --style=file
echo "citybrain: formatted the C++ sources under ${dirs[*]}"
