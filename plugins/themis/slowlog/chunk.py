"""The fast path: one chunk of a slow log, bytes in, aggregates out.

``parser.iter_events`` reads a log one line at a time and builds an event object per entry: clear,
and the reference for what every entry means, but about 30 µs of Python per entry. Here the regular
entries -- the ones every server writes all day -- are taken apart by one regular expression per
entry (or by ``_speedups.scan``, the same grammar in C), and their values wait in batches per class
to be aggregated column by column. Anything else (administrator commands, restart banners, comment
lines inside a statement, truncated or garbled entries, the last partial line) is handed to the
reference parser, from the last clean cut before it to the next one, so each entry means exactly
what the reference says it means. ``tests/unit/test_slowlog_chunk.py`` checks that both give
identical digests on the sample logs, on hand-made oddities and on fuzzed input, with and without
the C kernels.

What makes an entry "regular" (``ENTRY``): an optional ``# Time:`` line, a ``# User@Host:`` line,
``#`` lines, ``use``/``SET timestamp`` lines, then statement lines that do not start with ``#``, the
last one ending in ``;``, followed by the next entry's first line (or the end of the chunk). Its
``#`` attribute lines must fit a *shape* (``Shape``): the same keys in the same order, with values of
the same type, as an earlier entry; a shape is learned once, and checked against the reference
parser's reading of the entry it is learned from.

A chunk is processed without knowing the ``# Time:`` and db the entries at its start inherit from
the chunk before (pt's ``--inherit-attributes db,ts``). Entries before the first one with its own
``# Time:`` are not aggregated but handed back (``ChunkInfo.head``) for the runner to digest once it
knows the inherited time; entries before the first own db are aggregated with an ``InheritedDb``
placeholder the runner resolves at the end.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable

from themis.slowlog.accel import load
from themis.slowlog.digest import (
    _BASE_LOG, _BASE_OFFSET, BOOLEAN_ATTRIBUTES, IGNORED_ATTRIBUTES, SMALL_INT_BUCKETS,
    BoolAcc, ClassAcc, Digest, InheritedDb, NumAcc, bucket_index, exact_float_parts, from_micros, to_micros,
)
from themis.slowlog.fingerprint import Fingerprinter
from themis.slowlog.parser import (
    _ATTR_LINE, _BANNER, _ENTRY_START, _META_SET, _RENAME, _USE, _USER_HOST, CLOSED, MAX_RECORDED_OFFSETS,
    Carry, ParseStats, _attr_pairs, _decode_name, _parse_set_timestamp, _parse_time_line, _strip_backticks,
    convert_value, iter_events, statement_state,
)

_speedups = load()  # the optional C kernels (see _speedups.c); the pure-Python twins below give the same results

__all__ = ["ChunkContext", "ChunkInfo", "process_chunk", "next_boundary"]

UNKNOWN_TS = object()  # the time a chunk's first entries inherit: known only to the runner

ENTRY = re.compile(
    rb"(?:\# Time:([^\n]*+)\n)?"
    rb"\# User@Host:([^\n]*+)\n"
    rb"((?:\#(?! Time:| User@Host:| administrator command:)[^\n]*+\n)*+)"
    rb"((?:(?:use |SET (?:timestamp|last_insert_id|insert_id))[^\n]*+\n)*+)"
    rb"([^\#\n][^\n]*+\n(?:[^\#\n][^\n]*+\n|\n)*+)"
    rb"(?=\# (?:Time|User@Host|Thread_id|Query_time):|\Z)"
)

# A clean place to cut: an entry's first line right after a line that can only be statement text
# ending in ';' -- wherever the parser was before, it is then in a statement, and that line ends it.
_CUT = re.compile(rb"\n(?=\# (?:Time|User@Host):)")
_NOT_STATEMENT = (b"#", b"use ", b"SET timestamp", b"SET last_insert_id", b"SET insert_id")

_VALUE = rb"(\S*[^\s:])"
_NON_ATTR_LINES = rb"(?:\#(?! +[A-Z][A-Za-z_]+: \S)[^\n]*+\n)*+"
_MAX_SHAPES = 64
_PENDING_LIMIT = 16384  # events waiting in all batches before the big batches are folded
_SMALL_BATCH = 32  # a class with fewer waiting events is left to wait (up to half the limit in all)


def _statement_end(line: bytes) -> bool:
    """Whether ``line`` can only be the last line of a statement, whatever came before it."""
    if line.endswith(b"\r"):
        line = line[:-1]
    return (line.endswith(b";") and not line.startswith(_NOT_STATEMENT)
            and not ((line[:1] == b"T" or b", Version" in line) and _BANNER.match(line) is not None))


def _open_before(data: bytes, cut: int) -> bool:
    """Whether the statement that ``cut`` would end has a quote or comment open there, as far as
    ``data`` shows: the statement is taken to start after the last entry header block before
    ``cut`` (none in ``data``: it cannot be told, and the cut is taken). That block may itself be
    text inside an older statement; the runner finds out (``ChunkInfo.ends_open``) and reads the
    file again with the reference parser (``runner.run_digest``)."""
    line_start = cut
    while line_start > 0:
        line_start = data.rfind(b"\n", 0, line_start - 1) + 1
        if data.startswith(_ENTRY_START, line_start):
            break
    else:
        return False
    statement = line_start
    while statement < cut and data.startswith((b"#", *_META_SET, b"use "), statement):
        statement = data.index(b"\n", statement) + 1
    return statement_state(data[statement:cut]) != CLOSED


def next_boundary(data: bytes, pos: int, end: int | None = None, *, starts_line: bool = True) -> int:
    """The first clean cut at or after ``pos`` (see ``_CUT``), or ``end`` (default: len(data)).

    At a clean cut the reference parser starts a fresh entry whatever it was doing, so the text on
    either side can be parsed on its own. ``starts_line``: ``data`` begins at the start of a line
    (else a cut whose previous line begins at ``data[0]`` is not considered: that line may be partial).
    A header line where the statement before it has a quote or comment open is no cut: the
    reference parser reads it as statement text (``parser.statement_state``).
    """
    limit = len(data) if end is None else end
    if pos <= 0 and starts_line:
        return 0
    search_from = max(pos - 1, 0)
    while True:
        found = _CUT.search(data, search_from, limit)
        if found is None:
            return limit
        newline = found.start()
        before = data.rfind(b"\n", 0, newline)
        if (starts_line or before >= 0) and _statement_end(data[before + 1:newline]) and newline + 1 >= pos \
                and not _open_before(data, newline + 1):
            return newline + 1
        search_from = newline + 1


# ------------------------------------------------------------------------------------------ shapes
#
# A shape is the attribute block of an entry with its keys fixed and its values typed: a Query_time
# written with six decimals, a Rows_examined written as digits, a Full_scan written Yes/No. Its
# regular expression only matches blocks that the reference parser reads into exactly these keys
# and values (``learn_shape`` checks it on the block it learns from), and the types let a column of
# values be converted without checking each one.

_KIND_PATTERNS = {
    "dec6": rb"(\d{1,9}\.\d{6})",  # < 1e9: its float maps back to exact microseconds
    "int": rb"(\d{1,19})",  # < 1e19 < 2**64
    "bool": rb"(Yes|No|YES|NO)",
    "other": _VALUE,
}
_KIND_TESTS = [("dec6", re.compile(rb"\d{1,9}\.\d{6}")), ("int", re.compile(rb"\d{1,19}")),
               ("bool", re.compile(rb"Yes|No|YES|NO"))]
_NON_ATTR_LINES_IN_ENTRY = rb"(?:\#(?! +[A-Z][A-Za-z_]+: \S| Time:| User@Host:| administrator command:)[^\n]*+\n)*+"
_ENTRY_HEAD = rb"(?:\# Time:([^\n]*+)\n)?\# User@Host:((?:[^\n]*\])?)[^\n]*+\n"
_ENTRY_TAIL = (rb"((?:(?:use |SET (?:timestamp|last_insert_id|insert_id))[^\n]*+\n)*+)"
               rb"([^\#\n][^\n]*+\n(?:[^\#\n][^\n]*+\n|\n)*+)"
               rb"(?=\# (?:Time|User@Host|Thread_id|Query_time):|\Z)")


class Shape:
    """The attribute lines of an entry: which keys, in which order, and how their values look."""

    __slots__ = ("regex", "entry", "names", "kinds", "schema", "metrics", "qt", "width", "spec", "keep")

    def __init__(self, body: bytes, names: list[str], kinds: list[str],
                 spec: tuple[tuple[tuple[bytes, int, int], ...], ...] = ()) -> None:
        self.regex = re.compile(body)
        self.entry = re.compile(_ENTRY_HEAD + body.replace(_NON_ATTR_LINES, _NON_ATTR_LINES_IN_ENTRY) + _ENTRY_TAIL)
        self.names = names
        self.kinds = kinds
        self.schema = names.index("Schema") if "Schema" in names else -1
        self.metrics = [(i, n, kinds[i]) for i, n in enumerate(names)
                        if n != "Schema" and n not in IGNORED_ATTRIBUTES]
        self.qt = names.index("Query_time") if "Query_time" in names else -1
        self.width = len(names)
        self.spec = spec  # for _speedups.scan: per line (key, kind code, glued after an empty Schema:)
        metric_indexes = {i for i, _, _ in self.metrics}
        self.keep = tuple(i in metric_indexes for i in range(len(names)))


def _kind(name: str, token: bytes) -> str:
    if name == "Schema" or name in IGNORED_ATTRIBUTES or name in BOOLEAN_ATTRIBUTES:
        return "other"
    for kind, test in _KIND_TESTS:
        if test.fullmatch(token):
            return kind
    return "other"


_KIND_NUMBERS = {"dec6": 0, "int": 1, "bool": 2, "other": 3}


def _line_pattern(line: bytes) -> tuple[bytes, list[str], list[str], tuple[tuple[bytes, int, int], ...]] | None:
    """The regex for one attribute line, its key names, value kinds and scan spec; None when it
    cannot be a shape."""
    body = line.rstrip(b"\r\n")
    tokens = body.split()
    if len(tokens) < 3 or tokens[0] != b"#":
        return None
    parts = [rb"\# +"]
    names: list[str] = []
    kinds: list[str] = []
    items: list[tuple[bytes, int, int]] = []
    i = 1
    first = True
    glued = False
    while i < len(tokens):
        key = tokens[i]
        if not re.fullmatch(rb"\w+:", key):
            return None
        word = key[:-1]
        if word == b"Schema" and not first and i + 1 < len(tokens) and re.fullmatch(rb"\w+:", tokens[i + 1]):
            parts.append(rb"[^\S\n]+Schema:[^\S\n]+(?=\w+: )")  # MariaDB's empty Schema: (pt drops it)
            glued = True
            i += 1
            continue
        if i + 1 >= len(tokens) or tokens[i + 1].endswith(b":"):
            return None
        name = word.decode("ascii")
        name = _RENAME.get(name, name)
        kind = _kind(name, tokens[i + 1])
        sep = rb": " if first else rb":[^\S\n]+"
        parts.append((b"" if first or glued else rb"[^\S\n]+") + re.escape(word) + sep + _KIND_PATTERNS[kind])
        items.append((word, _KIND_NUMBERS[kind], int(glued)))
        glued = False
        names.append(name)
        kinds.append(kind)
        first = False
        i += 2
    parts.append(rb"[^\S\n]*\n")
    return b"".join(parts), names, kinds, tuple(items)


def learn_shape(block: bytes) -> Shape | None:
    """A shape for this block of ``#`` lines, if the reference parser would read it the same way."""
    parts = [_NON_ATTR_LINES]
    names: list[str] = []
    kinds: list[str] = []
    spec: list[tuple[tuple[bytes, int, int], ...]] = []
    for line in block.split(b"\n")[:-1]:
        line += b"\n"
        if not _ATTR_LINE.match(line):
            continue
        pattern = _line_pattern(line)
        if pattern is None:
            return None
        parts.append(pattern[0])
        parts.append(_NON_ATTR_LINES)
        names.extend(pattern[1])
        kinds.extend(pattern[2])
        spec.append(pattern[3])
    if len(set(names)) != len(names):
        return None  # a key twice: the reference keeps the last valid value
    try:
        shape = Shape(b"".join(parts), names, kinds, tuple(spec))
    except re.error:
        return None
    # Sanity: the shape must read this block exactly as the reference does.
    match = shape.regex.fullmatch(block)
    if match is None:
        return None
    mine = dict(zip(names, match.groups()))
    attrs: dict[str, Any] = {}
    schema = None
    for line in block.split(b"\n")[:-1]:
        line += b"\n"
        if _ATTR_LINE.match(line):
            pairs, line_schema = _attr_pairs(line)
            attrs.update(pairs)
            if line_schema is not None:
                schema = line_schema
    ours = {n: convert_value(v) for n, v in mine.items() if n != "Schema"}
    if {n: v for n, v in ours.items() if v is not None} != attrs or mine.get("Schema") != schema:
        return None
    return shape


