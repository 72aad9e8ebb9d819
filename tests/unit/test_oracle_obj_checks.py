"""Oracle OBJ checks: the original's defects staying fixed, and what the rules' examples cannot say.

Each rule's pass/fail examples live in include/rules/oracle/obj.yaml (tests/unit/test_rule_examples.py);
here: the catalogue against the original's, the fixed-defect logic (descending index vs real
function-based index, DEGREE 'DEFAULT', prefix duplicates, FK index in any order, CF read the right
way round, character sets), "not evaluated" without the input, objects, units and scores.
"""

from __future__ import annotations

from typing import Any

import pytest

from themis.rules.catalog import load_catalog
from themis.rules.checks.oracle.obj import (authored_columns, defined_bytes, index_keys, is_parallel,
                                             real_expressions, serves_foreign_key)
from themis.rules.engine import EffectiveRule, run_rule
from themis.rules.snapshot import Snapshot


def run(rule_id: str, records: dict[str, list[dict[str, Any]]], **params: Any) -> dict[str, Any]:
    rule = load_catalog().get("oracle", rule_id)
    return run_rule(EffectiveRule(rule, "ON", rule.weight, rule.max_score, {**rule.param_values(), **params}),
                    Snapshot("oracle", records), [])


def found(rule_id: str, records: dict[str, list[dict[str, Any]]], **params: Any) -> dict[str, dict[str, Any]]:
    result = run(rule_id, records, **params)
    assert result["status"] == "ran", result
    return {f["object"]: f["values"] for f in result["findings"]}


def index(name: str, *columns: str, table: str = "T", owner: str = "S", **extra: Any) -> dict[str, Any]:
    """An index record; a column written ``X DESC`` is descending."""
    parts = [{"column": c.split()[0], "position": i, "descend": "DESC" if c.endswith(" DESC") else "ASC"}
             for i, c in enumerate(columns, start=1)]
    return {"schema": owner, "index": name, "table_owner": extra.pop("table_owner", owner), "table": table,
            "index_type": "NORMAL", "unique": False, "columns": parts, "expressions": [], **extra}


# ------------------------------------------------------------------------------ catalogue


def test_the_30_rules_of_the_original_with_their_weights_max_scores_and_params():
    rules = {r.id: r for r in load_catalog().for_dimension("oracle", "OBJ")}
    expected = {
        "BIG_TABLE": (1, 10), "BIG_TABLE_COUNT": (0.25, 10), "COL_WRONG_TYPE": (0.5, 10),
        "COMBINED_INDEX_PERCENT": (0.1, 3), "COUNT_RECORD_TAB": (0.5, 3), "COUNT_SUBPART_TAB": (0.5, 3),
        "COUNT_SUMPART_FULL_TAB": (1, 5), "COUNT_SUMPART_SINGLE_TAB": (0.5, 3), "DBLINKS_NUM": (10, 10),
        "DUPLICATE_INDEX": (0.3, 3), "GLOBAL_PART_INDEX": (0.3, 3), "IDX_BITMAP": (0.5, 10), "IDX_BLEVEL": (0.5, 10),
        "IDX_CLUSTERING_FACTOR": (0.5, 10), "IDX_FUNC": (0.5, 10), "IDX_PARALLEL_ON": (0.5, 10),
        "INVALID_INDEX": (1, 5), "LONG_COLUMN_TAB": (0.5, 5), "SEQ_CACHESIZE": (1, 3),
        "SINGLETABLE_INDEX_NUM": (0.5, 5), "TABLE_COL_NUM": (0.5, 10), "TABLE_FK_NOIND": (1, 10),
        "TABLE_LOB": (0.3, 3), "TABLE_MIS_PK": (1, 10), "TAB_EXISTS_FK": (0.5, 10), "TAB_PARALLEL_ON": (0.5, 10),
        "TIMESTAMP": (1, 10), "TRIGGERS_NUM": (5, 5), "USE_FUNCTION": (3, 3), "USE_PROCEDURE": (3, 3),
    }  # fmt: skip
    assert {rule_id: (r.weight, r.max_score) for rule_id, r in rules.items()} == expected
    assert sum(r.max_score for r in rules.values()) == 205
    assert all(r.solution and r.description and r.status == "ON" for r in rules.values())
    original = {
        "BIG_TABLE": {"tab_phy_size": 2}, "BIG_TABLE_COUNT": {"tab_phy_size": 2048},
        "COL_WRONG_TYPE": {"sample_threshold": 10000, "unrepeat_threshold": 20, "return_num": 200},
        "COMBINED_INDEX_PERCENT": {"com_idx_percent": 30}, "COUNT_RECORD_TAB": {"record_count": 10000000},
        "COUNT_SUBPART_TAB": {"subpart_tab_num": 200}, "COUNT_SUMPART_FULL_TAB": {"part_tab_num": 10},
        "COUNT_SUMPART_SINGLE_TAB": {"part_tab_num": 200}, "IDX_BLEVEL": {"idx_level": 3},
        "LONG_COLUMN_TAB": {"data_len_ratio": 0.5}, "SEQ_CACHESIZE": {"cache_size": 20},
        "SINGLETABLE_INDEX_NUM": {"idx_count": 3}, "TABLE_COL_NUM": {"column_count": 30},
    }  # IDX_CLUSTERING_FACTOR's cluster_row_ratio read the clustering factor upside down: replaced
    for rule_id, params in original.items():
        assert params.items() <= rules[rule_id].param_values().items(), rule_id
    assert all(p.unit for r in rules.values() for p in r.params)


