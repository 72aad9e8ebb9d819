"""Plan normalisation on recorded EXPLAIN output, and statement preparation for EXPLAIN.

The MariaDB 10.11 plans in tests/data/plans/ were recorded from the sandbox with the demo schema; the
MySQL 5.7 / 8.0 ones are written from the documented formats (see tests/data/plans/README.md). The
same query often exists in several shapes: the assertions check that the flags the SQLPLAN rules
read come out the same whichever server wrote the plan.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from themis.capture.plan import (
    explainable_statement,
    merge_select_types,
    normalise_plan,
    normalise_traditional,
    select_equivalent,
    with_select_hint,
)

PLANS = Path(__file__).resolve().parents[1] / "data" / "plans"
NODE_FIELDS = {
    "select_id", "table", "access_type", "key", "possible_keys", "key_length", "ref", "rows", "filtered",
    "using_filesort", "using_temporary_table", "dependent", "cacheable", "materialized_from_subquery",
    "in_nested_loop", "nested_loop_size", "attached_condition", "path",
}  # fmt: skip


def load(name: str) -> dict[str, Any]:
    return json.loads((PLANS / f"{name}.json").read_text())


def nodes_of(name: str) -> list[dict[str, Any]]:
    return normalise_plan(load(name)["explain_json"])


def by_table(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {node["table"]: node for node in nodes}


ALL_PLANS = sorted(path.stem for path in PLANS.glob("*.json"))


# ----------------------------------------------------------------------------- every fixture


@pytest.mark.parametrize("name", ALL_PLANS)
def test_every_node_has_the_same_typed_fields(name: str) -> None:
    fixture = load(name)
    nodes = normalise_plan(fixture["explain_json"]) + normalise_traditional(fixture.get("traditional") or [])
    for node in nodes:
        assert set(node) == NODE_FIELDS
        assert node["rows"] is None or isinstance(node["rows"], int)
        assert node["filtered"] is None or isinstance(node["filtered"], float)
        assert node["possible_keys"] is None or all(isinstance(k, str) for k in node["possible_keys"])
        assert node["ref"] is None or all(isinstance(r, str) for r in node["ref"])
        assert node["cacheable"] in (None, True, False)
        assert node["in_nested_loop"] == (node["nested_loop_size"] > 1)
        for flag in ("using_filesort", "using_temporary_table", "dependent", "materialized_from_subquery"):
            assert isinstance(node[flag], bool)
    json.dumps(nodes)  # plain JSON


@pytest.mark.parametrize("name", [n for n in ALL_PLANS if n.startswith("mariadb")])
def test_recorded_mariadb_json_and_classic_explain_agree(name: str) -> None:
    """Same tables, access types and flags from both formats of one recorded MariaDB plan."""
    fixture = load(name)
    from_json = merge_select_types(normalise_plan(fixture["explain_json"]), fixture["traditional"])
    classic = normalise_traditional(fixture["traditional"])

    def key(node: dict[str, Any]) -> tuple[Any, ...]:
        return (node["select_id"] or 0, node["table"])

    fields = ("access_type", "key", "possible_keys", "ref", "rows", "dependent", "cacheable", "nested_loop_size",
              "materialized_from_subquery")  # fmt: skip
    json_view = sorted((key(n), [n[f] for f in fields]) for n in from_json)
    classic_view = sorted((key(n), [n[f] for f in fields]) for n in classic)
    assert json_view == classic_view


def test_no_tables_gives_no_nodes() -> None:
    assert nodes_of("mariadb-10.11-no-tables") == []
    assert nodes_of("mysql-8.0-no-tables") == []
    assert normalise_traditional(load("mariadb-10.11-no-tables")["traditional"]) == []
    assert normalise_plan({}) == []
    assert normalise_plan(None) == []  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- filesort / temporary


@pytest.mark.parametrize("name", ["mariadb-10.11-filesort", "mysql-8.0-filesort"])
def test_order_by_unindexed_column_is_a_full_scan_with_filesort(name: str) -> None:
    [node] = nodes_of(name)
    assert node["table"] == "orders"
    assert node["access_type"] == "ALL"
    assert node["rows"] > 20000
    assert node["filtered"] == 100.0
    assert node["using_filesort"] is True
    assert node["using_temporary_table"] is False
    assert node["key"] is None and node["possible_keys"] is None


def test_paths_name_the_position_in_each_tree() -> None:
    assert nodes_of("mariadb-10.11-filesort")[0]["path"] == "query_block/nested_loop[1]/read_sorted_file/filesort/table"
    assert nodes_of("mysql-8.0-filesort")[0]["path"] == "query_block/ordering_operation/table"


@pytest.mark.parametrize(
    ("name", "filesort"),
    [("mariadb-10.11-group-temporary", True), ("mysql-8.0-group-temporary", False)],
)
def test_group_by_unindexed_column_uses_a_temporary_table(name: str, filesort: bool) -> None:
    """MariaDB sorts the grouped temporary table; MySQL 8 groups without sorting."""
    [node] = nodes_of(name)
    assert (node["table"], node["access_type"]) == ("customers", "ALL")
    assert node["using_temporary_table"] is True
    assert node["using_filesort"] is filesort


@pytest.mark.parametrize("name", ["mariadb-10.11-join-group-order", "mysql-5.7-join-group-order"])
def test_flags_of_an_ancestor_apply_to_every_joined_table(name: str) -> None:
    nodes = by_table(nodes_of(name))
    assert set(nodes) == {"c", "o"}
    for node in nodes.values():
        assert node["using_filesort"] and node["using_temporary_table"]
        assert node["in_nested_loop"] and node["nested_loop_size"] == 2
    assert nodes["c"]["access_type"] == "ALL"
    assert (nodes["o"]["access_type"], nodes["o"]["key"], nodes["o"]["ref"]) == ("ref", "idx_orders_customer", ["shop.c.id"])
    assert nodes["o"]["key_length"] == "4"


def test_mysql_57_classic_explain_spreads_extra_flags_over_the_select() -> None:
    """Classic EXPLAIN shows 'Using temporary; Using filesort' on the first table only."""
    nodes = by_table(normalise_traditional(load("mysql-5.7-join-group-order")["traditional"]))
    assert all(n["using_filesort"] and n["using_temporary_table"] for n in nodes.values())
    assert nodes["o"]["ref"] == ["shop.c.id"] and nodes["c"]["possible_keys"] == ["PRIMARY"]
    assert nodes["c"]["path"] == "explain[1]"


@pytest.mark.parametrize("name", ["mariadb-10.11-window", "mysql-8.0-window"])
def test_window_sort_and_buffer_flag_the_table(name: str) -> None:
    [node] = nodes_of(name)
    assert (node["table"], node["access_type"], node["rows"]) == ("orders", "range", 36)
    assert node["using_filesort"] and node["using_temporary_table"]


def test_mariadb_update_with_order_by_is_sorted() -> None:
    [node] = nodes_of("mariadb-10.11-update-order-by")
    assert (node["table"], node["access_type"], node["rows"]) == ("cart_scratch", "index", 500)
    assert node["using_filesort"] is True
    assert node["key_length"] is None  # MariaDB writes "" for a full index scan
    assert node["filtered"] is None


def test_mysql_57_update_is_one_range_access() -> None:
    [node] = nodes_of("mysql-5.7-update")
    assert (node["table"], node["access_type"], node["key"], node["rows"]) == ("cart_scratch", "range", "PRIMARY", 9)
    assert node["attached_condition"] == "(`shop`.`cart_scratch`.`id` < 10)"


# ----------------------------------------------------------------------------- subqueries


def test_mysql_dependent_subquery_is_marked_from_its_spec() -> None:
    nodes = by_table(nodes_of("mysql-5.7-dependent-subquery"))
    assert (nodes["c"]["select_id"], nodes["c"]["dependent"], nodes["c"]["cacheable"]) == (1, False, None)
    inner = nodes["o"]
    assert (inner["select_id"], inner["dependent"], inner["cacheable"]) == (2, True, False)
    assert inner["path"] == "query_block/table/attached_subqueries[1]/query_block/table"
    assert inner["filtered"] == pytest.approx(33.33)


def test_mysql_80_select_list_subquery_and_four_table_join() -> None:
    nodes = by_table(nodes_of("mysql-8.0-four-table-join"))
    assert [n["table"] for n in nodes_of("mysql-8.0-four-table-join")] == ["c", "o", "i", "p", "o2"]
    for name in ("c", "o", "i", "p"):
        assert nodes[name]["nested_loop_size"] == 4 and nodes[name]["in_nested_loop"]
        assert nodes[name]["dependent"] is False
    assert nodes["o2"]["dependent"] is True and nodes["o2"]["cacheable"] is False
    assert nodes["o2"]["nested_loop_size"] == 0  # the outer join's loop does not reach into the subquery
    assert nodes["o"]["possible_keys"] == ["PRIMARY", "idx_orders_customer"]


def test_mariadb_expression_cache_marks_a_correlated_subquery() -> None:
    nodes = by_table(nodes_of("mariadb-10.11-dependent-subquery"))
    assert nodes["o"]["dependent"] is True and nodes["o"]["cacheable"] is False
    assert nodes["o"]["select_id"] == 2
    assert nodes["c"]["dependent"] is False


def test_merge_select_types_completes_mariadb_json() -> None:
    """MariaDB JSON without an expression cache says nothing about dependency; classic EXPLAIN does."""
    plan = {"query_block": {"select_id": 1, "nested_loop": [{"table": {"table_name": "c", "access_type": "range", "rows": 4}}],
            "subqueries": [{"query_block": {"select_id": 2, "nested_loop": [{"table": {"table_name": "o", "access_type": "ref", "rows": 2}}]}}]}}  # fmt: skip
    classic = [
        {"id": 1, "select_type": "PRIMARY", "table": "c", "type": "range"},
        {"id": 2, "select_type": "UNCACHEABLE SUBQUERY", "table": "o", "type": "ref"},
    ]
    before = by_table(normalise_plan(plan))
    assert before["o"]["cacheable"] is None
    after = by_table(merge_select_types(normalise_plan(plan), classic))
    assert (after["o"]["dependent"], after["o"]["cacheable"]) == (False, False)
    assert (after["c"]["dependent"], after["c"]["cacheable"]) == (False, None)


@pytest.mark.parametrize(("name", "derived"), [("mariadb-10.11-derived", "<derived2>"), ("mysql-5.7-derived", "t")])
def test_derived_table_is_materialized_from_subquery(name: str, derived: str) -> None:
    nodes = by_table(nodes_of(name))
    outer = nodes[derived]
    assert outer["materialized_from_subquery"] is True
    assert outer["using_temporary_table"] is True
    assert outer["using_filesort"] is True  # ORDER BY t.total
    assert outer["access_type"] == "ALL" and outer["select_id"] == 1
    inner = nodes["orders"]
    assert inner["select_id"] == 2
    assert inner["materialized_from_subquery"] is False
    assert inner["using_filesort"] is False and inner["using_temporary_table"] is False  # a new SELECT
    assert inner["access_type"] == "index"


def test_mariadb_semijoin_materialization() -> None:
    nodes = by_table(nodes_of("mariadb-10.11-semijoin-materialized"))
    assert nodes["<subquery2>"]["materialized_from_subquery"] is True
    assert nodes["<subquery2>"]["ref"] == ["func"]
    assert nodes["customers"]["nested_loop_size"] == 2
    assert nodes["orders"]["select_id"] == 2 and nodes["orders"]["nested_loop_size"] == 0


# ----------------------------------------------------------------------------- unions and joins


@pytest.mark.parametrize("name", ["mariadb-10.11-union", "mysql-5.7-union"])
def test_union_result_is_a_temporary_table(name: str) -> None:
    nodes = nodes_of(name)
    union = nodes[0]
    assert (union["table"], union["access_type"], union["select_id"]) == ("<union1,2>", "ALL", None)
    assert union["using_temporary_table"] is True and union["rows"] is None
    members = by_table(nodes[1:])
    assert (members["customers"]["select_id"], members["orders"]["select_id"]) == (1, 2)
    assert not members["orders"]["using_temporary_table"]


def test_mysql_80_union_all_needs_no_temporary_table() -> None:
    nodes = by_table(nodes_of("mysql-8.0-union-all"))
    assert set(nodes) == {"customers", "orders"}
    assert nodes["customers"]["cacheable"] is True
    assert nodes["orders"]["cacheable"] is False  # RAND()
    assert not any(n["using_temporary_table"] for n in nodes.values())


@pytest.mark.parametrize("name", ["mariadb-10.11-block-nl-join", "mysql-8.0-hash-join"])
def test_join_without_index_scans_both_tables(name: str) -> None:
    nodes = by_table(nodes_of(name))
    assert {n["access_type"] for n in nodes.values()} == {"ALL"}
    assert all(n["nested_loop_size"] == 2 for n in nodes.values())
    assert nodes["a"]["rows"] > 3000


def test_mariadb_four_table_join() -> None:
    nodes = nodes_of("mariadb-10.11-four-table-join")
    assert [n["table"] for n in nodes] == ["c", "o", "i", "p"]
    assert all(n["nested_loop_size"] == 4 for n in nodes)
    assert nodes[0]["ref"] == ["const"]


def test_partitioned_scan() -> None:
    [node] = nodes_of("mariadb-10.11-partitioned-scan")
    assert (node["table"], node["access_type"], node["rows"]) == ("order_archive", "ALL", 3000)


def test_message_only_rows_and_strings_in_classic_explain() -> None:
    rows = [
        {"id": "1", "select_type": "PRIMARY", "table": "c", "type": "ALL", "possible_keys": "PRIMARY,uk_x",
         "key": None, "key_len": None, "ref": None, "rows": "4998", "Extra": "Using where"},
        {"id": 2, "select_type": "SUBQUERY", "table": None, "type": None, "rows": None,
         "Extra": "Select tables optimized away"},
    ]  # fmt: skip
    [node] = normalise_traditional(rows)
    assert (node["select_id"], node["rows"], node["possible_keys"]) == (1, 4998, ["PRIMARY", "uk_x"])
    assert node["cacheable"] is None and node["nested_loop_size"] == 0


# ----------------------------------------------------------------------------- statements


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT 1", "SELECT 1"),
        ("  select * from t where a = 1;  ", "select * from t where a = 1"),
        ("use shop; SELECT * FROM t", "SELECT * FROM t"),
        ("SET timestamp=1700000000;\nUPDATE t SET a = 1", "UPDATE t SET a = 1"),
        ("EXPLAIN SELECT * FROM t", "SELECT * FROM t"),
        ("/* select from the cache */ DELETE FROM t WHERE a = 'select'", "DELETE FROM t WHERE a = 'select'"),
        ("-- update later\nINSERT INTO t VALUES (1)", "INSERT INTO t VALUES (1)"),
        ("(SELECT a FROM t) UNION (SELECT b FROM u)", "(SELECT a FROM t) UNION (SELECT b FROM u)"),
        ("WITH x AS (SELECT 1) SELECT * FROM x", "WITH x AS (SELECT 1) SELECT * FROM x"),
        ("REPLACE INTO t SELECT * FROM u;", "REPLACE INTO t SELECT * FROM u"),
        ("SELECT ';' AS semi, `a;b` FROM t -- trailing; comment", "SELECT ';' AS semi, `a;b` FROM t -- trailing; comment"),
        ("SELECT * FROM t WHERE name LIKE '%x'", "SELECT * FROM t WHERE name LIKE '%x'"),
    ],
)
def test_explainable_statement_cuts_the_prefix(text: str, expected: str) -> None:
    assert explainable_statement(text) == (expected, None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("SHOW TABLES", "not a SELECT"),
        ("ALTER TABLE t ADD COLUMN c INT", "not a SELECT"),
        ("", "not a SELECT"),
        ("/* SELECT */ COMMIT", "not a SELECT"),
        ("SELECT 1; DROP TABLE t", "more than one statement"),
        ("UPDATE t SET a = 1; SELECT 2", "more than one statement"),
    ],
)
def test_explainable_statement_refuses(text: str, reason: str) -> None:
    statement, why = explainable_statement(text)
    assert statement is None and why is not None and reason in why


@pytest.mark.parametrize(
    ("dml", "select"),
    [
        ("UPDATE t SET a = a + 1", "SELECT * FROM t"),
        ("UPDATE LOW_PRIORITY t SET a = 1 WHERE b = 'x' ORDER BY c LIMIT 5", "SELECT * FROM t WHERE b = 'x' ORDER BY c LIMIT 5"),
        ("UPDATE t JOIN u ON u.id = t.uid SET t.a = (SELECT 1 FROM v WHERE v.x = 2) WHERE u.b > 3",
         "SELECT * FROM t JOIN u ON u.id = t.uid WHERE u.b > 3"),
        ("DELETE FROM t", "SELECT * FROM t"),
        ("DELETE QUICK FROM t WHERE a IN (SELECT b FROM u WHERE c = 1) LIMIT 10",
         "SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = 1) LIMIT 10"),
        ("DELETE t1 FROM t1 JOIN t2 ON t2.id = t1.id WHERE t2.x = 1", "SELECT * FROM t1 JOIN t2 ON t2.id = t1.id WHERE t2.x = 1"),
        ("DELETE FROM t1, t2 USING t1 JOIN t2 WHERE t1.a = t2.a", "SELECT * FROM t1 JOIN t2 WHERE t1.a = t2.a"),
        ("DELETE FROM t WHERE a = 1 RETURNING id", "SELECT * FROM t WHERE a = 1"),
        ("INSERT INTO t (a, b) SELECT x, y FROM u WHERE z = 1", "SELECT x, y FROM u WHERE z = 1"),
        ("INSERT INTO t SELECT * FROM u JOIN v ON v.a = u.a ON DUPLICATE KEY UPDATE b = VALUES(b)",
         "SELECT * FROM u JOIN v ON v.a = u.a"),
        ("INSERT INTO t VALUES (1, 2)", None),
        ("SELECT * FROM t", None),
        ("UPDATE t", None),
    ],
)  # fmt: skip
def test_select_equivalent_of_dml(dml: str, select: str | None) -> None:
    assert select_equivalent(dml) == select


def test_with_select_hint() -> None:
    hint = "MAX_EXECUTION_TIME(5000)"
    assert with_select_hint("SELECT a FROM t", hint) == "SELECT /*+ MAX_EXECUTION_TIME(5000) */ a FROM t"
    assert with_select_hint("select a from t", hint) == "select /*+ MAX_EXECUTION_TIME(5000) */ a from t"
    assert with_select_hint("SELECT /*+ NO_ICP(t) */ a FROM t", hint) == "SELECT /*+ NO_ICP(t) */ a FROM t"
    assert with_select_hint("UPDATE t SET a = 1", hint) == "UPDATE t SET a = 1"
    assert with_select_hint("(SELECT 1) UNION (SELECT 2)", hint) == "(SELECT 1) UNION (SELECT 2)"


# ----------------------------------------------------------------------------- access types the SQLPLAN rules read


@pytest.mark.parametrize("name", ["mariadb-10.11-index-merge", "mysql-5.7-index-merge"])
def test_index_merge_names_the_merged_indexes_as_classic_explain_does(name: str) -> None:
    """MySQL's JSON key is ``union(a,b)``; MariaDB's JSON has no key, only an ``index_merge`` object."""
    [node] = nodes_of(name)
    assert (node["table"], node["access_type"]) == ("orders", "index_merge")
    assert node["key"] == "idx_orders_status,idx_orders_region"
    assert node["key"] == normalise_traditional(load(name)["traditional"])[0]["key"]
    assert node["key_length"] == "50,50" and node["rows"] == 102


@pytest.mark.parametrize(
    ("key", "expected"),
    [("sort_union(f,l)", "f,l"), ("intersect(idx_a,idx_b)", "idx_a,idx_b"),
     ("sort_union(intersect(a,b),c)", "a,b,c"), ("PRIMARY", "PRIMARY")],
)  # fmt: skip
def test_mysql_index_merge_keys(key: str, expected: str) -> None:
    plan = {"query_block": {"select_id": 1, "table": {"table_name": "t", "access_type": "index_merge", "key": key}}}
    assert normalise_plan(plan)[0]["key"] == expected


@pytest.mark.parametrize("name", ["mariadb-10.11-fulltext", "mysql-8.0-fulltext"])
def test_fulltext_access(name: str) -> None:
    [node] = nodes_of(name)
    assert (node["table"], node["access_type"], node["key"]) == ("customers", "fulltext", "ft_customers_note")


@pytest.mark.parametrize("name", ["mariadb-10.11-unique-subquery", "mysql-5.7-unique-subquery"])
def test_unique_subquery_is_a_dependent_lookup(name: str) -> None:
    """IN (SELECT pk ...) that cannot become a semi-join (here: OR) runs as a PK lookup per outer row."""
    fixture = load(name)
    nodes = by_table(merge_select_types(normalise_plan(fixture["explain_json"]), fixture["traditional"]))
    assert (nodes["p"]["access_type"], nodes["p"]["dependent"]) == ("ALL", False)
    inner = nodes["c"]
    assert (inner["access_type"], inner["key"], inner["ref"]) == ("unique_subquery", "PRIMARY", ["func"])
    assert (inner["dependent"], inner["cacheable"], inner["select_id"]) == (True, False, 2)


def test_mariadb_index_subquery() -> None:
    fixture = load("mariadb-10.11-index-subquery")
    nodes = by_table(merge_select_types(normalise_plan(fixture["explain_json"]), fixture["traditional"]))
    assert (nodes["o"]["access_type"], nodes["o"]["dependent"]) == ("index_subquery", True)


def test_mariadb_uncacheable_subquery_comes_from_classic_explain() -> None:
    fixture = load("mariadb-10.11-uncacheable-subquery")
    assert by_table(nodes_of("mariadb-10.11-uncacheable-subquery"))["products"]["cacheable"] is None  # JSON is silent
    nodes = by_table(merge_select_types(normalise_plan(fixture["explain_json"]), fixture["traditional"]))
    assert (nodes["products"]["dependent"], nodes["products"]["cacheable"]) == (False, False)
    assert nodes["customers"]["cacheable"] is None


@pytest.mark.parametrize("name", ["mariadb-10.11-subquery-materialization", "mysql-8.0-subquery-materialization"])
def test_materialized_in_subquery_is_read_from_a_temporary_table(name: str) -> None:
    """MariaDB shows no reader for a non-semi-join materialisation: a ``<subqueryN>`` node stands for it,
    in both formats, as MySQL's own ``<subquery2>`` table does."""
    fixture = load(name)
    for nodes in (normalise_plan(fixture["explain_json"]), normalise_traditional(fixture["traditional"])):
        [result] = [n for n in nodes if n["materialized_from_subquery"]]
        assert result["table"] == "<subquery2>" and result["using_temporary_table"] is True
        assert by_table(nodes)["customers"]["materialized_from_subquery"] is False
        assert by_table(nodes)["customers"]["access_type"] == "ALL"


