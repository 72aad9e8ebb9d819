"""Identifiers with ``%`` survive the MySQL drivers' ``%``-formatting (issue 13, item 3).

MySQLdb and PyMySQL run ``sql % escaped_params`` on every statement executed with parameters, so a
``%`` in a quoted identifier used to raise (``a%`` / ``100%``) or swallow a parameter (``%s``). Every
MySQL template is rendered here with such names, formatted as the drivers do, and must come out with
each name and each value exactly where it was put.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pymysql.converters import escape_item

from themis.capture.sqlfiles import DIALECTS, render
from themis.paths import sql_dir

NAMES = ["p%ct", "a%sb", "d%%d", "b`t", "q'u\"o", "100%", "%(x)s"]
MYSQL = DIALECTS["mysql"]


def driver_format(sql: str, params: tuple[Any, ...]) -> str:
    """What ``cursor.execute(sql, params)`` sends with MySQLdb / PyMySQL (``format`` paramstyle)."""
    if not params:
        return sql  # both drivers skip formatting without parameters
    return sql % tuple(escape_item(p, "utf8mb4") for p in params)


def contexts(name: str) -> dict[str, dict[str, Any]]:
    """A context for every MySQL template, with ``name`` in every identifier and name value."""
    since, until = dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2)
    limits = {"schema": name, "table": name, "flavour": "mariadb", "timeout_ms": 2000}
    row = {"checksum": name, "fingerprint": name, "sample": name, "first_seen": since, "last_seen": until,
           name: name, "ts_min": since}
    return {
        **{t: {"schemas": [name, "other"]} for t in ("columns", "constraints", "foreign_keys", "indexes",
                                                  "partitions", "routines", "tables", "triggers", "views")},
        "explain": {"statement": f"SELECT `{name.replace('`', '``')}` FROM t", "format": "json",
                    "flavour": "mariadb", "timeout_seconds": 1.0},
        "sample_key_bounds": {**limits, "key": name},
        "sample_rows": {**limits, "columns": [name, "x" + name], "key": name, "ranges": [(0, 5), (5, 9)],
                        "per_range": 3, "limit": 6, "value_chars": 65},
        "sample_rows_first": {**limits, "columns": [name], "key": None, "ranges": None, "per_range": None,
                              "limit": 6, "value_chars": 65},
        "set_max_execution_time": {"milliseconds": 5000},
        "slowlog_create_database": {"db": name},
        "slowlog_history_create": {"db": name, "table": name, "columns": [(name, "INT")], "key": [name]},
        "slowlog_history_delete_window": {"db": name, "table": name, "since": since, "until": until},
        "slowlog_history_insert": {"db": name, "table": name, "columns": [name, "ts_min"], "row": row},
        "slowlog_pt_history_read": {"db": name, "table": name, "review_db": name, "review_table": name,
                                    "since": since, "until": until},
        "slowlog_review_create": {"db": name, "table": name, "columns": [(name, "TEXT")]},
        "slowlog_review_upsert": {"db": name, "table": name, "row": row},
        "slowlog_table_columns": {"db": name, "table": name},
        "slowlog_table_read": {"db": name, "table": name, "since": since, "until": until},
        "use_database": {"db": name},
    }


def test_every_mysql_template_has_a_context_here():
    """A new template must be added to :func:`contexts`, or this test would silently skip it."""
    templates = {p.stem for p in (sql_dir() / "mysql").glob("*.sql")
                 if not p.stem.startswith("_") and not p.stem.endswith("_macros")}
    parameterless = {"server_version", "session_out_of_slow_log", "select_max_execution_time",
                     "start_read_only_transaction", "slowlog_ps_digest", "slowlog_session_utc", "show_grants"}
    assert templates - parameterless <= set(contexts("x")), templates - parameterless - set(contexts("x"))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("template", sorted(contexts("x")))
def test_driver_formatting_leaves_names_and_values_intact(template, name):
    sql, params = render(f"mysql/{template.removesuffix('_first')}", **contexts(name)[template])
    sent = driver_format(sql, params)  # raised "not enough arguments" / "unsupported format" before
    if template != "set_max_execution_time":  # the only template without a name in it
        assert MYSQL.quote(name) in sent or escape_item(name, "utf8mb4") in sent  # an identifier or a bound name
    for value in params:
        assert escape_item(value, "utf8mb4") in sent
    if params:  # what the server gets is the template with every placeholder filled, nothing else
        assert sent.count("%") == sql.count("%%") + sum(str(escape_item(v, "utf8mb4")).count("%") for v in params)


def test_a_template_without_parameters_is_not_escaped():
    sql, params = render("mysql/use_database", db="d%b")
    assert params == () and sql == "USE `d%b`"


def test_oracle_named_binds_are_not_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "sql" / "oracle").mkdir(parents=True)
    (tmp_path / "sql" / "oracle" / "probe.sql").write_text(
        "SELECT {{ ident(name) }} FROM t WHERE owner = {{ bind(owner) }} AND x LIKE '%'")
    monkeypatch.setenv("THEMIS_INCLUDE_DIR", str(tmp_path))
    sql, params = render("oracle/probe", name="A%s", owner="O%")
    assert sql == "SELECT \"A%s\" FROM t WHERE owner = :b1 AND x LIKE '%'" and params == {"b1": "O%"}
