"""Column sampling for COLUMN_WRONG_TYPE (themis.capture.sampling) without a server.

A scripted DB-API connection stands in for MariaDB so the failure paths (time limit, refused
SELECT, lost connection) and the no-stale-cursor guarantee are tested exactly; the real server
is exercised by tests/integration/test_obj_rules.py.
"""

from __future__ import annotations

from typing import Any

import MySQLdb
import pytest

from themis.capture import sampling
from themis.capture.sampling import TablePlan, column_records, key_ranges, plan_samples, sample_columns, sample_table
from themis.capture.sqlfiles import render


class FakeCursor:
    def __init__(self, conn: "FakeConnection") -> None:
        self.conn, self.description, self._rows, self.closed = conn, None, [], False

    def execute(self, sql: str, params: Any = None) -> None:
        self.conn.executed.append((sql, params))
        outcome = self.conn.script.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        names, self._rows = outcome
        self.description = [(name,) for name in names]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def close(self) -> None:
        self.closed = True


class FakeConnection:
    """Answers each execute with the next scripted ``(column names, rows)`` or raises the scripted error."""

    def __init__(self, *script: Any) -> None:
        self.script, self.executed, self.cursors = list(script), [], []

    def cursor(self) -> FakeCursor:
        self.cursors.append(FakeCursor(self))
        return self.cursors[-1]


def table(name: str, rows: int = 10, **fields: Any) -> dict[str, Any]:
    return {"schema": "s", "table": name, "table_type": "BASE TABLE", "engine": "InnoDB", "table_rows": rows, **fields}


def column(table_name: str, name: str, data_type: str, **fields: Any) -> dict[str, Any]:
    return {"schema": "s", "table": table_name, "column": name, "data_type": data_type, **fields}


def primary(table_name: str, *columns: str) -> dict[str, Any]:
    return {"schema": "s", "table": table_name, "index": "PRIMARY", "is_primary": True,
            "columns": [{"column": c} for c in columns]}


CAPTURED = {
    "obj.table": [table("big", rows=5000), table("small", rows=5), table("composite", rows=5000),
                  table("v", table_type="VIEW"), table("seq", table_type="SEQUENCE"),
                  table("remote", engine="FEDERATED"), table("blobs"), table("hist", table_type="SYSTEM VERSIONED")],
    "obj.column": [
        column("big", "id", "int", extra="auto_increment"), column("big", "code", "varchar"),
        column("big", "day", "bigint"), column("big", "gen", "varchar", extra="VIRTUAL GENERATED"),
        column("big", "price", "decimal"), column("big", "n", "smallint"),
        column("small", "id", "int"), column("small", "c", "char"),
        column("composite", "a", "int"), column("composite", "b", "int"), column("composite", "c", "varchar"),
        column("v", "c", "varchar"), column("seq", "next_not_cached_value", "bigint"), column("remote", "c", "varchar"),
        column("blobs", "body", "text"), column("hist", "c", "varchar"),
    ],
    "obj.index": [primary("big", "id"), primary("small", "id"), primary("composite", "a", "b")],
}  # fmt: skip


def test_plan_picks_text_and_wide_integer_columns_of_local_tables():
    plans = {p.table: p for p in plan_samples(CAPTURED, rows=100)}
    assert set(plans) == {"big", "small", "composite", "hist"}
    assert plans["big"] == TablePlan("s", "big", ("code", "day"), key="id")  # int key, table bigger than the sample
    assert plans["small"].key is None  # 5 rows: the first 100 rows are the whole table
    assert plans["composite"] == TablePlan("s", "composite", ("a", "b", "c"), key=None)
    assert plan_samples(CAPTURED, rows=0) == []


def test_key_ranges_cover_the_span_without_overlap():
    ranges = key_ranges(1, 100)
    assert len(ranges) == 8 and ranges[0][0] == 1 and ranges[-1][1] == 101
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    assert key_ranges(5, 7) == [(5, 6), (6, 7), (7, 8)]
    assert key_ranges(-3, -3) == [(-3, -2)]


def test_column_records_keep_distinct_non_blank_bounded_values(monkeypatch):
    monkeypatch.setattr(sampling, "MAX_VALUES", 3)
    plan = TablePlan("s", "t", ("a", "b"))
    long = "x" * (sampling.VALUE_CHARS + 1)
    rows = [("1", None), ("1", " "), ("2", long), (b"3", 20240101), ("4", "")]
    a, b = column_records(plan, rows, "first_rows")
    assert a["values"] == ["1", "2", "3"] and a["values_capped"] and a["rows_sampled"] == 5
    assert b["values"] == ["x" * sampling.VALUE_CHARS + "…", "20240101"] and not b["values_capped"]
    assert (b["schema"], b["table"], b["column"], b["method"], b["error"]) == ("s", "t", "b", "first_rows", None)


