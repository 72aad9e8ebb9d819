"""Fuzzing: no byte sequence makes the slow-log engine raise, and its bookkeeping stays consistent."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themis.slowlog.digest import Digest
from themis.slowlog.fingerprint import checksum, fingerprint
from themis.slowlog.parser import ParseStats, SlowEvent, iter_events

DATA = Path(__file__).resolve().parents[1] / "data" / "slowlogs"
SAMPLES = [p.read_bytes() for p in sorted(DATA.glob("*.log"))]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

LOG_LINES = [
    b"# Time: 2026-11-22T05:40:01.123456Z\n", b"# Time: 261122  5:40:01\n", b"# Time: 99-99-99T99:99:99\n",
    b"# Time: 261340 25:61:61\n", b"# User@Host: app[app] @ web1 [10.0.0.5]  Id:    12\n", b"# User@Host: [x\n",
    b"# Thread_id: 8  Schema:   QC_hit: No\n", b"# Query_time: 1.5  Lock_time: 0.1 Rows_sent: 1  Rows_examined: 9\n",
    b"# Query_time: nan  Lock_time: -inf Rows_sent: 1e999  Rows_examined: 99999999999999999999999\n",
    b"# Query_time: 1.0e999  Lock_time: 9.9e307  Rows_sent: 1.5  Rows_examined: 1\n", b"# Bytes_sent: -1.5\n",
    b"# Query_time: 1  Lock_time: 1  Rows_sent: 18446744073709551615  Rows_examined: 1\n",
    b"# Full_scan: Yes  Filesort: No\n", b"# Killed: 1\n", b"#\n", b"# administrator command: Quit;\n",
    b"# administrator command: Quit\n", b"use shop;\n", b"use \n", b"SET timestamp=1795326001;\n",
    b"SET timestamp=99999999999999999999;\n", b"SET timestamp=;\n", b"SELECT 1;\n", b"SELECT a,\n", b"FROM t\n",
    b"WHERE x = 'a;\n", b"';\n", b"\n", b"\r\n", b"/usr/sbin/mariadbd, Version: 10.11 (x). started with:\n",
    b"Tcp port: 3306  Unix socket: /s\n", b"Time                 Id Command    Argument\n", b"\x00\xff\xfe\n",
    b"INSERT INTO t VALUES (1),(2);\n", b"SELECT caf\xe9;\n", b"SELECT 1;", b"# Time:", b"\xc3",
]


def check(data: bytes, start_offset: int = 0) -> list[SlowEvent]:
    """Parse, digest and serialise ``data``; assert the invariants every run must keep."""
    stats = ParseStats()
    events = list(iter_events(io.BytesIO(data), stats=stats, start_offset=start_offset))
    assert stats.events == len(events)
    assert stats.bytes_read == max(len(data) - start_offset, 0)
    offsets = [e.offset for e in events]
    assert offsets == sorted(set(offsets))
    assert all(start_offset <= o < len(data) for o in offsets)
    assert start_offset <= stats.resume_offset <= max(len(data), start_offset)
    assert len(stats.skipped_offsets) <= stats.skipped
    assert all(start_offset <= o <= len(data) for o in stats.skipped_offsets)
    digest = Digest()
    for event in events:
        assert isinstance(event.query, str)
        assert all(isinstance(v, (int, float, bool)) for v in event.attrs.values())
        digest.add(event)
    json.dumps(digest.classes())
    json.dumps(stats.as_dict())
    return events


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_never_raise(data: bytes) -> None:
    check(data)


@FUZZ
@given(st.lists(st.sampled_from(LOG_LINES) | st.binary(max_size=40), max_size=80))
def test_log_shaped_line_soup_never_raises(lines: list[bytes]) -> None:
    check(b"".join(lines))


@FUZZ
@given(
    st.sampled_from(range(len(SAMPLES))),
    st.lists(st.tuples(st.sampled_from(["delete", "insert", "flip", "duplicate"]), st.integers(0, 10**6),
                       st.integers(0, 400), st.binary(min_size=1, max_size=30)), max_size=8),
    st.integers(0, 10**6),
)
def test_mutated_sample_logs_never_raise(sample: int, mutations: list[tuple[str, int, int, bytes]], cut: int) -> None:
    data = bytearray(SAMPLES[sample])
    for kind, where, length, junk in mutations:
        where %= len(data) + 1
        if kind == "delete":
            del data[where:where + length]
        elif kind == "insert":
            data[where:where] = junk
        elif kind == "flip" and where < len(data):
            data[where] ^= junk[0] or 0xFF
        elif kind == "duplicate":
            data[where:where] = data[where:where + length]
    data_bytes = bytes(data)
    check(data_bytes)
    check(data_bytes, start_offset=cut % (len(data_bytes) + 2))


@FUZZ
@given(st.sampled_from(range(len(SAMPLES))), st.integers(0, 10**6))
def test_resuming_at_resume_offset_neither_loses_nor_repeats(sample: int, cut: int) -> None:
    data = SAMPLES[sample]
    cut %= len(data) + 1
    stats = ParseStats()
    head = [(e.offset, e.query) for e in iter_events(io.BytesIO(data[:cut]), stats=stats)]
    tail = [(e.offset, e.query) for e in iter_events(io.BytesIO(data), start_offset=stats.resume_offset)]
    assert head + tail == [(e.offset, e.query) for e in iter_events(io.BytesIO(data))]


@FUZZ
@given(st.text(max_size=300))
def test_fingerprint_and_checksum_accept_any_text(query: str) -> None:
    fp = fingerprint(query)
    assert isinstance(fp, str)
    assert len(checksum(fp)) == 32