class ShapeBook:
    """Learned shapes, the last one used first."""

    __slots__ = ("shapes", "last", "unlearnable")

    def __init__(self) -> None:
        self.shapes: list[Shape] = []
        self.last: Shape | None = None
        self.unlearnable: set[bytes] = set()

    def find(self, block: bytes) -> Shape | None:
        """The shape that reads ``block``: a known one, else a new one learned from it."""
        for shape in self.shapes:
            if shape.regex.fullmatch(block) is not None:
                self.last = shape
                return shape
        if len(self.shapes) >= _MAX_SHAPES:
            return None
        skeleton = re.sub(rb":[^\S\n]+\S+", b":", block)
        if skeleton in self.unlearnable:
            return None
        shape = learn_shape(block)
        if shape is None:
            if len(self.unlearnable) < 256:
                self.unlearnable.add(skeleton)
            return None
        self.shapes.append(shape)
        self.last = shape
        return shape


# ------------------------------------------------------------------------------------------ state


class ChunkContext:
    """What a worker keeps from one chunk to the next: caches, learned shapes, the window."""

    def __init__(self, *, default_tz: dt.tzinfo, since_us: int | None, until_us: int | None) -> None:
        self.tz = default_tz
        self.since_us = since_us
        self.until_us = until_us
        self.windowed = since_us is not None or until_us is not None
        self.fingerprint = Fingerprinter()
        self.shapes = ShapeBook()
        self.user_host: dict[bytes, tuple[str, str | None] | None] = {}
        self.time_lines: dict[bytes, int | None] = {}
        self.dbs: dict[bytes, str] = {}
        # Events waiting to be folded: (shape, file index) -> fingerprint -> rows.
        self.batches: dict[tuple[Shape, int], dict[str, list[tuple[Any, ...]]]] = {}
        self.pending = 0

    def fold(self, digest: Digest, *, everything: bool = True) -> None:
        """Fold waiting events into ``digest``: all of them, or (when the batches are full) the
        classes with the most waiting, until at most half the limit waits. Folding costs something
        per class, so a rare class waits (for the end, usually) rather than being folded row by row."""
        waiting = [(len(rows), shape, file_index, fp) for (shape, file_index), by_fp in self.batches.items()
                   for fp, rows in by_fp.items()]
        if not everything:
            waiting.sort(key=lambda item: item[0], reverse=True)
            budget = self.pending - _PENDING_LIMIT // 2
            chosen = []
            for item in waiting:
                if item[0] < _SMALL_BATCH and budget <= 0:
                    break
                chosen.append(item)
                budget -= item[0]
            waiting = chosen
        groups: dict[Shape, list[tuple[str, int, list[tuple[Any, ...]]]]] = {}
        for size, shape, file_index, fp in waiting:
            by_fp = self.batches[(shape, file_index)]
            groups.setdefault(shape, []).append((fp, file_index, by_fp.pop(fp)))
            self.pending -= size
        for shape, items in groups.items():
            _fold_group(shape, items, digest)
        if everything:
            self.batches.clear()
            self.pending = 0

    def user_and_host(self, key: bytes) -> tuple[str, str | None] | None:
        """User and host of a ``User@Host`` line, from the line up to its last ``]``."""
        found = self.user_host.get(key, False)
        if found is False:
            match = _USER_HOST.match(b"# User@Host:" + key)
            if match is None:
                found = None
            else:
                user, host, ip, _ = match.groups()
                found = (_decode_name(user) or "", _decode_name(host or ip))
            if len(self.user_host) > 4096:
                self.user_host.clear()
            if found is not None:
                self.user_host[key] = found
        return found  # type: ignore[return-value]

    def time_line(self, raw: bytes) -> int | None:
        """Microseconds of a ``# Time:`` value (``_parse_time_line``), memoised; MySQL's ISO lines
        differ in every entry, so those are memoised to the second."""
        text = raw.strip()
        if len(text) == 27 and text[19:20] == b"." and text[26:27] == b"Z" and text[20:26].isdigit():
            base = self.time_line(text[:19] + b"Z")
            return None if base is None else base + int(text[20:26])
        found = self.time_lines.get(raw, False)
        if found is False:
            moment = _parse_time_line(b"# Time:" + raw, self.tz)
            found = None if moment is None else to_micros(moment)
            if len(self.time_lines) > 4096:
                self.time_lines.clear()
            self.time_lines[raw] = found
        return found  # type: ignore[return-value]

    def db_name(self, raw: bytes) -> str:
        name = self.dbs.get(raw)
        if name is None:
            name = _decode_name(_strip_backticks(raw)) or ""
            if len(self.dbs) > 4096:
                self.dbs.clear()
            self.dbs[raw] = name
        return name