# ------------------------------------------------------------------------------ fixed defects


@pytest.mark.parametrize("degree, parallel", [
    (1, False), (None, False), ("1", False), (8, True), ("DEFAULT", True), ("   DEFAULT", True), ("   4", True)])
def test_degree_default_is_parallel(degree, parallel):
    assert is_parallel(degree) is parallel


def test_parallel_rules_report_default_degree_without_failing():
    tables = [{"schema": "S", "table": "A", "table_type": "NORMAL", "degree": "DEFAULT"},
              {"schema": "S", "table": "B", "table_type": "NORMAL", "degree": 1}]
    assert found("TAB_PARALLEL_ON", {"obj.table": tables}) == {
        "S.A": {"table": "S.A", "table_type": "NORMAL", "degree": "DEFAULT"}}
    assert set(found("IDX_PARALLEL_ON", {"obj.index": [index("IX", "A", degree="DEFAULT")]})) == {"S.IX"}


def test_a_descending_index_is_not_function_based_but_a_descending_expression_is():
    descending = index("IX_DESC", "SYS_NC00005$ DESC", index_type="FUNCTION-BASED NORMAL",
                       expressions=[{"position": 1, "expression": '"CREATED"'}])
    upper_desc = index("IX_UPPER", "SYS_NC00006$ DESC", index_type="FUNCTION-BASED NORMAL",
                       expressions=[{"position": 1, "expression": 'UPPER("NAME")'}])
    mixed = index("IX_MIXED", "SYS_NC00007$ DESC", "ID", index_type="FUNCTION-BASED NORMAL",
                  expressions=[{"position": 1, "expression": '"CREATED"'}])
    assert real_expressions(descending) == [] and real_expressions(upper_desc) == ['UPPER("NAME")']
    assert found("IDX_FUNC", {"obj.index": [descending, upper_desc, mixed]}) == {
        "S.IX_UPPER": {"index": "S.IX_UPPER", "index_type": "FUNCTION-BASED NORMAL", "table": "S.T",
                       "expressions": 'UPPER("NAME")'}}


def test_index_keys_name_expressions_and_directions():
    descending = index("IX_DESC", "SYS_NC00005$ DESC", "ID", index_type="FUNCTION-BASED NORMAL",
                       expressions=[{"position": 1, "expression": '"CREATED"'}])
    assert index_keys(descending) == (("CREATED", "DESC"), ("ID", "ASC"))


def test_duplicate_index_is_a_leading_prefix_in_the_same_order_and_names_the_covering_index():
    indexes = [index("IX_A", "A"), index("IX_A_B", "A", "B"), index("IX_B_A", "B", "A"),
               index("IX_B", "B"), index("IX_C", "C"), index("IX_C_DESC", "C DESC", "D")]
    assert found("DUPLICATE_INDEX", {"obj.index": indexes}) == {
        "S.IX_A": {"table": "S.T", "index": "S.IX_A", "columns": "A", "covered_by": "S.IX_A_B",
                   "covering_columns": "A, B"},
        "S.IX_B": {"table": "S.T", "index": "S.IX_B", "columns": "B", "covered_by": "S.IX_B_A",
                   "covering_columns": "B, A"}}  # IX_C: a descending C is another key


