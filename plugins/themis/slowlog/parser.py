"""Streaming parser for the MySQL / MariaDB / Percona Server slow query log.

The log is read as bytes, one line at a time, by a small state machine: an entry is a run of
header lines (``# Time:``, ``# User@Host:``, ``# Key: value ...``, ``use db;``, ``SET timestamp=N;``)
followed by the statement, which ends with the ``;`` the server always writes after it. Working on
bytes keeps the hot loop cheap (no decoding of lines we only classify) and makes offsets exact, so a
caller can report where a bad entry sits and resume from ``ParseStats.resume_offset``.

Where pt-query-digest's interpretation is sane we follow it, so that our digests equal its digests:
the same attribute names, ``db`` from ``use`` else from ``Schema:``, ``db`` and ``ts`` carried over
to entries that lack them (its ``--inherit-attributes db,ts`` default), ``administrator command:``
entries, server restart banners dropped. Where it is not, we are stricter and say so in the stats:

* only ``# Time:`` / ``# User@Host:`` / ``# Thread_id:`` / ``# Query_time:`` lines (or a restart
  banner) can end a statement, so a ``# comment`` line inside a multi-line statement does not split
  it (pt splits on any ``;\\n#``);
* not even those when they are inside a ``/* */`` comment, a quoted string or a quoted identifier
  left open by the statement before them (``statement_state``): the server writes a statement's
  text verbatim, so a statement whose literal holds such lines must not be able to forge entries
  (pt splits there). They stay part of the statement and are counted in
  ``ParseStats.headers_in_statements``. The price: a statement that really ends inside an open
  quote (a crash mid-write) absorbs the entries after it until a quote closes, which that counter
  shows too;
* a MariaDB restart banner (``mariadbd, Version``) ends the entry before it (pt 3.2.1 only knows
  ``mysqld`` and glues the next entry onto the previous statement);
* an entry whose statement never reached its ``;`` (crash, truncated copy, the file still being
  written) is not reported as a statement: it is counted as skipped with its byte offset;
* bytes after the last ``;`` of a statement that are not a new entry (binary junk) are skipped and
  counted; the statement before them is kept.

The event time is pt-query-digest's ``ts``: the entry's ``# Time:`` line (ISO with zone, or the old
``YYMMDD H:MM:SS`` form in server-local time, interpreted in ``default_tz``), else the time of the
last entry that had one (MariaDB and MySQL 5.6 write it only when the second changes). So ts_min and
ts_max -- part of the ``--history`` table's key -- are the ones pt writes. Only where no ``# Time:``
line has been seen at all does ``SET timestamp=N`` give the time (pt would have none).

Query text that is not valid UTF-8 (binary literals, latin1 data) is kept losslessly with
``surrogateescape`` so its fingerprint checksum matches pt's, which hashes the raw bytes; it is
counted in ``ParseStats.non_utf8``. Consumers that store the text must re-encode it (see
``digest.storable_text``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

__all__ = ["Carry", "ParseStats", "SlowEvent", "convert_value", "iter_events", "statement_state"]

UTC = dt.timezone.utc

#: How many skipped / non-UTF-8 offsets ParseStats keeps (the counters are always exact).
MAX_RECORDED_OFFSETS = 50


@dataclass(slots=True)
class SlowEvent:
    """One statement execution from the slow log.

    ``offset`` is the byte offset of the entry's first line in the (uncompressed) stream.
    ``attrs`` holds the numeric and Yes/No attributes under pt-query-digest's names, plus
    ``Query_length`` (byte length of the statement, pt's ``bytes``) and ``Thread_id``.
    """

    ts: dt.datetime | None
    offset: int
    db: str | None
    user: str | None
    host: str | None
    query: str
    attrs: dict[str, float | int | bool]


@dataclass(slots=True)
class ParseStats:
    """What the parser saw, so that nothing is lost silently.

    ``resume_offset`` is the offset just after the last complete entry: parsing a growing file
    again from there neither repeats nor loses an entry (a trailing half-written entry is re-read).
    """

    events: int = 0
    bytes_read: int = 0
    skipped: int = 0
    skipped_offsets: list[int] = field(default_factory=list)
    skip_reasons: dict[str, int] = field(default_factory=dict)
    non_utf8: int = 0
    non_utf8_offsets: list[int] = field(default_factory=list)
    resume_offset: int = 0
    read_error: str | None = None
    headers_in_statements: int = 0  # entry-header-like lines inside an open quote/comment of a statement

    def skip(self, offset: int, reason: str) -> None:
        self.skipped += 1
        if len(self.skipped_offsets) < MAX_RECORDED_OFFSETS:
            self.skipped_offsets.append(offset)
        self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + 1

    def absorb(self, later: "ParseStats") -> None:
        """Add the counts of a later part of the same stream (chunks are parsed apart, then merged)."""
        self.events += later.events
        self.skipped += later.skipped
        for reason, count in later.skip_reasons.items():
            self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + count
        self.non_utf8 += later.non_utf8
        self.headers_in_statements += later.headers_in_statements
        for mine, theirs in ((self.skipped_offsets, later.skipped_offsets),
                             (self.non_utf8_offsets, later.non_utf8_offsets)):
            mine.extend(theirs[: max(0, MAX_RECORDED_OFFSETS - len(mine))])
        self.read_error = self.read_error or later.read_error

    def as_dict(self) -> dict[str, object]:
        return {
            "events": self.events,
            "bytes_read": self.bytes_read,
            "skipped": self.skipped,
            "skipped_offsets": list(self.skipped_offsets),
            "skip_reasons": dict(self.skip_reasons),
            "non_utf8": self.non_utf8,
            "non_utf8_offsets": list(self.non_utf8_offsets),
            "resume_offset": self.resume_offset,
            "read_error": self.read_error,
            "headers_in_statements": self.headers_in_statements,
        }


# Skip reasons (stable strings: they end up in task logs and stats).
NO_QUERY = "entry without a statement"
NO_HEADER = "statement without an entry header"
TRUNCATED = "statement not terminated by ';'"
JUNK = "unparsable bytes after a statement"

# Lines that start a new entry even in the middle of a statement.
_ENTRY_START = (b"# Time:", b"# User@Host:", b"# Thread_id:", b"# Query_time:")
# Header lines that are metadata rather than the statement (pt: ^(?:#|use |SET ...)).
_META_SET = (b"SET timestamp", b"SET last_insert_id", b"SET insert_id")

# Server (re)start banner, mid-file after every restart: pt's pattern, plus mariadbd, .exe and a
# binary started without a path.
_BANNER = re.compile(
    rb"(?:.*(?:mysqld|mariadbd)(?:\.exe)?,\sVersion.*(?:started\swith:|embedded\slibrary)"
    rb"|T[cC][pP]\s[pP]ort:\s+\d+"
    rb"|Time\s+Id\s+Command)"
)
_USER_HOST = re.compile(rb"# User@Host: ([^\[]+|\[[^\[]+\]).*?@ (\S*) \[(.*)\]\s*(?:Id:\s*(\d+))?")
_ATTR_LINE = re.compile(rb"# +[A-Z][A-Za-z_]+: \S")
_ATTR_PAIR = re.compile(rb"(\w+):\s+(\S*)")
_EMPTY_SCHEMA = re.compile(rb"Schema:\s+(?=\w+: )")
_FLOAT = re.compile(rb"[+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?")
_OLD_TIME = re.compile(rb"(\d\d)(\d\d)(\d\d)\s+(\d{1,2}):(\d\d):(\d\d)(?:\.(\d{1,6}))?")
_ISO_TIME = re.compile(
    rb"(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6})\d*)?\s*(Z|[+-]\d\d:?\d\d)?"
)
_SET_TIMESTAMP = re.compile(rb"timestamp=(\d+)(?:\.(\d{1,6}))?")
_USE = re.compile(rb"use ([^;\r\n]+)")

# Attribute names normalised to the spelling pt's --history columns use (MariaDB writes QC_hit).
_RENAME = {"QC_hit": "QC_Hit", "Id": "Thread_id"}
_BOOL = {b"Yes": True, b"No": False, b"YES": True, b"NO": False}
_MAX_COUNTER = 2**64

# ------------------------------------------------------------------ where a statement's text is open
#
# The lexical state at the end of some statement text: CLOSED (code), or inside a quoted string
# (' or "), a quoted identifier (`) or a /* */ comment (*). The rules are MySQL's: backslash escapes
# in strings (the default sql_mode; under NO_BACKSLASH_ESCAPES a string ending in a backslash reads
# as still open), doubled quotes, -- (followed by a space or control character) and # comments to
# the end of the line, and /*! /*+ /*M! comments whose content is code. _speedups.c has the same
# rules as a byte loop (sql_state); test_slowlog_parser checks both agree.

CLOSED = 0
_SQL_CODE = re.compile(
    rb"""(?:[^'"`/\#-]++
          |'(?:[^'\\]++|\\.)*+'
          |"(?:[^"\\]++|\\.)*+"
          |`[^`]*+`
          |/\*(?:[!+]|M!)
          |/\*(?:[^*]++|\*(?!/))*+\*/
          |/(?!\*)
          |\#[^\n]*+
          |--(?=[\x00-\x20])[^\n]*+
          |-(?!-[\x00-\x20])
        )*+""",
    re.S | re.X,
)
_SQL_CLOSE = {
    ord("'"): re.compile(rb"(?:[^'\\]++|\\.)*+'", re.S),
    ord('"'): re.compile(rb'(?:[^"\\]++|\\.)*+"', re.S),
    ord("`"): re.compile(rb"[^`]*+`"),
    ord("*"): re.compile(rb"(?:[^*]++|\*(?!/))*+\*/"),
}
_SQL_OPENERS = {ord("'"): ord("'"), ord('"'): ord('"'), ord("`"): ord("`"), ord("/"): ord("*")}


