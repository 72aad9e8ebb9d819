"""Oracle SQLPLAN rules on plans shaped like Oracle's: the exact statements that must and must not
be reported, and the original's defects staying fixed.

Each rule's small pass/fail examples live in include/rules/oracle/sqlplan.yaml
(tests/unit/test_rule_examples.py); here: the plan tree, fuller plans (nested loops with inner full
scans and batched rowid fetches, partition pruning variants with KEY bounds, PX plans, MERGE JOIN
CARTESIAN, views incl. VW_NSO_1, skip and fast full scans, implicit conversions), one finding per
SQL, the max-score cap and exclusions by SQL_ID and by (SQL_ID, PLAN_HASH_VALUE).
"""

from __future__ import annotations

from typing import Any

import pytest

from themis.config import Exclusion
from themis.rules.catalog import load_catalog
from themis.rules.checks.oracle.plan import conversions, deepest_loop_chain, written_calls
from themis.rules.checks.oracle.plan_tree import build_tree, plan_trees
from themis.rules.engine import EffectiveRule, is_excluded, run_rule
from themis.rules.snapshot import Finding, Snapshot

Line = tuple[int, str, str | None, str | None, dict[str, Any]]
MB = 1024**2


def plan(checksum: str, *lines: Line) -> dict[str, Any]:
    """A ``sql.plan`` record from (depth, operation, options, OWNER.OBJECT, extra) lines written as
    DBMS_XPLAN shows them: ids in order, PARENT_ID from the depth."""
    rows, stack = [], []
    for line_id, (depth, operation, options, obj, extra) in enumerate(lines):
        del stack[depth:]
        owner, name = obj.split(".", 1) if obj else (None, None)
        rows.append({"id": line_id, "parent_id": stack[-1] if stack else None, "depth": depth, "operation": operation,
                     "options": options, "object_owner": owner, "object_name": name, "cost": 10 * (line_id + 1),
                     **extra})
        stack.append(line_id)
    sql_id, phv = checksum.split(":")
    return {"checksum": checksum, "sql_id": sql_id, "plan_hash_value": int(phv), "status": "captured", "lines": rows}


def table(name: str, rows: int = 0, mb: float = 0, owner: str = "S", **extra: Any) -> dict[str, Any]:
    return {"schema": owner, "table": name, "num_rows": rows, "size_bytes": int(mb * MB), **extra}


def index(name: str, on: str, mb: float = 0, owner: str = "S", columns: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"schema": owner, "index": name, "table_owner": owner, "table": on, "size_bytes": int(mb * MB),
            "columns": [{"column": c, "position": i} for i, c in enumerate(columns, start=1)]}


def run(rule_id: str, records: dict[str, list[dict[str, Any]]], exclusions: list[Exclusion] | None = None,
        **params: Any) -> dict[str, Any]:
    rule = load_catalog().get("oracle", rule_id)
    result = run_rule(EffectiveRule(rule, "ON", rule.weight, rule.max_score, {**rule.param_values(), **params}),
                      Snapshot("oracle", records), exclusions or [])
    assert result["status"] == "ran", result
    return result


def found(rule_id: str, records: dict[str, list[dict[str, Any]]], **params: Any) -> dict[str, dict[str, Any]]:
    """The reported checksums with their values."""
    return {f["checksum"]: f["values"] for f in run(rule_id, records, **params)["findings"]}


# ------------------------------------------------------------------------------ catalogue


def test_the_14_plan_rules_of_the_original_with_their_weights_and_max_scores():
    rules = {r.id: r for r in load_catalog().for_dimension("oracle", "SQLPLAN")}
    expected = {
        "LOOP_IN_TAB_FULL_SCAN": (1, 20), "SQL_INDEX_FAST_FULL_SCAN": (0.5, 10), "SQL_INDEX_FULL_SCAN": (1, 5),
        "SQL_INDEX_SKIP_SCAN": (0.1, 5), "SQL_LOOP_NUM": (1, 5), "SQL_MERGE_JOIN_CARTESIAN": (0.1, 5),
        "SQL_PARALLEL_FETCH": (1, 5), "SQL_PARTITION_RANGE_ALL": (0.5, 20), "SQL_PARTITION_RANGE_INLIST_OR": (0.5, 5),
        "SQL_PARTITION_RANGE_ITERATOR": (0.5, 5), "SQL_TABLE_FULL_SCAN": (0.5, 20), "SQL_TAB_REL_NUM": (0.1, 10),
        "SQL_TO_CHANGE_TYPE": (0.5, 20), "SQL_VIEW_SCAN": (0.5, 20),
    }  # fmt: skip
    assert {rule_id: (r.weight, r.max_score) for rule_id, r in rules.items()} == expected
    assert sum(r.max_score for r in rules.values()) == 155
    assert all(r.solution and r.description and r.status == "ON" for r in rules.values())
    assert all(p.unit for r in rules.values() for p in r.params)
    assert all(any(c.name == "checksum" for c in r.columns) for r in rules.values())


# ------------------------------------------------------------------------------ the tree


def test_the_tree_links_lines_by_parent_id_and_keeps_orphans_as_roots():
    record = plan("t1:1", (0, "SELECT STATEMENT", None, None, {}), (1, "HASH JOIN", None, None, {}),
                  (2, "TABLE ACCESS", "FULL", "S.A", {}), (2, "TABLE ACCESS", "FULL", "S.B", {}))
    record["lines"].append({"id": 9, "parent_id": 42, "operation": "INDEX", "options": "RANGE SCAN"})
    record["lines"].append({"id": 10, "parent_id": 10, "operation": "SORT"})  # a line naming itself
    tree = build_tree(record, {})
    assert [r.id for r in tree.roots] == [0, 9, 10]
    join = tree.roots[0].children[0]
    assert join.operation == "HASH JOIN" and [c.object_label for c in join.children] == ["S.A", "S.B"]
    assert [n.id for n in tree.walk()] == [0, 1, 2, 3, 9, 10]