def test_a_column_in_two_indexes_is_not_a_duplicate():
    indexes = [index("IX_A_B", "A", "B"), index("IX_B_C", "B", "C"), index("IX_C", "C", table="OTHER")]
    assert found("DUPLICATE_INDEX", {"obj.index": indexes}) == {}


def test_duplicate_index_never_reports_unique_or_constraint_indexes_and_needs_the_same_type():
    indexes = [index("PK_T", "ID", unique=True, constraint="PK_T", constraint_type="P"),
               index("IX_ID_X", "ID", "X"),
               index("IX_ID", "ID"), index("BX_X", "X", index_type="BITMAP"), index("IX_X_Y", "X", "Y")]
    assert set(found("DUPLICATE_INDEX", {"obj.index": indexes})) == {"S.IX_ID"}
    twins = [index("IX_1", "A"), index("IX_2", "A"), index("UX_A", "A", unique=True)]
    assert found("DUPLICATE_INDEX", {"obj.index": twins})["S.IX_1"]["covered_by"] == "S.UX_A"
    assert set(found("DUPLICATE_INDEX", {"obj.index": twins})) == {"S.IX_1", "S.IX_2"}


def test_identical_function_based_indexes_are_duplicates_different_expressions_are_not():
    def fbi(name: str, expression: str) -> dict[str, Any]:
        return index(name, "SYS_NC00009$", index_type="FUNCTION-BASED NORMAL",
                     expressions=[{"position": 1, "expression": expression}])
    assert set(found("DUPLICATE_INDEX", {"obj.index": [fbi("IX_U1", 'UPPER("N")'), fbi("IX_U2", 'UPPER("N")')]})) \
        == {"S.IX_U2"}
    assert found("DUPLICATE_INDEX", {"obj.index": [fbi("IX_U", 'UPPER("N")'), fbi("IX_L", 'LOWER("N")')]}) == {}


def test_foreign_key_is_indexed_by_leading_columns_in_any_order():
    fk = ["B_ID", "C_ID"]
    assert serves_foreign_key(index("IX", "C_ID", "B_ID", "X"), [fk])
    assert not serves_foreign_key(index("IX", "C_ID", "X", "B_ID"), [fk])
    assert not serves_foreign_key(index("IX", "B_ID"), [fk])


def test_fk_without_index_is_one_finding_per_column_and_fk_constraints_once_each():
    fks = [{"schema": "S", "table": "T", "constraint": "FK_BC", "columns": ["B_ID", "C_ID"],
            "referenced_schema": "R", "referenced_table": "BC", "referenced_constraint": "PK_BC"}]
    assert found("TABLE_FK_NOIND", {"obj.foreign_key": fks, "obj.index": [index("IX_B", "B_ID")]}) == {
        "S.T.B_ID": {"table": "S.T", "column": "B_ID", "constraint": "FK_BC"},
        "S.T.C_ID": {"table": "S.T", "column": "C_ID", "constraint": "FK_BC"}}
    assert found("TAB_EXISTS_FK", {"obj.foreign_key": fks}) == {
        "S.T.FK_BC": {"table": "S.T", "constraint": "FK_BC", "columns": "B_ID, C_ID", "referenced_table": "R.BC",
                      "referenced_constraint": "PK_BC"}}


def test_timestamp_accepts_every_timestamp_type_named_create_or_update():
    tables = [{"schema": "S", "table": t} for t in ("A", "B", "C", "D")]
    columns = [{"schema": "S", "table": "A", "column": "CREATE_TIME", "data_type": "TIMESTAMP(6)"},
               {"schema": "S", "table": "B", "column": "UPDATED", "data_type": "TIMESTAMP(3) WITH LOCAL TIME ZONE"},
               {"schema": "S", "table": "C", "column": "CREATE_DATE", "data_type": "DATE"},
               {"schema": "S", "table": "D", "column": "MODIFIED", "data_type": "DATE"}]
    assert set(found("TIMESTAMP", {"obj.table": tables, "obj.column": columns})) == {"S.D"}


