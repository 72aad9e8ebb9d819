"""Bounded, read-only samples of column values (``obj.column_sample``) for COLUMN_WRONG_TYPE.

Whether a VARCHAR really holds dates can only be told from its data. The original sampled with one
cursor per table but, for a big table without an integer key, executed nothing and re-read the
previous table's rows (the stale cursor behind issue #5). Here every table gets its own statement,
cursor and records, and a table whose statement fails gets records saying so, never another table's
values.

* Which columns: CHAR/VARCHAR (text that may hold dates or numbers) and INT/BIGINT (which may hold
  YYYYMMDD dates) of base tables, not generated or auto-increment ones, in local storage engines
  (a FEDERATED/CONNECT/SPIDER/S3 table would read another server or a bucket).
* How: one SELECT per table (``sample_rows.sql``): ``rows`` rows spread over eight ranges of the primary
  key when it is a single integer column and the table is bigger than the sample (its two ends read
  first by ``sample_key_bounds.sql``), else the first ``rows`` rows. Values are cut to VALUE_CHARS
  characters by the server; each statement is bounded by LIMIT, a time limit and a lock-wait limit.
* What is kept: per column up to MAX_VALUES distinct non-blank values as strings, the rows read, the
  method and the error if any. Only SELECTs are issued.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from themis.capture.mysql import CONNECTION_LOST, DRIVER_ERRORS, TIMED_OUT, error_code_and_message, execute_template, dict_rows
from themis.records import to_plain

Log = Callable[[str], None]
KIND = "obj.column_sample"
TEXT_TYPES = frozenset({"char", "varchar"})
NUMBER_TYPES = frozenset({"int", "bigint"})  # the integer types wide enough for YYYYMMDD
INTEGER_KEY_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "bigint"})
TABLE_TYPES = frozenset({"BASE TABLE", "SYSTEM VERSIONED"})
REMOTE_ENGINES = frozenset({"FEDERATED", "FEDERATEDX", "CONNECT", "SPIDER", "S3", "BLACKHOLE"})
MAX_VALUES = 200
VALUE_CHARS = 64
RANGES = 8
DEFAULT_TIMEOUT_MS = 2000
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class TablePlan:
    """What to sample in one table; ``key`` is set when the sample is spread over the key range."""

    schema: str
    table: str
    columns: tuple[str, ...]
    key: str | None = None


# ----------------------------------------------------------------------------- planning (pure)


def _candidate(column: Mapping[str, Any]) -> bool:
    extra = str(column.get("extra") or "").upper()
    if "GENERATED" in extra or "AUTO_INCREMENT" in extra:
        return False
    return str(column.get("data_type") or "").lower() in TEXT_TYPES | NUMBER_TYPES


def _integer_keys(captured: Mapping[str, list[dict[str, Any]]]) -> dict[tuple[str, str], str]:
    """(schema, table) -> the primary key's column, for single-column integer primary keys."""
    types = {(c["schema"], c["table"], c["column"]): str(c.get("data_type") or "").lower()
             for c in captured.get("obj.column", [])}
    keys = {}
    for index in captured.get("obj.index", []):
        columns = index.get("columns") or []
        if index.get("is_primary") and len(columns) == 1 \
                and types.get((index["schema"], index["table"], columns[0]["column"])) in INTEGER_KEY_TYPES:
            keys[(index["schema"], index["table"])] = columns[0]["column"]
    return keys


def plan_samples(captured: Mapping[str, list[dict[str, Any]]], rows: int) -> list[TablePlan]:
    """The tables to sample and how, from ``capture_objects``' records; empty when ``rows`` < 1."""
    if rows < 1:
        return []
    columns: dict[tuple[str, str], list[str]] = {}
    for column in captured.get("obj.column", []):
        if _candidate(column):
            columns.setdefault((column["schema"], column["table"]), []).append(column["column"])
    keys = _integer_keys(captured)
    plans = []
    for table in captured.get("obj.table", []):
        where = (table["schema"], table["table"])
        if (table.get("table_type") not in TABLE_TYPES or str(table.get("engine") or "").upper() in REMOTE_ENGINES
                or not columns.get(where)):
            continue
        spread = where in keys and int(table.get("table_rows") or 0) > rows
        plans.append(TablePlan(*where, tuple(columns[where]), keys[where] if spread else None))
    return plans


