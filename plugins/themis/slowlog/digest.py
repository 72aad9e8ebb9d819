"""Per-fingerprint aggregation of slow-log events, equal to pt-query-digest's where it matters.

``Digest`` is a streaming aggregator: memory grows with the number of distinct fingerprints (and
the handful of log buckets each attribute fills), never with the number of events. Its output is
one plain-JSON dict per class whose keys are pt-query-digest's ``--history`` column names
(``Query_time_sum``, ``Rows_examined_pct_95``, ``QC_Hit_cnt`` ...), so a class can be written to a
pt-compatible ``query_history`` table or our store unchanged.

Exact like pt: count, sum, min, max. Approximate like pt: pct_95, median and stddev come from 1000
logarithmic buckets 5% wide starting at 1e-6 (pt's EventAggregator), including its special cases for
one and two values; we reproduce the same bucket arithmetic so even these match its report.

Everything here is *independent of the order of the events*, so a digest can be computed in pieces
(file chunks in several processes, a retry after a crash) and merged, with a result identical to the
bit to one pass over the file:

* sums are exact: integers as integers, times with up to six decimals as integer microseconds, any
  other float as an exact binary fraction; the float is rounded once, at the end (pt adds floats in
  file order; the two agree to far more digits than pt prints);
* the sample is the execution with the largest Query_time, the later one (by position in the input)
  on a tie, as in pt; a class without any Query_time keeps its first statement;
* a Yes/No value (or ``Killed``) always counts as a boolean, a number always as a number.

Samples and fingerprints leave the digest with the passwords of account-management statements
redacted (``themis.redact``); checksums are those of the unredacted fingerprints, as pt's.

The window filter is half-open, ``[since, until)``, on the event time, so consecutive Airflow data
intervals never count an event twice. Events without any time are outside every bounded window.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable

from themis.redact import redact_sql
from themis.slowlog.accel import load
from themis.slowlog.fingerprint import checksum, fingerprint
from themis.slowlog.parser import SlowEvent

__all__ = ["Digest", "DigestResult", "digest_paths", "digest_events", "storable_text", "bucket_index"]

log = logging.getLogger(__name__)

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = dt.timedelta(microseconds=1)

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

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

_kernels = load()  # the optional C kernels (see _speedups.c); chunk.use_speedups(False) turns them off
metrics_kernel = _kernels.metrics if _kernels is not None else None
_STATS_OFFSETS_KEPT = 20
_BIN_SHIFT = 1074  # an exact float is an integer number of 2**-1074 (the smallest subnormal)


def bucket_index(value: float) -> int:
    """pt's bucket for a value: 0 below 1e-6, else floor(offset + log(v)/log(1.05)), capped at 999."""
    if value < _MIN_BUCKET:
        return 0
    if not value < _HUGE:  # inf (and NaN) would break log(); they belong in the top bucket anyway
        return _NUM_BUCKETS - 1
    idx = int(_BASE_OFFSET + math.log(value) / _BASE_LOG)
    return idx if idx < _NUM_BUCKETS - 1 else _NUM_BUCKETS - 1


SMALL_INT_BUCKETS = [bucket_index(i) for i in range(1024)]


def _bucket(value: float) -> int:
    if type(value) is int and 0 <= value < 1024:
        return SMALL_INT_BUCKETS[value]
    return bucket_index(value)


def exact_float_parts(value: float) -> tuple[int, int]:
    """``(micro, binary)``: ``value`` as integer microseconds when it has at most six decimals
    (what servers write), else as an integer number of 2**-1074. Exactly one part is non-zero."""
    if -1e9 < value < 1e9:  # the microseconds fit a float's 53 bits exactly
        micro = round(value * 1e6)
        if micro / 1e6 == value:
            return micro, 0
    num, den = value.as_integer_ratio()
    return 0, num << (_BIN_SHIFT - den.bit_length() + 1)