def test_key_range_sample_reads_bounds_then_bounded_ranges():
    conn = FakeConnection((["lo", "hi"], [(1, 16)]), (["v1", "v2"], [("a", 20240101), ("b", 20240102)]))
    records = sample_table(conn, TablePlan("s", "big", ("code", "day"), key="id"), rows=16, flavour="mariadb",
                           timeout_ms=1500)
    (bounds_sql, bounds_params), (rows_sql, rows_params) = conn.executed
    assert "MIN(`id`)" in bounds_sql and bounds_params is None and bounds_sql.startswith("SET STATEMENT max_statement_time=1.500")
    assert rows_sql.count("UNION ALL") == 7 and "LIMIT %s" in rows_sql
    assert rows_params[:2] == (sampling.VALUE_CHARS + 1,) * 2 and rows_params[2:5] == (1, 3, 2)  # [1, 3), 2 rows
    assert [r["values"] for r in records] == [["a", "b"], ["20240101", "20240102"]]
    assert {r["method"] for r in records} == {"key_ranges"} and all(c.closed for c in conn.cursors)


def test_empty_table_with_integer_key_falls_back_to_first_rows():
    conn = FakeConnection((["lo", "hi"], [(None, None)]), (["v1"], []))
    (record,) = sample_table(conn, TablePlan("s", "t", ("c",), key="id"), rows=10, flavour="mysql", timeout_ms=100)
    assert record["method"] == "first_rows" and record["values"] == [] and record["error"] is None
    assert "MAX_EXECUTION_TIME(100)" in conn.executed[1][0] and conn.executed[1][1][-1] == 10


@pytest.mark.parametrize("error, reason", [
    (MySQLdb.OperationalError(1969, "Query execution was interrupted (max_statement_time exceeded)"),
     "time limit of 500 ms reached"),
    (MySQLdb.OperationalError(3024, "Query execution was interrupted, maximum statement execution time exceeded"),
     "time limit of 500 ms reached"),
    (MySQLdb.OperationalError(1142, "SELECT command denied to user"), "(1142) SELECT command denied to user"),
])
def test_a_failed_table_reports_its_error_and_never_another_tables_values(error, reason):
    conn = FakeConnection((["v1"], [("2024-01-01",)]), error)
    captured = {"obj.table": [table("a"), table("b")],
                "obj.column": [column("a", "c", "varchar"), column("b", "c", "varchar")]}
    first, second = sample_columns(conn, captured, rows=10, server={"flavour": "mariadb"}, timeout_ms=500)
    assert first["values"] == ["2024-01-01"] and first["error"] is None
    assert (second["table"], second["values"], second["rows_sampled"], second["method"], second["error"]) == (
        "b", [], 0, None, reason)
    assert all(c.closed for c in conn.cursors)


def test_a_lost_connection_is_raised_for_the_task_to_retry():
    conn = FakeConnection(MySQLdb.OperationalError(2013, "Lost connection to server during query"))
    with pytest.raises(MySQLdb.OperationalError):
        sample_table(conn, TablePlan("s", "t", ("c",)), rows=10, flavour="mariadb", timeout_ms=500)


def test_sampling_switched_off_issues_nothing_and_logs_progress():
    conn, lines = FakeConnection(), []
    assert sample_columns(conn, CAPTURED, rows=0, server={"flavour": "mariadb"}, log=lines.append) == []
    assert conn.executed == [] and lines and "0 tables" in lines[0]


def test_templates_quote_identifiers_and_bind_values():
    sql, params = render("mysql/sample_rows", flavour="mysql", timeout_ms=2500, schema="s`x", table="t", key=None,
                         columns=["we`ird"], value_chars=65, ranges=None, per_range=None, limit=7)
    assert "`s``x`.`t`" in sql and "LEFT(`we``ird`, %s)" in sql and params == (65, 7)
    assert sql.startswith("SELECT /*+ MAX_EXECUTION_TIME(2500) SET_VAR(lock_wait_timeout=3) */")
    sql, _ = render("mysql/sample_key_bounds", flavour="mariadb", timeout_ms=100, schema="s", table="t", key="id")
    assert sql.startswith("SET STATEMENT max_statement_time=0.100, lock_wait_timeout=1 FOR SELECT MIN(`id`)")
