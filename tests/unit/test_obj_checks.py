"""MySQL OBJ checks: the values their findings carry, and the original's defects staying fixed.

Each rule's pass/fail examples live in include/rules/mysql/obj.yaml (tests/unit/test_rule_examples.py);
this file checks what the examples cannot say: report values, objects, units.
"""

from __future__ import annotations

from typing import Any

from themis.rules.catalog import load_catalog
from themis.rules.engine import EffectiveRule, run_rule
from themis.rules.snapshot import Snapshot


def run(rule_id: str, records: dict[str, list[dict[str, Any]]], **params: Any) -> dict[str, Any]:
    rule = load_catalog().get("mysql", rule_id)
    result = run_rule(EffectiveRule(rule, "ON", rule.weight, rule.max_score, {**rule.param_values(), **params}),
                      Snapshot("mysql", records), [])
    assert result["status"] == "ran", result["error"]
    return result


def values(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["object"]: f["values"] for f in result["findings"]}


def test_every_mysql_obj_rule_of_the_original_is_there_with_its_weight_and_max_score():
    rules = {r.id: r for r in load_catalog().for_dimension("mysql", "OBJ")}
    expected = {
        "BIG_SCHEMA_BY_TABLE_NUM": (1, 1), "BIG_TABLE_BY_INDEX_NUM": (2, 10), "BIG_TABLE_BY_ROW_NUM": (1, 10),
        "BIG_TABLE_BY_SIZE": (1, 10), "COLUMN_WRONG_TYPE": (2, 20), "EXIST_FUNC_PROC_TRIGGER": (5, 20),
        "EXIST_LOB_COLUMN": (2, 6), "INDEX_SELECTIVITY": (1, 10), "TABLE_COLUMN_NUM": (1, 10),
        "TABLE_EXIST_FOREIGN_KEY": (5, 20), "TABLE_NO_DEF_PRIMARYKEY": (5, 20), "TABLE_PRIMARYKEY_LENGTH": (2, 20),
        "TABLE_RECORD_LENGTH": (2, 20), "TABLE_WITHOUT_TIMESTAMP": (2, 10),
    }  # fmt: skip
    assert {rule_id: (r.weight, r.max_score) for rule_id, r in rules.items()} == expected
    assert sum(r.max_score for r in rules.values()) == 187
    assert all(r.solution and r.description and r.status == "ON" for r in rules.values())
    params = {rule_id: r.param_values() for rule_id, r in rules.items() if r.params}
    assert params["BIG_TABLE_BY_SIZE"] == {"table_size": 10} and params["BIG_TABLE_BY_ROW_NUM"] == {"row_num": 20000000}
    assert params["TABLE_RECORD_LENGTH"] == {"record_length": 1000}  # a number: the original's '1000' never compared
    assert params["TABLE_PRIMARYKEY_LENGTH"] == {"primarykey_length": 16}
    assert params["COLUMN_WRONG_TYPE"]["num_row"] == 10000 and params["INDEX_SELECTIVITY"]["selectivity"] == 0.001


def test_big_table_by_size_compares_gigabytes_with_gigabytes():
    tables = [{"schema": "s", "table": "empty", "table_type": "BASE TABLE", "data_length": 16384, "index_length": 0},
              {"schema": "s", "table": "big", "table_type": "BASE TABLE", "data_length": 7 * 1024**3,
               "index_length": 4 * 1024**3}]
    assert values(run("BIG_TABLE_BY_SIZE", {"obj.table": tables})) == {
        "s.big": {"table": "s.big", "partition": "", "size_gb": 11.0}}


def test_big_schema_reports_the_schema_only_above_the_threshold():
    tables = [{"schema": "big", "table": f"t{i}", "table_type": "BASE TABLE"} for i in range(4)]
    tables += [{"schema": "small", "table": f"t{i}", "table_type": "BASE TABLE"} for i in range(22)]
    assert values(run("BIG_SCHEMA_BY_TABLE_NUM", {"obj.table": tables})) == {}
    assert values(run("BIG_SCHEMA_BY_TABLE_NUM", {"obj.table": tables}, table_num=10)) == {
        "small": {"schema": "small", "table_count": 22}}


def test_index_selectivity_counts_a_composite_index_once():
    records = {
        "obj.table": [{"schema": "s", "table": "t", "table_type": "BASE TABLE", "table_rows": 100000}],
        "obj.index": [{"schema": "s", "table": "t", "index": "idx_ab", "unique": False, "cardinality": 10,
                       "columns": [{"column": "a", "cardinality": 2}, {"column": "b", "cardinality": 10}]}]}
    result = run("INDEX_SELECTIVITY", records, selectivity=1)
    assert values(result) == {"s.t.idx_ab": {"table": "s.t", "index": "idx_ab", "columns": "a, b", "cardinality": 10,
                                             "table_rows": 100000, "selectivity": 0.01}}