class NumAcc:
    """A numeric attribute of one class: count, exact sum, min, max and pt's log buckets."""

    __slots__ = ("cnt", "isum", "usum", "bsum", "floats", "lo", "hi", "buckets")

    def __init__(self) -> None:
        self.cnt = 0
        self.isum = 0  # integers
        self.usum = 0  # floats with <= 6 decimals, in microseconds
        self.bsum = 0  # other floats, in units of 2**-1074
        self.floats = False  # any float seen: the sum is a float, as in pt
        self.lo: float | None = None
        self.hi: float | None = None
        self.buckets: dict[int, int] = {}

    def add(self, value: float) -> None:
        self.cnt += 1
        if type(value) is int:
            self.isum += value
        else:
            self.floats = True
            micro, binary = exact_float_parts(value)
            self.usum += micro
            self.bsum += binary
        self.bound(value, value)
        idx = _bucket(value)
        self.buckets[idx] = self.buckets.get(idx, 0) + 1

    def __reduce__(self) -> tuple[Any, ...]:  # a tuple pickles several times faster than slots
        return (_num_acc, (self.cnt, self.isum, self.usum, self.bsum, self.floats, self.lo, self.hi, self.buckets))

    def bound(self, lo: float, hi: float) -> None:
        """Widen min/max; on equal values an int wins over a float, so the result is order-free."""
        cur = self.lo
        if cur is None or lo < cur or (lo == cur and type(lo) is int):
            self.lo = lo
        cur = self.hi
        if cur is None or hi > cur or (hi == cur and type(hi) is int):
            self.hi = hi

    def merge(self, other: "NumAcc") -> None:
        self.cnt += other.cnt
        self.isum += other.isum
        self.usum += other.usum
        self.bsum += other.bsum
        self.floats = self.floats or other.floats
        if other.lo is not None and other.hi is not None:
            self.bound(other.lo, other.hi)
        buckets = self.buckets
        for idx, count in other.buckets.items():
            buckets[idx] = buckets.get(idx, 0) + count

    def total(self) -> float | int:
        if not self.floats:
            return self.isum
        if not self.bsum:
            return (self.isum * 1_000_000 + self.usum) / 1_000_000  # int / int: correctly rounded
        exact = Fraction(self.isum) + Fraction(self.usum, 1_000_000) + Fraction(self.bsum, 2**_BIN_SHIFT)
        return float(exact)

    def metrics(self) -> tuple[float, float, float]:
        """(pct_95, stddev, median) from the buckets, exactly as pt's ``_calc_metrics``."""
        n, lo, hi, buckets = self.cnt, self.lo, self.hi, self.buckets
        assert lo is not None and hi is not None
        if metrics_kernel is not None:  # the same arithmetic in C (see _speedups.c)
            found = metrics_kernel(buckets, n, lo, hi, _BUCKET_VALUES)
            if found is not None:
                return found
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


def _num_acc(*fields: Any) -> NumAcc:
    acc = NumAcc.__new__(NumAcc)
    acc.cnt, acc.isum, acc.usum, acc.bsum, acc.floats, acc.lo, acc.hi, acc.buckets = fields
    return acc


class BoolAcc:
    """A Yes/No attribute of one class: how many events had it, how many said Yes."""

    __slots__ = ("cnt", "yes")

    def __init__(self) -> None:
        self.cnt = 0
        self.yes = 0

    def __reduce__(self) -> tuple[Any, ...]:
        return (_bool_acc, (self.cnt, self.yes))

    def add(self, value: float) -> None:
        self.cnt += 1
        if value:
            self.yes += 1

    def merge(self, other: "BoolAcc") -> None:
        self.cnt += other.cnt
        self.yes += other.yes


def _bool_acc(cnt: int, yes: int) -> BoolAcc:
    acc = BoolAcc.__new__(BoolAcc)
    acc.cnt, acc.yes = cnt, yes
    return acc


class InheritedDb:
    """Placeholder for "the db in force where chunk ``chunk`` starts", resolved when chunks are merged.

    A chunk processed on its own does not know the db its first entries inherit (MySQL writes
    ``use db;`` only when it changes); the runner knows it once the chunks before are done.
    """

    __slots__ = ("chunk",)

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk

    def __repr__(self) -> str:
        return f"InheritedDb({self.chunk})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (InheritedDb, (self.chunk,))


SampleKey = tuple[int, Any, int, int]  # (has Query_time, Query_time, file index, offset)


