"""A scripted python-oracledb connection for the live door's tests (no Oracle server runs here).

It answers the SQL the live door sends exactly as sent — Oracle dialect, ``:bN`` binds — by
transpiling it with sqlglot and running it on an export loaded in DuckDB, so the live path is
exercised end to end on realistic rows. It records every statement and its binds, and can be told
to fail: at connect time or on a statement, with an ``ORA-nnnnn`` message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from themis.capture.oracle.export import ExportDoor, read_manifest


class ScriptedError(Exception):
    """Stands in for ``oracledb.DatabaseError`` (its message starts with the ORA code)."""


@dataclass
class Script:
    export_dir: Path
    fail_on: dict[str, str] = field(default_factory=dict)  # SQL fragment -> error message
    executed: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    call_timeouts: list[int] = field(default_factory=list)


class ScriptedCursor:
    def __init__(self, connection: "ScriptedConnection") -> None:
        self.connection = connection
        self.arraysize = 100
        self.prefetchrows = 2
        self.outputtypehandler = None
        self.description: list[tuple[Any, ...]] | None = None
        self._rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        script = self.connection.script
        script.executed.append((sql, dict(params or {})))
        for fragment, message in script.fail_on.items():
            if fragment in sql:
                raise ScriptedError(message)
        door = self.connection.door
        duck_sql, views = door.transpile(sql)
        door._ensure_loaded(views)
        cursor = door._conn.cursor()
        cursor.execute(duck_sql, params or None)
        self.description = [(name.upper(), None) for name, *_ in cursor.description]
        self._rows = cursor.fetchall()
        cursor.close()

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        size = size or self.arraysize
        batch, self._rows = self._rows[:size], self._rows[size:]
        return batch

    def close(self) -> None:
        self._rows = []


class ScriptedConnection:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.door = ExportDoor(read_manifest(script.export_dir), log_line=lambda line: None)
        self._call_timeout = 0
        self.closed = False

    @property
    def call_timeout(self) -> int:
        return self._call_timeout

    @call_timeout.setter
    def call_timeout(self, value: int) -> None:
        self._call_timeout = value
        self.script.call_timeouts.append(value)

    def cursor(self) -> ScriptedCursor:
        return ScriptedCursor(self)

    def close(self) -> None:
        self.closed = True
        self.door.close()