def test_trees_are_built_once_per_snapshot_and_missing_plans_are_skipped():
    snapshot = Snapshot("oracle", {"sql.plan": [plan("t1:1", (0, "SELECT STATEMENT", None, None, {})),
                                                {"checksum": "t2:2", "status": "missing", "lines": []}]})
    first = plan_trees(snapshot)
    assert [t.checksum for t in first] == ["t1:1"] and plan_trees(snapshot) is first


def test_a_plan_aged_out_of_awr_is_noted_not_passed_but_a_plsql_block_has_none_to_miss():
    records = {"sql.plan": [{"checksum": "t2:2", "plan_hash_value": 2, "status": "missing", "lines": []},
                            {"checksum": "t3:0", "plan_hash_value": 0, "status": "missing", "lines": []}]}
    assert run("SQL_MERGE_JOIN_CARTESIAN", records)["notes"] == [
        "1 statement(s) of the window have no plan in AWR or the cursor cache: not judged"]


# ------------------------------------------------------------------------------ nested loops


NL_INNER_FULL = plan(
    "nlfull0000001:101",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", None, None, {}),
    (2, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "S.CUSTOMERS", {}),
    (3, "INDEX", "RANGE SCAN", "S.CUST_REGION_IX", {}),
    (2, "TABLE ACCESS", "FULL", "S.ORDERS", {"filter_predicates": '"O"."CUSTOMER_ID"="C"."CUSTOMER_ID"'}))
NL_OUTER_FULL = plan(  # the big table is the outer side: scanned once
    "nlouter000001:102",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", None, None, {}),
    (2, "NESTED LOOPS", None, None, {}),
    (3, "TABLE ACCESS", "FULL", "S.ORDERS", {}),
    (3, "INDEX", "UNIQUE SCAN", "S.CUSTOMERS_PK", {}),
    (2, "TABLE ACCESS", "BY INDEX ROWID", "S.CUSTOMERS", {}))
NL_INNER_HASH_JOIN = plan(  # a hash join inside the inner side is re-run per outer row, full scan and all
    "nlhash0000001:103",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", "OUTER", None, {}),
    (2, "TABLE ACCESS", "FULL", "S.STATUS", {}),
    (2, "VIEW", "PUSHED PREDICATE", None, {}),
    (3, "HASH JOIN", None, None, {}),
    (4, "TABLE ACCESS", "FULL", "S.ORDERS", {}),
    (4, "INDEX", "RANGE SCAN", "S.ORD_STATUS_IX", {}))
NL_INNER_BUFFERED = plan(  # BUFFER SORT reads ORDERS once and replays it
    "nlbuffer00001:104",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", None, None, {}),
    (2, "TABLE ACCESS", "FULL", "S.STATUS", {}),
    (2, "BUFFER", "SORT", None, {}),
    (3, "TABLE ACCESS", "FULL", "S.ORDERS", {}))
FILTER_SUBQUERY = plan(  # NOT EXISTS run per row as a FILTER with two children
    "filter0000001:105",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "FILTER", None, None, {"filter_predicates": "NOT EXISTS (SELECT 0 FROM ...)"}),
    (2, "TABLE ACCESS", "FULL", "S.CUSTOMERS", {}),
    (2, "TABLE ACCESS", "FULL", "S.ORDERS", {}))
NL_INNER_ONE_PARTITION = plan(  # a small partition of the big table, by literal bounds
    "nlpart0000001:106",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", None, None, {}),
    (2, "TABLE ACCESS", "FULL", "S.STATUS", {}),
    (2, "PARTITION RANGE", "SINGLE", None, {"partition_start": "2", "partition_stop": "2"}),
    (3, "TABLE ACCESS", "FULL", "S.SALES_FACT", {"partition_start": "2", "partition_stop": "2"}))
NL_INNER_KEY_PARTITION = plan(  # KEY bounds: which partition is known only at run time
    "nlkey00000001:107",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", None, None, {}),
    (2, "TABLE ACCESS", "FULL", "S.STATUS", {}),
    (2, "PARTITION RANGE", "ITERATOR", None, {"partition_start": "KEY", "partition_stop": "KEY"}),
    (3, "TABLE ACCESS", "FULL", "S.SALES_FACT", {"partition_start": "KEY", "partition_stop": "KEY"}))
OBJECTS = {
    "obj.table": [table("ORDERS", 2_000_000, 300), table("CUSTOMERS", 90_000, 12), table("STATUS", 12, 0.06),
                  table("SALES_FACT", 36_000_000, 6144, partitioned=True, partitioning_type="RANGE",
                        subpartitioning_type="NONE", partition_keys=["SALE_DATE"], partition_count=2)],
    "obj.partition": [{"schema": "S", "table": "SALES_FACT", "partition": "P1", "position": 1, "num_rows": 35_998_000,
                       "size_bytes": 6143 * MB},
                      {"schema": "S", "table": "SALES_FACT", "partition": "P2", "position": 2, "num_rows": 2_000,
                       "size_bytes": 1 * MB}],
    "obj.index": [index("CUST_REGION_IX", "CUSTOMERS", 3, columns=("REGION",)), index("CUSTOMERS_PK", "CUSTOMERS", 2),
                  index("ORD_STATUS_IX", "ORDERS", 40)],
}


