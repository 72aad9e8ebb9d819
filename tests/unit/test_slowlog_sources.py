"""Finding rotated slow logs in order and opening them (gzip transparently)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from themis.slowlog.parser import ParseStats, iter_events
from themis.slowlog.sources import expand_paths, open_slowlog

ENTRY = b"# User@Host: a[a] @ h []\n# Query_time: 1.0  Lock_time: 0.0 Rows_sent: 0  Rows_examined: 0\nSELECT %d;\n"


def touch(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).write_bytes(b"")


def test_numbered_rotations_come_oldest_first(tmp_path: Path) -> None:
    touch(tmp_path, "mysql-slow.log", "mysql-slow.log.1", "mysql-slow.log.2.gz", "mysql-slow.log.10.gz")
    assert [Path(p).name for p in expand_paths([str(tmp_path / "mysql-slow.log*")])] == [
        "mysql-slow.log.10.gz", "mysql-slow.log.2.gz", "mysql-slow.log.1", "mysql-slow.log"]


def test_dated_rotations_come_oldest_first(tmp_path: Path) -> None:
    touch(tmp_path, "slow.log", "slow.log-2026-11-21.gz", "slow.log-2026-11-20.gz", "slow.log-2026-11-09")
    assert [Path(p).name for p in expand_paths([str(tmp_path / "slow.log*")])] == [
        "slow.log-2026-11-09", "slow.log-2026-11-20.gz", "slow.log-2026-11-21.gz", "slow.log"]


def test_patterns_keep_their_order_and_files_are_not_repeated(tmp_path: Path) -> None:
    touch(tmp_path, "b.log", "a.log", "a.log.1")
    (tmp_path / "a.log.d").mkdir()  # directories never count
    paths = expand_paths([str(tmp_path / "b.log"), str(tmp_path / "a.log*"), str(tmp_path / "*.log")])
    assert [Path(p).name for p in paths] == ["b.log", "a.log.1", "a.log"]
    assert expand_paths(str(tmp_path / "b.log")) == [str(tmp_path / "b.log")]  # type: ignore[arg-type]


def test_missing_file_or_empty_glob_names_the_pattern(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"missing\.log"):
        expand_paths([str(tmp_path / "missing.log")])
    with pytest.raises(FileNotFoundError, match=r"nothing-\*\.log"):
        expand_paths([str(tmp_path / "nothing-*.log")])


def test_open_slowlog_detects_gzip_by_content(tmp_path: Path) -> None:
    data = ENTRY % 1 + ENTRY % 2
    (tmp_path / "rotated").write_bytes(gzip.compress(data))  # no .gz suffix
    (tmp_path / "plain.gz").write_bytes(data)  # misleading suffix, plain text
    for name in ("rotated", "plain.gz"):
        with open_slowlog(tmp_path / name) as stream:
            assert stream.read() == data
    with open_slowlog(tmp_path / "rotated") as stream:
        assert [e.query for e in iter_events(stream)] == ["SELECT 1", "SELECT 2"]


def test_truncated_gzip_keeps_what_was_read_and_says_why(tmp_path: Path) -> None:
    data = b"".join(ENTRY % i for i in range(2000))
    compressed = gzip.compress(data)
    (tmp_path / "cut.gz").write_bytes(compressed[: len(compressed) // 2])
    stats = ParseStats()
    with open_slowlog(tmp_path / "cut.gz") as stream:
        events = list(iter_events(stream, stats=stats))
    assert 0 < len(events) < 2000
    assert [e.query for e in events] == [f"SELECT {i}" for i in range(len(events))]
    assert stats.read_error is not None and "EOFError" in stats.read_error


def test_a_bad_crc_in_a_later_gzip_member_loses_no_text(tmp_path: Path) -> None:
    first = b"".join(ENTRY % i for i in range(3000))
    second = b"".join(ENTRY % i for i in range(3000, 6000))
    member = bytearray(gzip.compress(second))
    member[-8] ^= 0xFF  # the CRC check fails only once every byte of the member was inflated
    (tmp_path / "two.gz").write_bytes(gzip.compress(first) + bytes(member))
    stats = ParseStats()
    with open_slowlog(tmp_path / "two.gz") as stream:
        events = list(iter_events(stream, stats=stats))
    assert [e.query for e in events] == [f"SELECT {i}" for i in range(6000)]
    assert stats.read_error is not None and "incorrect data check" in stats.read_error
