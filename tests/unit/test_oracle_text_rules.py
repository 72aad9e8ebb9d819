"""The 17 Oracle TEXT rules on Oracle SQL texts: the labelled corpus, binds, SQL_IDs with several plans.

tests/data/oracle/text_corpus.yaml holds Oracle statements as applications send them, each with the
rules that must fire (every other rule must not). The corpus runs as one window - one snapshot, every
statement its own SQL_ID - as the DAG runs it. Each rule's own pass/fail examples are in
include/rules/oracle/text.yaml (tests/unit/test_rule_examples.py).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from themis.config import RuleOverride
from themis.rules.catalog import load_catalog
from themis.rules.checks.sqltext import PLSQL_ERROR, oracle_source, parse_sql, parsed_statements
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot

CORPUS = Path(__file__).resolve().parents[1] / "data" / "oracle" / "text_corpus.yaml"
ALL_ON = {rule: RuleOverride(status="ON") for rule in ("SUBQUERY_FROM", "SUBQUERY_HAVING", "SUBQUERY_SELECT", "SUBQUERY_WHERE")}
TEXT_ONLY_RULES = {"LONG_TEXT", "TOOMANY_BIND"}  # read the text itself, so they judge unparsable texts too


def corpus() -> list[dict[str, Any]]:
    return yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["statements"]


def statement(sql_id: str, sample: str, plan_hash_value: int = 1, executions: int | None = 1) -> dict[str, Any]:
    """A ``sql.statement`` record as Oracle capture writes it (docs/oracle-records.md)."""
    return {"checksum": f"{sql_id}:{plan_hash_value}", "sql_id": sql_id, "plan_hash_value": plan_hash_value,
            "schema": "SALES", "sample": sample, "stats": {"executions": executions}}


def run_oracle_text(records: list[dict[str, Any]], overrides: dict[str, RuleOverride] | None = None) -> dict[str, Any]:
    rules = effective_rules(load_catalog(), "oracle", "TEXT", {**ALL_ON, **(overrides or {})})
    return run_dimension(rules, Snapshot("oracle", {"sql.statement": records}), "TEXT")


@functools.lru_cache(maxsize=1)
def corpus_result() -> tuple[dict[str, set[str]], dict[str, str], dict[str, Any]]:
    """The corpus as one window: rules fired per statement id, unparsable ids with the reason."""
    entries = corpus()
    result = run_oracle_text([statement(entry["id"], entry["sql"]) for entry in entries])
    fired: dict[str, set[str]] = {entry["id"]: set() for entry in entries}
    for rule in result["rules"]:
        for finding in rule["findings"]:
            fired[finding["object"]].add(rule["id"])
    unparsable = {u["checksum"].split(":")[0]: u["error"] for u in result["unparsable"]}
    return fired, unparsable, result


def test_the_corpus_covers_what_the_issue_asks_for() -> None:
    entries = corpus()
    ids = [entry["id"] for entry in entries]
    assert len(entries) >= 80 and len(set(ids)) == len(ids)
    for prefix in ("join-", "hint-", "comment-", "literal-", "in-", "binds-", "merge-", "analytic-", "connect-by-",
                   "rownum-", "long-", "plsql-"):
        assert any(i.startswith(prefix) for i in ids), prefix
    rules = {rule.id for rule in load_catalog().for_dimension("oracle", "TEXT")}
    labelled = {rule for entry in entries for rule in entry["fire"]}
    assert labelled == rules  # every rule fires somewhere in the corpus
    assert all(set(entry["fire"]) <= rules for entry in entries)


def test_every_rule_ran_on_the_corpus() -> None:
    _, _, result = corpus_result()
    assert {rule["status"] for rule in result["rules"]} == {"ran"}
    assert len(result["rules"]) == 17 and result["statements"] == len(corpus())


@pytest.mark.parametrize("entry", corpus(), ids=lambda entry: entry["id"])
def test_corpus_statement(entry: dict[str, Any]) -> None:
    fired, unparsable, _ = corpus_result()
    if entry.get("unparsable"):
        assert entry["id"] in unparsable, "must be listed as unparsable"
        assert set(entry["fire"]) <= TEXT_ONLY_RULES
    else:
        assert entry["id"] not in unparsable, unparsable.get(entry["id"])
    assert fired[entry["id"]] == set(entry["fire"])


# ----------------------------------------------------------------------------- binds


@pytest.mark.parametrize(
    ("sql", "expected", "names"),
    [
        ("SELECT a FROM t WHERE a = :1 AND b = :2", 'SELECT a FROM t WHERE a = :"1" AND b = :"2"', {"1", "2"}),
        ("SELECT a FROM t WHERE a = :b1 AND c = :date", 'SELECT a FROM t WHERE a = :"B1" AND c = :"DATE"', {"B1", "DATE"}),
        ('SELECT a FROM t WHERE a = :"SYS_B_0"', 'SELECT a FROM t WHERE a = :"SYS_B_0"', {"SYS_B_0"}),
        ("SELECT TO_CHAR(d, 'HH24:MI:SS'), 'it''s :1' FROM t", "SELECT TO_CHAR(d, 'HH24:MI:SS'), 'it''s :1' FROM t", set()),
        ("SELECT q'[a :1 'x' ]', Nq'{:2}' FROM t WHERE a = :3", "SELECT q'[a :1 'x' ]', Nq'{:2}' FROM t WHERE a = :\"3\"", {"3"}),
        ('SELECT ":1" FROM t -- :2\n/*+ :3 */ WHERE a = :4', 'SELECT ":1" FROM t -- :2\n/*+ :3 */ WHERE a = :"4"', {"4"}),
        ("x := :a; y := 'b'", 'x := :"A"; y := \'b\'', {"A"}),
        ("SELECT 'unterminated :1", "SELECT 'unterminated :1", set()),
        ("SELECT a FROM t", "SELECT a FROM t", set()),
    ],
)  # fmt: skip
def test_binds_are_rewritten_outside_literals_and_comments(sql: str, expected: str, names: set[str]) -> None:
    assert oracle_source(sql) == (expected, names)


@pytest.mark.parametrize("bind", [":1", ":B1", ':"SYS_B_0"', ":name", ":date", ":level", ":select"])
@pytest.mark.parametrize(
    "template",
    ["SELECT a FROM t WHERE a = {b}", "SELECT a FROM t WHERE a IN ({b}, {b})", "UPDATE t SET a = {b} WHERE id = {b}",
     "INSERT INTO t (a) VALUES ({b})", "SELECT a FROM t WHERE d > TO_DATE({b}, 'YYYY-MM-DD HH24:MI') AND ROWNUM <= {b}",
     "MERGE INTO t USING (SELECT {b} AS id FROM dual) s ON (t.id = s.id) WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)"],
)  # fmt: skip
def test_every_bind_style_parses(bind: str, template: str) -> None:
    trees, error = parse_sql(template.format(b=bind), "oracle")
    assert error is None and trees


def test_plsql_blocks_are_unparsable_not_judged() -> None:
    for sql in ("BEGIN p(:1); END;", "  -- x\n DECLARE n NUMBER; BEGIN NULL; END;", "begin\nnull;\nend;"):
        assert parse_sql(sql, "oracle") == ([], PLSQL_ERROR)
    result = run_oracle_text([statement("PLSQL0000001", "BEGIN DELETE FROM t; END;")])
    assert result["unparsable"] == [{"checksum": "PLSQL0000001:1", "sql": "BEGIN DELETE FROM t; END;", "error": PLSQL_ERROR}]
    assert sum(rule["findings_count"] for rule in result["rules"]) == 0


# ----------------------------------------------------------------------------- SQL_IDs


def test_a_sql_id_with_several_plans_is_parsed_and_reported_once() -> None:
    sample = "SELECT * FROM sales.orders WHERE TRUNC(order_date) = :1"
    records = [statement("7k29n7jmyby8y", sample, 111, executions=5), statement("7k29n7jmyby8y", sample, 222, executions=40),
               statement("7k29n7jmyby8y", sample, 333, executions=None), statement("0rhy6p5cx69fg", "SELECT 1 FROM dual")]
    snapshot = Snapshot("oracle", {"sql.statement": records})
    parsed = parsed_statements(snapshot)
    assert [p.key for p in parsed] == ["7k29n7jmyby8y", "0rhy6p5cx69fg"]
    rules = effective_rules(load_catalog(), "oracle", "TEXT")
    result = run_dimension(rules, snapshot, "TEXT")
    assert result["statements"] == 2  # SQL_IDs, not plans
    fired = {rule["id"]: rule["findings"] for rule in result["rules"] if rule["findings_count"]}
    assert set(fired) == {"SELECT_ANY", "WHERE_FUNC"}
    finding = fired["WHERE_FUNC"][0]
    assert finding["object"] == "7k29n7jmyby8y" and finding["checksum"] == "7k29n7jmyby8y:222"  # the most executed plan
    assert finding["values"]["sql_id"] == "7k29n7jmyby8y" and finding["values"]["plans"] == 3
    assert finding["values"]["executions"] == 45 and finding["values"]["detail"] == "WHERE: TRUNC(ORDER_DATE)"
    assert {column["name"] for column in result["rules"][0]["columns"]} <= set(finding["values"])


def test_texts_longer_than_the_original_cut_are_judged_whole() -> None:
    head = "SELECT id FROM app.docs WHERE " + " AND ".join(f"c{i} = :{i}" for i in range(1, 200))
    sample = head + " AND title LIKE '%report' UNION SELECT id FROM app.docs_old"
    assert len(head) > 2000
    result = run_oracle_text([statement("LONG00000001", sample)])
    fired = {rule["id"] for rule in result["rules"] if rule["findings_count"]}
    assert fired == {"LONG_TEXT", "LIKE_UNINDEX", "UNION", "TOOMANY_BIND"}


def test_exclusion_by_sql_id_covers_every_plan() -> None:
    from themis.config import Exclusion

    records = [statement("g8xq9s7d1a2b3", "UPDATE sales.t SET a = 1", 1), statement("g8xq9s7d1a2b3", "UPDATE sales.t SET a = 1", 2)]
    rules = [r for r in effective_rules(load_catalog(), "oracle", "TEXT") if r.rule.id == "DML_ALLDATA"]
    exclusion = Exclusion.model_validate({"rules": ["DML_ALLDATA"], "objects": ["g8xq9s7d1a2b3"], "reason": "nightly reset"})
    result = run_dimension(rules, Snapshot("oracle", {"sql.statement": records}), "TEXT", [exclusion])
    assert result["rules"][0]["findings_count"] == 0 and result["rules"][0]["excluded_count"] == 1


# ----------------------------------------------------------------------------- the catalogue


def test_the_catalogue_has_the_17_oracle_text_rules_sharing_the_mysql_checks() -> None:
    catalog = load_catalog()
    oracle = {rule.id: rule for rule in catalog.for_dimension("oracle", "TEXT")}
    mysql = {rule.id: rule for rule in catalog.for_dimension("mysql", "TEXT")}
    assert len(oracle) == 17 and sum(rule.max_score for rule in oracle.values()) == 340
    assert {(rule.weight, rule.max_score) for rule in oracle.values()} == {(2, 20)}
    assert {rule_id for rule_id, rule in oracle.items() if rule.status == "OFF"} == {
        "SUBQUERY_FROM", "SUBQUERY_HAVING", "SUBQUERY_SELECT", "SUBQUERY_WHERE"}
    assert set(oracle) - set(mysql) == {"TOOMANY_BIND"}
    assert all(oracle[rule_id].check == mysql[rule_id].check for rule_id in mysql)  # one implementation
    assert all(rule.solution and rule.description and rule.examples.fail and rule.examples.passing for rule in oracle.values())
    assert all(param.unit for rule in oracle.values() for param in rule.params)


ODD = [
    "", "-- only a comment", "SELECT", "SELECT 1 FROM DUAL", "BEGIN", "DECLARE", "begin null; end;",
    "SELECT a FROM t WHERE a = :1:2", "SELECT a FROM t WHERE a = ::1", "SELECT :", "SELECT a FROM t WHERE b = :\"",
    "SELECT q'[unterminated :1 FROM t", "SELECT 'unterminated :1 FROM t", "SELECT a FROM t /* unterminated :1",
    "SELECT a FROM t WHERE a = :1 -- :2", "SELECT a FROM t WHERE a = :é", "SELECT 'héllo ☃' FROM t WHERE n = :1",
    "\x00\x01 SELECT", "SELECT a FROM t WHERE x(+) = 1", "SELECT a FROM t, u WHERE t.a(+) = u.a(+)",
    "SELECT " + "(" * 80 + ":1" + ")" * 80 + " FROM dual",
    "SELECT a FROM t WHERE " + " OR ".join(f"a = :{i}" for i in range(1, 3001)),
    "SELECT a FROM t WHERE NVL(" + " + ".join(f"c{i}" for i in range(3000)) + ", 0) = :1",
    "SELECT a FROM t START WITH x CONNECT BY", "MERGE INTO t USING s ON (1 = 1) WHEN MATCHED THEN UPDATE SET a = 1",
    "SELECT * FROM (SELECT * FROM (SELECT * FROM t ORDER BY a) WHERE ROWNUM <= 1) WHERE ROWNUM <= 1",
    "DELETE FROM (SELECT * FROM t)", "UPDATE t SET a = (SELECT b FROM u ORDER BY c) WHERE ROWNUM = 1",
    "SELECT a FROM t WHERE a LIKE '%' || :1 || :2 ESCAPE '\\'", "CREATE OR REPLACE PROCEDURE p AS BEGIN NULL; END;",
    "SELECT a FROM t PARTITION FOR (DATE '2024-01-01')", "SELECT a FROM t MODEL DIMENSION BY (a) MEASURES (b) RULES (b[1] = 2)",
]  # fmt: skip


def test_odd_oracle_texts_never_make_a_rule_fail() -> None:
    result = run_oracle_text([statement(f"ODD{i:010d}", sql) for i, sql in enumerate(ODD)])
    assert {rule["id"]: rule["error"] for rule in result["rules"] if rule["status"] != "ran"} == {}
    assert result["statements"] == len(ODD)
    details = [f["values"]["detail"] for rule in result["rules"] for f in rule["findings"]]
    assert details and all(len(detail) <= 160 for detail in details)
