"""The slow-log engine's database side: every read and write through a MySQL connection.

Sources (``SlowlogSource.source``):

* ``table``: the ``mysql.slow_log`` table a server writes with ``log_output=TABLE``;
* ``performance_schema``: ``events_statements_summary_by_digest`` snapshots (digested as the
  difference between two runs, see ``tables.classes_from_ps_digest``);
* ``pt_history``: the ``--history`` (and ``--review``) tables of an existing pt-query-digest setup.

Outputs: pt-compatible ``--review`` and ``--history`` tables, so Anemometer- and Archery-style tools
and pt itself read what we write. Every statement is a template in ``include/sql/mysql/slowlog_*.sql``
(identifiers quoted, values bound). The history rows of a window are replaced in one transaction.
Connections come from the caller (``themis.connections.mysql_connection``); nothing here decides
which server or credentials to use.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Any, Iterator, Sequence

from themis.capture.sqlfiles import render
from themis.slowlog.parser import SlowEvent, _USER_HOST, _decode_name
from themis.slowlog.tables import (
    HISTORY_COLUMNS, HISTORY_KEY, REVIEW_COLUMNS, history_row, ps_snapshot_rows, review_row, split_table,
)

__all__ = ["slow_log_table_events", "ps_digest_snapshot", "pt_history_rows", "write_review", "write_history"]

log = logging.getLogger("themis.slowlog")

UTC = dt.timezone.utc
_BATCH = 500


def _naive_utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _execute(cursor: Any, name: str, **context: Any) -> None:
    sql, params = render(f"mysql/{name}", **context)
    cursor.execute(sql, params or None)


def _rows(cursor: Any) -> Iterator[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    while True:
        batch = cursor.fetchmany(_BATCH)
        if not batch:
            return
        for values in batch:
            yield dict(zip(names, values))


def _streaming_cursor(conn: Any) -> Any:
    """An unbuffered cursor where the driver has one (a slow-log table can be large)."""
    try:
        import MySQLdb.cursors

        if isinstance(conn, MySQLdb.connections.Connection):
            return conn.cursor(MySQLdb.cursors.SSCursor)
    except ImportError:  # pragma: no cover - another driver
        pass
    return conn.cursor()


def _utc_session(conn: Any) -> None:
    cursor = conn.cursor()
    try:
        _execute(cursor, "slowlog_session_utc")
    finally:
        cursor.close()


# ---------------------------------------------------------------------------------- sources


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return float(value)


def slow_log_table_events(conn: Any, table: str, *, since: dt.datetime | None,
                          until: dt.datetime | None) -> Iterator[SlowEvent]:
    """The window's entries of a ``log_output=TABLE`` slow log as events (server-side filtered)."""
    db, name = split_table(table)
    _utc_session(conn)
    cursor = _streaming_cursor(conn)
    try:
        _execute(cursor, "slowlog_table_read", db=db, table=name, since=_naive_utc(since), until=_naive_utc(until))
        for number, row in enumerate(_rows(cursor)):
            row = {k.lower(): v for k, v in row.items()}
            text = row.get("sql_text")
            raw = text if isinstance(text, bytes) else (text or "").encode("utf-8", "surrogateescape")
            query = raw.decode("utf-8", "surrogateescape")
            start = row.get("start_time")
            ts = start.replace(tzinfo=UTC) if isinstance(start, dt.datetime) else None
            user = host = None
            user_host = row.get("user_host")
            if isinstance(user_host, bytes):
                user_host = user_host.decode("utf-8", "replace")
            if user_host:
                found = _USER_HOST.match(b"# User@Host: " + user_host.encode("utf-8", "replace"))
                if found is not None:
                    user, host_name, ip, _ = found.groups()
                    user, host = _decode_name(user), _decode_name(host_name or ip)
            attrs: dict[str, float | int | bool] = {}
            for column, attr in (("query_time", "Query_time"), ("lock_time", "Lock_time")):
                seconds = _seconds(row.get(column))
                if seconds is not None:
                    attrs[attr] = seconds
            for column, attr in (("rows_sent", "Rows_sent"), ("rows_examined", "Rows_examined"),
                                 ("rows_affected", "Rows_affected")):
                if row.get(column) is not None:
                    attrs[attr] = int(row[column])
            attrs["Query_length"] = len(raw)
            db_name = row.get("db")
            if isinstance(db_name, bytes):
                db_name = db_name.decode("utf-8", "replace")
            yield SlowEvent(ts, number, db_name or None, user, host, query, attrs)
    finally:
        cursor.close()


def ps_digest_snapshot(conn: Any) -> list[dict[str, Any]]:
    """``events_statements_summary_by_digest`` now, as plain records (see ``tables.ps_snapshot_rows``)."""
    _utc_session(conn)
    cursor = conn.cursor()
    try:
        _execute(cursor, "slowlog_ps_digest")
        return ps_snapshot_rows(_rows(cursor))
    finally:
        cursor.close()