@dataclass
class ChunkInfo:
    """What a processed chunk tells the runner (small: the aggregates stay in the worker's digest)."""

    chunk: int
    file_index: int
    start: int
    end: int
    stats: ParseStats = field(default_factory=ParseStats)
    head: bytes = b""  # the entries before the first one with its own time (not aggregated)
    saw_ts: bool = False
    last_ts: int | None = None  # the time carried out of the chunk, when it had one of its own
    saw_db: bool = False
    last_db: str | None = None
    fast_events: int = 0
    fallback_bytes: int = 0
    ends_open: bool = False  # the chunk's last statement has a quote or comment open: its cut was not clean


# ------------------------------------------------------------------------------------------ folding
#
# A fold takes every waiting batch of one shape at once: each attribute's values of all classes form
# one column, converted with a few C-level passes (int parsing, pt's bucket index by bisection in a
# table of bucket boundaries), and each class takes its segment of the column with sum/min/max/Counter.


def _bucket_bounds(bucket_of: Callable[[int], int], top: int) -> list[int] | None:
    """``bounds[k-1]`` = the smallest n >= 1 with ``bucket_of(n) >= k``, so that
    ``bisect_right(bounds, n) == bucket_of(n)``; None if that fails near a boundary (it cannot
    with a monotonic log(), and then this is checked)."""
    bounds: list[int] = []
    low = 1
    for k in range(1, 1000):
        if bucket_of(top) < k:
            break
        a, b = low, top
        while a < b:
            mid = (a + b) // 2
            if bucket_of(mid) >= k:
                b = mid
            else:
                a = mid + 1
        bounds.append(a)
        low = a
    for bound in set(bounds):
        for n in range(max(bound - 3, 0), bound + 4):
            if bucket_of(n) != bisect_right(bounds, n):
                return None
    return bounds