def test_table_without_pk_but_with_a_unique_constraint_is_reported():
    records = {"obj.table": [{"schema": "S", "table": "T", "table_type": "NORMAL"}],
               "obj.constraint": [{"schema": "S", "table": "T", "constraint": "UK", "constraint_type": "U"}],
               "obj.index": [index("UK", "CODE", unique=True, constraint="UK", constraint_type="U")]}
    assert set(found("TABLE_MIS_PK", records)) == {"S.T"}


def test_columns_and_indexes_count_what_the_author_created():
    columns = [{"schema": "S", "table": "T", "column": "A", "user_generated": True},
               {"schema": "S", "table": "T", "column": "INVISIBLE", "hidden": True, "user_generated": True},
               {"schema": "S", "table": "T", "column": "SYS_NC00003$", "hidden": True, "user_generated": False},
               {"schema": "S", "table": "T", "column": "SYS_C00004_X$", "hidden": True, "user_generated": False}]
    assert [c["column"] for c in authored_columns(columns)] == ["A", "INVISIBLE"]
    tables = [{"schema": "S", "table": "T"}]
    assert found("TABLE_COL_NUM", {"obj.table": tables, "obj.column": columns}, column_count=1) == {
        "S.T": {"table": "S.T", "column_count": 2}}
    indexes = [index("PK", "A"), index("IX", "B"), index("SYS_IL01$$", index_type="LOB")]
    assert found("SINGLETABLE_INDEX_NUM", {"obj.index": indexes}, idx_count=1) == {
        "S.T": {"table": "S.T", "index_count": 2}}


def test_clustering_factor_is_read_the_right_way_round():
    tables = [{"schema": "S", "table": "T", "blocks": 1000, "num_rows": 100000}]
    clustered = index("IX_GOOD", "ID", clustering_factor=1000)  # the original: ceil(100000/1000) = 100 > 3: flagged
    random = index("IX_BAD", "CODE", clustering_factor=95000)  # the original: ceil(100000/95000) = 2: passed
    assert found("IDX_CLUSTERING_FACTOR", {"obj.table": tables, "obj.index": [clustered, random]}) == {
        "S.IX_BAD": {"index": "S.IX_BAD", "index_type": "NORMAL", "table": "S.T", "clustering_factor": 95000,
                     "table_blocks": 1000, "table_rows": 100000, "cf_position": 94.95}}


@pytest.mark.parametrize("bytes_per_char", [1, 2, 3, 4])
def test_long_column_tab_gives_the_same_answer_in_every_character_set(bytes_per_char):
    """VARCHAR2(100 CHAR): DATA_LENGTH depends on the character set, the defined width does not."""
    columns = [{"schema": "S", "table": "T", "column": "NAME", "data_type": "VARCHAR2", "char_used": "C",
                "char_length": 100, "data_length": 100 * bytes_per_char},
               {"schema": "S", "table": "T", "column": "CODE", "data_type": "VARCHAR2", "char_used": "B",
                "char_length": 20, "data_length": 20}]
    assert [defined_bytes(c) for c in columns] == [100, 20]
    tables = [{"schema": "S", "table": "T", "num_rows": 10, "avg_row_len": 50}]
    assert found("LONG_COLUMN_TAB", {"obj.table": tables, "obj.column": columns}) == {
        "S.T": {"table": "S.T", "defined_bytes": 120, "avg_row_len": 50, "ratio": 0.42}}


# ------------------------------------------------------------------------------ inputs not captured


def test_invalid_index_is_not_evaluated_without_plans_and_judged_with_them():
    indexes = [index("IX_UNUSED", "A", size_bytes=3 * 1024**2 + 1), index("IX_USED", "B")]
    gap = {"obj.unavailable": [{"kind": "obj.index_usage", "reason": "export without AWR", "fix": "export AWR"}]}
    assert run("INVALID_INDEX", {"obj.index": indexes, **gap})["status"] == "not_evaluated"
    usage = [{"schema": "S", "index": "IX_USED", "sql_ids": 1, "source": "awr"}]
    assert found("INVALID_INDEX", {"obj.index": indexes, "obj.index_usage": usage}) == {
        "S.IX_UNUSED": {"index": "S.IX_UNUSED", "table": "S.T", "index_type": "NORMAL", "size_mb": 3.0}}


def test_invalid_index_matches_usage_by_index_owner():
    indexes = [index("IX", "A", owner="IDX", table_owner="APP"), index("IX", "A", owner="APP")]
    usage = [{"schema": "APP", "index": "IX", "sql_ids": 1, "source": "awr"}]
    assert set(found("INVALID_INDEX", {"obj.index": indexes, "obj.index_usage": usage})) == {"IDX.IX"}


