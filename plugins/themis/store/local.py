"""The local store: one embedded SQLite file, for single-host deployments, development and tests.

Why SQLite: it needs no server, writes are transactions (so replacing a partition is atomic), and in
WAL mode readers never block the writer, so Airflow tasks in several worker processes can share the
file. Records are kept as JSON text; the partition's records are streamed in ``seq`` order.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any, Iterable, Iterator

from themis.store.base import (
    PartitionKey,
    Store,
    StoreError,
    batched,
    check_document,
    check_key,
    check_key_filter,
    iso_timestamp,
    utc_now,
)

SCHEMA_VERSION = 1
BATCH_SIZE = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS partitions (
    id         INTEGER PRIMARY KEY,
    instance   TEXT    NOT NULL,
    "window"   TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    count      INTEGER NOT NULL,
    written_at TEXT    NOT NULL,
    meta       TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS partitions_key ON partitions (instance, "window", kind);
CREATE TABLE IF NOT EXISTS records (
    partition_id INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    doc          TEXT    NOT NULL,
    PRIMARY KEY (partition_id, seq)
);
"""

_KEY_WHERE = 'instance = ? AND "window" = ? AND kind = ?'


def default_path() -> Path:
    """``$THEMIS_STORE_PATH``, else ``~/.themis/store.sqlite3``."""
    configured = os.environ.get("THEMIS_STORE_PATH")
    return Path(configured).expanduser() if configured else Path.home() / ".themis" / "store.sqlite3"