_BOUNDS: dict[str, list[int] | None] = {}


def _bounds(kind: str) -> list[int] | None:
    if kind not in _BOUNDS:
        if kind == "micro":
            _BOUNDS[kind] = _bucket_bounds(lambda m: bucket_index(m / 1e6), 10**15)
        else:
            _BOUNDS[kind] = _bucket_bounds(lambda n: min(bucket_index(n), 999), 2**64 - 1)
    return _BOUNDS[kind]


def _bucket_list(values: list[int], kind: str) -> list[int]:
    """pt's bucket index of each value: microseconds (``kind`` "micro") or integers ("int")."""
    bounds = _bounds(kind)
    if bounds is not None:
        return list(map(bisect_right, repeat(bounds), values))
    if kind == "micro":
        return [bucket_index(m / 1e6) for m in values]
    return [SMALL_INT_BUCKETS[v] if v < 1024 else bucket_index(v) for v in values]


Segments = list[tuple[ClassAcc, int, int]]  # the class, and its rows [a, b) of the columns


_KIND_CODES = {"dec6": 0, "int": 1, "len": 2}


def _fold_accs_py(column: Any, kind: str, ends: list[int], classes: list[ClassAcc], name: str) -> list[tuple[int, int]]:
    """One numeric column of a batch into each class's NumAcc ``name``: six-decimal floats ("dec6",
    as exact microseconds), digits ("int") or Python ints ("len"); class k has the rows up to
    ``ends[k]``. Returns each segment's (largest value, in microseconds for "dec6"; index of its
    last occurrence). The pure-Python twin of ``_speedups.fold_accs``."""
    if kind == "dec6":
        values: list[int] = list(map(int, b" ".join(column).replace(b".", b"").split()))
    elif kind == "int":
        values = list(map(int, column))
    else:
        values = list(column)
    indexes = _bucket_list(values, "micro" if kind == "dec6" else "int")
    micro = kind == "dec6"
    out = []
    a = 0
    for b, cls in zip(ends, classes):
        acc = cls.nums.get(name)
        if acc is None:
            acc = cls.nums[name] = NumAcc()
        part = values[a:b]
        lo, hi = min(part), max(part)
        out.append((hi, b - 1 - part[::-1].index(hi)))
        acc.cnt += b - a
        if micro:
            acc.floats = True
            acc.usum += sum(part)
            acc.bound(lo / 1e6, hi / 1e6)  # int / float: correctly rounded, the float the text means
        else:
            acc.isum += sum(part)
            acc.bound(lo, hi)
        counts = acc.buckets
        for idx, count in Counter(indexes[a:b]).items():
            counts[idx] = counts.get(idx, 0) + count
        a = b
    return out


