"""Every rule's own examples, kept as data next to the rule (sqlfluff style), run by one test.

A rule whose logic breaks fails here: a ``fail`` example must produce the stated number of
findings (at least one), a ``pass`` example none.
"""

from __future__ import annotations

import pytest

from themis.rules.catalog import load_catalog
from themis.rules.engine import EffectiveRule, run_rule
from themis.rules.snapshot import Snapshot


def _cases():
    for rule in load_catalog():
        for index, example in enumerate(rule.examples.fail):
            yield pytest.param(rule, example, True, id=f"{rule.db_type}-{rule.id}-fail{index}")
        for index, example in enumerate(rule.examples.passing):
            yield pytest.param(rule, example, False, id=f"{rule.db_type}-{rule.id}-pass{index}")


def _snapshot(rule, example) -> tuple[Snapshot, dict]:
    db_type = "mysql" if rule.db_type == "any" else rule.db_type
    if isinstance(example, str):
        statement = {"checksum": "EXAMPLE", "sample": example, "stats": {}}
        if db_type == "oracle":  # as capture records it (docs/oracle-records.md)
            statement = {"checksum": "EXAMPLE00000A:1234567890", "sql_id": "EXAMPLE00000A",
                         "plan_hash_value": 1234567890, "schema": "SALES", "sample": example,
                         "stats": {"executions": 3}}
        return Snapshot(db_type, {"sql.statement": [statement]}), {}
    return Snapshot(db_type, example.get("records", {})), example.get("params", {})


@pytest.mark.parametrize("rule, example, must_fire", list(_cases()))
def test_rule_example(rule, example, must_fire):
    snapshot, params = _snapshot(rule, example)
    effective = EffectiveRule(rule, "ON", rule.weight, rule.max_score, {**rule.param_values(), **params})
    result = run_rule(effective, snapshot, [])
    assert result["status"] == "ran", result["error"]
    if must_fire:
        expected = example.get("findings", 1) if isinstance(example, dict) else 1
        assert result["findings_count"] == expected, (example, result["findings"])
        assert result["deduction"] == min(expected * rule.weight, rule.max_score)
    else:
        assert result["findings_count"] == 0, (example, result["findings"])


def test_every_rule_has_examples_both_ways():
    missing = [rule.id for rule in load_catalog() if not rule.examples.fail or not rule.examples.passing]
    assert missing == []