def test_routines_are_read_from_information_schema_routines():
    records = {"obj.routine": [{"schema": "s", "name": "p", "routine_type": "PROCEDURE"}],
               "obj.trigger": [{"schema": "s", "name": "trg", "table": "orders"}]}
    assert values(run("EXIST_FUNC_PROC_TRIGGER", records)) == {
        "s.p.procedure": {"kind": "PROCEDURE", "name": "s.p", "table": ""},
        "s.orders.trg": {"kind": "TRIGGER", "name": "s.trg", "table": "s.orders"}}


def test_primary_key_and_record_lengths_in_bytes():
    records = {
        "obj.table": [{"schema": "s", "table": "t", "table_type": "BASE TABLE", "avg_row_length": 300}],
        "obj.column": [{"schema": "s", "table": "t", "column": "k", "data_type": "varchar", "column_type": "varchar(100)",
                        "character_maximum_length": 100, "character_octet_length": 400},
                       {"schema": "s", "table": "t", "column": "d", "data_type": "datetime", "column_type": "datetime(6)",
                        "datetime_precision": 6, "is_nullable": True}],
        "obj.index": [{"schema": "s", "table": "t", "index": "PRIMARY", "is_primary": True,
                       "columns": [{"column": "k", "sub_part": 20}]}]}
    assert values(run("TABLE_PRIMARYKEY_LENGTH", records)) == {
        "s.t": {"table": "s.t", "columns": "k", "types": "varchar(100)", "length": 81}}  # 20 chars × 4 + 1
    assert values(run("TABLE_RECORD_LENGTH", records, record_length=100)) == {
        "s.t": {"table": "s.t", "avg_row_length": 300, "defined_length": 402 + 8 + 1}}


def test_column_wrong_type_finding_names_the_suggestion_and_examples():
    records = {
        "obj.table": [{"schema": "s", "table": "t", "table_type": "BASE TABLE"}],
        "obj.column": [{"schema": "s", "table": "t", "column": "paid", "data_type": "varchar", "column_type": "varchar(30)"}],
        "obj.column_sample": [{"schema": "s", "table": "t", "column": "paid", "rows_sampled": 40,
                               "values": [f"2024-01-{d:02d} 10:00:00" for d in range(1, 25)] + ["n/a"]}]}
    assert values(run("COLUMN_WRONG_TYPE", records)) == {"s.t.paid": {
        "table": "s.t", "column": "paid", "declared_type": "varchar(30)", "suggested_type": "DATETIME",
        "matching": "96% of 25", "examples": "2024-01-01 10:00:00, 2024-01-02 10:00:00, 2024-01-03 10:00:00"}}
    records["obj.column_sample"][0]["error"] = "time limit of 2000 ms reached"
    records["obj.column_sample"][0]["values"] = []
    assert values(run("COLUMN_WRONG_TYPE", records)) == {}


def test_column_wrong_type_says_which_tables_could_not_be_sampled_and_why():
    records = {
        "obj.table": [{"schema": "s", "table": t, "table_type": "BASE TABLE"} for t in ("a", "b%s")],
        "obj.column": [{"schema": "s", "table": t, "column": "c", "data_type": "varchar", "column_type": "varchar(9)"}
                       for t in ("a", "b%s")],
        "obj.column_sample": [
            {"schema": "s", "table": "a", "column": "c", "rows_sampled": 3, "values": ["x", "y"], "error": None},
            {"schema": "s", "table": "b%s", "column": "c", "rows_sampled": 0, "values": [],
             "error": "(1142) SELECT command denied"}]}
    result = run("COLUMN_WRONG_TYPE", records)
    assert result["notes"] == ["s.b%s could not be sampled: (1142) SELECT command denied"]
    assert result["findings"] == [] and result["deduction"] == 0  # a note is not a finding
    many = {**records, "obj.column_sample": [
        {"schema": "s", "table": f"t{n:02d}", "column": "c", "values": [], "error": "time limit of 2000 ms reached"}
        for n in range(25)]}
    notes = run("COLUMN_WRONG_TYPE", many)["notes"]
    assert len(notes) == 21 and notes[0].startswith("s.t00 could not") and notes[-1] == (
        "… and 5 more tables could not be sampled")
