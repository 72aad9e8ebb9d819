"""Per-fingerprint aggregation of slow-log events, equal to pt-query-digest's where it matters.

``Digest`` is a streaming aggregator: memory grows with the number of distinct fingerprints (and
the handful of log buckets each attribute fills), never with the number of events. Its output is
one plain-JSON dict per class whose keys are pt-query-digest's ``--history`` column names
(``Query_time_sum``, ``Rows_examined_pct_95``, ``QC_Hit_cnt`` ...), so a class can be written to a
pt-compatible ``query_history`` table or our store unchanged.

Exact like pt: count, sum, min, max (sums are added in file order as floats, the way pt does).
Approximate like pt: pct_95, median and stddev come from 1000 logarithmic buckets 5% wide starting
at 1e-6 (pt's EventAggregator), including its special cases for one and two values. We reproduce the
same bucket arithmetic so even these approximations match its report to the printed precision.

The window filter is half-open, ``[since, until)``, on the event time, so consecutive Airflow data
intervals never count an event twice. Events without any time are outside every bounded window.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from themis.slowlog.fingerprint import checksum, fingerprint
from themis.slowlog.parser import ParseStats, SlowEvent, iter_events

__all__ = ["Digest", "DigestResult", "digest_paths", "digest_events", "storable_text"]

log = logging.getLogger(__name__)

UTC = dt.timezone.utc

# Not metrics: pt-query-digest's --ignore-attributes default, plus the attributes it types as
# strings (ids and error numbers, whose sum means nothing) and Percona's rate-limit pair, which pt
# folds into a string ``rate_limit``.
IGNORED_ATTRIBUTES = frozenset(
    "arg cmd insert_id ip port Thread_id timestamp exptime flags key res val server_id offset "
    "end_log_pos Xid "
    "Status_code Statement_id Error_no Last_errno InnoDB_trx_id Log_slow_rate_limit".split()
)
# Written as 0/1 but meaning yes/no (Percona "Killed: 0").
BOOLEAN_ATTRIBUTES = frozenset({"Killed"})

# Log buckets, as in pt's EventAggregator: bucket i covers values from 1.05**(i-1) * 1e-6.
_BUCKET_SIZE = 1.05
_BASE_LOG = math.log(_BUCKET_SIZE)
_BASE_OFFSET = abs(1 - math.log(0.000001) / _BASE_LOG)
_NUM_BUCKETS = 1000
_MIN_BUCKET = 0.000001
_HUGE = 1e300
_BUCKET_VALUES = [0.0] + [(_BUCKET_SIZE ** (i - 1)) * _MIN_BUCKET for i in range(1, _NUM_BUCKETS)]

_FINGERPRINT_CACHE_SIZE = 20_000
_FINGERPRINT_CACHE_MAX_QUERY = 4096
_STATS_OFFSETS_KEPT = 20


def bucket_index(value: float) -> int:
    """pt's bucket for a value: 0 below 1e-6, else floor(offset + log(v)/log(1.05)), capped at 999."""
    if value < _MIN_BUCKET:
        return 0
    if not value < _HUGE:  # inf (and NaN) would break log(); they belong in the top bucket anyway
        return _NUM_BUCKETS - 1
    idx = int(_BASE_OFFSET + math.log(value) / _BASE_LOG)
    return idx if idx < _NUM_BUCKETS - 1 else _NUM_BUCKETS - 1


_small_int_buckets = [bucket_index(i) for i in range(1024)]
_log = math.log


def _bucket(value: float) -> int:
    if type(value) is int and 0 <= value < 1024:
        return _small_int_buckets[value]
    return bucket_index(value)


# A numeric accumulator is a list, updated inline in Digest.add (the hot loop):
_CNT, _SUM, _MIN, _MAX, _BUCKETS = range(5)


def _new_num(value: float) -> list[Any]:
    return [1, value, value, value, {_bucket(value): 1}]