def test_mariadb_materialization_node_sits_where_the_subquery_is() -> None:
    [result] = [n for n in nodes_of("mariadb-10.11-subquery-materialization") if n["materialized_from_subquery"]]
    assert result["path"] == "query_block/subqueries[1]/materialization"
    assert (result["select_id"], result["access_type"], result["dependent"], result["cacheable"]) == (None, None, False, None)


@pytest.mark.parametrize("name", ["mariadb-10.11-duplicate-weedout", "mysql-5.7-duplicate-weedout"])
def test_duplicate_weedout_counts_every_joined_table_and_its_temporary_table(name: str) -> None:
    """The semi-join's tables sit in a ``duplicates_removal`` wrapper (MariaDB: a list; MySQL: an object
    with its own nested loop): they are still members of the one join."""
    nodes = by_table(nodes_of(name))
    assert set(nodes) == {"o", "c", "i"}
    assert all(n["nested_loop_size"] == 3 and n["in_nested_loop"] for n in nodes.values())
    assert nodes["o"]["using_temporary_table"] and nodes["i"]["using_temporary_table"]
    classic = normalise_traditional(load(name)["traditional"])
    assert all(n["nested_loop_size"] == 3 and n["using_temporary_table"] for n in classic)  # Start/End temporary


def test_join_size_ignores_subqueries_and_derived_tables_inside_members() -> None:
    plan = {"query_block": {"select_id": 1, "nested_loop": [
        {"table": {"table_name": "a", "access_type": "ALL", "attached_subqueries": [
            {"dependent": True, "cacheable": False, "query_block": {"select_id": 3, "nested_loop": [
                {"table": {"table_name": "x", "access_type": "ref"}}, {"table": {"table_name": "y", "access_type": "ref"}}]}}]}},
        {"table": {"table_name": "<derived2>", "access_type": "ref", "materialized_from_subquery": {
            "query_block": {"select_id": 2, "table": {"table_name": "z", "access_type": "ALL"}}}}},
        {"block-nl-join": {"table": {"table_name": "b", "access_type": "ALL"}}}]}}  # fmt: skip
    nodes = by_table(normalise_plan(plan))
    assert [nodes[t]["nested_loop_size"] for t in ("a", "<derived2>", "b")] == [3, 3, 3]
    assert [nodes[t]["nested_loop_size"] for t in ("x", "y", "z")] == [2, 2, 0]