def test_loop_in_tab_full_scan_reports_only_full_scans_repeated_per_outer_row():
    records = {**OBJECTS, "sql.plan": [NL_INNER_FULL, NL_OUTER_FULL, NL_INNER_HASH_JOIN, NL_INNER_BUFFERED,
                                       FILTER_SUBQUERY, NL_INNER_ONE_PARTITION, NL_INNER_KEY_PARTITION]}
    hits = found("LOOP_IN_TAB_FULL_SCAN", records)
    assert set(hits) == {"nlfull0000001:101", "nlhash0000001:103", "filter0000001:105", "nlkey00000001:107"}
    assert hits["nlfull0000001:101"]["lines"] == [4] and hits["nlfull0000001:101"]["loop_lines"] == [1]
    assert hits["nlfull0000001:101"]["objects"] == "S.ORDERS" and hits["nlfull0000001:101"]["num_rows"] == 2_000_000
    assert hits["nlhash0000001:103"]["lines"] == [5]
    assert hits["nlkey00000001:107"]["partitions"] == "KEY..KEY"


def test_loop_in_tab_full_scan_thresholds_are_rows_or_megabytes():
    records = {**OBJECTS, "sql.plan": [NL_INNER_FULL]}
    assert found("LOOP_IN_TAB_FULL_SCAN", records, table_row_num=2_000_000, table_phy_size=300.0) == {}
    assert set(found("LOOP_IN_TAB_FULL_SCAN", records, table_row_num=2_000_000, table_phy_size=299.5)) == {
        "nlfull0000001:101"}


def test_a_table_the_obj_capture_does_not_hold_is_not_judged():
    assert found("LOOP_IN_TAB_FULL_SCAN", {"sql.plan": [NL_INNER_FULL]}) == {}
    assert found("SQL_TABLE_FULL_SCAN", {"sql.plan": [NL_INNER_FULL]}) == {}


BATCHED_3_TABLES = plan(  # 11g+ batched nested loops: 4 NESTED LOOPS lines, 2 joins
    "batched000001:201",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", None, None, {}),
    (2, "NESTED LOOPS", None, None, {}),
    (3, "NESTED LOOPS", None, None, {}),
    (4, "NESTED LOOPS", None, None, {}),
    (5, "TABLE ACCESS", "FULL", "S.A", {}),
    (5, "INDEX", "RANGE SCAN", "S.B_IX", {}),
    (4, "TABLE ACCESS", "BY INDEX ROWID", "S.B", {}),
    (3, "INDEX", "RANGE SCAN", "S.C_IX", {}),
    (2, "TABLE ACCESS", "BY INDEX ROWID", "S.C", {}))
LEFT_DEEP_4_TABLES = plan(  # A ⋈ B ⋈ C ⋈ D without batching: 3 levels on the path to A
    "leftdeep00001:202",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", None, None, {}),
    (2, "NESTED LOOPS", None, None, {}),
    (3, "NESTED LOOPS", None, None, {}),
    (4, "TABLE ACCESS", "FULL", "S.A", {}),
    (4, "TABLE ACCESS", "BY INDEX ROWID", "S.B", {}),
    (5, "INDEX", "UNIQUE SCAN", "S.B_PK", {}),
    (3, "TABLE ACCESS", "BY INDEX ROWID", "S.C", {}),
    (4, "INDEX", "UNIQUE SCAN", "S.C_PK", {}),
    (2, "TABLE ACCESS", "BY INDEX ROWID", "S.D", {}),
    (3, "INDEX", "UNIQUE SCAN", "S.D_PK", {}))
RIGHT_DEEP = plan(  # loops nested in the inner sides: 3 levels on the path to D
    "rightdeep0001:203",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "NESTED LOOPS", "SEMI", None, {}),
    (2, "TABLE ACCESS", "FULL", "S.A", {}),
    (2, "VIEW", None, "S.VW_SQ_1", {"object_type": "VIEW"}),
    (3, "NESTED LOOPS", None, None, {}),
    (4, "INDEX", "RANGE SCAN", "S.B_IX", {}),
    (4, "NESTED LOOPS", "ANTI", None, {}),
    (5, "INDEX", "RANGE SCAN", "S.C_IX", {}),
    (5, "INDEX", "UNIQUE SCAN", "S.D_PK", {}))
SIDE_BY_SIDE = plan(  # six NESTED LOOPS lines, never more than one on a path (the original counted 6)
    "sidebyside001:204",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "UNION-ALL", None, None, {}),
    *[line for n in range(6) for line in ((2, "NESTED LOOPS", None, None, {}),
                                          (3, "TABLE ACCESS", "FULL", f"S.T{n}", {}),
                                          (3, "INDEX", "UNIQUE SCAN", f"S.U{n}_PK", {}))])


def test_sql_loop_num_is_the_deepest_chain_of_nested_loop_joins_on_one_path():
    records = {"sql.plan": [BATCHED_3_TABLES, LEFT_DEEP_4_TABLES, RIGHT_DEEP, SIDE_BY_SIDE]}
    hits = found("SQL_LOOP_NUM", records)
    assert set(hits) == {"leftdeep00001:202", "rightdeep0001:203"}
    assert hits["leftdeep00001:202"]["depth"] == 3 and hits["leftdeep00001:202"]["lines"] == [1, 2, 3]
    assert hits["leftdeep00001:202"]["objects"] == "S.A, S.B, S.C, S.D"
    assert hits["rightdeep0001:203"]["lines"] == [1, 4, 6]
    assert len(deepest_loop_chain(build_tree(BATCHED_3_TABLES, {}))) == 2
    assert len(deepest_loop_chain(build_tree(SIDE_BY_SIDE, {}))) == 1
    assert set(found("SQL_LOOP_NUM", records, loop_num=2)) == {"batched000001:201", "leftdeep00001:202",
                                                                "rightdeep0001:203"}