def _fold_bools_py(column: tuple[bytes, ...], ends: list[int], classes: list[ClassAcc], name: str) -> None:
    a = 0
    for b, cls in zip(ends, classes):
        acc = cls.bools.get(name)
        if acc is None:
            acc = cls.bools[name] = BoolAcc()
        acc.cnt += b - a
        part = column[a:b]
        acc.yes += part.count(b"Yes") + part.count(b"YES")
        a = b


def _fold_accs_c(column: Any, kind: str, ends: list[int], classes: list[ClassAcc], name: str) -> list[tuple[int, int]]:
    return _speedups.fold_accs(column, _KIND_CODES[kind], ends, classes, name, NumAcc,  # type: ignore[union-attr]
                               _BASE_OFFSET, _BASE_LOG)


def _fold_bools_c(column: tuple[bytes, ...], ends: list[int], classes: list[ClassAcc], name: str) -> None:
    _speedups.fold_bools(column, ends, classes, name, BoolAcc)  # type: ignore[union-attr]


fold_accs = _fold_accs_c if _speedups is not None else _fold_accs_py
fold_bools = _fold_bools_c if _speedups is not None else _fold_bools_py


def accelerated() -> bool:
    """Whether the C kernels are in use."""
    return fold_accs is _fold_accs_c


def use_speedups(enabled: bool) -> bool:
    """Switch the C kernels on or off (tests compare both); returns whether they are now in use."""
    global fold_accs, fold_bools
    from themis.slowlog import digest as digest_module

    on = enabled and _speedups is not None
    fold_accs = _fold_accs_c if on else _fold_accs_py
    fold_bools = _fold_bools_c if on else _fold_bools_py
    digest_module.metrics_kernel = _speedups.metrics if on else None  # type: ignore[union-attr]
    Fingerprinter.skeleton = staticmethod(_speedups.skeleton) if on else None  # type: ignore[assignment,union-attr]
    return on


