"""One window's slow-log ingest, from source to store and pt tables: what ``ingest_slowlog`` runs.

Kept apart from the Airflow task so it can be run, tested and killed on its own. Exactly-once:

* the digest is recomputed from the source every time (cheap: the engine reads ~100 MB/s), and
  written as one store partition, which replaces the previous one atomically (``store.base``);
* the ``--history`` rows of the window are deleted and written again in one transaction;
* the ``--review`` rows are upserts that only widen first_seen/last_seen, so writing twice is a no-op;
* ``performance_schema`` snapshots are stored per window, and a re-run of a window reuses its own
  snapshot, so it digests the same difference again.

A crash or a retry anywhere therefore leaves either the old results or the new ones, and the next
run replaces them; nothing is ever added twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from themis.slowlog.digest import Digest, digest_paths
from themis.slowlog.runner import fault_hook as _fault
from themis.slowlog.tables import classes_from_history, classes_from_ps_digest

__all__ = ["ingest", "DIGEST_KIND", "PS_SNAPSHOT_KIND"]

log = logging.getLogger("themis")

UTC = dt.timezone.utc
DIGEST_KIND = "slowlog.digest"
PS_SNAPSHOT_KIND = "slowlog.ps_snapshot"
_OLD_FILE_SLACK = dt.timedelta(hours=1)
_CHANGED_WHILE_READ = "while being read"  # in the read errors of files that shrank, were replaced or removed


@contextlib.contextmanager
def _connection(conn_id: str) -> Iterator[Any]:
    from themis.connections import mysql_connection

    with mysql_connection(conn_id) as conn:
        yield conn


def _plain(value: Any) -> Any:
    """Stats as plain JSON (the store and XCom take nothing else)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def ingest(source: Any, *, window: Any, instance_id: str, instance_conn_id: str, store: Any, run_id: str,
           progress: Any = False, connect: Callable[[str], Any] = _connection) -> dict[str, Any]:
    """Digest ``window`` of ``source`` (a ``config.SlowlogSource``) into the store and outputs.

    Returns the task summary: source, classes, events, skipped entries (with offsets), outputs.
    ``connect(conn_id)`` opens a MySQL connection (a context manager); tests pass their own.
    """
    from themis.store import PartitionKey

    started = time.monotonic()
    key = PartitionKey(instance_id, window.key, DIGEST_KIND)
    conn_id = source.conn_id or instance_conn_id
    stats: dict[str, Any] = {"source": source.source}
    if source.source == "file":
        fault = _fault("digest")
        result = _digest_files(source, window, progress)
        if fault is not None:
            fault()
        classes = result.classes
        stats.update(result.stats)
        if stats.get("skipped_entries"):
            log.warning("ingest_slowlog skipped %s malformed entries (first offsets: %s)",
                        stats["skipped_entries"], stats.get("skipped_offsets"))
    elif source.source == "table":
        from themis.slowlog.repository import slow_log_table_events

        digest = Digest(since=window.start, until=window.end)
        with connect(conn_id) as conn:
            for event in slow_log_table_events(conn, source.table, since=window.start, until=window.end):
                digest.add(event)
        classes = digest.classes()
        stats.update(digest.stats(), table=source.table)
    elif source.source == "performance_schema":
        classes, ps_stats = _ps_classes(source, window, instance_id, conn_id, store, run_id, connect)
        stats.update(ps_stats)
    elif source.source == "pt_history":
        from themis.slowlog.repository import pt_history_rows

        with connect(conn_id) as conn:
            rows = pt_history_rows(conn, source.history_table, source.review_table, since=window.start,
                                   until=window.end)
        classes = classes_from_history(rows)
        stats.update(history_rows=len(rows), classes=len(classes), table=source.history_table)
    else:
        raise ValueError(f"unknown slow-log source {source.source!r}")

    meta = {"run_id": run_id, "source": source.source, "stats": _plain(stats)}
    fault = _fault("store")
    records: Any = classes
    if fault is not None:
        def records_then_crash() -> Iterator[dict[str, Any]]:
            for number, record in enumerate(classes):
                if number == len(classes) // 2:
                    fault()
                yield record
        records = records_then_crash()
    count = store.write(key, records, meta=meta)
    log.info("ingest_slowlog: %s classes from %s events in the window", count, stats.get("events_in_window"))

    outputs: dict[str, Any] = {}
    for name in ("history", "review"):
        output = getattr(source, name)
        if output is None:
            continue
        from themis.slowlog import repository

        with connect(output.conn_id or conn_id) as conn:
            if name == "history":
                written = repository.write_history(conn, output.table, classes, since=window.start, until=window.end,
                                                   create=output.create, fault=_fault("history"))
            else:
                written = repository.write_review(conn, output.table, classes, create=output.create)
        outputs[name] = {"table": output.table, "rows": written}
        log.info("ingest_slowlog: %s rows into the %s table %s", written, name, output.table)
    stats_summary = {k: v for k, v in stats.items() if v is None or isinstance(v, (int, float, str, bool))}
    return {"classes": count, "outputs": outputs, "seconds": round(time.monotonic() - started, 3),
            "skipped_offsets": _plain(stats.get("skipped_offsets", [])),
            "read_errors": _plain(stats.get("read_errors", [])),
            **({"read_errors_before_retry": _plain(stats["read_errors_before_retry"])}
               if stats.get("read_errors_before_retry") else {}), **stats_summary}