class ClassAcc:
    """Everything kept for one fingerprint; mergeable, and order-free (see the module docstring)."""

    __slots__ = ("fingerprint", "count", "nums", "bools", "sample_key", "sample", "sample_db", "sample_ts",
                 "ts_min", "ts_max", "ts_cnt", "dbs", "users", "hosts", "inherited_db")

    def __init__(self, fp: str) -> None:
        self.fingerprint = fp
        self.count = 0
        self.nums: dict[str, NumAcc] = {}
        self.bools: dict[str, BoolAcc] = {}
        self.sample_key: SampleKey | None = None
        self.sample: str | None = None
        self.sample_db: str | InheritedDb | None = None
        self.sample_ts: int | None = None  # microseconds since the epoch
        self.ts_min: int | None = None
        self.ts_max: int | None = None
        self.ts_cnt = 0
        self.dbs: str | None = None  # the maxima (pt's db / user / host "value")
        self.users: str | None = None
        self.hosts: str | None = None
        self.inherited_db: set[int] | None = None  # chunks whose inherited db this class saw

    def __reduce__(self) -> tuple[Any, ...]:
        return (_class_acc, tuple(getattr(self, name) for name in ClassAcc.__slots__))

    def offer_sample(self, key: SampleKey, query: str, db: str | InheritedDb | None, ts: int | None) -> None:
        """Keep the worst execution: larger (has_qt, qt), then later in the input; a class without
        Query_time keeps its first statement (``key`` then has a negated position)."""
        cur = self.sample_key
        if cur is None or key > cur:
            self.sample_key = key
            self.sample = query
            self.sample_db = db
            self.sample_ts = ts

    def note_ts(self, lo: int, hi: int, count: int) -> None:
        self.ts_cnt += count
        if self.ts_min is None or lo < self.ts_min:
            self.ts_min = lo
        if self.ts_max is None or hi > self.ts_max:
            self.ts_max = hi

    def note_names(self, db: str | None, user: str | None, host: str | None) -> None:
        if db is not None and (self.dbs is None or db > self.dbs):
            self.dbs = db
        if user is not None and (self.users is None or user > self.users):
            self.users = user
        if host is not None and (self.hosts is None or host > self.hosts):
            self.hosts = host

    def note_inherited(self, chunk: int) -> None:
        if self.inherited_db is None:
            self.inherited_db = {chunk}
        else:
            self.inherited_db.add(chunk)

    def num(self, name: str) -> NumAcc:
        acc = self.nums.get(name)
        if acc is None:
            acc = self.nums[name] = NumAcc()
        return acc

    def boolean(self, name: str) -> BoolAcc:
        acc = self.bools.get(name)
        if acc is None:
            acc = self.bools[name] = BoolAcc()
        return acc

    def merge(self, other: "ClassAcc") -> None:
        self.count += other.count
        for name, acc in other.nums.items():
            mine = self.nums.get(name)
            if mine is None:
                self.nums[name] = acc
            else:
                mine.merge(acc)
        for name, bacc in other.bools.items():
            bmine = self.bools.get(name)
            if bmine is None:
                self.bools[name] = bacc
            else:
                bmine.merge(bacc)
        if other.sample_key is not None:
            self.offer_sample(other.sample_key, other.sample or "", other.sample_db, other.sample_ts)
        if other.ts_cnt:
            assert other.ts_min is not None and other.ts_max is not None
            self.note_ts(other.ts_min, other.ts_max, other.ts_cnt)
        self.note_names(other.dbs, other.users, other.hosts)
        if other.inherited_db:
            for chunk in other.inherited_db:
                self.note_inherited(chunk)

    def resolve_inherited(self, db_at_chunk: Callable[[int], str | None]) -> None:
        """Replace ``InheritedDb`` placeholders by the db in force at those chunks' starts."""
        if self.inherited_db:
            for chunk in sorted(self.inherited_db):
                db = db_at_chunk(chunk)
                if db is not None and (self.dbs is None or db > self.dbs):
                    self.dbs = db
            self.inherited_db = None
        if isinstance(self.sample_db, InheritedDb):
            self.sample_db = db_at_chunk(self.sample_db.chunk)


def _class_acc(*fields: Any) -> ClassAcc:
    cls = ClassAcc.__new__(ClassAcc)
    for name, value in zip(ClassAcc.__slots__, fields):
        setattr(cls, name, value)
    return cls