def _num_metrics(acc: list[Any]) -> tuple[float, float, float]:
    """(pct_95, stddev, median) from the buckets, exactly as pt's ``_calc_metrics``."""
    n, lo, hi, buckets = acc[_CNT], acc[_MIN], acc[_MAX], acc[_BUCKETS]
    if n == 1 or hi == lo:
        return hi, 0.0, hi
    if n == 2:
        mean = (lo + hi) / 2
        return hi, math.sqrt(((hi - mean) ** 2) * 2), mean
    cutoff = int(n * 0.95) if n >= 10 else n
    top_vals = n - cutoff
    total_left = n
    seen = 0
    mid = n // 2
    median = 0.0
    bucket_95 = 0
    prev = _NUM_BUCKETS - 1
    total = 0.0
    total_sq = 0.0
    for idx in sorted(buckets, reverse=True):
        count = buckets[idx]
        value = _BUCKET_VALUES[idx]
        total_left -= count
        seen += count
        if not bucket_95 and seen > top_vals:
            bucket_95 = idx
        if not median and total_left <= mid:
            median = value if (cutoff % 2 or count > 1) else (value + _BUCKET_VALUES[prev]) / 2
        total += count * value
        total_sq += count * value**2
        prev = idx
    var = total_sq / n - (total / n) ** 2
    stddev = math.sqrt(var) if var > 0 else 0.0
    stddev = min(stddev, (hi - lo) / 2)
    return _BUCKET_VALUES[bucket_95], stddev, median


class _Bool:
    """Accumulator for a Yes/No attribute: how many events had it, how many said Yes."""

    __slots__ = ("cnt", "sum")

    def __init__(self, value: bool) -> None:
        self.cnt = 1
        self.sum = 1 if value else 0

    def add(self, value: float) -> None:
        self.cnt += 1
        if value:
            self.sum += 1


class _Class:
    """Everything kept for one fingerprint."""

    __slots__ = (
        "fingerprint", "count", "attrs", "sample", "sample_db", "sample_ts", "sample_qt",
        "ts_min", "ts_max", "ts_cnt", "db_max", "user_max", "host_max",
    )

    def __init__(self, fp: str, event: SlowEvent) -> None:
        self.fingerprint = fp
        self.count = 0
        # name -> numeric accumulator (list), _Bool, or None for an attribute that is not a metric
        self.attrs: dict[str, list[Any] | _Bool | None] = {}
        self.sample = event.query
        self.sample_db = event.db
        self.sample_ts = event.ts
        self.sample_qt: float | None = None
        self.ts_min: dt.datetime | None = None
        self.ts_max: dt.datetime | None = None
        self.ts_cnt = 0
        self.db_max: str | None = None
        self.user_max: str | None = None
        self.host_max: str | None = None


_ADMIN_ROWS = ("Rows_sent", "Rows_examined", "Rows_read", "Rows_affected")


def _zero_admin_rows(attrs: dict[str, Any]) -> dict[str, Any]:
    """Row counts of ``administrator command:`` entries are left over from the session's previous
    statement (MySQL logs them stale), so pt-query-digest zeroes them; so do we (on a copy)."""
    if not any(name in attrs for name in _ADMIN_ROWS):
        return attrs
    attrs = dict(attrs)
    for name in _ADMIN_ROWS:
        if name in attrs:
            attrs[name] = 0
    return attrs


