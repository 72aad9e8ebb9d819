"""The SQLPLAN rules on every recorded / documented plan in tests/data/plans, and on odd records.

The rules' own examples (include/rules/mysql/sqlplan.yaml) are tiny hand-made nodes; here the nodes
come from the normaliser, from MariaDB 10.11, MySQL 5.7 and MySQL 8.0 JSON and from classic EXPLAIN,
so a rule that reads a field the normaliser does not fill in the same way for every server fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from themis.capture.plan import merge_select_types, normalise_plan, normalise_traditional
from themis.rules.catalog import load_catalog
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"
FIXTURES = sorted(PLANS.glob("*.json"))

# rule -> fixtures it fires on, with the catalogue's defaults (TABLE_FULL_SCAN: more than 1 row)
EXPECTED = {
    "CACHEABLE": {"mariadb-10.11-uncacheable-subquery", "mysql-8.0-union-all"},
    "COMPLEX_SQL": set(),
    "DEPENDENT": {"mariadb-10.11-dependent-subquery", "mariadb-10.11-index-subquery", "mariadb-10.11-unique-subquery",
                  "mysql-5.7-dependent-subquery", "mysql-5.7-unique-subquery", "mysql-8.0-four-table-join"},
    "FULLTEXT": {"mariadb-10.11-fulltext", "mysql-8.0-fulltext"},
    "INDEX_MERGE": {"mariadb-10.11-index-merge", "mysql-5.7-index-merge"},
    "MATERIALIZED_FROM_SUBQUERY": {"mariadb-10.11-derived", "mariadb-10.11-semijoin-materialized",
                                   "mariadb-10.11-subquery-materialization", "mysql-5.7-derived",
                                   "mysql-8.0-subquery-materialization"},
    "MULTI_TAB_JOIN": {"mariadb-10.11-four-table-join", "mysql-8.0-four-table-join"},
    "TABLE_FULL_SCAN": {"mariadb-10.11-block-nl-join", "mariadb-10.11-filesort", "mariadb-10.11-group-temporary",
                        "mariadb-10.11-index-subquery", "mariadb-10.11-join-group-order",
                        "mariadb-10.11-partitioned-scan", "mariadb-10.11-semijoin-materialized",
                        "mariadb-10.11-subquery-materialization", "mariadb-10.11-union", "mariadb-10.11-unique-subquery",
                        "mysql-5.7-join-group-order", "mysql-5.7-union", "mysql-5.7-unique-subquery",
                        "mysql-8.0-filesort", "mysql-8.0-four-table-join", "mysql-8.0-group-temporary",
                        "mysql-8.0-hash-join", "mysql-8.0-subquery-materialization", "mysql-8.0-union-all"},
    "UNIQUE_SUBQUERY": {"mariadb-10.11-unique-subquery", "mysql-5.7-unique-subquery"},
    "USING_FILESORT": {"mariadb-10.11-derived", "mariadb-10.11-filesort", "mariadb-10.11-group-temporary",
                       "mariadb-10.11-join-group-order", "mariadb-10.11-update-order-by", "mariadb-10.11-window",
                       "mysql-5.7-derived", "mysql-5.7-join-group-order", "mysql-8.0-filesort", "mysql-8.0-window"},
    "USING_TEMPORARY_TABLE": {"mariadb-10.11-derived", "mariadb-10.11-duplicate-weedout",
                              "mariadb-10.11-group-temporary", "mariadb-10.11-join-group-order",
                              "mariadb-10.11-semijoin-materialized", "mariadb-10.11-subquery-materialization",
                              "mariadb-10.11-union", "mariadb-10.11-window", "mysql-5.7-derived",
                              "mysql-5.7-duplicate-weedout", "mysql-5.7-join-group-order", "mysql-5.7-union",
                              "mysql-8.0-group-temporary", "mysql-8.0-subquery-materialization", "mysql-8.0-window"},
}  # fmt: skip


def json_nodes(path: Path) -> list[dict[str, Any]]:
    """What capture stores: the JSON plan's nodes, completed from classic EXPLAIN on MariaDB."""
    fixture = json.loads(path.read_text())
    nodes = normalise_plan(fixture["explain_json"])
    if path.name.startswith("mariadb"):
        nodes = merge_select_types(nodes, fixture["traditional"])
    return nodes


