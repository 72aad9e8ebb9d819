"""The README's promises: the two commands exist and the rule table matches the catalogue."""

from __future__ import annotations

from pathlib import Path

from themis.demo import load_script

ROOT = Path(__file__).resolve().parents[2]


def _updater():
    return load_script("update_readme_rules")


def test_rule_table_matches_the_catalogue():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _updater().render(text) == text, "README rule table is stale: run `make rules-doc`"


def test_readme_commands_are_the_ones_ci_and_make_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    assert "\ndemo:" in makefile and "\ntest:" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
