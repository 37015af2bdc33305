#!/usr/bin/env python3
"""Fails when a live include in the book names a missing file or anchor.

mdBook only warns about these; a chapter that silently shows nothing where
code should be is worse than a failed build. Usage: check-doc-includes.py DIR
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r"\{\{#(?:include|rustdoc_include)\s+([^}\s]+)\s*\}\}")


def main(root: str) -> int:
    problems = []
    count = 0
    for chapter in sorted(pathlib.Path(root).rglob("*.md")):
        for match in INCLUDE.finditer(chapter.read_text()):
            count += 1
            path, _, anchor = match.group(1).partition(":")
            target = (chapter.parent / path).resolve()
            if not target.is_file():
                problems.append(f"{chapter}: {match.group(1)}: no such file")
            elif anchor and not anchor[0].isdigit():
                text = target.read_text()
                if f"ANCHOR: {anchor}" not in text or f"ANCHOR_END: {anchor}" not in text:
                    problems.append(f"{chapter}: {match.group(1)}: no anchor '{anchor}'")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{count} includes checked, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "docs/src"))