def statement_state(text: bytes, state: int = CLOSED) -> int:
    """The lexical state after ``text`` when it starts in ``state``: CLOSED, or the byte of the open
    construct (``'``, ``"``, `````, ``*`` for a comment). An entry header line only starts a new
    entry where the statement before it is CLOSED: elsewhere it is text the statement carries."""
    pos = 0
    if state != CLOSED:
        closed = _SQL_CLOSE[state].match(text)
        if closed is None:
            return state
        pos = closed.end()
    end = _SQL_CODE.match(text, pos).end()  # type: ignore[union-attr]  # (?:...)*+ always matches
    return CLOSED if end == len(text) else _SQL_OPENERS[text[end]]


class _Entry:
    """Mutable state of the entry being read; reused, so parsing allocates per event, not per line."""

    __slots__ = (
        "offset", "header", "time_line", "set_ts", "user", "host", "db", "schema", "attrs",
        "admin", "stmt", "last_term", "last_term_end", "got_uh", "got_db", "got_set", "lexed", "lex_state",
    )

    def __init__(self) -> None:
        self.offset = -1
        self.reset(-1)

    def reset(self, offset: int) -> None:
        self.offset = offset          # -1: no entry in progress
        self.header = False           # saw at least one recognised header line
        self.time_line: bytes | None = None
        self.set_ts: bytes | None = None
        self.user: bytes | None = None
        self.host: bytes | None = None
        self.db: bytes | None = None
        self.schema: bytes | None = None
        self.attrs: dict[str, float | int | bool] = {}
        self.admin: bytes | None = None
        self.stmt: list[bytes] = []
        self.last_term = -1           # index in stmt of the last line ending with ';'
        self.last_term_end = -1       # stream offset just after that line
        self.got_uh = False
        self.got_db = False
        self.got_set = False
        self.lexed = 0                # stmt lines already run through statement_state
        self.lex_state = CLOSED       # the state after them

    def open_construct(self) -> bool:
        """Whether the statement read so far ends inside an open quote or comment (lexed as far as
        needed only: the check is made at each header-like line, and lines are lexed once)."""
        if self.admin is not None:
            return False  # "# administrator command: ...;" is not SQL text
        stmt = self.stmt
        if self.lexed < len(stmt):
            tail = stmt[self.lexed] if self.lexed == len(stmt) - 1 else b"".join(stmt[self.lexed:])
            self.lex_state = statement_state(tail, self.lex_state)
            self.lexed = len(stmt)
        return self.lex_state != CLOSED