def storable_text(text: str | None) -> str | None:
    """Text safe for JSON / SQLite / Mongo: undecodable bytes become U+FFFD."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _round(value: float) -> float | int:
    return value if type(value) is int else round(value, 6)


class Digest:
    """Streaming aggregator: ``add`` events, then read ``classes()``.

    ``since`` / ``until`` (aware datetimes) bound the window ``[since, until)``; either may be None.
    """

    def __init__(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> None:
        for name, bound in (("since", since), ("until", until)):
            if bound is not None and bound.tzinfo is None:
                raise ValueError(f"digest window {name} must be timezone-aware, got {bound!r}")
        self.since = since
        self.until = until
        self.events_read = 0
        self.events_in_window = 0
        self.events_outside_window = 0
        self._classes: dict[str, _Class] = {}
        self._fp_cache: dict[str, str] = {}

    def add(self, event: SlowEvent) -> bool:
        """Aggregate one event; return False (and count it) when it falls outside the window."""
        self.events_read += 1
        ts = event.ts
        if self.since is not None or self.until is not None:
            if ts is None or (self.since is not None and ts < self.since) or (
                self.until is not None and ts >= self.until
            ):
                self.events_outside_window += 1
                return False
        self.events_in_window += 1

        query = event.query
        fp = self._fp_cache.get(query)
        if fp is None:
            fp = fingerprint(query)
            if len(query) <= _FINGERPRINT_CACHE_MAX_QUERY:
                if len(self._fp_cache) >= _FINGERPRINT_CACHE_SIZE:
                    self._fp_cache.clear()
                self._fp_cache[query] = fp
        cls = self._classes.get(fp)
        if cls is None:
            cls = self._classes[fp] = _Class(fp, event)
        cls.count += 1

        attrs = event.attrs
        if query.startswith("administrator"):
            attrs = _zero_admin_rows(attrs)
        accs = cls.attrs
        for name, value in attrs.items():
            acc = accs.get(name)
            if type(acc) is list:
                acc[0] += 1
                acc[1] += value
                if value < acc[2]:
                    acc[2] = value
                elif value > acc[3]:
                    acc[3] = value
                if type(value) is int and 0 <= value < 1024:
                    idx = _small_int_buckets[value]
                elif value < _MIN_BUCKET:
                    idx = 0
                elif value < _HUGE:
                    idx = int(_BASE_OFFSET + _log(value) / _BASE_LOG)
                    if idx > 999:
                        idx = 999
                else:
                    idx = 999
                buckets = acc[4]
                buckets[idx] = buckets.get(idx, 0) + 1
            elif acc is not None:
                acc.add(value)
            elif name not in accs:
                if name in IGNORED_ATTRIBUTES:
                    accs[name] = None
                elif type(value) is bool or name in BOOLEAN_ATTRIBUTES:
                    accs[name] = _Bool(value)
                else:
                    accs[name] = _new_num(value)

        # The sample is the worst (longest) execution; on a tie the later one, as in pt.
        qt = attrs.get("Query_time")
        if qt is not None and (cls.sample_qt is None or qt >= cls.sample_qt):
            cls.sample_qt = qt
            cls.sample = query
            cls.sample_db = event.db
            cls.sample_ts = ts

        if ts is not None:
            cls.ts_cnt += 1
            if cls.ts_min is None or ts < cls.ts_min:
                cls.ts_min = ts
            if cls.ts_max is None or ts > cls.ts_max:
                cls.ts_max = ts
        if event.db is not None and (cls.db_max is None or event.db > cls.db_max):
            cls.db_max = event.db
        if event.user is not None and (cls.user_max is None or event.user > cls.user_max):
            cls.user_max = event.user
        if event.host is not None and (cls.host_max is None or event.host > cls.host_max):
            cls.host_max = event.host
        return True

    def __len__(self) -> int:
        return len(self._classes)

    def classes(self) -> list[dict[str, Any]]:
        """One plain-JSON dict per class, worst total Query_time first (pt's default order)."""
        out = [self._class_dict(cls) for cls in self._classes.values()]
        out.sort(key=lambda c: (-(c.get("Query_time_sum") or 0), c["checksum"]))
        return out

    @staticmethod
    def _class_dict(cls: _Class) -> dict[str, Any]:
        row: dict[str, Any] = {
            "checksum": checksum(cls.fingerprint),
            "fingerprint": storable_text(cls.fingerprint),
            "sample": storable_text(cls.sample),
            "sample_db": cls.sample_db,
            "sample_ts": _iso(cls.sample_ts),
            "query_count": cls.count,
            "db_max": cls.db_max,
            "user_max": cls.user_max,
            "host_max": cls.host_max,
            "ts_min": _iso(cls.ts_min),
            "ts_max": _iso(cls.ts_max),
            "ts_cnt": cls.ts_cnt,
        }
        for name in sorted(cls.attrs):
            acc = cls.attrs[name]
            if acc is None:
                continue
            if isinstance(acc, _Bool):
                row[f"{name}_cnt"] = acc.cnt
                row[f"{name}_sum"] = acc.sum
            else:
                pct_95, stddev, median = _num_metrics(acc)
                row[f"{name}_cnt"] = acc[_CNT]
                row[f"{name}_sum"] = acc[_SUM]
                row[f"{name}_min"] = acc[_MIN]
                row[f"{name}_max"] = acc[_MAX]
                row[f"{name}_pct_95"] = _round(pct_95)
                row[f"{name}_stddev"] = _round(stddev)
                row[f"{name}_median"] = _round(median)
        return row

    def stats(self) -> dict[str, int]:
        return {
            "events_read": self.events_read,
            "events_in_window": self.events_in_window,
            "events_outside_window": self.events_outside_window,
            "classes": len(self._classes),
        }


@dataclass
class DigestResult:
    """The classes (see ``Digest.classes``) and what was read to produce them."""

    classes: list[dict[str, Any]]
    stats: dict[str, Any] = field(default_factory=dict)


def _stderr_progress() -> Callable[[dict[str, Any]], None]:
    last = [0.0]

    def report(figures: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            print(f"\r{figures['file']}: {figures['bytes_read'] / 1e6:,.1f} MB, {figures['events_read']:,} events, "
                  f"{figures['classes']:,} classes", end="", file=sys.stderr, flush=True)
            report.printed = True  # type: ignore[attr-defined]

    return report


def digest_events(
    events: Iterable[SlowEvent], *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> Digest:
    """Aggregate an iterable of events (convenience for tests and callers with their own source)."""
    digest = Digest(since=since, until=until)
    add = digest.add
    for event in events:
        add(event)
    return digest


def digest_paths(
    paths: list[str],
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    default_tz: dt.tzinfo = UTC,
    progress: bool | Callable[[dict[str, Any]], None] = False,
) -> DigestResult:
    """Digest slow-log files (plain or .gz; globs allowed), in the order ``expand_paths`` gives.

    ``progress``: True prints a status line to stderr about once a second (for a terminal); a
    callable gets the same figures as a dict. Either way each finished file is logged at INFO,
    which is what an Airflow task log shows.
    """
    from themis.slowlog.sources import expand_paths, open_slowlog

    files = expand_paths(paths)
    report = _stderr_progress() if progress is True else (progress or None)
    digest = Digest(since=since, until=until)
    add = digest.add
    bytes_read = skipped = non_utf8 = 0
    skipped_offsets: list[dict[str, Any]] = []
    per_file: list[dict[str, Any]] = []
    for path in files:
        stats = ParseStats()
        with open_slowlog(path) as stream:
            events = iter_events(stream, default_tz=default_tz, stats=stats)
            if report is None:
                for event in events:
                    add(event)
            else:
                for count, event in enumerate(events, 1):
                    add(event)
                    if not count & 0xFFF:
                        report({"file": path, "bytes_read": bytes_read + stats.bytes_read,
                                "events_read": digest.events_read, "classes": len(digest)})
        bytes_read += stats.bytes_read
        skipped += stats.skipped
        non_utf8 += stats.non_utf8
        for offset in stats.skipped_offsets:
            if len(skipped_offsets) < _STATS_OFFSETS_KEPT:
                skipped_offsets.append({"file": path, "offset": offset})
        if stats.skipped:
            log.warning("%s: skipped %d malformed entr%s (%s) at byte offsets %s%s", path, stats.skipped,
                        "y" if stats.skipped == 1 else "ies", stats.skip_reasons, stats.skipped_offsets[:10],
                        " ..." if stats.skipped > 10 else "")
        if stats.read_error:
            log.warning("%s: stopped at byte %d: %s", path, stats.bytes_read, stats.read_error)
        log.info("%s: %d bytes, %d events, %d skipped; %d classes so far", path, stats.bytes_read,
                 stats.events, stats.skipped, len(digest))
        per_file.append({"file": path, **stats.as_dict()})

    if progress is True and report is not None and getattr(report, "printed", False):
        print(file=sys.stderr)  # end the \r status line
    result_stats: dict[str, Any] = {
        "files": files,
        "bytes_read": bytes_read,
        **digest.stats(),
        "skipped_entries": skipped,
        "skipped_offsets": skipped_offsets,
        "non_utf8_entries": non_utf8,
        "per_file": per_file,
        "since": _iso(since),
        "until": _iso(until),
    }
    return DigestResult(classes=digest.classes(), stats=result_stats)
