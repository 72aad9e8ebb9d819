"""Oracle SQLSTAT rules: per-execution figures of the window, honest units, statements that did not
execute, literal variants by force-matching signature, and the original's never-firing rules firing.

Each rule's small pass/fail examples live in include/rules/oracle/sqlstat.yaml
(tests/unit/test_rule_examples.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from themis.config import Exclusion
from themis.rules.catalog import load_catalog
from themis.rules.engine import EffectiveRule, run_rule
from themis.rules.snapshot import Snapshot


def statement(sql_id: str, phv: int = 1, signature: str | None = None, **stats: Any) -> dict[str, Any]:
    return {"checksum": f"{sql_id}:{phv}", "sql_id": sql_id, "plan_hash_value": phv, "schema": "SALES",
            "sample": f"SELECT * FROM T WHERE ID = {sql_id!r}", "force_matching_signature": signature,
            "stats": stats}


def run(rule_id: str, statements: list[dict[str, Any]], exclusions: list[Exclusion] | None = None,
        **params: Any) -> dict[str, Any]:
    rule = load_catalog().get("oracle", rule_id)
    result = run_rule(EffectiveRule(rule, "ON", rule.weight, rule.max_score, {**rule.param_values(), **params}),
                      Snapshot("oracle", {"sql.statement": statements}), exclusions or [])
    assert result["status"] == "ran", result
    return result


def found(rule_id: str, statements: list[dict[str, Any]], **params: Any) -> dict[str, dict[str, Any]]:
    return {f["checksum"]: f["values"] for f in run(rule_id, statements, **params)["findings"]}


def test_the_8_stat_rules_of_the_original_with_units_that_say_what_is_counted():
    rules = {r.id: r for r in load_catalog().for_dimension("oracle", "SQLSTAT")}
    assert {rule_id: (r.weight, r.max_score) for rule_id, r in rules.items()} == {
        rule_id: (0.1, 10) for rule_id in ("SQL_BUFFER_GETS", "SQL_CPU_TIME", "SQL_DIRECT_WRITES", "SQL_DISK_READS",
                                           "SQL_ELAPSED_TIME", "SQL_EXECUTIONS", "SQL_NO_BIND",
                                           "SQL_SUB_CURSOR_COUNT")}
    units = {p.name: p.unit for r in rules.values() for p in r.params}
    assert units["buffer_gets"] == units["disk_reads"] == units["direct_writes"] == "blocks per execution"
    assert units["cpu_time"] == units["elapsed_time"] == "seconds per execution"
    assert not any("byte" in unit for unit in units.values())
    assert all(r.solution and r.description and r.status == "ON" for r in rules.values())


@pytest.mark.parametrize("rule_id, field, param, threshold, column, scale", [
    ("SQL_BUFFER_GETS", "buffer_gets", "buffer_gets", 1000, "buffer_gets_per_exec", 1),
    ("SQL_DISK_READS", "disk_reads", "disk_reads", 1000, "disk_reads_per_exec", 1),
    ("SQL_DIRECT_WRITES", "direct_writes", "direct_writes", 1000, "direct_writes_per_exec", 1),
    ("SQL_CPU_TIME", "cpu_time_us", "cpu_time", 100, "cpu_s_per_exec", 1_000_000),
    ("SQL_ELAPSED_TIME", "elapsed_time_us", "elapsed_time", 100, "elapsed_s_per_exec", 1_000_000),
])
def test_per_execution_figures_reach_the_threshold(rule_id, field, param, threshold, column, scale):
    at = threshold * scale
    statements = [
        statement("at0000000001", executions=4, **{field: 4 * at, f"{field}_per_exec": float(at)}),
        statement("below0000001", executions=4, **{field: 4 * (at - scale), f"{field}_per_exec": at - scale * 1.0}),
        # a huge window total spread over many executions: not per execution
        statement("spread000001", executions=100_000, **{field: 1000 * at, f"{field}_per_exec": at / 100.0}),
        # did not execute in the window: no per-execution figure, not judged (the original divided by 1)
        statement("noexec000001", executions=0, **{field: 50 * at, f"{field}_per_exec": None}),
        statement("nostats00001"),
    ]
    hits = found(rule_id, statements)
    assert set(hits) == {"at0000000001:1"}
    assert hits["at0000000001:1"][column] == threshold
    assert set(found(rule_id, statements, **{param: threshold - 1.0})) == {"at0000000001:1", "below0000001:1"}


def test_a_per_execution_figure_without_executions_is_not_trusted():
    # a record that says "per exec" but has no executions (an old capture) is not judged either
    assert found("SQL_ELAPSED_TIME", [statement("odd000000001", executions=0,
                                                elapsed_time_us_per_exec=900_000_000.0)]) == {}


def test_sql_executions_counts_the_window_and_sub_cursor_count_reads_version_count():
    statements = [statement("busy00000001", executions=5200, version_count=2),
                  statement("quiet0000001", executions=99, version_count=45),
                  statement("idle00000001", executions=0, version_count=31)]
    assert set(found("SQL_EXECUTIONS", statements)) == {"busy00000001:1"}
    cursors = found("SQL_SUB_CURSOR_COUNT", statements)
    assert set(cursors) == {"quiet0000001:1", "idle00000001:1"}  # a level: judged without executions
    assert cursors["quiet0000001:1"]["version_count"] == 45


def test_sql_no_bind_counts_distinct_sql_ids_per_signature_once_per_signature():
    signature, other = "9182736450123456789", "1111111111111111111"
    variants = [statement(f"lit{n:09d}", 1, signature, executions=3) for n in range(5)]
    variants.append(statement("lit000000000", 2, signature, executions=1))  # second plan of a variant
    few = [statement(f"few{n:09d}", 1, other, executions=1) for n in range(3)]
    unsigned = [statement(f"nos{n:09d}", 1, None, executions=1) for n in range(9)]
    result = run("SQL_NO_BIND", variants + few + unsigned, sql_no_bind_count=3)
    assert [f["object"] for f in result["findings"]] == [signature]
    finding = result["findings"][0]
    assert finding["checksum"] == signature
    assert finding["values"]["sql_ids"] == 5 and finding["values"]["executions"] == 16
    assert finding["values"]["example_sql_ids"] == ", ".join(f"lit{n:09d}" for n in range(5))
    assert run("SQL_NO_BIND", variants, sql_no_bind_count=5)["findings_count"] == 0  # more than the count


def test_sql_no_bind_default_needs_more_than_100_variants():
    variants = [statement(f"v{n:012d}", 1, "42", executions=1) for n in range(101)]
    assert run("SQL_NO_BIND", variants[:100])["findings_count"] == 0
    assert run("SQL_NO_BIND", variants)["findings_count"] == 1


def test_statements_count_once_capped_and_excludable_by_sql_id():
    statements = [statement(f"s{n:012d}", n, executions=500) for n in range(150)]
    result = run("SQL_EXECUTIONS", statements)
    assert result["findings_count"] == 150 and result["deduction"] == 10.0
    excluded = run("SQL_EXECUTIONS", statements[:3], [Exclusion(checksums=["s000000000001"], reason="batch")])
    assert [f["checksum"] for f in excluded["findings"]] == ["s000000000000:0", "s000000000002:2"]
    assert [f["checksum"] for f in excluded["excluded"]] == ["s000000000001:1"]
