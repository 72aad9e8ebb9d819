"""The window's statements from AWR, or from the cursor cache where AWR is not licensed.

AWR (``DBA_HIST_*``, Oracle Diagnostics Pack): the window is the set of snapshots whose
``END_INTERVAL_TIME`` falls in the run's data interval, on every RAC instance (the original read
instance 1 only). Snapshot times are the database server's local time, so the UTC window is turned
into that zone first (``oracle.timezone``, else the export's ``db_timezone``, else UTC). A window
older than AWR's retention is an error, not an empty audit. Per (SQL_ID, PLAN_HASH_VALUE) the
``*_DELTA`` sums of the window's snapshots give the statistics; per-execution figures divide by the
window's executions and are None when there were none (not "divide by 1").

Cursor cache (``V$SQLSTATS``, no extra licence): cumulative counters, stored each run
(``sql.cursor_cache``); the window's figures are the difference from the previous run's, like the
MySQL performance_schema source. A cursor reloaded since (counters went down) counts from zero.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from themis.capture.oracle.door import Door

Row = dict[str, Any]
BATCH = 500  # SQL_IDs per IN list (Oracle allows 1000)
COUNTERS = ("executions", "elapsed_time_us", "cpu_time_us", "buffer_gets", "disk_reads", "direct_writes",
            "rows_processed", "parse_calls")
PER_EXEC = ("elapsed_time_us", "cpu_time_us", "buffer_gets", "disk_reads", "direct_writes", "rows_processed")
CURSOR_CACHE_KIND = "sql.cursor_cache"


class WindowError(ValueError):
    """The window cannot be audited from AWR (older than its retention, or no snapshot in it)."""


def db_zone(configured: str | None, manifest_zone: str | None) -> dt.tzinfo:
    """The zone of AWR snapshot times: the instance config's, else the export's, else UTC."""
    for value in (configured, manifest_zone):
        if not value:
            continue
        text = str(value).strip()
        if text[:1] in "+-" and ":" in text:
            sign = 1 if text[0] == "+" else -1
            hours, minutes = text[1:].split(":", 1)
            return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))
        return ZoneInfo(text)
    return dt.timezone.utc


def local_window(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC window as naive datetimes in the database's local time (how AWR stores them)."""
    return start.astimezone(zone).replace(tzinfo=None), end.astimezone(zone).replace(tzinfo=None)