# ------------------------------------------------------------------------------ full scans


def test_sql_table_full_scan_judges_what_is_scanned_one_finding_per_statement():
    many = plan("manyscans0001:301",
                (0, "SELECT STATEMENT", None, None, {}),
                (1, "HASH JOIN", None, None, {}),
                (2, "TABLE ACCESS", "FULL", "S.ORDERS", {}),
                (2, "HASH JOIN", None, None, {}),
                (3, "TABLE ACCESS", "STORAGE FULL", "S.ORDERS", {}),
                (3, "TABLE ACCESS", "INMEMORY FULL", "S.CUSTOMERS", {}))
    one_part = plan("onepart000001:302",
                    (0, "SELECT STATEMENT", None, None, {}),
                    (1, "PARTITION RANGE", "SINGLE", None, {"partition_start": "2", "partition_stop": "2"}),
                    (2, "TABLE ACCESS", "FULL", "S.SALES_FACT", {"partition_start": "2", "partition_stop": "2"}))
    big_part = plan("bigpart000001:303",
                    (0, "SELECT STATEMENT", None, None, {}),
                    (1, "PARTITION RANGE", "SINGLE", None, {"partition_start": "1", "partition_stop": "1"}),
                    (2, "TABLE ACCESS", "FULL", "S.SALES_FACT", {"partition_start": "1", "partition_stop": "1"}))
    all_parts = plan("allparts00001:304",
                     (0, "SELECT STATEMENT", None, None, {}),
                     (1, "PARTITION RANGE", "ALL", None, {"partition_start": "1", "partition_stop": "2"}),
                     (2, "TABLE ACCESS", "FULL", "S.SALES_FACT", {"partition_start": "1", "partition_stop": "2"}))
    records = {**OBJECTS, "sql.plan": [many, one_part, big_part, all_parts, NL_INNER_BUFFERED]}
    hits = found("SQL_TABLE_FULL_SCAN", records)
    assert set(hits) == {"manyscans0001:301", "bigpart000001:303", "allparts00001:304", "nlbuffer00001:104"}
    assert hits["manyscans0001:301"]["lines"] == [2, 4] and hits["manyscans0001:301"]["objects"] == "S.ORDERS"
    assert hits["bigpart000001:303"]["num_rows"] == 35_998_000 and hits["bigpart000001:303"]["partitions"] == "1..1"
    assert hits["allparts00001:304"]["partitions"] == "all" and hits["allparts00001:304"]["size_mb"] == 6144.0


def test_index_fast_full_and_full_scans_of_big_indexes_only():
    records = {
        "obj.index": [index("ORDER_ITEMS_PK", "ORDER_ITEMS", 922), index("STATUS_PK", "STATUS", 0.06),
                      index("ORD_DATE_IX", "ORDERS", 2048)],
        "sql.plan": [
            plan("ffs0000000001:401", (0, "SELECT STATEMENT", None, None, {}), (1, "SORT", "AGGREGATE", None, {}),
                 (2, "INDEX", "FAST FULL SCAN", "S.ORDER_ITEMS_PK", {"object_type": "INDEX (UNIQUE)"})),
            plan("ffs0000000002:402", (0, "SELECT STATEMENT", None, None, {}),
                 (1, "INDEX", "FAST FULL SCAN", "S.STATUS_PK", {})),
            plan("bitmap0000001:403", (0, "SELECT STATEMENT", None, None, {}),
                 (1, "BITMAP CONVERSION", "COUNT", None, {}),
                 (2, "BITMAP INDEX", "FAST FULL SCAN", "S.ORDER_ITEMS_PK", {})),
            plan("full000000001:404", (0, "SELECT STATEMENT", None, None, {}),
                 (1, "TABLE ACCESS", "BY INDEX ROWID", "S.ORDERS", {}),
                 (2, "INDEX", "FULL SCAN", "S.ORD_DATE_IX", {})),
            plan("minmax0000001:405", (0, "SELECT STATEMENT", None, None, {}), (1, "SORT", "AGGREGATE", None, {}),
                 (2, "INDEX", "FULL SCAN (MIN/MAX)", "S.ORD_DATE_IX", {})),
        ]}
    fast = found("SQL_INDEX_FAST_FULL_SCAN", records)
    assert set(fast) == {"ffs0000000001:401", "bitmap0000001:403"} and fast["ffs0000000001:401"]["size_mb"] == 922.0
    assert set(found("SQL_INDEX_FULL_SCAN", records)) == {"full000000001:404"}


def test_index_skip_scan_shows_the_index_columns():
    records = {"obj.index": [index("CUST_SEG_REGION_IX", "CUSTOMERS", columns=("SEGMENT", "REGION"))],
               "sql.plan": [plan("skip000000001:501", (0, "SELECT STATEMENT", None, None, {}),
                                 (1, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "S.CUSTOMERS", {}),
                                 (2, "INDEX", "SKIP SCAN", "S.CUST_SEG_REGION_IX", {})),
                            plan("range00000001:502", (0, "SELECT STATEMENT", None, None, {}),
                                 (1, "INDEX", "RANGE SCAN", "S.CUST_SEG_REGION_IX", {}))]}
    hits = found("SQL_INDEX_SKIP_SCAN", records)
    assert set(hits) == {"skip000000001:501"}
    assert hits["skip000000001:501"]["index_columns"] == "SEGMENT, REGION" and hits["skip000000001:501"]["lines"] == [2]


# ------------------------------------------------------------------------------ PX, cartesian, table count