def test_col_wrong_type_is_not_evaluated_from_an_export():
    gap = {"obj.unavailable": [{"kind": "obj.column_sample", "reason": "an export holds no table data"}]}
    assert run("COL_WRONG_TYPE", gap)["status"] == "not_evaluated"


def test_col_wrong_type_suggests_oracle_types_and_skips_failed_samples():
    columns = [{"schema": "S", "table": "T", "column": "AT", "data_type": "VARCHAR2", "char_length": 30,
                "char_used": "C"},
               {"schema": "S", "table": "T", "column": "N", "data_type": "VARCHAR2", "char_length": 10}]
    samples = [{"schema": "S", "table": "T", "column": "AT",
                "values": ["2024-01-01 10:00:00.123", "2024-01-02 11:00:00.5", "2024-01-03 12:00:00.25"]},
               {"schema": "S", "table": "T", "column": "N", "values": ["1", "2", "3"], "error": "ORA-00942"}]
    result = found("COL_WRONG_TYPE", {"obj.column": columns, "obj.column_sample": samples}, unrepeat_threshold=3)
    assert {k: (v["declared_type"], v["suggested_type"]) for k, v in result.items()} == {
        "S.T.AT": ("VARCHAR2(30 CHAR)", "TIMESTAMP(3)")}


# ------------------------------------------------------------------------------ scores, objects, units


def test_big_table_count_is_a_real_ratio_with_its_own_threshold_scored_per_big_table():
    gb = 1024**3
    tables = [{"schema": "S", "table": f"T{i}", "size_bytes": 3 * gb if i < 3 else 0} for i in range(10)]
    result = run("BIG_TABLE_COUNT", {"obj.table": tables})  # 3 of 10 = 30 % ≥ 25 %
    assert result["findings_count"] == 3 and result["deduction"] == 0.75
    assert result["findings"][0]["values"] == {"table": "S.T0", "size_mb": 3072.0, "big_tables": 3,
                                               "all_tables": 10, "big_table_percent": 30.0}
    assert run("BIG_TABLE_COUNT", {"obj.table": tables}, big_table_percent=40)["findings_count"] == 0


def test_combined_index_percent_scores_one_finding_per_schema():
    indexes = [index(f"IX{i}", "A", "B") for i in range(9)] + [index("PK", "ID")]
    result = run("COMBINED_INDEX_PERCENT", {"obj.table": [{"schema": "S", "table": "T"}], "obj.index": indexes})
    assert result["deduction"] == 0.1
    assert result["findings"] == [{"object": "S", "values": {"schema": "S", "composite_indexes": 9, "indexes": 10,
                                                             "composite_percent": 90.0}}]


def test_sizes_are_reported_in_gb_and_mb_with_two_decimals():
    tables = [{"schema": "S", "table": "BIG", "partitioned": False, "size_bytes": 3 * 1024**3 + 123456789}]
    assert found("BIG_TABLE", {"obj.table": tables}) == {"S.BIG": {"table": "S.BIG", "size_gb": 3.11}}
    lobs = [{"schema": "S", "table": "DOC", "column": "BODY", "size_bytes": 1536 * 1024}]
    assert found("TABLE_LOB", {"obj.lob": lobs}) == {"S.DOC.BODY": {"table": "S.DOC", "column": "BODY", "size_mb": 1.5}}


def test_index_objects_are_named_by_index_owner_and_tables_by_table_owner():
    records = {"obj.index": [index("IX_TALL", "A", owner="IDX", table_owner="APP", blevel=5)]}
    assert found("IDX_BLEVEL", records) == {
        "IDX.IX_TALL": {"index": "IDX.IX_TALL", "index_type": "NORMAL", "blevel": 5, "table": "APP.T"}}
    triggers = [{"schema": "TRG", "name": "T_AUDIT", "table": "ORDERS", "table_owner": "APP",
                 "trigger_type": "AFTER EACH ROW", "triggering_event": "INSERT"}]
    assert found("TRIGGERS_NUM", {"obj.trigger": triggers}) == {
        "TRG.T_AUDIT": {"trigger": "TRG.T_AUDIT", "table": "APP.ORDERS", "trigger_type": "AFTER EACH ROW INSERT"}}