def _fold_generic(segments: Segments, name: str, column: tuple[bytes, ...]) -> list[Any]:
    """Any column: one conversion per distinct value, then each class's values by count."""
    converted = {raw: convert_value(raw) for raw in set(column)}
    boolean_name = name in BOOLEAN_ATTRIBUTES
    for cls, a, b in segments:
        part = column[a:b]
        counts = Counter(part).items() if b - a > 1 else ((part[0], 1),)
        for raw, count in counts:
            value = converted[raw]
            if value is None:
                continue
            if type(value) is bool or boolean_name:
                bacc = cls.bools.get(name)
                if bacc is None:
                    bacc = cls.bools[name] = BoolAcc()
                bacc.cnt += count
                if value:
                    bacc.yes += count
                continue
            acc = cls.nums.get(name)
            if acc is None:
                acc = cls.nums[name] = NumAcc()
            acc.cnt += count
            if type(value) is int:
                acc.isum += value * count
            else:
                acc.floats = True
                micro, binary = exact_float_parts(value)
                acc.usum += micro * count
                acc.bsum += binary * count
            acc.bound(value, value)
            idx = bucket_index(value) if type(value) is not int or value >= 1024 else SMALL_INT_BUCKETS[value]
            acc.buckets[idx] = acc.buckets.get(idx, 0) + count
    return list(map(converted.__getitem__, column))


def _fold_group(shape: Shape, group: list[tuple[str, int, list[tuple[Any, ...]]]], digest: Digest) -> None:
    """Fold the waiting events of one shape: (fingerprint, file index, rows) each."""
    rows: list[tuple[Any, ...]] = []
    segments: Segments = []
    files: list[int] = []
    for fp, file_index, batch_rows in group:
        a = len(rows)
        rows.extend(batch_rows)
        cls = digest.class_for(fp)
        cls.count += len(rows) - a
        segments.append((cls, a, len(rows)))
        files.append(file_index)
    values, offsets, stamps, dbs, people, raws = zip(*rows)
    columns = list(zip(*values)) if shape.width else []
    qt_values: list[Any] | None = None  # Query_time of each row, when not a number column
    qt_maxima: list[tuple[Any, ...]] | None = None  # per segment (hi, argmax), when one
    qt_scale = 1.0
    ends = [b for _, _, b in segments]
    classes = [cls for cls, _, _ in segments]
    for index, name, kind in shape.metrics:
        column = columns[index]
        if kind == "dec6" or kind == "int":
            results = fold_accs(column, kind, ends, classes, name)
            if index == shape.qt:
                qt_maxima, qt_scale = results, (1e6 if kind == "dec6" else 1.0)
        elif kind == "bool":
            fold_bools(column, ends, classes, name)
            if index == shape.qt:
                qt_values = [v == b"Yes" or v == b"YES" for v in column]
        else:
            numbers = _fold_generic(segments, name, column)
            if index == shape.qt:
                qt_values = numbers
    fold_accs(list(map(len, raws)), "len", ends, classes, "Query_length")

    for seg, ((cls, a, b), file_index) in enumerate(zip(segments, files)):
        # The sample: largest Query_time, the last such in the input; else the first statement.
        pick = -1
        best: Any = None
        if qt_maxima is not None:
            hi, pick = qt_maxima[seg]
            best = hi / qt_scale if qt_scale != 1.0 else hi
        elif qt_values is not None:
            for i in range(b - 1, a - 1, -1):
                value = qt_values[i]
                if value is not None and (best is None or value > best):
                    best, pick = value, i
        if pick >= 0:
            key: Any = (1, best, file_index, offsets[pick])
        else:
            pick = a
            key = (0, 0, -file_index, -offsets[a])
        if cls.sample_key is None or key > cls.sample_key:
            cls.offer_sample(key, raws[pick].decode("utf-8", "surrogateescape"), dbs[pick], stamps[pick])

        if b - a == 1:
            stamp = stamps[a]
            if stamp is not None:
                cls.note_ts(stamp, stamp, 1)
            db = dbs[a]
            user, host = people[a]
            if isinstance(db, InheritedDb):
                cls.note_inherited(db.chunk)
                db = None
            cls.note_names(db, user, host)
            continue
        part = stamps[a:b]
        if None in part:
            known = [t for t in part if t is not None]
            if known:
                cls.note_ts(min(known), max(known), len(known))
        else:
            cls.note_ts(min(part), max(part), b - a)
        plain = []
        for db in set(dbs[a:b]):
            if isinstance(db, InheritedDb):
                cls.note_inherited(db.chunk)
            elif db is not None:
                plain.append(db)
        who = set(people[a:b])
        hosts = [h for _, h in who if h is not None]
        cls.note_names(max(plain) if plain else None, max(u for u, _ in who), max(hosts) if hosts else None)


# ------------------------------------------------------------------------------------------ chunk


def _is_banner_inside(stmt: bytes) -> bool:
    return any((line[:1] == b"T" or b", Version" in line) and _BANNER.match(line) is not None
               for line in stmt.split(b"\n"))