PX_PLAN = plan(
    "pxplan0000001:601",
    (0, "SELECT STATEMENT", None, None, {}),
    (1, "PX COORDINATOR", None, None, {}),
    (2, "PX SEND", "QC (RANDOM)", "SYS.:TQ10001", {}),
    (3, "HASH", "GROUP BY", None, {}),
    (4, "PX RECEIVE", None, None, {}),
    (5, "PX SEND", "HASH", "SYS.:TQ10000", {}),
    (6, "HASH", "GROUP BY", None, {}),
    (7, "PX BLOCK", "ITERATOR", None, {"partition_start": "1", "partition_stop": "12"}),
    (8, "TABLE ACCESS", "FULL", "S.SALES_FACT", {"partition_start": "1", "partition_stop": "12"}))


def test_px_plans_are_parallel_and_table_queues_are_not_tables():
    records = {"sql.plan": [PX_PLAN, NL_INNER_FULL]}
    hits = found("SQL_PARALLEL_FETCH", records)
    assert set(hits) == {"pxplan0000001:601"}
    assert hits["pxplan0000001:601"]["objects"] == "S.SALES_FACT" and hits["pxplan0000001:601"]["lines"] == [1]
    tables = found("SQL_TAB_REL_NUM", records, tab_num=1)
    assert tables["pxplan0000001:601"]["objects"] == "S.SALES_FACT" and tables["pxplan0000001:601"]["tables"] == 1


def test_sql_tab_rel_num_counts_distinct_tables_through_their_indexes():
    records = {"obj.index": [index("CUST_REGION_IX", "CUSTOMERS")],
               "sql.plan": [NL_INNER_FULL, LEFT_DEEP_4_TABLES]}
    hits = found("SQL_TAB_REL_NUM", records, tab_num=2)
    assert hits["nlfull0000001:101"]["tables"] == 2  # CUSTOMERS by rowid and through its index: once
    # B_PK, C_PK and D_PK are not captured: their tables count through the TABLE ACCESS lines
    assert hits["leftdeep00001:202"]["tables"] == 4
    assert set(found("SQL_TAB_REL_NUM", records, tab_num=4)) == {"leftdeep00001:202"}


def test_merge_join_cartesian_lists_the_tables_it_multiplies():
    cartesian = plan("cartesian0001:701",
                     (0, "SELECT STATEMENT", None, None, {}),
                     (1, "MERGE JOIN", "CARTESIAN", None, {"cardinality": 5400}),
                     (2, "TABLE ACCESS", "FULL", "HR.DEPARTMENTS", {}),
                     (2, "BUFFER", "SORT", None, {}),
                     (3, "TABLE ACCESS", "FULL", "HR.JOBS", {}))
    sort_merge = plan("sortmerge0001:702",
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "MERGE JOIN", None, None, {}),
                      (2, "SORT", "JOIN", None, {}),
                      (3, "TABLE ACCESS", "FULL", "HR.DEPARTMENTS", {}),
                      (2, "SORT", "JOIN", None, {}),
                      (3, "TABLE ACCESS", "FULL", "HR.EMPLOYEES", {}))
    hits = found("SQL_MERGE_JOIN_CARTESIAN", {"sql.plan": [cartesian, sort_merge]})
    assert set(hits) == {"cartesian0001:701"}
    assert hits["cartesian0001:701"]["objects"] == "HR.DEPARTMENTS, HR.JOBS"
    assert hits["cartesian0001:701"]["cardinality"] == 5400 and hits["cartesian0001:701"]["lines"] == [1]


# ------------------------------------------------------------------------------ partitions


def _partition_plan(checksum: str, options: str, start: str, stop: str, *below: Line) -> dict[str, Any]:
    return plan(checksum, (0, "SELECT STATEMENT", None, None, {}),
                (1, "PARTITION RANGE", options, None, {"partition_start": start, "partition_stop": stop}), *below)


LOCAL_INDEX = ((2, "TABLE ACCESS", "BY LOCAL INDEX ROWID BATCHED", "S.SALES_FACT", {}),
               (3, "INDEX", "RANGE SCAN", "S.SF_DATE_LIX", {}))
PARTITION_PLANS = [
    _partition_plan("single0000001:801", "SINGLE", "KEY", "KEY", *LOCAL_INDEX),
    _partition_plan("single0000002:802", "SINGLE", "3", "3", (2, "TABLE ACCESS", "FULL", "S.SALES_FACT", {})),
    _partition_plan("iterator00001:803", "ITERATOR", "KEY", "KEY", *LOCAL_INDEX),
    _partition_plan("iterator00002:804", "ITERATOR", "3", "7", (2, "TABLE ACCESS", "FULL", "S.SALES_FACT", {})),
    _partition_plan("all0000000001:805", "ALL", "1", "1048575", *LOCAL_INDEX),
    _partition_plan("inlist0000001:806", "INLIST", "KEY(INLIST)", "KEY(INLIST)", *LOCAL_INDEX),
    _partition_plan("or00000000001:807", "OR", "KEY(OR)", "KEY(OR)", (2, "TABLE ACCESS", "FULL", "S.SALES_FACT", {})),
    _partition_plan("composite0001:808", "ALL", "1", "12",  # range-hash: the table sits under the hash iterator
                    (2, "PARTITION HASH", "ALL", None, {"partition_start": "1", "partition_stop": "4"}),
                    (3, "TABLE ACCESS", "FULL", "S.EVENTS", {"partition_start": "1", "partition_stop": "48"})),
    plan("hash000000001:809", (0, "SELECT STATEMENT", None, None, {}),
         (1, "PARTITION HASH", "ALL", None, {"partition_start": "1", "partition_stop": "4"}),
         (2, "TABLE ACCESS", "FULL", "S.PROMO_USAGE", {})),
    plan("list000000001:810", (0, "SELECT STATEMENT", None, None, {}),
         (1, "PARTITION LIST", "ALL", None, {"partition_start": "1", "partition_stop": "4"}),
         (2, "TABLE ACCESS", "FULL", "S.PAYMENTS", {})),
]
PARTITION_OBJECTS = {
    "obj.table": [table("SALES_FACT", partitioned=True, partitioning_type="RANGE", partition_keys=["SALE_DATE"],
                        partition_count=24),
                  table("EVENTS", partitioned=True, partitioning_type="RANGE", subpartitioning_type="HASH",
                        partition_keys=["EVENT_TIME"], partition_count=12)],
    "obj.index": [index("SF_DATE_LIX", "SALES_FACT")],
}


