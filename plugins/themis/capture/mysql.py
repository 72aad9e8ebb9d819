"""Read a MySQL / MariaDB server's dictionary and plans into snapshot records.

This is the only module that talks to an audited MySQL server. It takes an open DB-API connection
(``MySqlHook(mysql_conn_id=...).get_conn()``: mysqlclient, PyMySQL or mysql-connector) and issues only
SELECT (information_schema), USE, ``START TRANSACTION READ ONLY``, SET SESSION max_execution_time
(MySQL), SHOW GRANTS and EXPLAIN, all rendered from ``include/sql/mysql/*.sql``. It works under a user
granted ``SELECT, SHOW VIEW, PROCESS``; the servers list routines, triggers and events only to holders
of further privileges, and what the user cannot see is recorded as ``obj.unavailable``
(``mysql_grants``), never taken for "none".

* :func:`server_info` -- version and flavour (``mariadb`` / ``mysql``).
* :func:`capture_objects` / :func:`iter_records` -- ``obj.*`` records, streamed from the server.
* :func:`explain` -- one ``sql.plan`` record (without checksum) for a statement; never raises for a bad
  statement.

Every record is plain JSON (``themis.records``): lower-case keys, no Decimal or datetime.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from themis.capture import plan
from themis.capture.base import UNAVAILABLE_OBJ, UNAVAILABLE_SQL, Capture, CaptureContext, Captured
from themis.capture.sqlfiles import render
from themis.records import plain_record, to_plain

Log = Callable[[str], None]
FETCH_SIZE = 1000

# Client/server error codes meaning the connection itself is gone: raised, so the task retries.
CONNECTION_LOST = frozenset({2006, 2013, 2055, 1927, 4031})
# The server refused to EXPLAIN the DML itself: read-only transaction / missing UPDATE|DELETE|INSERT grant.
DML_REFUSED = frozenset({1792, 1142, 1143})
# The EXPLAIN ran out of time (MariaDB max_statement_time, MySQL max_execution_time).
TIMED_OUT = frozenset({1969, 3024})


def _driver_errors() -> tuple[type[BaseException], ...]:
    """The DB-API ``Error`` classes of the MySQL drivers that are installed."""
    found: list[type[BaseException]] = []
    for module, attr in (("MySQLdb", "Error"), ("pymysql", "Error"), ("mysql.connector", "Error")):
        try:
            found.append(getattr(__import__(module, fromlist=[attr]), attr))
        except ImportError:
            continue
    return tuple(found)


DRIVER_ERRORS = _driver_errors()


# ----------------------------------------------------------------------------- running SQL


def dict_rows(cursor: Any, batch: Sequence[Any]) -> Iterator[dict[str, Any]]:
    """Rows as dicts whatever the cursor class (tuple cursors, DictCursor)."""
    names = [d[0] for d in cursor.description or ()]
    for row in batch:
        yield dict(row) if isinstance(row, Mapping) else dict(zip(names, row))


def _streaming_cursor(conn: Any) -> Any:
    """A server-side (unbuffered) cursor where the driver has one, so 100k-row reads stay small."""
    module = type(conn).__module__
    try:
        if module.startswith("MySQLdb"):
            import MySQLdb.cursors

            return conn.cursor(MySQLdb.cursors.SSCursor)
        if module.startswith("pymysql"):
            import pymysql.cursors

            return conn.cursor(pymysql.cursors.SSCursor)
    except ImportError:
        pass
    return conn.cursor()  # mysql-connector's default cursor is unbuffered already


def execute_template(cursor: Any, name: str, **context: Any) -> None:
    sql, params = render(name, **context)
    cursor.execute(sql, params or None)  # no params: a literal % stays literal


def _query(conn: Any, name: str, **context: Any) -> list[dict[str, Any]]:
    """A small query's rows (buffered cursor)."""
    cursor = conn.cursor()
    try:
        execute_template(cursor, name, **context)
        return list(dict_rows(cursor, cursor.fetchall()))
    finally:
        cursor.close()


def _stream(conn: Any, name: str, **context: Any) -> Iterator[dict[str, Any]]:
    """A large query's rows in batches of FETCH_SIZE, as plain records; consume it fully."""
    cursor = _streaming_cursor(conn)
    try:
        execute_template(cursor, name, **context)
        while batch := cursor.fetchmany(FETCH_SIZE):
            for row in dict_rows(cursor, batch):
                yield plain_record(row)
    finally:
        cursor.close()