def _digest_files(source: Any, window: Any, progress: Any) -> Any:
    """Digest the window's files; read again once if a file changed while it was read.

    A log rotated during the digest (``copytruncate`` shrinks it, ``create`` replaces it) leaves a
    digest of part of the window. Expanding the globs again finds the rotated copy next to the new
    live file, so a second read is normally complete. A damaged .gz would fail again the same way:
    it is not retried. What could not be read is logged as a warning and kept in ``read_errors``
    (the task summary, the digest partition's meta, and the report's SQLSTAT section show it).
    """
    def digest() -> Any:
        return digest_paths(source.paths, since=window.start, until=window.end,
                            default_tz=ZoneInfo(source.timezone), progress=progress, workers=source.workers,
                            min_mtime=(window.start - _OLD_FILE_SLACK).timestamp())

    result = digest()
    errors = result.stats.get("read_errors") or []
    for error in errors:
        log.warning("ingest_slowlog: %s: read only %s bytes: %s", error["file"], error["bytes_read"], error["error"])
    if any(_CHANGED_WHILE_READ in error["error"] for error in errors):
        log.warning("ingest_slowlog: a slow-log file changed while it was read (rotation?): reading the files again")
        result = digest()
        for error in result.stats.get("read_errors") or []:
            log.warning("ingest_slowlog: again %s: read only %s bytes: %s", error["file"], error["bytes_read"],
                        error["error"])
        result.stats["read_errors_before_retry"] = errors
    return result


def _ps_classes(source: Any, window: Any, instance_id: str, conn_id: str, store: Any, run_id: str,
                connect: Callable[[str], Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """performance_schema: this window's snapshot (taken now, or the one a previous run of this
    window took) minus the latest snapshot of an earlier window."""
    from themis.store import PartitionKey
    from themis.window import CaptureWindow

    mine = PartitionKey(instance_id, window.key, PS_SNAPSHOT_KIND)
    info = store.info(mine)
    if info is not None:
        current = store.read_all(mine)
        taken_at = dt.datetime.fromisoformat(info["meta"]["taken_at"])
        reused = True
    else:
        now = dt.datetime.now(UTC)
        if window.end < now - dt.timedelta(days=1):
            log.warning("performance_schema keeps no history: window %s is in the past and has no snapshot, "
                        "so it cannot be digested from performance_schema", window.key)
            return [], {"ps_snapshot": "none for a past window", "classes": 0}
        from themis.slowlog.repository import ps_digest_snapshot

        with connect(conn_id) as conn:
            current = ps_digest_snapshot(conn)
        taken_at = now
        store.write(mine, current, meta={"run_id": run_id, "taken_at": taken_at.isoformat()})
        reused = False
    earlier = []
    for key in store.keys(instance_id, kind_prefix=PS_SNAPSHOT_KIND):
        if key.kind != PS_SNAPSHOT_KIND or key.window == window.key:
            continue
        try:
            other = CaptureWindow.from_key(key.window)
        except ValueError:
            continue
        if other.start < window.start:
            earlier.append((other.start, key))
    previous = previous_at = None
    if earlier:
        _, previous_key = max(earlier)
        previous = store.read_all(previous_key)
        previous_info = store.info(previous_key) or {}
        taken = (previous_info.get("meta") or {}).get("taken_at")
        previous_at = dt.datetime.fromisoformat(taken) if taken else None
    classes = classes_from_ps_digest(current, previous, taken_at=taken_at, previous_at=previous_at)
    return classes, {"ps_digests": len(current), "ps_snapshot_reused": reused, "ps_previous_snapshot": previous_at.isoformat()
                     if previous_at else None, "classes": len(classes), "events_in_window": sum(c["query_count"] for c in classes)}
