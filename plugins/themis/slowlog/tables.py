"""pt-query-digest's review and history tables, and the other database-side sources, as data.

Pure functions only (the SQL that reads and writes them is in ``include/sql/mysql/slowlog_*.sql``
and runs in ``repository``):

* the columns of pt's ``--review`` and ``--history`` tables (pt-query-digest 3.x, ``checksum
  CHAR(32)``), and a digest class as a row of either;
* history rows read back from an existing pt table, merged into digest classes per checksum;
* ``performance_schema.events_statements_summary_by_digest`` snapshots, and the classes of the
  executions between two snapshots.

A digest class (``Digest.classes``) already uses pt's history naming, so most of this is about
the columns that are not one-to-one: timestamps (DATETIME, UTC), and what a table does not have.
Samples read from these sources are redacted like the digest's (``themis.redact``): an existing pt
table or ``performance_schema`` holds account-management statements with their passwords.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Mapping

from themis.redact import redact_sql
from themis.slowlog.fingerprint import checksum, fingerprint

__all__ = [
    "REVIEW_COLUMNS", "HISTORY_COLUMNS", "split_table", "review_row", "history_row", "classes_from_history",
    "classes_from_ps_digest", "ps_snapshot_rows",
]

UTC = dt.timezone.utc

REVIEW_COLUMNS: list[tuple[str, str]] = [
    ("checksum", "CHAR(32) NOT NULL PRIMARY KEY"),
    ("fingerprint", "TEXT NOT NULL"),
    ("sample", "TEXT NOT NULL"),
    ("first_seen", "DATETIME"),
    ("last_seen", "DATETIME"),
    ("reviewed_by", "VARCHAR(20)"),
    ("reviewed_on", "DATETIME"),
    ("comments", "TEXT"),
]

_FULL = ("sum", "min", "max", "pct_95", "stddev", "median")
_NO_SUM = ("min", "max", "pct_95", "stddev", "median")
_BOOL = ("cnt", "sum")
HISTORY_COLUMNS: list[tuple[str, str]] = [
    ("checksum", "CHAR(32) NOT NULL"),
    ("sample", "TEXT NOT NULL"),
    ("ts_min", "DATETIME NOT NULL"),
    ("ts_max", "DATETIME NOT NULL"),
    ("ts_cnt", "FLOAT"),
    *[(f"{attr}_{metric}", "FLOAT") for attr in ("Query_time", "Lock_time", "Rows_sent", "Rows_examined",
                                                "Rows_affected", "Rows_read", "Merge_passes") for metric in _FULL],
    *[(f"{attr}_{metric}", "FLOAT") for attr in ("InnoDB_IO_r_ops", "InnoDB_IO_r_bytes", "InnoDB_IO_r_wait",
                                                "InnoDB_rec_lock_wait", "InnoDB_queue_wait",
                                                "InnoDB_pages_distinct") for metric in _NO_SUM],
    *[(f"{attr}_{metric}", "FLOAT") for attr in ("QC_Hit", "Full_scan", "Full_join", "Tmp_table",
                                                "Tmp_table_on_disk", "Filesort", "Filesort_on_disk")
      for metric in _BOOL],
]
HISTORY_KEY = ("checksum", "ts_min", "ts_max")

# <Attribute>_<metric>: pt fills any such history column; so do we.
_METRIC_COLUMN = re.compile(r"^(?P<attr>[A-Za-z][A-Za-z0-9_]*?)_(?P<metric>pct_95|sum|min|max|cnt|avg|stddev|median)$")
_TABLE_NAME = re.compile(r"^([^.`]+)\.([^.`]+)$")


def split_table(name: str) -> tuple[str, str]:
    """``"db.table"`` -> ``("db", "table")``; anything else is a ValueError naming the problem."""
    found = _TABLE_NAME.match(name or "")
    if found is None:
        raise ValueError(f"table {name!r} must be written db.table (no backticks)")
    return found.group(1), found.group(2)


def _datetime(iso: str | None) -> dt.datetime | None:
    """An ISO timestamp as the naive UTC DATETIME value pt's tables hold."""
    if not iso:
        return None
    moment = dt.datetime.fromisoformat(iso)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def review_row(cls: Mapping[str, Any]) -> dict[str, Any]:
    """A class as a ``query_review`` row (first_seen/last_seen: the class's ts_min/ts_max)."""
    return {"checksum": cls["checksum"], "fingerprint": cls.get("fingerprint") or "", "sample": cls.get("sample") or "",
            "first_seen": _datetime(cls.get("ts_min")), "last_seen": _datetime(cls.get("ts_max"))}