def run(plans: list[dict[str, Any]], statements: list[dict[str, Any]] | None = None,
        overrides: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    snapshot = Snapshot("mysql", {"sql.plan": plans, "sql.statement": statements or []})
    result = run_dimension(effective_rules(load_catalog(), "mysql", "SQLPLAN", overrides), snapshot, "SQLPLAN")
    return {rule["id"]: rule for rule in result["rules"]}


def fired(rules: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    return {rule_id: {f["checksum"] for f in rule["findings"]} for rule_id, rule in rules.items()}


def explained(name: str, nodes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"checksum": name, "status": "explained", "nodes": nodes}


def test_every_sqlplan_rule_on_every_recorded_plan() -> None:
    rules = run([explained(path.stem, json_nodes(path)) for path in FIXTURES])
    assert all(rule["status"] == "ran" for rule in rules.values())
    assert fired(rules) == EXPECTED


def test_classic_explain_fires_the_same_rules_as_json() -> None:
    """The fallback format must not change the verdicts (MariaDB hides window sorts from classic EXPLAIN)."""
    with_classic = [p for p in FIXTURES if json.loads(p.read_text()).get("traditional")]
    from_json = fired(run([explained(p.stem, json_nodes(p)) for p in with_classic]))
    classic = fired(run([explained(p.stem, normalise_traditional(json.loads(p.read_text())["traditional"]))
                         for p in with_classic]))
    from_json["USING_FILESORT"].discard("mariadb-10.11-window")
    assert classic == from_json


def test_thresholds_are_parameters() -> None:
    from themis.config import RuleOverride

    plans = [explained(p.stem, json_nodes(p)) for p in FIXTURES]
    overrides = {"TABLE_FULL_SCAN": RuleOverride(params={"rows": 4000}), "MULTI_TAB_JOIN": RuleOverride(params={"table_num": 3})}
    rules = run(plans, overrides=overrides)
    scans = {f["checksum"]: f["values"]["rows"] for f in rules["TABLE_FULL_SCAN"]["findings"]}
    assert set(scans) < EXPECTED["TABLE_FULL_SCAN"] and "mariadb-10.11-filesort" in scans
    assert min(scans.values()) > 4000 and "mariadb-10.11-unique-subquery" not in scans  # 100 rows
    assert fired(rules)["MULTI_TAB_JOIN"] == EXPECTED["MULTI_TAB_JOIN"] | {"mariadb-10.11-duplicate-weedout",
                                                                           "mysql-5.7-duplicate-weedout"}


def test_complex_sql_reports_failed_plans_with_the_reason() -> None:
    statements = [{"checksum": c, "sample": f"SELECT {c}", "stats": {"executions": 4}} for c in ("A", "B", "C", "D")]
    plans = [
        {"checksum": "A", "status": "failed", "error": "(1969) Query execution was interrupted (max_statement_time exceeded)", "nodes": []},
        {"checksum": "B", "status": "failed", "error": None, "nodes": []},
        {"checksum": "C", "status": "skipped", "error": "not a SELECT/INSERT/UPDATE/DELETE/REPLACE/WITH statement", "nodes": []},
        {"checksum": "D", "status": "explained", "format": "traditional", "error": "(1064) JSON refused", "nodes": []},
    ]  # fmt: skip
    complex_sql = run(plans, statements)["COMPLEX_SQL"]
    found = {f["checksum"]: f["values"] for f in complex_sql["findings"]}
    assert set(found) == {"A", "B"}
    assert found["A"]["error"].startswith("(1969)") and found["B"]["error"] == "EXPLAIN failed"
    assert found["A"]["sql"] == "SELECT A" and found["A"]["executions"] == 4
    assert complex_sql["deduction"] == pytest.approx(0.2)


def test_findings_name_the_offending_tables_and_their_rows() -> None:
    nodes = json_nodes(PLANS / "mariadb-10.11-unique-subquery.json")
    rules = run([explained("U", nodes)])
    [finding] = rules["UNIQUE_SUBQUERY"]["findings"]
    assert (finding["values"]["tables"], finding["values"]["rows"]) == ("c", 1)
    [scan] = rules["TABLE_FULL_SCAN"]["findings"]
    assert (scan["values"]["tables"], scan["values"]["rows"]) == ("p", 100)


def test_plan_rules_cap_at_max_score() -> None:
    nodes = json_nodes(PLANS / "mariadb-10.11-fulltext.json")
    rules = run([explained(f"F{i}", nodes) for i in range(150)])
    assert rules["FULLTEXT"]["findings_count"] == 150
    assert rules["FULLTEXT"]["deduction"] == 10  # 150 × 0.1 = 15, capped by max_score (the original did not cap)


@pytest.mark.parametrize(
    "nodes",
    [
        [None, "x", 3, []],
        [{"rows": "many", "nested_loop_size": "4", "access_type": 7, "cacheable": "no", "table": None}],
        [{"rows": float("inf"), "nested_loop_size": None}],
        [{}],
    ],
)
def test_odd_plan_records_never_make_a_rule_fail(nodes: list[Any]) -> None:
    rules = run([explained("X", nodes), {"checksum": "Y", "status": "explained"}, {"status": "failed"}, {}])
    assert {rule["status"] for rule in rules.values()} == {"ran"}
