"""The live door: an Oracle database through Airflow's ``OracleHook`` (python-oracledb).

Thin mode by default; thick mode (needed for 11g) when the connection's extra says
``"thick_mode": true`` — the hook owns that and the other extras, we never read ``extra_dejson``.
Every value is a bind variable, every call has a time limit (``call_timeout``), and the session
only ever runs the SELECTs of ``include/sql/oracle`` (no DBMS_SQLTUNE, no DDL, no PL/SQL).
Bad credentials (ORA-01017, ORA-28000 locked, ORA-28001 expired) fail the task at once; a network
error (ORA-12541, ORA-12170, ORA-03113, ...) is raised as is, so the task's retries take it.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Iterator

from themis.capture.oracle.door import Door, plain_row, version_major
from themis.capture.sqlfiles import render

log = logging.getLogger(__name__)

FETCH_SIZE = 2000
#: errors that no retry can fix: the task fails at once
AUTH_ERRORS = ("ORA-01017", "ORA-28000", "ORA-28001", "ORA-01045", "ORA-01005")
#: the network or the instance is away: the task's retries (with backoff) take these
TRANSIENT_ERRORS = ("ORA-12541", "ORA-12170", "ORA-03113", "ORA-03114", "ORA-12514", "ORA-12537",
                    "ORA-12543", "ORA-03135", "ORA-01033", "ORA-01034", "ORA-01089", "DPY-6005", "DPY-4011")


class OracleAuthError(RuntimeError):
    """Authentication failed; not worth a retry (``connections.is_auth_error`` recognises it)."""


def _lob_as_text(cursor: Any, metadata: Any) -> Any:
    """CLOBs (SQL texts) as strings in full, not LOB locators that need a round trip each; NUMBERs exact."""
    import oracledb

    if metadata.type_code in (oracledb.DB_TYPE_CLOB, oracledb.DB_TYPE_NCLOB):
        return cursor.var(oracledb.DB_TYPE_LONG, arraysize=cursor.arraysize)
    if metadata.type_code is oracledb.DB_TYPE_NUMBER:
        # exact (Decimal), so 20-digit signatures are not rounded through a float
        import decimal

        return cursor.var(decimal.Decimal, arraysize=cursor.arraysize)
    return None


class LiveDoor(Door):
    """Capture SQL sent to a live database over a python-oracledb connection."""

    name = "live"

    def __init__(self, conn: Any, *, call_timeout_ms: int = 600000, conn_id: str = "-",
                 log_line: Callable[[str], None] | None = None) -> None:
        self._conn = conn
        self.conn_id = conn_id
        self._log = log_line or log.info
        conn.call_timeout = int(call_timeout_ms)
        self._database: dict[str, Any] | None = None

    @classmethod
    def connect(cls, conn_id: str, *, call_timeout_ms: int = 600000,
                log_line: Callable[[str], None] | None = None) -> "LiveDoor":
        """Open the Airflow connection ``conn_id`` with ``OracleHook``; credentials never logged."""
        from airflow.providers.oracle.hooks.oracle import OracleHook

        try:
            conn = OracleHook(oracle_conn_id=conn_id).get_conn()
        except Exception as exc:
            raise classify(exc, conn_id) from exc
        return cls(conn, call_timeout_ms=call_timeout_ms, conn_id=conn_id, log_line=log_line)

    def rows(self, template: str, **context: Any) -> Iterator[dict[str, Any]]:
        sql, params = render(f"oracle/{template}", **context)
        cursor = self._conn.cursor()
        cursor.arraysize = FETCH_SIZE
        cursor.prefetchrows = FETCH_SIZE + 1
        cursor.outputtypehandler = _lob_as_text
        started = time.monotonic()
        count = 0
        try:
            cursor.execute(sql, params or {})
            names = [d[0].lower() for d in cursor.description or ()]
            while batch := cursor.fetchmany(FETCH_SIZE):
                for row in batch:
                    count += 1
                    yield plain_row(names, row)
        except Exception as exc:
            raise classify(exc, self.conn_id, template) from exc
        finally:
            cursor.close()
        self._log(f"oracle/{template}.sql: {count} rows in {time.monotonic() - started:.2f} s")

    def database(self) -> dict[str, Any]:
        if self._database is None:
            row = next(self.rows("database"), None) or {}
            self._database = {**row, "version_major": version_major(row.get("version")), "db_timezone": None,
                              "instance_numbers": [row.get("instance_number")], "source": None}
        return self._database

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # closing a broken connection must not hide the task's real error
            pass


def classify(exc: BaseException, conn_id: str, template: str | None = None) -> BaseException:
    """An oracledb error as what the task should do with it: fail at once, or retry."""
    text = str(exc)
    if any(code in text for code in AUTH_ERRORS):
        return OracleAuthError(f"authentication failed for connection '{conn_id}': {text.splitlines()[0]}")
    where = f" (oracle/{template}.sql)" if template else ""
    if any(code in text for code in TRANSIENT_ERRORS):
        return ConnectionError(f"Oracle connection '{conn_id}' unavailable{where}: {text.splitlines()[0]}")
    return RuntimeError(f"Oracle capture query failed{where}: {text.splitlines()[0] if text else type(exc).__name__}")
