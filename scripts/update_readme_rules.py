"""Rewrite the rule catalogue table in README.md from include/rules (run: make rules-doc).

tests/unit/test_readme.py fails when the README's table and the catalogue disagree, so the
table cannot drift from the rules.
"""

from __future__ import annotations

import sys
from pathlib import Path

from themis.cli import README_BEGIN, README_END, rules_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def render(text: str) -> str:
    start, end = text.index(README_BEGIN), text.index(README_END)
    return text[: start + len(README_BEGIN)] + "\n" + rules_markdown() + "\n" + text[end:]


def main() -> int:
    text = README.read_text(encoding="utf-8")
    updated = render(text)
    if updated != text:
        README.write_text(updated, encoding="utf-8")
        print("README.md: rule table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