def _moment(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def window_snapshots(snapshots: Sequence[Row], start: dt.datetime, end: dt.datetime) -> tuple[int, int, int]:
    """(begin_snap, end_snap, snapshot count) of the snapshots ending in [start, end), all instances."""
    if not snapshots:
        raise WindowError("AWR holds no snapshot (DBA_HIST_SNAPSHOT is empty for this database)")
    earliest = min(_moment(s["begin_interval_time"]) for s in snapshots)
    latest = max(_moment(s["end_interval_time"]) for s in snapshots)
    inside = [s for s in snapshots if start <= _moment(s["end_interval_time"]) < end]
    if start < earliest and not inside:
        raise WindowError(f"the window {start} .. {end} (database time) is older than AWR's retention: "
                          f"the oldest snapshot begins at {earliest}")
    if not inside:
        raise WindowError(f"no AWR snapshot ends in the window {start} .. {end} (database time); AWR covers "
                          f"{earliest} .. {latest}")
    ids = [int(s["snap_id"]) for s in inside]
    return min(ids), max(ids), len(inside)


def per_execution(stats: Row) -> Row:
    """The ``*_per_exec`` figures of summed counters; None when nothing executed in the window."""
    executions = stats.get("executions") or 0
    out = dict(stats)
    for name in PER_EXEC:
        value = stats.get(name)
        out[f"{name}_per_exec"] = round(value / executions, 3) if executions and value is not None else None
    return out


def statement(row: Row, text: Row | None, source: str) -> Row:
    """A ``sql.statement`` record of one (SQL_ID, PLAN_HASH_VALUE)."""
    sql_id, phv = row["sql_id"], row["plan_hash_value"]
    stats = {name: row.get(name) for name in COUNTERS}
    stats.update(version_count=row.get("version_count"), snapshots=row.get("snapshots"),
                 instances=row.get("instances"), module=row.get("module"))
    signature = row.get("force_matching_signature")
    return {"checksum": f"{sql_id}:{phv}", "sql_id": sql_id, "plan_hash_value": phv,
            "schema": row.get("parsing_schema_name"), "sample": (text or {}).get("sql_text") or row.get("sql_text"),
            "command_type": (text or {}).get("command_type") or row.get("command_type"),
            "force_matching_signature": None if signature in (None, 0, "0") else str(signature),
            "stats": per_execution(stats), "source": source}


def batches(values: Sequence[Any], size: int = BATCH) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield list(values[start:start + size])


def plans(door: Door, dbid: Any, keys: set[tuple[str, Any]], *, awr: bool) -> list[Row]:
    """``sql.plan`` records of the (SQL_ID, PLAN_HASH_VALUE) pairs: AWR's lines (or the cursor cache's),
    with the predicates of the cursor cache where AWR has none."""
    sql_ids = sorted({sql_id for sql_id, _ in keys})
    lines: dict[tuple[str, Any], list[Row]] = {}
    cached: dict[tuple[str, Any], dict[Any, Row]] = {}
    for batch in batches(sql_ids):
        if awr:
            for row in door.rows("sqlplan", dbid=dbid, sql_ids=batch):
                key = (row.pop("sql_id"), row.pop("plan_hash_value"))
                if key in keys:
                    lines.setdefault(key, []).append(row)
        for row in door.rows("cursor_plan", sql_ids=batch):
            key = (row.pop("sql_id"), row.pop("plan_hash_value"))
            child = row.pop("child_number")
            if key in keys:
                first = cached.setdefault(key, {})
                if row["id"] not in first:  # the lowest child number wins (rows come ordered)
                    first[row["id"]] = row
    records = []
    for sql_id, phv in sorted(keys, key=lambda k: (k[0], str(k[1]))):
        own = lines.get((sql_id, phv)) or sorted(cached.get((sql_id, phv), {}).values(), key=lambda r: r["id"])
        extra = cached.get((sql_id, phv), {})
        for line in own:
            cache_line = extra.get(line["id"]) or {}
            for field in ("access_predicates", "filter_predicates"):
                if line.get(field) is None:
                    line[field] = cache_line.get(field)
        records.append({"checksum": f"{sql_id}:{phv}", "sql_id": sql_id, "plan_hash_value": phv,
                        "status": "captured" if own else "missing", "lines": own,
                        "error": None if own else "no plan lines in AWR or the cursor cache"})
    return records


def texts(door: Door, dbid: Any, sql_ids: Iterable[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    for batch in batches(sorted(set(sql_ids))):
        for row in door.rows("sqltext", dbid=dbid, sql_ids=batch):
            found[row["sql_id"]] = row
    return found


def cursor_cache_delta(current: Iterable[Row], previous: Iterable[Row]) -> list[Row]:
    """The window's figures: each counter minus the previous run's (from zero when the cursor was reloaded)."""
    before = {(r["sql_id"], r["plan_hash_value"]): r for r in previous}
    out = []
    for row in current:
        old = before.get((row["sql_id"], row["plan_hash_value"]))
        delta = dict(row)
        reloaded = old is not None and (row.get("executions") or 0) < (old.get("executions") or 0)
        for name in COUNTERS:
            now = row.get(name) or 0
            delta[name] = now - (old.get(name) or 0) if old is not None and not reloaded else now
        if delta.get("executions") or old is None or reloaded:
            delta.update(snapshots=1, instances=1)
            out.append(delta)
    return out


Log = Callable[[str], None]