@pytest.mark.parametrize("rule_id, expected", [
    ("SQL_PARTITION_RANGE_ALL", {"all0000000001:805", "composite0001:808", "list000000001:810"}),
    ("SQL_PARTITION_RANGE_ITERATOR", {"iterator00001:803", "iterator00002:804"}),
    ("SQL_PARTITION_RANGE_INLIST_OR", {"inlist0000001:806", "or00000000001:807"}),
])
def test_partition_pruning_variants(rule_id, expected):
    assert set(found(rule_id, {**PARTITION_OBJECTS, "sql.plan": PARTITION_PLANS})) == expected


def test_partition_rules_report_the_object_scanned_not_the_next_line():
    hits = found("SQL_PARTITION_RANGE_ALL", {**PARTITION_OBJECTS, "sql.plan": PARTITION_PLANS})
    local = hits["all0000000001:805"]
    assert local["objects"] == "S.SALES_FACT, S.SF_DATE_LIX" and local["lines"] == [1, 2, 3]
    assert local["partitioned_tables"] == "S.SALES_FACT (RANGE on SALE_DATE, 24 partitions)"
    assert local["partitions"] == "1..1048575"
    composite = hits["composite0001:808"]  # line ID+1 is the PARTITION HASH line, which reads nothing
    assert composite["objects"] == "S.EVENTS" and composite["lines"] == [1, 3]
    assert hits["list000000001:810"]["partitioned_tables"] == "S.PAYMENTS"  # not captured: named only


# ------------------------------------------------------------------------------ predicates


@pytest.mark.parametrize("predicate, sql, expected", [
    ('TO_NUMBER("ACCT_NO")=:B1', "SELECT 1 FROM PAYMENTS WHERE ACCT_NO = :B1", ['TO_NUMBER("ACCT_NO")']),
    ('SYS_OP_C2C("C"."NAME")=:1', "", ['SYS_OP_C2C("C"."NAME")']),
    ('INTERNAL_FUNCTION("SALE_DATE")>=:1 AND INTERNAL_FUNCTION("SALE_DATE")<=:2', "x",
     ['INTERNAL_FUNCTION("SALE_DATE")', 'INTERNAL_FUNCTION("SALE_DATE")']),
    ('TO_CHAR("CODE")=\'42\'', "SELECT 1 FROM T WHERE CODE = '42'", ['TO_CHAR("CODE")']),
    ('"PRODUCT_ID"=TO_NUMBER(:1)', "SELECT 1 FROM T WHERE PRODUCT_ID = :1", []),  # a bind converted
    ("TO_DATE(:2)>=TO_DATE(:1)", "", []),
    ('TO_CHAR(INTERNAL_FUNCTION("D"),\'YYYY\')=\'2026\'', "SELECT 1 FROM T WHERE to_char(d, 'YYYY') = '2026'", []),
    ('TO_NUMBER("CODE")=42', "SELECT 1 FROM T WHERE TO_NUMBER(CODE) = 42", []),  # the author's own
    ('TO_NUMBER(SUBSTR("CODE",1,2))=4', "SELECT 1 FROM T WHERE SUBSTR(CODE, 1, 2) = 4", []),  # not a bare column
])
def test_implicit_conversions_of_columns(predicate, sql, expected):
    tree = build_tree(plan("conv000000001:901", (0, "SELECT STATEMENT", None, None, {}),
                           (1, "TABLE ACCESS", "FULL", "S.T", {"filter_predicates": predicate})), {})
    assert conversions(tree.roots[0].children[0], written_calls(sql)) == expected


def test_sql_to_change_type_reads_access_and_filter_predicates():
    access = plan("access0000001:902", (0, "SELECT STATEMENT", None, None, {}),
                  (1, "TABLE ACCESS", "BY INDEX ROWID", "S.SALES_FACT", {}),
                  (2, "INDEX", "RANGE SCAN", "S.SF_DATE_IX",
                   {"access_predicates": 'INTERNAL_FUNCTION("SALE_DATE")>=:1'}))
    none = plan("nopreds000001:903", (0, "SELECT STATEMENT", None, None, {}),
                (1, "TABLE ACCESS", "FULL", "S.T", {"access_predicates": None, "filter_predicates": None}))
    sample = "SELECT * FROM SALES_FACT WHERE SALE_DATE >= :1"
    records = {"sql.statement": [{"checksum": "access0000001:902", "sample": sample}], "sql.plan": [access, none]}
    hits = found("SQL_TO_CHANGE_TYPE", records)
    assert set(hits) == {"access0000001:902"}
    assert hits["access0000001:902"]["lines"] == [2] and hits["access0000001:902"]["objects"] == "S.SF_DATE_IX"
    assert hits["access0000001:902"]["conversions"] == 'INTERNAL_FUNCTION("SALE_DATE")'


# ------------------------------------------------------------------------------ views