def table_columns(conn: Any, table: str) -> list[str]:
    """The columns of ``db.table`` (empty when it does not exist)."""
    db, name = split_table(table)
    cursor = conn.cursor()
    try:
        _execute(cursor, "slowlog_table_columns", db=db, table=name)
        return [row["name"].decode() if isinstance(row["name"], bytes) else row["name"] for row in _rows(cursor)]
    finally:
        cursor.close()


def pt_history_rows(conn: Any, history_table: str, review_table: str | None, *, since: dt.datetime,
                    until: dt.datetime) -> list[dict[str, Any]]:
    """Rows of an existing pt ``--history`` table for the window, with the ``--review`` fingerprint."""
    db, name = split_table(history_table)
    if not table_columns(conn, history_table):
        raise LookupError(f"pt history table {history_table} does not exist")
    review_db = review_name = None
    if review_table and table_columns(conn, review_table):
        review_db, review_name = split_table(review_table)
    _utc_session(conn)
    cursor = conn.cursor()
    try:
        _execute(cursor, "slowlog_pt_history_read", db=db, table=name, review_db=review_db, review_table=review_name,
                 since=_naive_utc(since), until=_naive_utc(until))
        return list(_rows(cursor))
    finally:
        cursor.close()


# ---------------------------------------------------------------------------------- outputs


@contextlib.contextmanager
def _transaction(conn: Any) -> Iterator[Any]:
    """A cursor whose writes are committed as a whole, or rolled back on any error (even a kill
    signal's exception): no autocommit on this connection."""
    setter = getattr(conn, "autocommit", None)
    if callable(setter):
        setter(False)
    cursor = conn.cursor()
    try:
        yield cursor
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        cursor.close()


def _prepare(conn: Any, table: str, ddl: str, columns: list[tuple[str, str]], *, create: bool,
             key: Sequence[str] = ()) -> list[str]:
    existing = table_columns(conn, table)
    if existing:
        return existing
    if not create:
        raise LookupError(f"table {table} does not exist (and the output may not create it)")
    db, name = split_table(table)
    cursor = conn.cursor()
    try:
        _execute(cursor, "slowlog_create_database", db=db)
        _execute(cursor, ddl, db=db, table=name, columns=columns, key=list(key))
    finally:
        cursor.close()
    return table_columns(conn, table)


def write_review(conn: Any, table: str, classes: list[dict[str, Any]], *, create: bool = True) -> int:
    """Upsert every class into a pt ``--review`` table; idempotent. Returns the rows written."""
    columns = _prepare(conn, table, "slowlog_review_create", REVIEW_COLUMNS, create=create)
    missing = {"checksum", "fingerprint", "sample", "first_seen", "last_seen"} - set(columns)
    if missing:
        raise LookupError(f"review table {table} lacks the column(s) {sorted(missing)}")
    db, name = split_table(table)
    with _transaction(conn) as cursor:
        sql = None
        params = []
        for cls in classes:
            sql, values = render("mysql/slowlog_review_upsert", db=db, table=name, row=review_row(cls))
            params.append(values)
        if sql is not None:
            for start in range(0, len(params), _BATCH):
                cursor.executemany(sql, params[start:start + _BATCH])
    return len(classes)


def write_history(conn: Any, table: str, classes: list[dict[str, Any]], *, since: dt.datetime, until: dt.datetime,
                  create: bool = True, fault: Any = None) -> int:
    """Replace the window's rows of a pt ``--history`` table with ``classes``, in one transaction.

    Classes without a time (they cannot be in a bounded window) are not written. ``fault`` is a test
    hook called half-way through the inserts (the crash tests kill the process there).
    """
    columns = _prepare(conn, table, "slowlog_history_create", HISTORY_COLUMNS, create=create, key=HISTORY_KEY)
    missing = {"checksum", "sample", "ts_min", "ts_max"} - set(columns)
    if missing:
        raise LookupError(f"history table {table} lacks the column(s) {sorted(missing)}")
    db, name = split_table(table)
    rows = [history_row(cls, columns) for cls in classes if cls.get("ts_min") and cls.get("ts_max")]
    _utc_session(conn)
    with _transaction(conn) as cursor:
        _execute(cursor, "slowlog_history_delete_window", db=db, table=name, since=_naive_utc(since),
                 until=_naive_utc(until))
        half = len(rows) // 2
        for start in range(0, len(rows), _BATCH):
            part = rows[start:start + _BATCH]
            sql, _ = render("mysql/slowlog_history_insert", db=db, table=name, columns=columns, row=part[0])
            cursor.executemany(sql, [tuple(row[c] for c in columns) for row in part])
            if fault is not None and start <= half < start + _BATCH:
                fault()
    return len(rows)