def key_ranges(lo: int, hi: int, parts: int = RANGES) -> list[tuple[int, int]]:
    """``parts`` half-open ranges [a, b) covering lo..hi (fewer when the span is shorter)."""
    span = hi - lo + 1
    parts = max(1, min(parts, span))
    edges = [lo + span * i // parts for i in range(parts + 1)]
    return list(zip(edges, edges[1:]))


def column_records(plan: TablePlan, rows: Sequence[Sequence[Any]], method: str | None,
                   error: str | None = None) -> list[dict[str, Any]]:
    """One record per sampled column from the rows of *this* table's statement (positional values)."""
    records = []
    for position, column in enumerate(plan.columns):
        values: dict[str, None] = {}
        for row in rows:
            value = to_plain(row[position])
            text = "" if value is None else str(value)
            if text.strip() and len(values) < MAX_VALUES:
                values.setdefault(text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS] + "…", None)
        records.append({"schema": plan.schema, "table": plan.table, "column": column, "method": method,
                        "rows_sampled": len(rows), "values": list(values),
                        "values_capped": len(values) >= MAX_VALUES, "error": error})
    return records


# ----------------------------------------------------------------------------- running (I/O)


def _fetch(conn: Any, name: str, **context: Any) -> list[list[Any]]:
    """One statement on its own cursor, fully read and closed: nothing can be read twice."""
    cursor = conn.cursor()
    try:
        execute_template(cursor, name, **context)
        return [list(row.values()) for row in dict_rows(cursor, cursor.fetchall())]
    finally:
        cursor.close()


def sample_table(conn: Any, plan: TablePlan, *, rows: int, flavour: str, timeout_ms: int) -> list[dict[str, Any]]:
    """The column records of one table; a server error (time limit, privilege) becomes the records'
    ``error``, a lost connection is raised (the task retries)."""
    limits = {"schema": plan.schema, "table": plan.table, "flavour": flavour, "timeout_ms": timeout_ms}
    try:
        ranges = None
        if plan.key:
            (lo, hi), = _fetch(conn, "mysql/sample_key_bounds", key=plan.key, **limits)
            ranges = key_ranges(int(lo), int(hi)) if lo is not None else None
        fetched = _fetch(conn, "mysql/sample_rows", columns=list(plan.columns), key=plan.key, ranges=ranges,
                         per_range=math.ceil(rows / len(ranges)) if ranges else None, limit=rows,
                         value_chars=VALUE_CHARS + 1, **limits)
    except DRIVER_ERRORS as exc:
        code, message = error_code_and_message(exc)
        if code in CONNECTION_LOST:
            raise
        reason = f"time limit of {timeout_ms} ms reached" if code in TIMED_OUT else f"({code}) {message}"
        return column_records(plan, [], None, error=reason)
    return column_records(plan, fetched, "key_ranges" if ranges else "first_rows")


def sample_columns(conn: Any, captured: Mapping[str, list[dict[str, Any]]], *, rows: int, server: Mapping[str, Any],
                   timeout_ms: int = DEFAULT_TIMEOUT_MS, log: Log | None = None) -> list[dict[str, Any]]:
    """``obj.column_sample`` records of every table :func:`plan_samples` picks from ``captured``.

    ``rows`` bounds the rows read per table (0 switches sampling off); ``server`` is
    ``capture.mysql.server_info``'s result (the time-limit syntax differs between MariaDB and MySQL).
    """
    plans = plan_samples(captured, rows)
    started, records, failed = time.monotonic(), [], 0
    for number, plan in enumerate(plans, start=1):
        table_records = sample_table(conn, plan, rows=rows, flavour=str(server.get("flavour")), timeout_ms=timeout_ms)
        failed += bool(table_records and table_records[0]["error"])
        records.extend(table_records)
        if log is not None and number % PROGRESS_EVERY == 0:
            log(f"{KIND}: sampled {number}/{len(plans)} tables")
    if log is not None:
        log(f"{KIND}: {len(records)} columns of {len(plans)} tables (up to {rows} rows each, {failed} tables "
            f"failed) in {time.monotonic() - started:.2f} s")
    return records