_ADMIN_ROWS = ("Rows_sent", "Rows_examined", "Rows_read", "Rows_affected")


def storable_text(text: str | None) -> str | None:
    """Text safe for JSON / SQLite / Mongo: undecodable bytes become U+FFFD."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def to_micros(moment: dt.datetime) -> int:
    return (moment - EPOCH) // ONE_US


def from_micros(micros: int | None) -> dt.datetime | None:
    return None if micros is None else EPOCH + dt.timedelta(microseconds=micros)


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def _iso_us(micros: int | None) -> str | None:
    return _iso(from_micros(micros))


def _round(value: float) -> float | int:
    return value if type(value) is int else round(value, 6)


def _plain(value: Any) -> Any:
    """Integers beyond int64 (garbage counters) become floats, which every store accepts."""
    if type(value) is int and not _INT64_MIN <= value <= _INT64_MAX:
        return float(value)
    return value


class Digest:
    """Streaming aggregator: ``add`` events (or ``merge`` other digests), then read ``classes()``.

    ``since`` / ``until`` (aware datetimes) bound the window ``[since, until)``; either may be None.
    """

    def __init__(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> None:
        for name, bound in (("since", since), ("until", until)):
            if bound is not None and bound.tzinfo is None:
                raise ValueError(f"digest window {name} must be timezone-aware, got {bound!r}")
        self.since = since
        self.until = until
        self.since_us = None if since is None else to_micros(since)
        self.until_us = None if until is None else to_micros(until)
        self.events_read = 0
        self.events_in_window = 0
        self.events_outside_window = 0
        self._classes: dict[str, ClassAcc] = {}
        self._fp_cache: dict[str, str] = {}

    # ----------------------------------------------------------------------------------- input
    def in_window(self, ts_us: int | None) -> bool:
        if self.since_us is None and self.until_us is None:
            return True
        if ts_us is None:
            return False
        return (self.since_us is None or ts_us >= self.since_us) and (self.until_us is None or ts_us < self.until_us)

    def class_for(self, fp: str) -> ClassAcc:
        cls = self._classes.get(fp)
        if cls is None:
            cls = self._classes[fp] = ClassAcc(fp)
        return cls

    def add(self, event: SlowEvent, *, file_index: int = 0, db: str | InheritedDb | None = None) -> bool:
        """Aggregate one event; return False (and count it) when it falls outside the window.

        ``db`` overrides ``event.db`` (the chunked runner passes an ``InheritedDb`` placeholder).
        """
        self.events_read += 1
        ts_us = None if event.ts is None else to_micros(event.ts)
        if not self.in_window(ts_us):
            self.events_outside_window += 1
            return False
        self.events_in_window += 1

        query = event.query
        fp = self._fp_cache.get(query)
        if fp is None:
            fp = fingerprint(query)
            if len(query) <= 4096:
                if len(self._fp_cache) >= 20_000:
                    self._fp_cache.clear()
                self._fp_cache[query] = fp
        cls = self.class_for(fp)
        cls.count += 1
        add_attrs(cls, event.attrs, admin=query.startswith("administrator command:"))
        qt = event.attrs.get("Query_time")
        if qt is not None:
            key: SampleKey = (1, qt, file_index, event.offset)
        else:
            key = (0, 0, -file_index, -event.offset)
        event_db: str | InheritedDb | None = event.db if db is None else db
        cls.offer_sample(key, query, event_db, ts_us)
        if ts_us is not None:
            cls.note_ts(ts_us, ts_us, 1)
        if isinstance(event_db, InheritedDb):
            cls.note_inherited(event_db.chunk)
            event_db = None
        cls.note_names(event_db, event.user, event.host)
        return True

    def merge(self, other: "Digest") -> None:
        """Add another digest's classes and counters (order does not matter)."""
        self.events_read += other.events_read
        self.events_in_window += other.events_in_window
        self.events_outside_window += other.events_outside_window
        for fp, cls in other._classes.items():
            mine = self._classes.get(fp)
            if mine is None:
                self._classes[fp] = cls
            else:
                mine.merge(cls)

    def resolve_inherited(self, db_at_chunk: Callable[[int], str | None]) -> None:
        for cls in self._classes.values():
            cls.resolve_inherited(db_at_chunk)

    # ---------------------------------------------------------------------------------- output
    def __len__(self) -> int:
        return len(self._classes)

    def classes(self) -> list[dict[str, Any]]:
        """One plain-JSON dict per class, worst total Query_time first (pt's default order)."""
        out = [self._class_dict(cls) for cls in self._classes.values()]
        out.sort(key=lambda c: (-(c.get("Query_time_sum") or 0), c["checksum"]))
        return out

    @staticmethod
    def _class_dict(cls: ClassAcc) -> dict[str, Any]:
        sample_db = cls.sample_db if isinstance(cls.sample_db, str) else None
        # Where a class leaves the engine: credentials are redacted here, the checksum is pt's, of
        # the unredacted fingerprint (see themis.redact).
        row: dict[str, Any] = {
            "checksum": checksum(cls.fingerprint),
            "fingerprint": storable_text(redact_sql(cls.fingerprint)),
            "sample": storable_text(redact_sql(cls.sample)),
            "sample_db": sample_db,
            "sample_ts": _iso_us(cls.sample_ts),
            "query_count": cls.count,
            "db_max": cls.dbs,
            "user_max": cls.users,
            "host_max": cls.hosts,
            "ts_min": _iso_us(cls.ts_min),
            "ts_max": _iso_us(cls.ts_max),
            "ts_cnt": cls.ts_cnt,
        }
        for name in sorted(set(cls.nums) | set(cls.bools)):
            acc = cls.nums.get(name)
            if acc is not None:
                assert acc.lo is not None and acc.hi is not None
                pct_95, stddev, median = acc.metrics()
                row[f"{name}_cnt"] = acc.cnt
                row[f"{name}_sum"] = _plain(acc.total())
                row[f"{name}_min"] = _plain(acc.lo)
                row[f"{name}_max"] = _plain(acc.hi)
                row[f"{name}_pct_95"] = _plain(_round(pct_95))
                row[f"{name}_stddev"] = _plain(_round(stddev))
                row[f"{name}_median"] = _plain(_round(median))
            else:
                bacc = cls.bools[name]
                row[f"{name}_cnt"] = bacc.cnt
                row[f"{name}_sum"] = bacc.yes
        return row

    def stats(self) -> dict[str, int]:
        return {
            "events_read": self.events_read,
            "events_in_window": self.events_in_window,
            "events_outside_window": self.events_outside_window,
            "classes": len(self._classes),
        }


