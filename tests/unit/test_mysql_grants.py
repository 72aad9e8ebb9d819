"""What the audit user can see, judged from SHOW GRANTS (issue 13, item 13): pure parts, no server."""

from __future__ import annotations

from typing import Any

import pytest

from themis.capture.mysql_grants import Grants, dictionary_gaps, unreadable_grants
from themis.rules.catalog import load_catalog
from themis.rules.engine import EffectiveRule, run_dimension, run_rule
from themis.rules.snapshot import Snapshot

USER = "`auditor`@`%`"
MARIADB_10 = {"flavour": "mariadb", "major": 10, "minor": 11, "patch": 9}
MARIADB_11_4 = {"flavour": "mariadb", "major": 11, "minor": 4, "patch": 2}
MYSQL_57 = {"flavour": "mysql", "major": 5, "minor": 7, "patch": 44}
MYSQL_80_19 = {"flavour": "mysql", "major": 8, "minor": 0, "patch": 19}
MYSQL_84 = {"flavour": "mysql", "major": 8, "minor": 4, "patch": 3}
README_MINIMAL = [f"GRANT PROCESS ON *.* TO {USER} IDENTIFIED BY PASSWORD '*D821809F681A40A6E379B50D0463EFAE20BDD122'",
                  f"GRANT SELECT, SHOW VIEW ON `shop`.* TO {USER}"]


def kinds(lines: list[str], server: dict[str, Any], captured: dict | None = None, schemas=("shop",)) -> set[str]:
    return {gap["kind"] for gap in dictionary_gaps(Grants.parse(lines), list(schemas), server, captured or {})}


def test_the_minimal_grants_hide_routines_triggers_and_events_and_say_how_to_fix_it():
    gaps = {g["kind"]: g for g in dictionary_gaps(Grants.parse(README_MINIMAL), ["shop"], MARIADB_10, {})}
    assert set(gaps) == {"obj.routine", "obj.trigger", "obj.event"}
    assert gaps["obj.routine"]["reason"].startswith("the audit user lacks SELECT on mysql.proc on shop:")
    assert gaps["obj.routine"]["fix"] == f"GRANT SELECT ON `mysql`.`proc` TO {USER}"
    assert gaps["obj.trigger"]["fix"] == f"GRANT TRIGGER ON `shop`.* TO {USER}"
    assert "D821809F" not in repr(gaps)  # the password hash in the grant line goes nowhere


@pytest.mark.parametrize("extra, server, visible", [
    ("GRANT SELECT ON `mysql`.`proc` TO {u}", MARIADB_10, True),
    ("GRANT SELECT ON `mysql`.* TO {u}", MARIADB_10, True),
    ("GRANT SELECT ON *.* TO {u}", MARIADB_10, True),
    ("GRANT EXECUTE ON `shop`.* TO {u}", MARIADB_10, True),
    ("GRANT SHOW CREATE ROUTINE ON `shop`.* TO {u}", MARIADB_10, False),  # 11.3+ only
    ("GRANT SHOW CREATE ROUTINE ON `shop`.* TO {u}", MARIADB_11_4, True),
    ("GRANT SHOW_ROUTINE ON *.* TO {u}", MYSQL_84, True),
    ("GRANT SHOW_ROUTINE ON *.* TO {u}", MYSQL_80_19, False),  # 8.0.20+ only
    ("GRANT SELECT ON *.* TO {u}", MYSQL_80_19, True),
    ("GRANT SELECT ON `mysql`.`proc` TO {u}", MYSQL_84, False),  # no mysql.proc in 8.0
    ("GRANT SELECT ON `mysql`.`proc` TO {u}", MYSQL_57, True),
    ("GRANT ALL PRIVILEGES ON *.* TO {u} WITH GRANT OPTION", MYSQL_84, True),
    ("GRANT SELECT ON `other`.* TO {u}", MYSQL_57, False),
])
def test_what_makes_routines_visible_per_server(extra, server, visible):
    assert ("obj.routine" not in kinds(README_MINIMAL + [extra.format(u=USER)], server)) is visible


def test_schema_grants_are_like_patterns_and_table_grants_do_not_cover_a_schema():
    assert "obj.trigger" not in kinds(README_MINIMAL + [f"GRANT TRIGGER ON `sh_p`.* TO {USER}"], MARIADB_10)
    assert "obj.trigger" in kinds(README_MINIMAL + [f"GRANT TRIGGER ON `sh\\_p`.* TO {USER}"], MARIADB_10)
    assert "obj.trigger" in kinds(README_MINIMAL + [f"GRANT TRIGGER ON `shop`.`orders` TO {USER}"], MARIADB_10)
    assert "obj.event" not in kinds(README_MINIMAL + [f"GRANT EVENT, TRIGGER ON `s%`.* TO {USER}"], MARIADB_10)


def test_column_lists_and_view_definitions():
    grants = Grants.parse([f"GRANT SELECT (`a`, `b`), INSERT (`c`) ON `shop`.`t` TO {USER}",
                           f"GRANT SELECT ON `shop`.* TO {USER}"])
    assert grants.has("INSERT", "shop", "t") and not grants.has("INSERT", "shop", "u")
    assert "obj.view_definition" in kinds([f"GRANT SELECT ON `shop`.* TO {USER}"], MARIADB_10)


def test_records_found_anyway_are_not_reported_hidden_and_each_schema_counts():
    captured = {"obj.routine": [{"schema": "shop", "name": "f"}]}
    assert "obj.routine" not in kinds(README_MINIMAL, MARIADB_10, captured)
    gap = next(g for g in dictionary_gaps(Grants.parse(README_MINIMAL + [f"GRANT TRIGGER ON `shop`.* TO {USER}"]),
                                          ["shop", "crm"], MARIADB_10, {}) if g["kind"] == "obj.trigger")
    assert "on crm:" in gap["reason"] and gap["fix"] == f"GRANT TRIGGER ON `crm`.* TO {USER}"


def test_roles_are_mentioned_and_unreadable_grants_hide_everything():
    lines = README_MINIMAL + [f"GRANT `auditing` TO {USER}"]
    assert all("roles were not examined" in g["reason"]
               for g in dictionary_gaps(Grants.parse(lines), ["shop"], MARIADB_10, {}))
    assert {g["kind"] for g in unreadable_grants("(1141) nope")} == {
        "obj.routine", "obj.trigger", "obj.event", "obj.view_definition"}


def test_exist_func_proc_trigger_is_not_evaluated_when_routines_or_triggers_are_hidden():
    rule = load_catalog().get("mysql", "EXIST_FUNC_PROC_TRIGGER")
    effective = EffectiveRule(rule, "ON", rule.weight, rule.max_score, rule.param_values())
    gaps = dictionary_gaps(Grants.parse(README_MINIMAL), ["shop"], MARIADB_10, {})
    result = run_rule(effective, Snapshot("mysql", {"obj.unavailable": gaps}), [])
    assert result["status"] == "not_evaluated" and result["deduction"] == 0
    assert "lacks" in result["not_evaluated"]["reason"] and result["not_evaluated"]["fix"].startswith("GRANT ")
    dimension = run_dimension([effective], Snapshot("mysql", {"obj.unavailable": gaps}), "OBJ")
    assert dimension["score"] is None and dimension["rules_not_evaluated"] == 1  # out of the denominator