def test_sql_view_scan_reports_views_of_the_schema_never_oracles_own():
    views = {"obj.view": [{"schema": "S", "view": "V_ORDER_TOTALS", "references": [{"owner": "S", "name": "ORDERS"}]},
                          {"schema": "S", "view": "VW_ORDERS", "references": []}]}
    real = plan("view000000001:1001", (0, "SELECT STATEMENT", None, None, {}), (1, "HASH JOIN", None, None, {}),
                (2, "VIEW", None, "S.V_ORDER_TOTALS", {"object_type": "VIEW"}), (3, "HASH", "GROUP BY", None, {}),
                (4, "TABLE ACCESS", "FULL", "S.ORDERS", {}), (2, "TABLE ACCESS", "FULL", "S.CUSTOMERS", {}))
    named_like_oracle = plan("view000000002:1002", (0, "SELECT STATEMENT", None, None, {}),
                             (1, "VIEW", None, "S.VW_ORDERS", {"object_type": "VIEW"}),
                             (2, "SORT", "UNIQUE", None, {}), (3, "TABLE ACCESS", "FULL", "S.ORDERS", {}))
    unnested = plan("vwnso00000001:1003", (0, "SELECT STATEMENT", None, None, {}), (1, "HASH JOIN", None, None, {}),
                    (2, "VIEW", None, "SYS.VW_NSO_1", {"object_type": "VIEW"}), (3, "HASH", "UNIQUE", None, {}),
                    (4, "TABLE ACCESS", "FULL", "S.ORDERS", {}), (2, "TABLE ACCESS", "FULL", "S.CUSTOMERS", {}))
    index_join = plan("ixjoin0000001:1004", (0, "SELECT STATEMENT", None, None, {}),
                      (1, "VIEW", None, "S.index$_join$_001", {"object_type": "VIEW"}),
                      (2, "HASH JOIN", None, None, {}), (3, "INDEX", "FAST FULL SCAN", "S.A_IX", {}),
                      (3, "INDEX", "FAST FULL SCAN", "S.B_IX", {}))
    inline = plan("inline0000001:1005", (0, "SELECT STATEMENT", None, None, {}), (1, "COUNT", "STOPKEY", None, {}),
                  (2, "VIEW", None, None, {}), (3, "SORT", "ORDER BY STOPKEY", None, {}),
                  (4, "TABLE ACCESS", "FULL", "S.ORDERS", {}))
    hits = found("SQL_VIEW_SCAN", {**views, "sql.plan": [real, named_like_oracle, unnested, index_join, inline]})
    assert set(hits) == {"view000000001:1001", "view000000002:1002"}
    assert hits["view000000001:1001"]["lines"] == [2] and hits["view000000001:1001"]["references"] == "S.ORDERS"


# ------------------------------------------------------------------------------ counting, cap, exclusions


def test_each_statement_counts_once_and_the_deduction_is_capped():
    plans = [plan(f"cap{n:010d}:{n}", (0, "SELECT STATEMENT", None, None, {}),
                  (1, "MERGE JOIN", "CARTESIAN", None, {}), (2, "TABLE ACCESS", "FULL", "S.A", {}),
                  (2, "BUFFER", "SORT", None, {}), (3, "MERGE JOIN", "CARTESIAN", None, {}),
                  (4, "TABLE ACCESS", "FULL", "S.B", {}), (4, "BUFFER", "SORT", None, {}),
                  (5, "TABLE ACCESS", "FULL", "S.C", {})) for n in range(80)]
    result = run("SQL_MERGE_JOIN_CARTESIAN", {"sql.plan": plans})
    assert result["findings_count"] == 80 and result["deduction"] == 5.0  # 80 × 0.1 capped at 5
    finding = result["findings"][0]
    assert finding["object"] == finding["checksum"] == "cap0000000000:0" and finding["values"]["lines"] == [1, 4]


def test_findings_carry_the_statement_columns():
    statement = {"checksum": "nlfull0000001:101", "sql_id": "nlfull0000001", "plan_hash_value": 101, "schema": "S",
                 "sample": "SELECT  *\n FROM ORDERS o, CUSTOMERS c WHERE o.CUSTOMER_ID = c.CUSTOMER_ID",
                 "stats": {"executions": 40, "elapsed_time_us_per_exec": 2_500_000.0}}
    values = found("LOOP_IN_TAB_FULL_SCAN", {**OBJECTS, "sql.statement": [statement], "sql.plan": [NL_INNER_FULL]})
    row = values["nlfull0000001:101"]
    assert (row["sql_id"], row["plan_hash_value"], row["executions"], row["elapsed_s_per_exec"]) == (
        "nlfull0000001", 101, 40, 2.5)
    assert row["sql"].startswith("SELECT * FROM ORDERS o")


def test_is_excluded_matches_a_bare_sql_id_or_the_sql_id_and_plan_hash_value():
    by_sql_id = Exclusion(checksums=["nlfull0000001"], reason="batch job")
    by_pair = Exclusion(rules=["LOOP_IN_TAB_FULL_SCAN"], checksums=["NLHASH0000001:103"], reason="known plan")
    assert is_excluded("X", Finding("nlfull0000001:101", checksum="nlfull0000001:101"), [by_sql_id]) is by_sql_id
    assert is_excluded("X", Finding("nlfull0000001:999", checksum="nlfull0000001:999"), [by_sql_id]) is by_sql_id
    assert is_excluded("X", Finding("nlfull0000002:101", checksum="nlfull0000002:101"), [by_sql_id]) is None
    assert is_excluded("LOOP_IN_TAB_FULL_SCAN", Finding("x", checksum="nlhash0000001:103"), [by_pair]) is by_pair
    assert is_excluded("LOOP_IN_TAB_FULL_SCAN", Finding("x", checksum="nlhash0000001:104"), [by_pair]) is None
    assert is_excluded("SQL_TABLE_FULL_SCAN", Finding("x", checksum="nlhash0000001:103"), [by_pair]) is None
    assert is_excluded("X", Finding("x", checksum="ABCDEF0123"), [Exclusion(checksums=["abcdef0123"])]) is not None
    assert is_excluded("X", Finding("x", checksum="ABCDEF0123"), [Exclusion(checksums=["abcdef"])]) is None