def add_attrs(cls: ClassAcc, attrs: dict[str, float | int | bool], *, admin: bool = False) -> None:
    """Aggregate one event's attributes into its class (the reference, per-event path).

    Row counts of ``administrator command:`` entries are left over from the session's previous
    statement (MySQL logs them stale), so pt-query-digest zeroes them; so do we.
    """
    for name, value in attrs.items():
        if name in IGNORED_ATTRIBUTES:
            continue
        if type(value) is bool or name in BOOLEAN_ATTRIBUTES:
            cls.boolean(name).add(value)
        else:
            if admin and name in _ADMIN_ROWS:
                value = 0
            cls.num(name).add(value)


@dataclass
class DigestResult:
    """The classes (see ``Digest.classes``) and what was read to produce them."""

    classes: list[dict[str, Any]]
    stats: dict[str, Any] = field(default_factory=dict)


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
    workers: int | None = None,
    engine: str = "fast",
    min_mtime: float | None = None,
) -> DigestResult:
    """Digest slow-log files (plain or .gz; globs allowed), in the order ``expand_paths`` gives.

    ``progress``: True draws a progress bar on stderr (for a terminal); a callable gets the figures
    as a dict about once a second. Either way each finished file is logged at INFO, which is what an
    Airflow task log shows. ``workers``: processes to use (None: one per CPU, at most 4; 1: none).
    ``engine``: "fast" (bytes-level, chunked) or "reference" (the line parser, one event at a time);
    both give identical results. ``min_mtime``: skip files last written before this epoch time (they
    cannot hold events of the window).
    """
    from themis.slowlog.runner import run_digest

    return run_digest(paths, since=since, until=until, default_tz=default_tz, progress=progress,
                      workers=workers, engine=engine, min_mtime=min_mtime)