def history_row(cls: Mapping[str, Any], columns: Iterable[str]) -> dict[str, Any]:
    """A class as a row of a history table that has ``columns`` (pt fills every ``<attr>_<metric>``
    column it knows; a column the class has no value for is NULL)."""
    row: dict[str, Any] = {}
    for column in columns:
        if column in ("ts_min", "ts_max"):
            row[column] = _datetime(cls.get(column))
        elif column == "checksum":
            row[column] = cls["checksum"]
        elif column == "sample":
            row[column] = cls.get("sample") or ""
        elif column == "ts_cnt":
            row[column] = cls.get("ts_cnt")
        elif column.endswith("_avg"):
            total, count = cls.get(column[:-4] + "_sum"), cls.get(column[:-4] + "_cnt")
            row[column] = total / count if total is not None and count else None
        else:
            value = cls.get(column)
            row[column] = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return row


# ------------------------------------------------------------------------------ reading pt tables


def classes_from_history(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Digest classes from pt ``query_history`` rows (plus ``review_fingerprint`` when joined).

    Several rows of one checksum (pt ran several times in the window) are merged: counts and sums
    add up, min/max are the extremes; pct_95, median and stddev cannot be merged exactly, so they
    are averaged weighted by each row's ts_cnt (exact when there is a single row).
    """
    merged: dict[str, dict[str, Any]] = {}
    weights: dict[str, dict[str, float]] = {}
    for raw in rows:
        row = dict(raw)
        check = row.get("checksum")
        if check is None:
            continue
        check = (check if isinstance(check, str) else format(int(check), "016X")).upper()
        weight = float(row.get("ts_cnt") or 0)
        cls = merged.get(check)
        if cls is None:
            sample = row.get("sample")
            if isinstance(sample, bytes):
                sample = sample.decode("utf-8", "replace")
            fp = row.get("review_fingerprint")
            if isinstance(fp, bytes):
                fp = fp.decode("utf-8", "replace")
            cls = merged[check] = {
                "checksum": check, "fingerprint": redact_sql(fp or (fingerprint(sample) if sample else None)),
                "sample": redact_sql(sample),
                "sample_db": None, "sample_ts": None, "query_count": 0, "db_max": None, "user_max": None,
                "host_max": None, "ts_min": None, "ts_max": None, "ts_cnt": 0,
            }
            weights[check] = {}
        cls["ts_cnt"] += int(weight)
        cls["query_count"] = cls["ts_cnt"]
        for edge, better in (("ts_min", min), ("ts_max", max)):
            value = _iso(row.get(edge))
            if value is not None:
                cls[edge] = value if cls[edge] is None else better(cls[edge], value)
        for column, value in row.items():
            found = _METRIC_COLUMN.match(column)
            if found is None or value is None or column.startswith("ts_") or isinstance(value, (str, bytes, dt.datetime)):
                continue
            value = float(value)
            metric = found.group("metric")
            if metric in ("sum", "cnt"):
                cls[column] = cls.get(column, 0) + value
            elif metric == "min":
                cls[column] = value if column not in cls else min(cls[column], value)
            elif metric == "max":
                cls[column] = value if column not in cls else max(cls[column], value)
            elif metric in ("pct_95", "median", "stddev", "avg"):
                total = weights[check].get(column, 0.0)
                cls[column] = (cls.get(column, 0.0) * total + value * weight) / (total + weight) if total + weight else value
                weights[check][column] = total + weight
    out = list(merged.values())
    out.sort(key=lambda c: (-(c.get("Query_time_sum") or 0), c["checksum"]))
    return out


# ------------------------------------------------------------------------------ performance_schema

_PS_SUMS = {  # performance_schema counter -> (our attribute, metric); *_TIMER_WAIT / LOCK_TIME are picoseconds
    "SUM_TIMER_WAIT": ("Query_time", "sum"),
    "SUM_LOCK_TIME": ("Lock_time", "sum"),
    "SUM_ROWS_SENT": ("Rows_sent", "sum"),
    "SUM_ROWS_EXAMINED": ("Rows_examined", "sum"),
    "SUM_ROWS_AFFECTED": ("Rows_affected", "sum"),
    "SUM_SORT_MERGE_PASSES": ("Merge_passes", "sum"),
    "SUM_CREATED_TMP_TABLES": ("Tmp_table", "sum"),
    "SUM_CREATED_TMP_DISK_TABLES": ("Tmp_table_on_disk", "sum"),
    "SUM_SELECT_FULL_JOIN": ("Full_join", "sum"),
    "SUM_SELECT_SCAN": ("Full_scan", "sum"),
}
_PICO = ("SUM_TIMER_WAIT", "SUM_LOCK_TIME", "MIN_TIMER_WAIT", "MAX_TIMER_WAIT", "QUANTILE_95")
_BOOLEAN_SUMS = ("Tmp_table", "Tmp_table_on_disk", "Full_join", "Full_scan")
PS_SNAPSHOT_FIELDS = ("SCHEMA_NAME", "DIGEST", "DIGEST_TEXT", "COUNT_STAR", "FIRST_SEEN", "LAST_SEEN",
                      "MIN_TIMER_WAIT", "MAX_TIMER_WAIT", "QUANTILE_95", "QUERY_SAMPLE_TEXT", *_PS_SUMS)


def ps_snapshot_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``events_statements_summary_by_digest`` rows as plain JSON records (what the store keeps)."""
    out = []
    for raw in rows:
        row = {k.upper(): v for k, v in dict(raw).items()}
        if row.get("DIGEST") is None:
            continue  # the "all other statements" row
        record: dict[str, Any] = {}
        for name in PS_SNAPSHOT_FIELDS:
            value = row.get(name)
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if isinstance(value, str) and name in ("DIGEST_TEXT", "QUERY_SAMPLE_TEXT"):
                value = redact_sql(value)  # the snapshot is stored: no password may reach it
            elif isinstance(value, dt.datetime):
                value = _iso(value)
            elif value is not None and not isinstance(value, (str, int, float)):
                value = int(value) if float(value).is_integer() else float(value)  # Decimal
            if isinstance(value, int) and value > 2**63 - 1:
                value = float(value)
            record[name] = value
        out.append(record)
    return out


def classes_from_ps_digest(current: list[dict[str, Any]], previous: list[dict[str, Any]] | None, *,
                           taken_at: dt.datetime, previous_at: dt.datetime | None) -> list[dict[str, Any]]:
    """Digest classes of the statements executed between two ``ps_snapshot_rows`` snapshots.

    A digest row absent from the previous snapshot, or whose counters went backwards (server restart,
    ``TRUNCATE`` of the table) or whose FIRST_SEEN changed (evicted and re-created), counts from zero.
    Min and max are the table's lifetime figures, so they are only given for a digest first seen
    after the previous snapshot (all its executions are then in the delta). Rows of the same
    fingerprint (several schemas, or digests pt would group together) are merged.
    """
    before = {(r.get("SCHEMA_NAME"), r["DIGEST"]): r for r in previous or []}
    classes: dict[str, dict[str, Any]] = {}
    for row in current:
        old = before.get((row.get("SCHEMA_NAME"), row["DIGEST"]))
        count = row.get("COUNT_STAR") or 0
        fresh = old is None or (old.get("COUNT_STAR") or 0) > count or old.get("FIRST_SEEN") != row.get("FIRST_SEEN")
        delta = count - (0 if fresh else (old.get("COUNT_STAR") or 0))  # type: ignore[union-attr]
        if delta <= 0:
            continue
        text = row.get("DIGEST_TEXT") or ""
        fp = fingerprint(text)
        check = checksum(fp)
        cls = classes.get(check)
        if cls is None:
            cls = classes[check] = {
                "checksum": check, "fingerprint": redact_sql(fp),
                "sample": redact_sql(row.get("QUERY_SAMPLE_TEXT") or text),
                "sample_db": row.get("SCHEMA_NAME"), "sample_ts": None, "query_count": 0,
                "db_max": None, "user_max": None, "host_max": None, "ts_min": None, "ts_max": None, "ts_cnt": 0,
                "digest": row["DIGEST"], "source": "performance_schema",
            }
        cls["query_count"] += delta
        cls["ts_cnt"] += delta
        schema = row.get("SCHEMA_NAME")
        if schema is not None and (cls["db_max"] is None or schema > cls["db_max"]):
            cls["db_max"] = schema
        first = row.get("FIRST_SEEN")
        if fresh and first is not None:
            start = first
        else:
            start = _iso(previous_at) if previous_at is not None else first
        end = row.get("LAST_SEEN") or _iso(taken_at)
        if start is not None:
            cls["ts_min"] = start if cls["ts_min"] is None else min(cls["ts_min"], start)
        if end is not None:
            cls["ts_max"] = end if cls["ts_max"] is None else max(cls["ts_max"], end)
        for counter, (attr, metric) in _PS_SUMS.items():
            now = row.get(counter)
            if now is None:
                continue
            value = now - (0 if fresh else (old.get(counter) or 0))  # type: ignore[union-attr]
            if counter in _PICO:
                value = value / 1e12
            if attr in _BOOLEAN_SUMS:
                cls[f"{attr}_cnt"] = cls.get(f"{attr}_cnt", 0) + delta
                cls[f"{attr}_sum"] = cls.get(f"{attr}_sum", 0) + value
            else:
                cls[f"{attr}_cnt"] = cls.get(f"{attr}_cnt", 0) + delta
                cls[f"{attr}_{metric}"] = cls.get(f"{attr}_{metric}", 0) + value
        if fresh and old is None:
            for counter, name in (("MIN_TIMER_WAIT", "Query_time_min"), ("MAX_TIMER_WAIT", "Query_time_max")):
                value = row.get(counter)
                if value is not None:
                    value = value / 1e12
                    better = min if name.endswith("_min") else max
                    cls[name] = value if name not in cls else better(cls[name], value)
            if row.get("QUANTILE_95") is not None:
                cls["Query_time_pct_95"] = max(cls.get("Query_time_pct_95", 0.0), row["QUANTILE_95"] / 1e12)
    out = list(classes.values())
    out.sort(key=lambda c: (-(c.get("Query_time_sum") or 0), c["checksum"]))
    return out