def process_chunk(data: bytes, *, start: int, chunk: int, file_index: int, digest: Digest, ctx: ChunkContext,
                  inherits: bool, final: bool = False) -> ChunkInfo:
    """Digest ``data``, the bytes of one chunk starting at absolute offset ``start`` of a file.

    ``inherits``: the chunk does not start the file, so its first entries inherit a time and db the
    runner will supply (see the module docstring). ``final``: the chunk ends the file (a trailing
    partial entry is then reported like the reference parser does). Events go into ``digest``,
    some only when ``ctx.fold(digest)`` is called after the last chunk.
    """
    info = ChunkInfo(chunk=chunk, file_index=file_index, start=start, end=start + len(data))
    stats = info.stats
    fingerprinter = ctx.fingerprint
    skeleton = fingerprinter.skeleton
    fp_cache = fingerprinter._cache
    shapes = ctx.shapes
    windowed = ctx.windowed
    since_us, until_us = ctx.since_us, ctx.until_us
    batches = ctx.batches
    user_host = ctx.user_host
    dbs = ctx.dbs

    ts: Any = UNKNOWN_TS if inherits else None
    db: Any = InheritedDb(chunk) if inherits else None
    head_end = -1 if inherits else 0  # relative offset of the first entry with its own time
    last_set: bytes | None = None
    last_set_ts: int | None = None
    generic = ENTRY.match
    shape = shapes.last
    entry_match = shape.entry.match if shape is not None else None
    size = len(data)
    pos = 0
    parsed = events_in = events_out = 0
    pending = ctx.pending
    tail_by_fallback = False
    c_scan = _speedups.scan if (_speedups is not None and skeleton is not None) else None
    if c_scan is not None:
        hooks = (user_host, ctx.user_and_host, dbs, ctx.db_name, ctx.time_line, fp_cache, fingerprinter,
                 _is_banner_inside)
        st: list[Any] = [None] * 14
        st[9] = stats.non_utf8_offsets
        st[11], st[12], st[13] = since_us, until_us, UNKNOWN_TS

    while pos < size:
        if c_scan is not None and shape is not None:
            # The C kernel takes the run of regular entries of this shape from here.
            st[0], st[1], st[2], st[3], st[4], st[5] = ts, db, head_end, parsed, events_in, events_out
            st[6], st[7], st[8], st[10] = last_set or b"", last_set_ts, stats.non_utf8, pending
            by_fp = batches.get((shape, file_index))
            if by_fp is None:
                by_fp = batches[(shape, file_index)] = {}
            new_pos = c_scan(data, pos, size, start, shape.spec, shape.keep, shape.schema, by_fp, st, hooks,
                             _PENDING_LIMIT)
            ts, db, head_end, parsed, events_in, events_out = st[0], st[1], st[2], st[3], st[4], st[5]
            last_set, last_set_ts, stats.non_utf8, pending = st[6], st[7], st[8], st[10]
            if new_pos > pos:
                tail_by_fallback = False
                pos = new_pos
            if pending >= _PENDING_LIMIT:
                ctx.pending = pending
                ctx.fold(digest, everything=False)
                pending = ctx.pending
                continue
            if pos >= size:
                break
        m = entry_match(data, pos) if entry_match is not None else None
        if m is None:
            found = generic(data, pos)
            if found is not None:
                other = shapes.find(found.group(3))
                if other is not None:
                    shape, entry_match = other, other.entry.match
                    m = entry_match(data, pos)
        if m is not None:
            groups = m.groups()
            stmt_raw = groups[-1]
            if stmt_raw[-2:] == b";\n":
                raw = stmt_raw[:-2]
            elif stmt_raw[-3:] == b";\r\n":
                raw = stmt_raw[:-3]
            else:
                m = None
            if m is not None and (raw[:1] == b"T" or b"\nT" in stmt_raw or b", Version" in stmt_raw) \
                    and _is_banner_inside(stmt_raw):
                m = None
            if m is not None and statement_state(stmt_raw) != CLOSED:
                m = None  # the header after it is statement text: the reference parser decides
            if m is not None:
                people = user_host.get(groups[1])
                if people is None:
                    people = ctx.user_and_host(groups[1])
                    if people is None:
                        m = None

        if m is None:
            # Not a regular entry: the reference parser reads up to the next clean cut.
            cut = next_boundary(data, pos + 1)
            if cut <= pos:
                cut = size
            ctx.pending = pending
            ts, db, head_end, cut = _fallback(data, pos, cut, start, info, ctx, digest, ts, db, head_end,
                                              file_index, final)
            info.fallback_bytes += cut - pos
            tail_by_fallback = cut == size
            pos = cut
            continue

        tail_by_fallback = False
        entry_at = pos
        pos = m.end()
        parsed += 1
        meta_raw = groups[-2]
        set_line = None
        use_db = None
        if meta_raw:
            if meta_raw[:4] == b"SET " and meta_raw.find(b"\n") == len(meta_raw) - 1:
                set_line = meta_raw
            else:
                got_db = False
                for line in meta_raw.split(b"\n")[:-1]:
                    if line[:4] == b"use ":
                        if not got_db:
                            used = _USE.match(line)
                            if used is not None:
                                use_db = used.group(1).rstrip()
                                got_db = True
                    elif set_line is None:
                        set_line = line
        # Time: the # Time: line (pt's ts), else the one carried from earlier entries, else SET timestamp.
        own_ts = ctx.time_line(groups[0]) if groups[0] is not None else None
        if own_ts is not None:
            ts = event_ts = own_ts
            if head_end < 0:
                head_end = entry_at
        elif ts is not None:
            event_ts = ts
        elif set_line is not None:
            if set_line != last_set:
                moment = _parse_set_timestamp(set_line)
                last_set, last_set_ts = set_line, None if moment is None else to_micros(moment)
            event_ts = last_set_ts
        else:
            event_ts = None
        # Db: use, else Schema:, else inherited.
        if use_db is not None:
            db = dbs.get(use_db) or ctx.db_name(use_db)
        elif shape.schema >= 0:  # type: ignore[union-attr]
            schema = groups[2 + shape.schema]  # type: ignore[union-attr]
            db = dbs.get(schema) or ctx.db_name(schema)
        if not raw.isascii():
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                stats.non_utf8 += 1
                if len(stats.non_utf8_offsets) < MAX_RECORDED_OFFSETS:
                    stats.non_utf8_offsets.append(start + entry_at)
        if event_ts is UNKNOWN_TS:
            continue  # a head entry: the runner digests it once it knows the inherited time
        if windowed and (event_ts is None or (since_us is not None and event_ts < since_us)
                         or (until_us is not None and event_ts >= until_us)):
            events_out += 1
            continue
        events_in += 1
        key = skeleton(raw) if skeleton is not None else None
        fp = fp_cache.get(key) if key is not None else None
        if fp is None:
            fp = fingerprinter(raw)
        by_fp = batches.get((shape, file_index))  # type: ignore[arg-type]
        if by_fp is None:
            by_fp = batches[(shape, file_index)] = {}  # type: ignore[index]
        rows = by_fp.get(fp)
        if rows is None:
            rows = by_fp[fp] = []
        rows.append((groups[2:-2], start + entry_at, event_ts, db, people, raw))
        pending += 1
        if pending >= _PENDING_LIMIT:
            ctx.pending = pending
            ctx.fold(digest, everything=False)
            pending = ctx.pending

    ctx.pending = pending
    stats.events += parsed
    info.fast_events = events_in + events_out
    digest.events_read += events_in + events_out
    digest.events_in_window += events_in
    digest.events_outside_window += events_out
    if head_end < 0:
        head_end = size
    if inherits and head_end > 0:
        info.head = data[:head_end]
    if ts is not UNKNOWN_TS:
        info.saw_ts = True
        info.last_ts = ts
    if not isinstance(db, InheritedDb):
        info.saw_db = True
        info.last_db = db
    if not tail_by_fallback:
        stats.resume_offset = start + size
    stats.bytes_read = size
    return info


