#!/usr/bin/env bash
# check-includes.sh: fail if a chapter includes a file or an anchor that does
# not exist.
#
# Why: mdBook 0.5 renders an {{#include file:anchor}} whose anchor is missing
# as an empty code block, without a warning, so a renamed or deleted
# `// ANCHOR: name` in the code would silently empty a chapter. CI runs this
# next to `mdbook build docs`.
#
# Usage: bash docs/check-includes.sh        (from anywhere)
set -euo pipefail

SRC_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/src"
failures=0
checked=0

while IFS= read -r -d '' chapter; do
  chapter_dir=$(dirname "$chapter")
  # Every {{#include path}} or {{#include path:anchor}} in the chapter.
  while IFS= read -r spec; do
    [ -n "$spec" ] || continue
    checked=$((checked + 1))
    path=${spec%%:*}
    anchor=""
    if [[ "$spec" == *:* ]]; then anchor=${spec#*:}; fi
    target="$chapter_dir/$path"
    where="${chapter#"$SRC_DIR"/}"
    if [ ! -f "$target" ]; then
      echo "check-includes: $where: no such file: $path" >&2
      failures=$((failures + 1))
      continue
    fi
    # Only named anchors are checked; numeric line ranges are not used here.
    if [ -n "$anchor" ] && ! [[ "$anchor" =~ ^[0-9:]+$ ]]; then
      if ! grep -qE "ANCHOR: *$anchor([^A-Za-z0-9_-]|$)" "$target" ||
         ! grep -qE "ANCHOR_END: *$anchor([^A-Za-z0-9_-]|$)" "$target"; then
        echo "check-includes: $where: anchor \`$anchor\` not found (ANCHOR and ANCHOR_END) in $path" >&2
        failures=$((failures + 1))
      fi
    fi
  done < <(grep -o '{{#include [^}]*}}' "$chapter" | sed -e 's/^{{#include //' -e 's/}}$//')
done < <(find "$SRC_DIR" -name '*.md' -print0)

if [ "$failures" -gt 0 ]; then
  echo "check-includes: $failures of $checked includes are broken" >&2
  exit 1
fi
echo "check-includes: all $checked includes resolve"
