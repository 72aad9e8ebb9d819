"""The TEXT rules together, on sqlglot trees: which rules fire on a statement and which do not.

Each rule's own pass/fail examples live in include/rules/mysql/text.yaml (tests/unit/test_rule_examples.py);
here every rule runs on the same statements, with the four SUBQUERY_* rules switched on, so a rule
that fires where another one should (or on keywords in literals and comments) is caught. Also: the
tree index the rules share, unparsable statements, and odd input that must never make a rule fail.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from themis.config import RuleOverride
from themis.rules.catalog import load_catalog
from themis.rules.checks.sqltext import SqlTree, parse_sql, parsed_statements
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot

ALL_ON = {rule: RuleOverride(status="ON") for rule in ("SUBQUERY_FROM", "SUBQUERY_HAVING", "SUBQUERY_SELECT", "SUBQUERY_WHERE")}


def run_text(samples: list[str], overrides: dict[str, RuleOverride] | None = None) -> dict[str, Any]:
    statements = [{"checksum": f"S{i}", "sample": sample} for i, sample in enumerate(samples)]
    rules = effective_rules(load_catalog(), "mysql", "TEXT", {**ALL_ON, **(overrides or {})})
    return run_dimension(rules, Snapshot("mysql", {"sql.statement": statements}), "TEXT")


def fired_on(sample: str) -> set[str]:
    result = run_text([sample])
    assert {rule["status"] for rule in result["rules"]} == {"ran"}
    return {rule["id"] for rule in result["rules"] if rule["findings_count"]}


TRICKY = {
    # keywords only in comments and string literals; a CTE with a window function: nothing to report
    """WITH recent AS (
         SELECT customer_id, amount, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn
         FROM orders WHERE created_at >= '2024-01-01' -- OR status <> 'x'
       )
       SELECT c.id, c.name, r.amount /* SELECT * FROM x WHERE NOT y UNION SELECT 1 */
       FROM customers AS c JOIN recent AS r ON r.customer_id = c.id
       WHERE r.rn = 1 AND c.note = 'left outer join; union; update t set a=1; order by 1 or 2 or 3 or 4 or 5 or 6'""": set(),
    "SELECT * FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
    "WHERE DATE(o.created_at) = '2024-01-01' AND o.status != 'x' UNION SELECT * FROM archive":
        {"BAD_JOIN", "SELECT_ANY", "UNION", "WHERE_FUNC", "WHERE_NOT"},
    "UPDATE orders SET status = 'late' ORDER BY created_at LIMIT 10": {"DML_ALLDATA", "DML_SORT"},
    "DELETE FROM orders WHERE status = 'x' AND note LIKE '%gift' ORDER BY id": {"DML_SORT", "LIKE_UNINDEX"},
    "SELECT c.id, (SELECT MAX(amount) FROM orders o WHERE o.customer_id = c.id) FROM customers c "
    "WHERE c.id IN (SELECT customer_id FROM vip) AND c.id NOT IN (SELECT customer_id FROM vip) "
    "GROUP BY c.id HAVING COUNT(*) > (SELECT 1)":
        {"SUBQUERY_HAVING", "SUBQUERY_REP", "SUBQUERY_SELECT", "SUBQUERY_WHERE", "WHERE_NOT"},
    "SELECT x.a FROM (SELECT a FROM t) x": {"SUBQUERY_FROM"},
    "SELECT id FROM t WHERE a = 1 OR a = 2 OR a = 3 OR a = 4 OR a = 5 OR a = 6 OR a = 7": {"TOOMANY_OR"},
    "SELECT id FROM t WHERE a IN (" + ", ".join(str(i) for i in range(30)) + ")": {"TOOMANY_IN_LIST"},
    "SELECT SUM(amount) OVER (PARTITION BY customer_id ORDER BY id) AS running FROM orders WHERE id > 10": set(),
    "SELECT a, b FROM t1, t2": {"BAD_JOIN"},
    "SELECT 1": set(),
    "INSERT INTO t (a, b) SELECT a, b FROM u WHERE NOT EXISTS (SELECT 1 FROM t WHERE t.a = u.a)":
        {"SUBQUERY_WHERE", "WHERE_NOT"},
    "use shop; SELECT * FROM orders": {"SELECT_ANY"},
}  # fmt: skip


@pytest.mark.parametrize(("sample", "expected"), list(TRICKY.items()), ids=[f"s{i}" for i in range(len(TRICKY))])
def test_rules_fire_where_they_should_and_nowhere_else(sample: str, expected: set[str]) -> None:
    assert fired_on(sample) == expected


def test_the_catalogue_has_the_16_mysql_text_rules_four_of_them_off() -> None:
    rules = load_catalog().for_dimension("mysql", "TEXT")
    assert len(rules) == 16 and sum(rule.max_score for rule in rules) == 320
    assert {r.id for r in rules if r.status == "OFF"} == {"SUBQUERY_FROM", "SUBQUERY_HAVING", "SUBQUERY_SELECT", "SUBQUERY_WHERE"}
    assert {(r.weight, r.max_score) for r in rules} == {(2, 20)}
    assert all(r.solution for r in rules)


# ----------------------------------------------------------------------------- the shared tree index


def tree_of(sql: str) -> SqlTree:
    return SqlTree.build(sqlglot.parse_one(sql, read="mysql"))


def test_tree_find_returns_nodes_in_source_order_and_by_base_class() -> None:
    tree = tree_of("SELECT LOWER(a), COUNT(*) FROM t WHERE UPPER(b) = 'X' AND c > ABS(d)")
    functions = (exp.Abs, exp.Count, exp.Lower, exp.Upper)
    assert [f.sql() for f in tree.find(*functions)] == ["LOWER(a)", "COUNT(*)", "UPPER(b)", "ABS(d)"]
    assert tree.find(*functions) is tree.find(*functions)  # cached
    assert [c.sql() for c in tree.find(exp.Connector)] == ["UPPER(b) = 'X' AND c > ABS(d)"]  # a base class


def test_tree_clause_of_nodes_stops_at_nested_queries() -> None:
    tree = tree_of("SELECT a OR b FROM t JOIN u ON u.x = t.x OR u.y = 1 "
                   "WHERE t.c IN (SELECT d OR e FROM v WHERE f OR g) GROUP BY a HAVING h OR i")
    clauses = {node.sql(): tree.clause(node) for node in tree.find(exp.Or)}
    assert clauses == {"a OR b": None, "u.x = t.x OR u.y = 1": "on", "d OR e": None, "f OR g": "where", "h OR i": "having"}


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT (SELECT 1) FROM t", ["select"]),
        ("SELECT a FROM (SELECT 1 a) x JOIN (SELECT 2 b) y ON y.b = x.a", ["from", "from"]),
        ("SELECT a FROM t WHERE a IN (SELECT 1) AND EXISTS (SELECT 2) AND b > ANY (SELECT 3)", ["where", "where", "where"]),
        ("SELECT a FROM t JOIN u ON u.a = (SELECT MAX(a) FROM v)", ["where"]),
        ("SELECT a FROM t GROUP BY a HAVING COUNT(*) > (SELECT 1)", ["having"]),
        ("UPDATE t SET a = (SELECT 1) WHERE b IN (SELECT 2)", ["set", "where"]),
        ("WITH c AS (SELECT 1 AS a) SELECT a FROM c", []),
        ("(SELECT 1) UNION (SELECT 2)", []),
        ("SELECT a FROM t WHERE a IN (SELECT 1 UNION SELECT 2)", ["where"]),
        ("SELECT a FROM t WHERE a IN ((SELECT 1))", ["where"]),
        ("SELECT a FROM t ORDER BY (SELECT 1)", ["order"]),
    ],
)  # fmt: skip
def test_subquery_clauses(sql: str, expected: list[str]) -> None:
    assert sorted(clause for clause, _ in tree_of(sql).subqueries()) == sorted(expected)


def test_statements_are_parsed_once_per_snapshot() -> None:
    snapshot = Snapshot("mysql", {"sql.statement": [{"checksum": "A", "sample": "SELECT 1"}]})
    assert parsed_statements(snapshot) is parsed_statements(snapshot)


# ----------------------------------------------------------------------------- unparsable and odd input


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELEC id FRM t WHERE", "Invalid expression"),
        ("CALL refresh_totals(1)", "opaque commands"),
        ("LOCK TABLES t READ", "opaque commands"),
        ("", "empty statement"),
        ("-- only a comment", "empty statement"),
        ("SELECT * FROM t WHERE a = 'unterminated", "Error tokenizing"),
        # deeper than either sqlglot build recurses (pure Python: ~80 levels; the compiled sqlglotc: ~1,000)
        ("SELECT " + "(" * 5000 + "1" + ")" * 5000, "RecursionError"),
    ],
)
def test_unparsable_statements_are_reported_with_the_reason(sql: str, reason: str) -> None:
    trees, error = parse_sql(sql, "mysql")
    assert trees == [] and error is not None and reason in error
    result = run_text([sql, "SELECT * FROM t"])
    assert [u["checksum"] for u in result["unparsable"]] == ["S0"]
    assert {rule["status"] for rule in result["rules"]} == {"ran"}


def test_long_text_judges_unparsable_statements_too() -> None:
    sample = "CALL big_procedure(" + ", ".join(f"'{i:04d}'" for i in range(200)) + ")"
    result = run_text([sample])
    assert result["unparsable"][0]["checksum"] == "S0"
    long_text = next(rule for rule in result["rules"] if rule["id"] == "LONG_TEXT")
    assert long_text["findings_count"] == 1 and "characters (limit 1000)" in long_text["findings"][0]["values"]["detail"]


ODD = [
    "SELECT", "SELECT 1 FROM DUAL", "SELECT a INTO @x FROM t WHERE id = 1",
    "INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = VALUES(a)", "TABLE t", "VALUES ROW(1, 2)",
    "SELECT doc->>'$.a' FROM t WHERE doc->'$.b' = 1", "SELECT @@version", "SELECT `weird``name` FROM `t``x`",
    "SELECT 'héllo ☃' FROM t WHERE name = 'ünïcode'", "SELECT * FROM t WHERE a = ?", "select * from t where a = N",
    "SELECT a FROM t UNION (SELECT b FROM u ORDER BY b LIMIT 1)",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
    "SELECT SUM(a) OVER w FROM t WINDOW w AS (PARTITION BY b ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
    "SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.a = t.a) AS x", "SELECT a FROM t FOR UPDATE SKIP LOCKED",
    "DELETE t1, t2 FROM t1 JOIN t2 WHERE t1.id = t2.id", "DELETE FROM t USING t", "SELECT a FROM t NATURAL JOIN u",
    "SELECT a FROM t JOIN u", "SELECT * FROM (t1, t2)", "SELECT 1 FROM t WHERE (SELECT 1) = (SELECT 1)",
    "SELECT EXISTS (SELECT 1)", "SELECT * FROM t WHERE NOT (NOT (a != b))", "SELECT MATCH(a) AGAINST ('x') FROM t",
    "SELECT a FROM t WHERE b IS NOT NULL IS NOT TRUE", "SELECT 1e400", "SELECT * FROM t WHERE a = 0x1F AND b = b'101'",
    "SELECT * FROM t PARTITION (p0)", "SELECT a FROM t USE INDEX (i) IGNORE INDEX FOR ORDER BY (j)",
    "SELECT /*+ MAX_EXECUTION_TIME(1) */ a FROM t", "SELECT a FROM t WHERE " + " OR ".join(f"a = {i}" for i in range(3000)),
    "SELECT a FROM t WHERE NOT (" + " OR ".join(f"a = {i}" for i in range(3000)) + ")",
    "SELECT a FROM t WHERE COALESCE(" + " + ".join(f"a{i}" for i in range(3000)) + ") = 3",
    "SELECT * FROM t WHERE a LIKE CONCAT()", "SELECT * FROM t WHERE a LIKE CONCAT_WS('-')", "SELECT * FROM t WHERE a LIKE NULL",
    "\x00\x01 SELECT", "SELECT * FROM t WHERE a = /* unterminated",
]  # fmt: skip


def test_odd_statements_never_make_a_rule_fail() -> None:
    result = run_text(ODD)
    failed = {rule["id"]: rule["error"] for rule in result["rules"] if rule["status"] != "ran"}
    assert failed == {}
    assert result["statements"] == len(ODD)
    details = [f["values"]["detail"] for rule in result["rules"] for f in rule["findings"]]
    assert details and all(len(detail) <= 160 for detail in details)  # a 3,000-term condition stays short


# DML_ALLDATA: only WHERE bounds the rows changed, whatever joins the statement has (issue 13, item 14).
DML_ALLDATA_CASES = [
    ("mysql", "UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.region = c.region", True),
    ("mysql", "UPDATE orders o INNER JOIN customers c USING (customer_id) SET o.region = c.region", True),
    ("mysql", "DELETE i FROM cart_items i JOIN carts c ON c.id = i.cart_id", True),
    ("mysql", "DELETE i, c FROM cart_items i INNER JOIN carts c ON c.id = i.cart_id", True),
    ("mysql", "DELETE FROM i USING cart_items AS i JOIN carts AS c ON c.id = i.cart_id", True),
    ("mysql", "UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.region = c.region WHERE c.region <> ''",
     False),
    ("mysql", "DELETE i FROM cart_items i JOIN carts c ON c.id = i.cart_id WHERE c.expired = 1", False),
    ("mysql", "DELETE FROM cart_items WHERE cart_id IN (SELECT c.id FROM carts c JOIN users u ON u.id = c.user_id)",
     False),
    ("oracle", "UPDATE orders SET region = 'EU'", True),
    ("oracle", "UPDATE orders o SET region = (SELECT c.region FROM customers c WHERE c.id = o.customer_id)", True),
    ("oracle", "DELETE orders", True),
    ("oracle", "DELETE FROM (SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer_id)", True),
    ("oracle", "DELETE FROM (SELECT o.* FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.gone = 1)",
     False),
    ("oracle", "UPDATE orders o SET region = 'EU' WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)",
     False),
]  # fmt: skip


@pytest.mark.parametrize(("db_type", "sample", "fires"), DML_ALLDATA_CASES,
                         ids=[f"{d}{i}" for i, (d, _, _) in enumerate(DML_ALLDATA_CASES)])
def test_dml_alldata_is_bounded_by_where_only_not_by_a_join(db_type: str, sample: str, fires: bool) -> None:
    rules = [r for r in effective_rules(load_catalog(), "mysql", "TEXT", {}) if r.rule.id == "DML_ALLDATA"]
    statement = {"checksum": "S0", "sample": sample}
    result = run_dimension(rules, Snapshot(db_type, {"sql.statement": [statement]}), "TEXT")
    assert result["unparsable"] == [] and result["rules"][0]["status"] == "ran"
    assert result["rules"][0]["findings_count"] == (1 if fires else 0)