def _fallback(data: bytes, pos: int, cut: int, start: int, info: ChunkInfo, ctx: ChunkContext, digest: Digest,
              ts: Any, db: Any, head_end: int, file_index: int, final: bool) -> tuple[Any, Any, int, int]:
    """Run the reference parser over ``data[pos:cut]`` with the carried time and db; returns the
    carried time, db, head end and where it stopped. Should the statement before ``cut`` turn out to
    be open (``_open_before`` could not see where it began), ``cut`` was no entry start: the
    reference parser then reads on to the end of the chunk."""
    while True:
        carry = Carry(None if ts is UNKNOWN_TS else _as_datetime(ts), db)
        if ts is UNKNOWN_TS:
            carry.ts = UNKNOWN_TS  # type: ignore[assignment]
        stats = ParseStats()
        events = list(iter_events(io.BytesIO(data[pos:cut]), default_tz=ctx.tz, stats=stats, carry=carry,
                                  stream_at=start + pos))
        if not carry.open_statement or cut == len(data):
            break
        cut = len(data)
    for event in events:
        if event.ts is UNKNOWN_TS:
            continue  # head entry (see process_chunk)
        digest.add(event, file_index=file_index)
    if head_end < 0 and carry.own_ts_at is not None:
        head_end = carry.own_ts_at - start
    info.stats.absorb(stats)
    if cut == len(data):
        info.ends_open = carry.open_statement and not final
        if final:
            info.stats.resume_offset = stats.resume_offset
    new_ts: Any = carry.ts
    if new_ts is not UNKNOWN_TS and new_ts is not None:
        new_ts = to_micros(new_ts)
    return new_ts, carry.db, head_end, cut


def _as_datetime(micros: int | None) -> dt.datetime | None:
    return from_micros(micros)


__all__ += ["UNKNOWN_TS", "Shape", "ShapeBook", "learn_shape", "BoolAcc", "NumAcc"]
