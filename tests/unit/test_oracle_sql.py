"""Every statement of include/sql/oracle runs on the export engine (DuckDB, transpiled by sqlglot).

This is what makes "one SQL for both doors" hold: each template is rendered for Oracle (binds
``:bN``), checked to be written in the dialect both doors accept, transpiled and run against the
sample export, whose views carry the documented column names (include/sql/oracle/views.yaml).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from themis.capture.oracle.export import ExportDoor, read_manifest, view_columns
from themis.capture.sqlfiles import render
from themis.paths import PROJECT_ROOT, sql_dir

SAMPLE = PROJECT_ROOT / "include" / "demo" / "oracle-export"
TEMPLATES = sorted(p.stem for p in (sql_dir() / "oracle").glob("*.sql") if not p.stem.startswith("_")
                   and p.stem != "export")
CONTEXT = {
    "owners": ["SALES", "HR"], "version_major": 19, "dbid": 1, "begin_snap": 1, "end_snap": 100000,
    "window_start": dt.datetime(2000, 1, 1), "window_end": dt.datetime(2100, 1, 1), "sql_ids": ["a", "b"],
    "source": "awr", "owner": "SALES", "table": "PROBE", "columns": ["NAME", "AMOUNT"], "rows": 5,
}
FORBIDDEN = [r"\(\+\)", r"\bROWNUM\b", r"\bCONNECT\s+BY\b", r"\bDBMS_", r"\bINSERT\b", r"\bUPDATE\b",
             r"\bDELETE\b", r"\bMERGE\b", r"\bCREATE\b", r"\bALTER\b", r"\bDROP\b", r"\bBEGIN\b"]


@pytest.fixture(scope="module")
def door():
    with ExportDoor(read_manifest(SAMPLE), log_line=lambda line: None) as export_door:
        # sample_rows.sql reads a user table, which no export holds: give it one to read.
        export_door._conn.execute('CREATE SCHEMA "SALES"')
        export_door._conn.execute('CREATE TABLE "SALES"."PROBE" ("NAME" VARCHAR, "AMOUNT" DECIMAL(38,10))')
        export_door._conn.execute("INSERT INTO \"SALES\".\"PROBE\" VALUES ('x', 1), ('2024-01-01', 2)")
        export_door._loaded.add("PROBE")
        yield export_door


def test_there_are_templates():
    assert len(TEMPLATES) >= 20


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_is_read_only_oracle_both_doors_accept(template):
    sql, params = render(f"oracle/{template}", **CONTEXT)
    code = re.sub(r"'[^']*'", "''", sql)  # literals may say anything
    assert code.lstrip().upper().startswith(("SELECT", "WITH")), sql
    for pattern in FORBIDDEN:
        assert not re.search(pattern, code, re.IGNORECASE), (template, pattern)
    assert isinstance(params, dict)
    for value in ("SALES", "HR"):
        if value in params.values():
            assert f"'{value}'" not in sql  # bound, never pasted


@pytest.mark.parametrize("template", TEMPLATES)
def test_template_runs_on_the_export_engine(door, template):
    rows = list(door.rows(template, **CONTEXT))
    assert isinstance(rows, list)
    for row in rows[:5]:
        assert all(key == key.lower() for key in row)


def test_templates_read_only_documented_columns():
    """A column the capture reads that is not documented for its view would only fail on a live server."""
    import sqlglot
    from sqlglot import exp

    documented = view_columns()
    for template in TEMPLATES:
        sql, _ = render(f"oracle/{template}", **CONTEXT)
        tree = sqlglot.parse_one(sql, read="oracle")
        aliases = {t.alias_or_name.upper(): t.name.upper() for t in tree.find_all(exp.Table)}
        for column in tree.find_all(exp.Column):
            view = aliases.get(column.table.upper()) if column.table else None
            if view in documented:
                assert column.name.upper() in documented[view], f"{template}: {view}.{column.name} is not documented"


def test_every_view_the_capture_reads_is_documented():
    import sqlglot
    from sqlglot import exp

    documented = set(view_columns())
    for template in TEMPLATES:
        sql, _ = render(f"oracle/{template}", **CONTEXT)
        for table in sqlglot.parse_one(sql, read="oracle").find_all(exp.Table):
            name = table.name.upper()
            if name and name != "PROBE":
                assert name in documented or name in ("V$DATABASE", "V$INSTANCE", "NLS_DATABASE_PARAMETERS",
                                                      "V$PARAMETER"), f"{template}: {name}"


@pytest.mark.parametrize("name", ["PCT%", "PCT%s", "PCT%%", 'Q"UOTE', "low er", "B`TICK"])
def test_identifiers_with_odd_characters_are_quoted_not_formatted(door, name):
    """Oracle binds are named (``:b1``): nothing %-formats the SQL, and quoted identifiers keep
    %, %s, %%, quotes and spaces intact (issue 13, item 3, for Oracle)."""
    sql, params = render("oracle/sample_rows", owner=name, table=name, columns=[name], rows=3)
    quoted = '"' + name.replace('"', '""') + '"'
    assert f"{quoted}.{quoted}" in sql and params == {}
    door._conn.execute(f'CREATE SCHEMA IF NOT EXISTS {quoted}')
    door._conn.execute(f'CREATE TABLE IF NOT EXISTS {quoted}.{quoted} ({quoted} VARCHAR)')
    door._conn.execute(f"INSERT INTO {quoted}.{quoted} VALUES ('2024-01-01')")
    door._loaded.add(name.upper())
    assert list(door.rows("sample_rows", owner=name, table=name, columns=[name], rows=3)) == [{"c1": "2024-01-01"}]