class _TimeCache:
    """Memoises the last Time line and SET timestamp: consecutive entries usually repeat them."""

    __slots__ = ("tz", "line", "line_ts", "epoch", "epoch_ts")

    def __init__(self, tz: dt.tzinfo) -> None:
        self.tz = tz
        self.line: bytes | None = None
        self.line_ts: dt.datetime | None = None
        self.epoch: bytes | None = None
        self.epoch_ts: dt.datetime | None = None

    def from_time_line(self, line: bytes) -> dt.datetime | None:
        if line != self.line:
            self.line = line
            self.line_ts = _parse_time_line(line, self.tz)
        return self.line_ts

    def from_set(self, line: bytes) -> dt.datetime | None:
        if line != self.epoch:
            self.epoch = line
            self.epoch_ts = _parse_set_timestamp(line)
        return self.epoch_ts


def _parse_time_line(line: bytes, tz: dt.tzinfo) -> dt.datetime | None:
    """``# Time: 2026-11-22T05:40:01.123456Z`` (zone optional) or ``# Time: 261122  5:40:01``."""
    text = line[7:].strip()
    try:
        m = _ISO_TIME.match(text)
        if m is not None:
            y, mo, d, h, mi, s, frac, zone = m.groups()
            moment = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                                 int(frac.ljust(6, b"0")) if frac else 0)
            if zone is None:
                moment = moment.replace(tzinfo=tz)
            elif zone == b"Z":
                moment = moment.replace(tzinfo=UTC)
            else:
                z = zone.replace(b":", b"")
                delta = dt.timedelta(hours=int(z[1:3]), minutes=int(z[3:5]))
                moment = moment.replace(tzinfo=dt.timezone(delta if z[:1] == b"+" else -delta))
            return moment.astimezone(UTC)
        m = _OLD_TIME.match(text)
        if m is not None:
            y, mo, d, h, mi, s, frac = m.groups()
            moment = dt.datetime(2000 + int(y), int(mo), int(d), int(h), int(mi), int(s),
                                 int(frac.ljust(6, b"0")) if frac else 0, tzinfo=tz)
            return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return None