class LocalStore(Store):
    """Partitions in one SQLite file.

    One connection per process serves writes and metadata; each ``read`` opens its own connection so
    that its snapshot stays consistent while the same store rewrites partitions (even the one being
    read, as in ``store.write(key, transform(store.read(key)))``). A LocalStore object is for one
    thread; threads and processes that each open their own share the file safely.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, busy_timeout: float = 60.0) -> None:
        if str(path) == ":memory:":
            raise StoreError("LocalStore needs a file (reads use their own connection); use a temporary file")
        self.path = Path(path).expanduser() if path else default_path()
        self.busy_timeout = busy_timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory of the local store {self.path}: {exc}") from exc
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._connection()  # fail now, not in the first task, when the file is unusable

    # --- connections ------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        """A connection in autocommit mode: transactions are begun explicitly where needed."""
        with self._errors("open"):
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA synchronous = NORMAL")  # durable enough in WAL mode, much faster
            return conn

    def _connection(self) -> sqlite3.Connection:
        """The write connection, reopened after a fork (SQLite connections must not cross one)."""
        if self._conn is None or self._pid != os.getpid():
            conn = self._open()
            with self._errors("initialise"):
                self._initialise(conn)
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def _initialise(self, conn: sqlite3.Connection) -> None:
        """WAL mode and the schema; safe when several processes open a new file at once."""
        conn.execute("PRAGMA journal_mode = WAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} has store schema {version}; this themis knows up to {SCHEMA_VERSION}")
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def _errors(self, action: str, key: PartitionKey | None = None) -> Iterator[None]:
        """SQLite failures (locked past the timeout, disk full, not a database) as StoreError."""
        try:
            yield
        except sqlite3.Error as exc:
            target = f" {key.instance}/{key.window}/{key.kind}" if key else ""
            raise StoreError(f"local store {self.path}: cannot {action}{target}: {exc}") from exc

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None

    # --- the contract -----------------------------------------------------------------------

    def write(self, key: PartitionKey, records: Iterable[dict[str, Any]], *, meta: dict[str, Any] | None = None) -> int:
        check_key(key)
        meta_json = _encode(check_document(key, dict(meta or {}), "meta"))
        conn = self._connection()
        with self._errors("start writing", key):
            conn.execute("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlock later
        try:
            with self._errors("write", key):
                partition_id = self._reset_partition(conn, key, meta_json)
                count = self._insert_records(conn, key, partition_id, records)
                conn.execute("UPDATE partitions SET count = ?, written_at = ? WHERE id = ?",
                             (count, iso_timestamp(utc_now()), partition_id))
                conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")  # the old partition is untouched
            raise
        return count

    def _reset_partition(self, conn: sqlite3.Connection, key: PartitionKey, meta_json: str) -> int:
        """Empty the partition (or create it) inside the caller's transaction; return its id."""
        row = conn.execute(f"SELECT id FROM partitions WHERE {_KEY_WHERE}", _params(key)).fetchone()
        if row is None:
            cursor = conn.execute(
                'INSERT INTO partitions (instance, "window", kind, count, written_at, meta) VALUES (?, ?, ?, 0, ?, ?)',
                (*_params(key), iso_timestamp(utc_now()), meta_json))
            return int(cursor.lastrowid)  # type: ignore[arg-type]
        conn.execute("DELETE FROM records WHERE partition_id = ?", (row[0],))
        conn.execute("UPDATE partitions SET meta = ? WHERE id = ?", (meta_json, row[0]))
        return int(row[0])

    @staticmethod
    def _insert_records(conn: sqlite3.Connection, key: PartitionKey, partition_id: int,
                        records: Iterable[dict[str, Any]]) -> int:
        """Insert in batches so that memory stays flat whatever the partition's size."""
        count = 0
        for batch in batched(records, BATCH_SIZE):
            rows = [(partition_id, count + offset, _encode(check_document(key, doc, f"record {count + offset}")))
                    for offset, doc in enumerate(batch)]
            conn.executemany("INSERT INTO records (partition_id, seq, doc) VALUES (?, ?, ?)", rows)
            count += len(rows)
        return count

    def read(self, key: PartitionKey) -> Iterator[dict[str, Any]]:
        check_key(key)  # here, not at the first next(): a bad key is the caller's bug
        return self._stream(key)

    def _stream(self, key: PartitionKey) -> Iterator[dict[str, Any]]:
        """One statement on its own connection: a single WAL snapshot, so never a mix of writes."""
        conn = self._open()
        try:
            with self._errors("read", key):
                cursor = conn.execute(
                    "SELECT r.doc FROM partitions AS p JOIN records AS r ON r.partition_id = p.id "
                    'WHERE p.instance = ? AND p."window" = ? AND p.kind = ? ORDER BY r.seq', _params(key))
                while rows := cursor.fetchmany(BATCH_SIZE):
                    for (doc,) in rows:
                        yield json.loads(doc)
        finally:
            conn.close()

    def info(self, key: PartitionKey) -> dict[str, Any] | None:
        check_key(key)
        with self._errors("read the info of", key):
            row = self._connection().execute(
                f"SELECT count, written_at, meta FROM partitions WHERE {_KEY_WHERE}", _params(key)).fetchone()
        if row is None:
            return None
        return {"count": row[0], "written_at": row[1], "meta": json.loads(row[2])}

    def delete(self, key: PartitionKey) -> bool:
        check_key(key)
        conn = self._connection()
        with self._errors("delete", key):
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(f"SELECT id FROM partitions WHERE {_KEY_WHERE}", _params(key)).fetchone()
                if row is not None:
                    conn.execute("DELETE FROM records WHERE partition_id = ?", (row[0],))
                    conn.execute("DELETE FROM partitions WHERE id = ?", (row[0],))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return row is not None

    def keys(self, instance: str, window: str | None = None, kind_prefix: str = "") -> list[PartitionKey]:
        check_key_filter(instance, window)
        sql = 'SELECT instance, "window", kind FROM partitions WHERE instance = ?'
        params: list[Any] = [instance]
        if window is not None:
            sql += ' AND "window" = ?'
            params.append(window)
        if kind_prefix:
            sql += " AND substr(kind, 1, ?) = ?"  # not LIKE: '_' and '%' are common in kinds
            params += [len(kind_prefix), kind_prefix]
        with self._errors(f"list the partitions of {instance!r}"):
            rows = self._connection().execute(sql + ' ORDER BY instance, "window", kind', params).fetchall()
        return [PartitionKey(*row) for row in rows]


    def _stream_kind(self, instances: list[str], kind: str, latest: int | None,
                     ) -> Iterator[tuple[PartitionKey, dict[str, Any]]]:
        """One statement per 500 instances (SQLite's bound-parameter limit), on its own connection."""
        conn = self._open()
        try:
            for chunk in batched(sorted(instances), 500):
                marks = ", ".join("?" * len(chunk))
                chosen = ('SELECT id, instance, "window", row_number() OVER (PARTITION BY instance ORDER BY "window" '
                          f'DESC) AS age FROM partitions WHERE kind = ? AND instance IN ({marks})')
                with self._errors(f"read the {kind!r} partitions of {len(chunk)} instances"):
                    cursor = conn.execute(
                        f'SELECT p.instance, p."window", r.doc FROM ({chosen}) AS p JOIN records AS r '
                        'ON r.partition_id = p.id WHERE p.age <= ? ORDER BY p.instance, p."window", r.seq',
                        [kind, *chunk, latest if latest else 2**62])
                    while rows := cursor.fetchmany(BATCH_SIZE):
                        for instance, window, doc in rows:
                            yield PartitionKey(instance, window, kind), json.loads(doc)
        finally:
            conn.close()


def _params(key: PartitionKey) -> tuple[str, str, str]:
    return key.instance, key.window, key.kind


def _encode(doc: dict[str, Any]) -> str:
    """Compact JSON; values were checked already, so ``allow_nan=False`` is only a safety net."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