def test_excluded_statements_are_listed_and_not_scored():
    records = {**OBJECTS, "sql.plan": [NL_INNER_FULL, NL_INNER_HASH_JOIN, FILTER_SUBQUERY]}
    result = run("LOOP_IN_TAB_FULL_SCAN", records,
                 [Exclusion(checksums=["nlfull0000001", "nlhash0000001:103"], reason="reviewed")])
    assert [f["checksum"] for f in result["findings"]] == ["filter0000001:105"]
    assert sorted(f["checksum"] for f in result["excluded"]) == ["nlfull0000001:101", "nlhash0000001:103"]
    assert result["deduction"] == 1.0


# ------------------------------------------------------------------------------ the sample export


@pytest.fixture(scope="module")
def sample_snapshot(tmp_path_factory) -> Snapshot:
    """The sample export's objects and statements, captured as the DAG does (export door, AWR)."""
    from themis.capture.base import CaptureContext
    from themis.capture.oracle import OracleCapture
    from themis.config import parse_config
    from themis.demo import oracle_export_window
    from themis.paths import PROJECT_ROOT
    from themis.store.local import LocalStore
    from themis.window import CaptureWindow

    sample = PROJECT_ROOT / "include" / "demo" / "oracle-export"
    if not (sample / "export.json").exists():
        pytest.skip("no sample export (scripts/make_oracle_export.py)")
    bounds = oracle_export_window(sample)
    project = parse_config({"instances": [{"id": "ora", "db_type": "oracle", "schemas": "auto",
                                           "export": {"path": str(sample)},
                                           "oracle": {"source": "awr"}}]})
    ctx = CaptureContext(project.instances[0], [], CaptureWindow.parse(bounds["window_start"], bounds["window_end"]),
                         LocalStore(tmp_path_factory.mktemp("store") / "store.sqlite3"), "run1",
                         log=lambda line: None, rule_params=lambda rule_id: None)
    capture = OracleCapture()
    return Snapshot("oracle", {**capture.objects(ctx).records, **capture.statements(ctx).records})


def _reported(snapshot: Snapshot, rule_id: str, **params: Any) -> list[str]:
    """The reported statements' texts."""
    rule = load_catalog().get("oracle", rule_id)
    result = run_rule(EffectiveRule(rule, "ON", rule.weight, rule.max_score, {**rule.param_values(), **params}),
                      snapshot, [])
    assert result["status"] == "ran", result
    texts = {s["checksum"]: str(s.get("sample") or "") for s in snapshot.statements}
    return [texts.get(f["checksum"]) or f["values"]["sql"] for f in result["findings"]]


@pytest.mark.parametrize("rule_id, reported, not_reported", [
    ("SQL_INDEX_FAST_FULL_SCAN", ["SELECT COUNT(*) FROM SALES.ORDER_ITEMS"], []),
    ("SQL_INDEX_SKIP_SCAN", ["WHERE REGION = :1"], []),
    ("SQL_MERGE_JOIN_CARTESIAN", ["HR.DEPARTMENTS d, HR.JOBS j"], []),
    ("SQL_PARALLEL_FETCH", ["PARALLEL(f 8)"], []),
    ("SQL_PARTITION_RANGE_ALL", ["FROM SALES.PAYMENTS WHERE ACCT_NO"], ["PROMO_USAGE"]),  # not the HASH iterator
    ("SQL_PARTITION_RANGE_ITERATOR", ["SALE_DATE BETWEEN"], ["MERGE INTO"]),  # not LIST SINGLE
    ("SQL_TO_CHANGE_TYPE", ["WHERE ACCT_NO = :B1", "SALE_DATE BETWEEN"], ["TO_CHAR(oi.CREATE_TIME"]),
    ("SQL_VIEW_SCAN", [], ["WHERE c.CUSTOMER_ID IN"]),  # VW_NSO_1 is Oracle's, not the schema's
    ("SQL_TABLE_FULL_SCAN", ["PARALLEL(f 8)"], ["HR.DEPARTMENTS d, HR.JOBS j"]),
    ("SQL_BUFFER_GETS", ["SELECT COUNT(*) FROM SALES.ORDER_ITEMS"], ["PKG_BILLING.POST_INVOICE"]),
    ("SQL_SUB_CURSOR_COUNT", ["ORD_AUDIT"], []),
])
def test_rules_on_the_sample_export(sample_snapshot, rule_id, reported, not_reported):
    texts = _reported(sample_snapshot, rule_id)
    for fragment in reported:
        assert any(fragment in text for text in texts), (fragment, texts)
    for fragment in not_reported:
        assert not any(fragment in text for text in texts), (fragment, texts)


def test_literal_variants_of_the_sample_export_share_one_signature(sample_snapshot):
    # 104 order lookups exceed the default (more than 100); the 3 SKU variants do not
    (lookup,) = _reported(sample_snapshot, "SQL_NO_BIND")
    assert "FROM SALES.ORDERS WHERE ORDER_NO = '" in lookup
    examples = _reported(sample_snapshot, "SQL_NO_BIND", sql_no_bind_count=2)
    assert len(examples) == 2 and any("FROM SALES.PRODUCTS WHERE SKU = '" in text for text in examples)