def _parse_set_timestamp(line: bytes) -> dt.datetime | None:
    m = _SET_TIMESTAMP.search(line)
    if m is None:
        return None
    try:
        seconds, frac = m.groups()
        moment = dt.datetime.fromtimestamp(int(seconds), UTC)
        if frac:
            moment = moment.replace(microsecond=int(frac.ljust(6, b"0")))
        return moment
    except (ValueError, OverflowError, OSError):
        return None


_AttrPairs = tuple[tuple[tuple[str, "float | int | bool"], ...], "bytes | None"]
_key_names: dict[bytes, str] = {}
_line_cache: dict[bytes, _AttrPairs] = {}
_CACHE_SIZE = 4096
_NOT_ATTRS: _AttrPairs = ((), None)
_SPECIAL_TAGS = frozenset({b"Time", b"User", b"admi"})
_SPECIAL_PREFIXES = (b"# Time:", b"# User@Host:", b"# administrator command:")


def _attr_name(key: bytes) -> str:
    name = _key_names.get(key)
    if name is None:
        name = key.decode("ascii", "replace")
        name = _RENAME.get(name, name)
        if len(_key_names) < _CACHE_SIZE:
            _key_names[key] = name
    return name


def convert_value(value: bytes) -> float | int | bool | None:
    """An attribute value as a metric: digits an int (up to 2**64, the servers' counters), Yes/No a
    bool, a plain decimal a finite float; anything else (ids, names, garbage) is not a metric."""
    if value.isdigit():
        number = int(value)
        return number if number < _MAX_COUNTER else None
    boolean = _BOOL.get(value)
    if boolean is not None:
        return boolean
    if _FLOAT.fullmatch(value):
        real = float(value)
        if real - real == 0:  # finite: "1.0e999" is garbage, not infinity
            return real
    return None


