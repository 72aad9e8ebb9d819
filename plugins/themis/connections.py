"""Opening audited databases through Airflow connections, failing fast on bad credentials.

Credentials only ever come from Airflow connections (``AIRFLOW_CONN_*``, a secrets backend or
the UI) and are never logged. An account that cannot log in does not get better by retrying (each
retry is one more failed login against it), so authentication errors become ``AirflowFailException``
(no retry) while network errors keep the task's retries with exponential backoff: a wrong password
or a denied database, a locked account, an expired password and an authentication plugin the client
cannot use, on MySQL, MariaDB and Oracle alike.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

AUTH_ERROR_CODES = frozenset({
    1045, 1044, 1698,  # access denied (user / database / socket auth)
    4151, 3118,        # account locked (MariaDB / MySQL)
    1820, 1862,        # password expired: at the first statement (sandbox mode) / at login
    1251, 2059,        # authentication protocol or plugin the client cannot use
})
AUTH_ERROR_MARKERS = (
    "ORA-01017",  # invalid username/password
    "ORA-28000",  # account locked
    "ORA-28001",  # password expired
    "ORA-01045",  # no CREATE SESSION privilege
)


def is_auth_error(exc: BaseException) -> bool:
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], int) and args[0] in AUTH_ERROR_CODES:
        return True
    if getattr(exc, "errno", None) in AUTH_ERROR_CODES:
        return True
    text = str(exc)
    return any(marker in text for marker in AUTH_ERROR_MARKERS)


@contextlib.contextmanager
def fail_fast_on_auth(conn_id: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if is_auth_error(exc):
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(
                f"authentication failed for connection '{conn_id}' ({type(exc).__name__}: {exc}); "
                "not retrying: fix the connection's login or password") from exc
        raise


@contextlib.contextmanager
def mysql_connection(conn_id: str) -> Iterator[Any]:
    """A DB-API connection from ``MySqlHook``, closed afterwards.

    An expired password lets the client log in and fails its first real statement (1820), so
    authentication errors fail fast during the whole session, not only at login.
    """
    from airflow.providers.mysql.hooks.mysql import MySqlHook

    with fail_fast_on_auth(conn_id):
        conn = MySqlHook(mysql_conn_id=conn_id).get_conn()
    keep_out_of_slow_log(conn)
    try:
        with fail_fast_on_auth(conn_id):
            yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def keep_out_of_slow_log(conn: Any) -> None:
    """Raise this session's long_query_time so the audit's own dictionary reads and EXPLAINs do not
    land in the slow log that ``ingest_slowlog`` digests (a session variable: no privilege needed)."""
    from themis.capture.sqlfiles import render

    sql, _ = render("mysql/session_out_of_slow_log")
    with contextlib.suppress(Exception):
        cursor = conn.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()