# ----------------------------------------------------------------------------- server info

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def server_info(conn: Any) -> dict[str, Any]:
    """``{version, version_comment, flavour, major, minor, patch}`` of the server behind ``conn``."""
    row = _query(conn, "mysql/server_version")[0]
    version = str(to_plain(row["version"]))
    comment = str(to_plain(row.get("version_comment")) or "")
    flavour = "mariadb" if "mariadb" in f"{version} {comment}".lower() else "mysql"
    # MariaDB may report the 5.5.5- replication prefix ahead of its real version.
    match = _VERSION.search(re.sub(r"^5\.5\.5-", "", version))
    major, minor, patch = (int(g) if g else 0 for g in match.groups()) if match else (0, 0, 0)
    return {
        "version": version,
        "version_comment": comment,
        "flavour": flavour,
        "major": major,
        "minor": minor,
        "patch": patch,
    }


# ----------------------------------------------------------------------------- objects


def _tables(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        row["partitioned"] = "partitioned" in str(row.get("create_options") or "").lower()
        yield row


def _columns(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for row in rows:
        row["is_nullable"] = str(row.get("is_nullable")).upper() == "YES"
        row["data_type"] = str(row["data_type"]).lower() if row.get("data_type") is not None else None
        yield row


def _grouped(rows: Iterable[dict[str, Any]], *keys: str) -> Iterator[list[dict[str, Any]]]:
    """Consecutive rows with the same ``keys`` (the SQL orders them so)."""
    for _, group in itertools.groupby(rows, key=lambda row: tuple(row[k] for k in keys)):
        yield list(group)


def _indexes(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One record per index from STATISTICS' one row per index column."""
    for group in _grouped(rows, "schema", "table", "index"):
        first = group[0]
        yield {
            "schema": first["schema"],
            "table": first["table"],
            "index": first["index"],
            "is_primary": first["index"] == "PRIMARY",
            "unique": int(first["non_unique"] or 0) == 0,  # MySQL 8 may send it as text
            "index_type": first["index_type"],
            "comment": first["comment"],
            # STATISTICS gives the distinct values of each column prefix; the last is the whole index's.
            "cardinality": group[-1]["cardinality"],
            "columns": [
                {
                    "column": row["column"],
                    "seq": row["seq"],
                    "sub_part": row["sub_part"],
                    "collation": row["collation"],
                    "cardinality": row["cardinality"],
                    "nullable": str(row["nullable"] or "").upper() == "YES",
                }
                for row in group
            ],
        }


def _foreign_keys(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One record per foreign key from KEY_COLUMN_USAGE's one row per column."""
    for group in _grouped(rows, "schema", "table", "constraint"):
        first = group[0]
        yield {
            "schema": first["schema"],
            "table": first["table"],
            "constraint": first["constraint"],
            "columns": [row["column"] for row in group],
            "referenced_schema": first["referenced_schema"],
            "referenced_table": first["referenced_table"],
            "referenced_columns": [row["referenced_column"] for row in group],
            "update_rule": first["update_rule"],
            "delete_rule": first["delete_rule"],
        }


def _as_is(rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    return rows


#: kind -> (template, shaping of the streamed rows into records)
OBJECT_KINDS: dict[str, tuple[str, Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]]]] = {
    "obj.table": ("mysql/tables", _tables),
    "obj.column": ("mysql/columns", _columns),
    "obj.index": ("mysql/indexes", _indexes),
    "obj.constraint": ("mysql/constraints", _as_is),
    "obj.foreign_key": ("mysql/foreign_keys", _foreign_keys),
    "obj.routine": ("mysql/routines", _as_is),
    "obj.trigger": ("mysql/triggers", _as_is),
    "obj.view": ("mysql/views", _as_is),
    "obj.partition": ("mysql/partitions", _as_is),
}


def iter_records(conn: Any, kind: str, schemas: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Stream the ``kind`` records (see :data:`OBJECT_KINDS`) of ``schemas``; consume fully before
    running anything else on ``conn`` (the cursor is server-side)."""
    if kind not in OBJECT_KINDS:
        raise ValueError(f"unknown object kind {kind!r}; known: {', '.join(OBJECT_KINDS)}")
    if not schemas or not all(isinstance(s, str) and s for s in schemas):
        raise ValueError(f"schemas must be a non-empty list of schema names, got {schemas!r}")
    template, shape = OBJECT_KINDS[kind]
    return iter(shape(_stream(conn, template, schemas=list(schemas))))


def capture_objects(conn: Any, schemas: Sequence[str], *, log: Log | None = None) -> dict[str, list[dict[str, Any]]]:
    """All ``obj.*`` records of ``schemas``, by kind; ``log`` gets one progress line per query."""
    captured: dict[str, list[dict[str, Any]]] = {}
    for kind, (template, _) in OBJECT_KINDS.items():
        started = time.monotonic()
        captured[kind] = list(iter_records(conn, kind, schemas))
        if log is not None:
            log(f"{kind}: {len(captured[kind])} records from {template}.sql in {time.monotonic() - started:.2f} s")
    return captured


def invisible_kinds(conn: Any, schemas: Sequence[str], server: Mapping[str, Any],
                    captured: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``obj.unavailable`` records for what the dictionary hides from this user (see ``mysql_grants``)."""
    from themis.capture.mysql_grants import Grants, dictionary_gaps, unreadable_grants

    try:
        lines = [str(to_plain(next(iter(row.values())))) for row in _query(conn, "mysql/show_grants")]
    except DRIVER_ERRORS as exc:
        code, message = error_code_and_message(exc)
        if code in CONNECTION_LOST:
            raise
        return unreadable_grants(f"({code}) {message}")
    return dictionary_gaps(Grants.parse(lines), schemas, server, captured)


# ----------------------------------------------------------------------------- EXPLAIN


class _ExplainFailed(Exception):
    """One EXPLAIN attempt failed with a server error (message kept for the record)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message if code is None else f"({code}) {message}"


def error_code_and_message(exc: BaseException) -> tuple[int | None, str]:
    code = getattr(exc, "errno", None)
    args = getattr(exc, "args", ())
    if code is None and args and isinstance(args[0], int):
        code = args[0]
    message = getattr(exc, "msg", None) or (args[1] if len(args) > 1 else str(exc))
    return code, str(message)


def _server_error(exc: BaseException) -> _ExplainFailed:
    """A driver error as an EXPLAIN failure; a lost connection is re-raised (the task should retry)."""
    code, message = error_code_and_message(exc)
    if code in CONNECTION_LOST:
        raise exc
    return _ExplainFailed(code, message)


def _plan_record(db: str | None) -> dict[str, Any]:
    return {
        "db": db,
        "status": "failed",
        "error": None,
        "format": None,
        "explained_as": None,
        "explain_json": None,
        "traditional": None,
        "nodes": [],
    }


@contextlib.contextmanager
def _read_only(conn: Any, cursor: Any, server: Mapping[str, Any], timeout_ms: int) -> Iterator[None]:
    """A read-only transaction, always rolled back; on MySQL 5.7+ also the session's time limit,
    restored afterwards. A lost connection escapes; other errors while cleaning up do not."""
    previous_limit = None
    try:
        execute_template(cursor, "mysql/start_read_only_transaction")
        if _mysql_time_limits(server):
            execute_template(cursor, "mysql/select_max_execution_time")
            previous_limit = next(dict_rows(cursor, cursor.fetchall()))["max_execution_time"]
            execute_template(cursor, "mysql/set_max_execution_time", milliseconds=int(timeout_ms))
        yield
    finally:
        try:
            conn.rollback()
            if previous_limit is not None:
                execute_template(cursor, "mysql/set_max_execution_time", milliseconds=int(previous_limit))
        except DRIVER_ERRORS as exc:
            if error_code_and_message(exc)[0] in CONNECTION_LOST:
                raise


def _mysql_time_limits(server: Mapping[str, Any]) -> bool:
    """MySQL 5.7.8+ bounds SELECTs with max_execution_time (MariaDB uses SET STATEMENT instead)."""
    return server.get("flavour") == "mysql" and (server.get("major", 0), server.get("minor", 0)) >= (5, 7)


def _run_explain(conn: Any, statement: str, fmt: str, server: Mapping[str, Any], timeout_ms: int) -> list[dict[str, Any]]:
    """One EXPLAIN (``fmt``: json | traditional) under :func:`_read_only`; its rows, plain."""
    if _mysql_time_limits(server):
        statement = plan.with_select_hint(statement, f"MAX_EXECUTION_TIME({int(timeout_ms)})")
    cursor = conn.cursor()
    try:
        with _read_only(conn, cursor, server, timeout_ms):
            execute_template(
                cursor,
                "mysql/explain",
                statement=statement,
                format=fmt,
                flavour=server.get("flavour"),
                timeout_seconds=max(timeout_ms, 1) / 1000,
            )
            return [plain_record(row) for row in dict_rows(cursor, cursor.fetchall())]
    except DRIVER_ERRORS as exc:
        raise _server_error(exc) from exc
    finally:
        cursor.close()


def _json_plan(rows: list[dict[str, Any]]) -> dict[str, Any]:
    try:
        document = json.loads(to_plain(next(iter(rows[0].values()))))
    except (IndexError, StopIteration, TypeError, ValueError) as exc:
        raise _ExplainFailed(None, f"EXPLAIN FORMAT=JSON returned no JSON document ({exc})") from exc
    if not isinstance(document, dict):
        raise _ExplainFailed(None, "EXPLAIN FORMAT=JSON returned no JSON object")
    return document


def _json_nodes(
    conn: Any, statement: str, document: dict[str, Any], server: Mapping[str, Any], timeout_ms: int
) -> dict[str, Any]:
    """``nodes`` of a JSON plan; on MariaDB also ``traditional``, whose select types complete them."""
    nodes = plan.normalise_plan(document)
    if server.get("flavour") != "mariadb":
        return {"nodes": nodes, "traditional": None}
    try:
        rows = _run_explain(conn, statement, "traditional", server, timeout_ms)
    except _ExplainFailed:
        return {"nodes": nodes, "traditional": None}
    return {"nodes": plan.merge_select_types(nodes, rows), "traditional": rows}


def _use_database(conn: Any, db: str) -> None:
    cursor = conn.cursor()
    try:
        execute_template(cursor, "mysql/use_database", db=db)
    except DRIVER_ERRORS as exc:
        raise _server_error(exc) from exc
    finally:
        cursor.close()


def explain(
    conn: Any,
    sql: str,
    *,
    db: str | None,
    timeout_ms: int = 5000,
    server: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``sql.plan`` record for ``sql`` (without checksum); never raises for a bad statement.

    ``{db, status: explained|failed|skipped, error, format: json|traditional|None,
    explained_as: statement|select|None, explain_json, traditional, nodes}``.

    The text is cut to one explainable statement (:func:`plan.explainable_statement`; otherwise
    ``skipped`` with the reason). EXPLAIN FORMAT=JSON is tried first, then classic EXPLAIN, each inside
    ``START TRANSACTION READ ONLY`` ... ROLLBACK and bounded by ``timeout_ms``. When the server will not
    EXPLAIN an UPDATE/DELETE/INSERT itself (MariaDB refuses DML EXPLAIN in a read-only transaction; a
    read-only user lacks the grant), the SELECT reading the same rows is explained instead and
    ``explained_as`` says ``select``; a refused INSERT ... VALUES reads no table and is ``skipped``.
    ``error`` holds the server's message when nothing could be explained, or why JSON failed when
    only the classic format worked. A timeout is not retried. On MariaDB the classic EXPLAIN is also
    kept next to a JSON plan (``traditional``): it alone tells dependent and uncacheable subqueries.

    Side effects on ``conn``: the default database becomes ``db``; an open transaction is committed by
    START TRANSACTION (use a connection dedicated to capture). ``server`` is :func:`server_info`'s
    result, to save a round trip per statement.
    """
    record = _plan_record(db)
    statement, reason = plan.explainable_statement(sql)
    if statement is None:
        record.update(status="skipped", error=reason)
        return record
    server = server or server_info(conn)
    try:
        if db:
            _use_database(conn, db)
    except _ExplainFailed as failure:
        record["error"] = failure.message
        return record
    candidates = [("statement", statement)]
    rewritten = plan.select_equivalent(statement)
    if rewritten:
        candidates.append(("select", rewritten))
    failures: list[_ExplainFailed] = []
    for fmt in ("json", "traditional"):
        for explained_as, text in candidates:
            if explained_as == "select" and failures and failures[-1].code not in DML_REFUSED:
                continue  # the DML failed for its own reasons: its SELECT twin would hide them
            try:
                rows = _run_explain(conn, text, fmt, server, timeout_ms)
                document = _json_plan(rows) if fmt == "json" else None
            except _ExplainFailed as failure:
                failures.append(failure)
                if failure.code in TIMED_OUT:
                    record["error"] = failure.message
                    return record
                continue
            record.update(
                status="explained",
                error=failures[0].message if fmt == "traditional" and failures else None,
                format=fmt,
                explained_as=explained_as,
                explain_json=document,
            )
            if document is None:
                record.update(traditional=rows, nodes=plan.normalise_traditional(rows))
            else:
                record.update(_json_nodes(conn, text, document, server, timeout_ms))
            return to_plain(record)
    record["error"] = failures[0].message if failures else "EXPLAIN failed"
    if not rewritten and failures and all(f.code in DML_REFUSED for f in failures):
        # INSERT ... VALUES under a read-only transaction or grant: it reads no table, nothing to plan.
        record.update(status="skipped", error=f"{record['error']}; the statement reads no table to explain instead")
    return record


# ----------------------------------------------------------------------------- the capture


def statement_record(digest_class: dict[str, Any]) -> dict[str, Any]:
    """A digest class as a ``sql.statement`` record, with the derived figures the rules use."""
    stats = {k: v for k, v in digest_class.items() if k not in ("checksum", "fingerprint", "sample")}
    count = digest_class.get("query_count") or digest_class.get("ts_cnt") or 0
    stats["executions"] = count
    if count:
        stats["query_time_avg"] = round((digest_class.get("Query_time_sum") or 0) / count, 6)
        stats["rows_sent_avg"] = round((digest_class.get("Rows_sent_sum") or 0) / count, 3)
    sent = digest_class.get("Rows_sent_sum") or 0
    examined = digest_class.get("Rows_examined_sum")
    stats["index_ratio"] = round(examined / sent, 2) if examined is not None and sent else None
    return {"checksum": digest_class["checksum"], "fingerprint": digest_class.get("fingerprint"),
            "sample": digest_class.get("sample"), "db": digest_class.get("db_max"), "stats": stats}


class MySqlCapture(Capture):
    """information_schema, bounded value samples, the slow-log digest and EXPLAIN (MySQL, MariaDB)."""

    db_type = "mysql"
    has_slowlog = True
    object_kinds = (*OBJECT_KINDS, "obj.column_sample", UNAVAILABLE_OBJ)

    def objects(self, ctx: CaptureContext) -> Captured:
        """The dictionary of the schemas, with the bounded column samples COLUMN_WRONG_TYPE judges: as many
        rows per table as that rule's effective ``num_row``, none when the rule is switched off."""
        from themis.capture.sampling import KIND as SAMPLE_KIND, sample_columns
        from themis.connections import mysql_connection

        params = ctx.rule_params("COLUMN_WRONG_TYPE")
        sample_rows = int(params["num_row"]) if params else 0
        with mysql_connection(ctx.instance.conn_id) as conn:
            server = server_info(conn)
            records = capture_objects(conn, ctx.schemas, log=ctx.log)
            records[SAMPLE_KIND] = sample_columns(conn, records, rows=sample_rows, server=server,
                                                  timeout_ms=ctx.instance.capture.sample_timeout_ms, log=ctx.log)
            records[UNAVAILABLE_OBJ] = invisible_kinds(conn, ctx.schemas, server, records)
        for gap in records[UNAVAILABLE_OBJ]:
            ctx.log(f"{gap['kind']} not fully visible: {gap['reason']}; fix: {gap['fix']}")
        return Captured(records, {"schemas": ctx.schemas, "server": server, "server_version": server.get("version"),
                                  "unavailable": sorted(gap["kind"] for gap in records[UNAVAILABLE_OBJ])})

    def statements(self, ctx: CaptureContext) -> Captured:
        """The window's top statements (by total query time) with their statistics and EXPLAIN plans."""
        from themis.connections import mysql_connection

        settings = ctx.instance.capture
        schemas = set(ctx.schemas)
        classes = [c for c in ctx.read("slowlog.digest") if c.get("db_max") in schemas or not c.get("db_max")]
        classes.sort(key=lambda c: c.get("Query_time_sum") or 0, reverse=True)
        statements = [statement_record(c) for c in classes[: settings.text_limit]]
        plans: list[dict[str, Any]] = []
        if statements:
            with mysql_connection(ctx.instance.conn_id) as conn:
                server = server_info(conn)  # once: explain() adapts its time limits and JSON reading to it
                ctx.log(f"capture_other: explaining on {server['flavour']} {server['version']}")
                for number, statement in enumerate(statements[: settings.top_n], start=1):
                    plan_record = explain(conn, statement["sample"] or "", db=statement["db"] or ctx.schemas[0],
                                          timeout_ms=settings.explain_timeout_ms, server=server)
                    plans.append({"checksum": statement["checksum"], **plan_record})
                    if number % 20 == 0:
                        ctx.log(f"capture_other: explained {number}/{min(len(statements), settings.top_n)} "
                                "statements")
        outcome = {status: sum(1 for p in plans if p.get("status") == status)
                   for status in ("explained", "failed", "skipped")}
        return Captured({"sql.statement": statements, "sql.plan": plans, UNAVAILABLE_SQL: []},
                        {"statements": len(statements), "plans": outcome})