def _attr_pairs(line: bytes) -> _AttrPairs:
    """``# Key: value  Key: value ...``: numbers and Yes/No become attributes, Schema the db."""
    if b"Schema:" in line and _EMPTY_SCHEMA.search(line):
        line = _EMPTY_SCHEMA.sub(b"", line)  # MariaDB writes "Schema:  QC_hit: No" for no db
    pairs: list[tuple[str, float | int | bool]] = []
    schema = None
    names = _key_names
    for key, value in _ATTR_PAIR.findall(line):
        name = names.get(key) or _attr_name(key)
        if name == "Schema":
            schema = value or None
        else:
            number = convert_value(value)
            if number is not None:
                pairs.append((name, number))
        # Other strings (Log_slow_rate_type, InnoDB_trx_id, Start/End stamps) are not metrics.
    return tuple(pairs), schema


def _parse_attr_line(line: bytes, entry: _Entry) -> None:
    """Slow path for a ``# Key: value`` line met where the main loop does not expect one."""
    if _ATTR_LINE.match(line):
        pairs, schema = _attr_pairs(line)
        entry.attrs.update(pairs)
        if schema is not None:
            entry.schema = schema
        entry.header = True


def _decode_name(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    return raw.decode("utf-8", "replace")


def _strip_backticks(raw: bytes) -> bytes:
    if raw[:1] == b"`":
        raw = raw[1:]
    if raw[-1:] == b"`":
        raw = raw[:-1]
    return raw


def _strip_terminator(raw: bytes) -> bytes:
    """Statement text without the line break and the ``;`` the server appends."""
    if raw.endswith(b"\n"):
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
    if raw.endswith(b";"):
        raw = raw[:-1]
    return raw


def _seek(stream: BinaryIO, start_offset: int) -> None:
    if start_offset <= 0:
        return
    try:
        if stream.tell() == start_offset:
            return
    except (OSError, AttributeError, ValueError):
        pass
    try:
        if stream.seekable():
            stream.seek(start_offset)
            return
    except (OSError, AttributeError, ValueError):
        pass
    remaining = start_offset
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        remaining -= len(chunk)


def iter_events(
    stream: BinaryIO,
    *,
    default_tz: dt.tzinfo = UTC,
    stats: ParseStats | None = None,
    start_offset: int = 0,
    carry: "Carry | None" = None,
    stream_at: int | None = None,
) -> Iterator[SlowEvent]:
    """Yield the statements of a slow log, in file order, never raising on bad content.

    ``start_offset`` is where parsing starts in the (uncompressed) stream: the stream is moved
    there (seek, or read-and-discard when it cannot seek) unless it is already there, and every
    reported offset is absolute. Bad entries are counted in ``stats`` (pass one in to see them).
    ``carry`` is the time and db inherited by entries that lack their own (pt's
    ``--inherit-attributes``); pass one in to start from a known state or to read the state after.
    ``stream_at`` says the stream is a piece of a larger log that starts at that absolute offset
    (nothing is skipped; offsets are reported from there).
    """
    if stats is None:
        stats = ParseStats()
    if stream_at is not None:
        start_offset = stream_at
    else:
        _seek(stream, start_offset)
    times = _TimeCache(default_tz)
    entry = _Entry()
    if carry is None:
        carry = Carry()
    pos = start_offset
    stats.resume_offset = start_offset
    event: SlowEvent | None

    try:
        for line in stream:
            line_offset = pos
            pos += len(line)
            first = line[:1]

            if entry.stmt or entry.admin is not None:
                # In a statement: only a new entry header or a server banner ends it, and only
                # where the statement has no quote or comment open (else it is statement text).
                if first == b"#":
                    if not line.startswith(_ENTRY_START):
                        _add_stmt_line(entry, line, pos)
                        continue
                    if entry.open_construct():
                        stats.headers_in_statements += 1
                        _add_stmt_line(entry, line, pos)
                        continue
                    event = _finish(entry, stats, times, carry)
                    entry.reset(line_offset)
                    stats.resume_offset = line_offset
                    _header_line(entry, line)
                elif (first == b"T" or b", Version" in line) and _BANNER.match(line):
                    if entry.open_construct():
                        stats.headers_in_statements += 1
                        _add_stmt_line(entry, line, pos)
                        continue
                    event = _finish(entry, stats, times, carry)
                    entry.reset(-1)
                    stats.resume_offset = pos
                else:
                    _add_stmt_line(entry, line, pos)
                    continue
                if event is not None:
                    stats.bytes_read = pos - start_offset
                    yield event
                continue

            # In the header part of an entry (or between entries).
            if first == b"#":
                if entry.offset < 0:
                    entry.reset(line_offset)
                tag = line[2:6]
                if tag in _SPECIAL_TAGS and line.startswith(_SPECIAL_PREFIXES):
                    if (tag == b"User" and entry.got_uh) or (
                        tag == b"Time" and (entry.time_line is not None or entry.got_uh)
                    ):
                        # A second header block: the previous one never got its statement.
                        _finish(entry, stats, times, carry)
                        entry.reset(line_offset)
                    _header_line(entry, line)
                    continue
                # "# Key: value ..." lines; many repeat verbatim, so they are memoised.
                parsed = _line_cache.get(line)
                if parsed is None:
                    parsed = _attr_pairs(line) if _ATTR_LINE.match(line) else _NOT_ATTRS
                    if len(_line_cache) >= _CACHE_SIZE:
                        _line_cache.clear()
                    _line_cache[line] = parsed
                if parsed is not _NOT_ATTRS:
                    entry.header = True
                    pairs, schema = parsed
                    if pairs:
                        entry.attrs.update(pairs)
                    if schema is not None:
                        entry.schema = schema
            elif line.startswith(b"use "):
                if entry.offset < 0:
                    entry.reset(line_offset)
                if not entry.got_db:
                    m = _USE.match(line)
                    if m is not None:
                        entry.db = _strip_backticks(m.group(1).rstrip())
                        entry.got_db = True
            elif line.startswith(_META_SET):
                if entry.offset < 0:
                    entry.reset(line_offset)
                if not entry.got_set:
                    entry.set_ts = line
                    entry.got_set = True
            elif (first == b"T" or b", Version" in line) and _BANNER.match(line):
                if entry.offset >= 0:
                    _finish(entry, stats, times, carry)
                    entry.reset(-1)
                stats.resume_offset = pos
            elif entry.offset < 0 and not line.strip():
                stats.resume_offset = pos  # blank lines between entries
            else:
                if entry.offset < 0:
                    entry.reset(line_offset)
                _add_stmt_line(entry, line, pos)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:  # truncated / corrupt .gz
        stats.read_error = f"{type(exc).__name__}: {exc}"
    damage = getattr(getattr(stream, "raw", None), "error", None)  # sources._GzipStream ends quietly
    if damage and not stats.read_error:
        stats.read_error = damage

    stats.bytes_read = pos - start_offset
    carry.open_statement = entry.offset >= 0 and entry.open_construct()
    if entry.offset >= 0:
        resume = pos
        stmt = entry.stmt
        if stmt and not stmt[-1].endswith(b"\n") and (
            entry.admin is not None or entry.last_term == len(stmt) - 2
        ):
            # A partial line after a complete statement: the server is writing the next entry.
            resume = pos - len(stmt.pop())
        complete = _ends_statement(entry)
        event = _finish(entry, stats, times, carry)
        entry.reset(-1)
        if complete:
            stats.resume_offset = resume
        if event is not None:
            yield event


class Carry:
    """Values carried from one entry to the next (pt's --inherit-attributes db,ts).

    ``own_ts_at`` / ``own_db_at`` are the offset of the first entry (event or skipped) that had its
    own time / db while this carry was in use: the chunked runner needs to know which entries of a
    chunk inherit from the chunk before. ``open_statement``: the stream ended inside a statement
    with a quote or comment open, so a header line right after this piece would not start an entry
    (a chunk cut there is not a clean cut).
    """

    __slots__ = ("ts", "db", "own_ts_at", "own_db_at", "open_statement")

    def __init__(self, ts: "dt.datetime | None" = None, db: str | None = None) -> None:
        self.ts: dt.datetime | None = ts
        self.db: str | None = db
        self.own_ts_at: int | None = None
        self.own_db_at: int | None = None
        self.open_statement = False


def _add_stmt_line(entry: _Entry, line: bytes, end: int) -> None:
    entry.stmt.append(line)
    if line.endswith(b";\n") or line.endswith(b";\r\n") or line.endswith(b";"):
        entry.last_term = len(entry.stmt) - 1
        entry.last_term_end = end


def _ends_statement(entry: _Entry) -> bool:
    if entry.admin is not None:
        return entry.admin.rstrip(b"\r\n").endswith(b";")
    return bool(entry.stmt) and entry.last_term == len(entry.stmt) - 1


def _header_line(entry: _Entry, line: bytes) -> None:
    """Interpret one ``#`` line of an entry header."""
    if line.startswith(b"# Time:"):
        if entry.time_line is None:
            entry.time_line = line
            entry.header = True
    elif line.startswith(b"# User@Host:"):
        if not entry.got_uh:
            m = _USER_HOST.match(line)
            if m is not None:
                user, host, ip, thread_id = m.groups()
                entry.user = user
                entry.host = host or ip
                if thread_id:
                    entry.attrs["Thread_id"] = int(thread_id)
                entry.got_uh = True
                entry.header = True
    elif line.startswith(b"# administrator command:"):
        entry.admin = line[2:]
        entry.header = True
    else:
        _parse_attr_line(line, entry)


def _finish(entry: _Entry, stats: ParseStats, times: _TimeCache, state: Carry) -> SlowEvent | None:
    """Turn the finished entry into an event, or count it as skipped. Never raises."""
    offset = entry.offset
    try:
        if entry.admin is not None:
            admin = entry.admin.rstrip(b"\r\n")
            if not admin.endswith(b";"):
                stats.skip(offset, TRUNCATED)
                _remember_context(entry, times, state)
                return None
            raw = admin[:-1]
            if any(part.strip() for part in entry.stmt):
                stats.skip(offset, JUNK)
        elif entry.stmt:
            if not entry.header:
                stats.skip(offset, NO_HEADER)
                return None
            last = entry.last_term
            if last < 0:
                stats.skip(offset, TRUNCATED)
                _remember_context(entry, times, state)
                return None
            stmt = entry.stmt
            if last < len(stmt) - 1 and any(part.strip() for part in stmt[last + 1:]):
                stats.skip(entry.last_term_end, JUNK)
            raw = _strip_terminator(stmt[0] if last == 0 else b"".join(stmt[: last + 1]))
        else:
            if entry.header or entry.time_line is not None:
                stats.skip(offset, NO_QUERY)
                _remember_context(entry, times, state)
            return None

        try:
            query = raw.decode("utf-8")
        except UnicodeDecodeError:
            query = raw.decode("utf-8", "surrogateescape")
            stats.non_utf8 += 1
            if len(stats.non_utf8_offsets) < MAX_RECORDED_OFFSETS:
                stats.non_utf8_offsets.append(offset)

        ts = _entry_ts(entry, times, state)
        db = _entry_db(entry, state)
        attrs = entry.attrs
        attrs["Query_length"] = len(raw)
        event = SlowEvent(ts, offset, db, _decode_name(entry.user), _decode_name(entry.host), query, attrs)
        stats.events += 1
        return event
    except Exception:  # noqa: BLE001 - a malformed entry must never stop the run
        stats.skip(offset, "unparsable entry")
        return None


def _entry_ts(entry: _Entry, times: _TimeCache, state: Carry) -> dt.datetime | None:
    """The entry's ``# Time:``, else the last one seen (carried), else its ``SET timestamp``."""
    ts = times.from_time_line(entry.time_line) if entry.time_line is not None else None
    if ts is not None:
        state.ts = ts
        if state.own_ts_at is None:
            state.own_ts_at = entry.offset
        return ts
    if state.ts is not None:
        return state.ts
    if entry.set_ts is not None:
        return times.from_set(entry.set_ts)
    return None


def _entry_db(entry: _Entry, state: Carry) -> str | None:
    raw = entry.db if entry.db is not None else entry.schema
    if raw is None:
        return state.db
    db = _decode_name(_strip_backticks(raw))
    state.db = db
    if state.own_db_at is None:
        state.own_db_at = entry.offset
    return db


def _remember_context(entry: _Entry, times: _TimeCache, state: Carry) -> None:
    """A skipped entry's time and db still tell where the log is, for the entries after it."""
    _entry_ts(entry, times, state)
    _entry_db(entry, state)
