"""Slow-log parser: each format feature, and bad input counted (with its byte offset) instead of raised."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from themis.slowlog.parser import ParseStats, SlowEvent, iter_events

UTC = dt.timezone.utc


def parse(data: bytes, **kwargs: object) -> tuple[list[SlowEvent], ParseStats]:
    stats = ParseStats()
    events = list(iter_events(io.BytesIO(data), stats=stats, **kwargs))  # type: ignore[arg-type]
    assert stats.bytes_read == len(data) - int(kwargs.get("start_offset", 0))  # type: ignore[call-overload]
    return events, stats


MYSQL57 = b"""\
# Time: 2026-11-22T05:40:02.500000Z
# User@Host: app[app] @ web1 [10.0.0.5]  Id:    12
# Query_time: 1.500000  Lock_time: 0.000100 Rows_sent: 1  Rows_examined: 1000
use shop;
SET timestamp=1795326001;
SELECT * FROM orders WHERE id = 42;
# Time: 2026-11-22T05:41:00.000000Z
# User@Host: app[app] @  [10.0.0.6]  Id:    13
# Query_time: 0.250000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 10
SELECT 1;
"""


def test_mysql57_entry_fields() -> None:
    events, stats = parse(MYSQL57)
    assert stats.events == 2 and stats.skipped == 0
    first, second = events
    assert first.offset == 0
    assert first.ts == dt.datetime(2026, 11, 22, 5, 40, 2, 500000, tzinfo=UTC)  # # Time wins, as pt's ts
    assert (first.db, first.user, first.host) == ("shop", "app", "web1")
    assert first.query == "SELECT * FROM orders WHERE id = 42"
    assert first.attrs == {"Thread_id": 12, "Query_time": 1.5, "Lock_time": 0.0001, "Rows_sent": 1,
                           "Rows_examined": 1000, "Query_length": 34}
    assert type(first.attrs["Rows_sent"]) is int and type(first.attrs["Query_time"]) is float
    assert second.offset == MYSQL57.index(b"# Time: 2026-11-22T05:41")
    assert second.ts == dt.datetime(2026, 11, 22, 5, 41, tzinfo=UTC)
    assert second.host == "10.0.0.6"  # empty host name (skip-name-resolve): the IP
    assert second.db == "shop"  # carried over, like pt's --inherit-attributes db


def test_iso_time_with_zone_offset_is_converted_to_utc() -> None:
    data = b"# Time: 2026-11-22T13:40:01.123456+08:00\n# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\nSELECT 1;\n"
    (event,), _ = parse(data, default_tz=ZoneInfo("America/New_York"))
    assert event.ts == dt.datetime(2026, 11, 22, 5, 40, 1, 123456, tzinfo=UTC)


def test_old_time_format_is_server_local_time() -> None:
    data = (b"# Time: 261122  5:40:01\n# User@Host: a[a] @ h []\n# Query_time: 1.0  Lock_time: 0.0  Rows_sent: 0  Rows_examined: 0\nSELECT 1;\n"
            b"# Time: 260701 15:00:00\n# User@Host: a[a] @ h []\n# Query_time: 1.0  Lock_time: 0.0  Rows_sent: 0  Rows_examined: 0\nSELECT 2;\n")
    (winter, summer), _ = parse(data, default_tz=ZoneInfo("Europe/Berlin"))
    assert winter.ts == dt.datetime(2026, 11, 22, 4, 40, 1, tzinfo=UTC)  # CET = UTC+1
    assert summer.ts == dt.datetime(2026, 7, 1, 13, 0, 0, tzinfo=UTC)  # CEST = UTC+2
    (utc_event, _), _ = parse(data)
    assert utc_event.ts == dt.datetime(2026, 11, 22, 5, 40, 1, tzinfo=UTC)  # default_tz defaults to UTC


def test_entries_without_time_line_inherit_the_previous_time() -> None:
    data = (b"# Time: 2026-11-22T05:40:01Z\n# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\nSELECT 1;\n"
            b"# User@Host: b[b] @ h []\n# Query_time: 2  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\nSELECT 2;\n")
    first, second = parse(data)[0]
    assert second.ts == first.ts == dt.datetime(2026, 11, 22, 5, 40, 1, tzinfo=UTC)
    assert second.user == "b"


def test_set_timestamp_with_insert_ids_gives_the_time() -> None:
    data = b"# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\nSET last_insert_id=5,insert_id=6,timestamp=1795326001;\nINSERT INTO t VALUES (NULL);\n"
    (event,), _ = parse(data)
    assert event.ts == dt.datetime(2026, 11, 22, 5, 40, 1, tzinfo=UTC)
    assert event.query == "INSERT INTO t VALUES (NULL)"


MARIADB = b"""\
# Time: 261122  5:40:01
# User@Host: app[app] @ localhost []
# Thread_id: 8  Schema: shop  QC_hit: No
# Query_time: 0.000213  Lock_time: 0.000071  Rows_sent: 1  Rows_examined: 3
# Rows_affected: 0  Bytes_sent: 137
# Full_scan: Yes  Full_join: No  Tmp_table: No  Tmp_table_on_disk: No
# Filesort: No  Filesort_on_disk: No  Merge_passes: 0  Priority_queue: No
#
# explain: id\tselect_type\ttable\ttype\tpossible_keys\tkey\tkey_len\tref\trows\tr_rows\tfiltered\tr_filtered\tExtra
# explain: 1\tSIMPLE\tt\tALL\tNULL\tNULL\tNULL\tNULL\t3\t3.00\t100.00\t100.00\t
#
SET timestamp=1795326001;
SELECT * FROM t;
# User@Host: app[app] @ localhost []
# Thread_id: 9  Schema:   QC_hit: Yes
# Query_time: 0.5  Lock_time: 0.0  Rows_sent: 1  Rows_examined: 3
SET timestamp=1795326002;
SELECT 2;
# User@Host: app[app] @ localhost []
# Thread_id: 9  Schema: other  QC_hit: No
# Query_time: 0.5  Lock_time: 0.0  Rows_sent: 1  Rows_examined: 3
use `third`;
SET timestamp=1795326003;
SELECT 3;
"""


def test_mariadb_verbose_attributes() -> None:
    (first, second, third), stats = parse(MARIADB)
    assert stats.skipped == 0
    assert first.db == "shop"  # from Schema:, there is no use line
    assert first.attrs["Thread_id"] == 8
    assert first.attrs["QC_Hit"] is False  # MariaDB's QC_hit, under pt's history-column spelling
    assert first.attrs["Full_scan"] is True and first.attrs["Filesort_on_disk"] is False
    assert first.attrs["Rows_affected"] == 0 and first.attrs["Bytes_sent"] == 137
    assert first.attrs["Merge_passes"] == 0 and first.attrs["Priority_queue"] is False
    assert not any(key.startswith("explain") for key in first.attrs)
    assert first.query == "SELECT * FROM t"
    assert second.db == "shop"  # empty Schema: inherited, and "QC_hit:" is not mistaken for a db name
    assert second.attrs["QC_Hit"] is True
    assert third.db == "third"  # use wins over Schema, backticks stripped


def test_percona_extended_attributes_and_string_values() -> None:
    data = b"""\
# Time: 2026-11-22T06:10:00.000000Z
# User@Host: shop[shop] @ app1.internal [10.1.0.1]  Id: 501
# Schema: shop  Last_errno: 0  Killed: 0
# Query_time: 2.000000  Lock_time: 0.000050  Rows_sent: 10  Rows_examined: 200000  Rows_affected: 0
# Bytes_sent: 1024  Tmp_tables: 1  Tmp_disk_tables: 0  Tmp_table_sizes: 16384
# InnoDB_trx_id: 1A2B3C
# QC_Hit: No  Full_scan: Yes  Full_join: No  Tmp_table: Yes  Tmp_table_on_disk: No
#   InnoDB_IO_r_ops: 10  InnoDB_IO_r_bytes: 163840  InnoDB_IO_r_wait: 0.010000
#   InnoDB_pages_distinct: 12
# Log_slow_rate_type: query  Log_slow_rate_limit: 10
SET timestamp=1795327800;
SELECT 1;
"""
    (event,), _ = parse(data)
    assert event.db == "shop"
    assert event.attrs["Rows_affected"] == 0 and event.attrs["Tmp_table_sizes"] == 16384
    assert event.attrs["InnoDB_IO_r_ops"] == 10 and event.attrs["InnoDB_IO_r_wait"] == 0.01
    assert event.attrs["InnoDB_pages_distinct"] == 12
    assert event.attrs["QC_Hit"] is False and event.attrs["Tmp_table"] is True
    assert "InnoDB_trx_id" not in event.attrs  # a hex id, not a number
    assert "Log_slow_rate_type" not in event.attrs  # a string


def test_multi_line_statement_keeps_its_text() -> None:
    data = (b"# Time: 2026-11-22T05:40:01Z\n# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\n"
            b"SELECT a,\n       b\n# a comment line inside the statement\nFROM t\n\nWHERE c = 'x;\n# y';\n"
            b"# Time: 2026-11-22T05:40:02Z\n# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\n"
            b"\nSELECT 2;\n")
    (first, second), stats = parse(data)
    assert stats.skipped == 0
    assert first.query == "SELECT a,\n       b\n# a comment line inside the statement\nFROM t\n\nWHERE c = 'x;\n# y'"
    assert second.query == "\nSELECT 2"  # a leading newline of the statement is kept, like pt
    assert first.attrs["Query_length"] == len(first.query.encode())


@pytest.mark.parametrize("banner", [
    b"/usr/sbin/mysqld, Version: 5.7.44-log (MySQL Community Server (GPL)). started with:\n"
    b"Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock\nTime                 Id Command    Argument\n",
    b"/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-0+deb12u1-log (Debian 12). started with:\n"
    b"Tcp port: 0  Unix socket: /run/mysqld/mysqld.sock\nTime\t\t    Id Command\tArgument\n",
    b"C:\\Program Files\\MySQL\\bin\\mysqld.exe, Version: 8.0.36 (MySQL Community Server - GPL). started with:\n"
    b"TCP Port: 3306, Named Pipe: MySQL\nTime                 Id Command    Argument\n",
], ids=["mysqld", "mariadbd", "windows"])
def test_server_restart_banner_mid_file(banner: bytes) -> None:
    entry = b"# Time: 2026-11-22T05:40:01Z\n# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\nSELECT %d;\n"
    data = banner + entry % 1 + banner + entry % 2 + entry % 3
    events, stats = parse(data)
    assert [e.query for e in events] == ["SELECT 1", "SELECT 2", "SELECT 3"]
    assert stats.skipped == 0
    assert events[1].offset == len(banner) * 2 + len(entry % 1)


def test_administrator_command_entries() -> None:
    data = (b"# Time: 2026-11-22T05:40:01Z\n# User@Host: root[root] @ localhost []  Id: 13\n"
            b"# Query_time: 0.000300  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0\n"
            b"SET timestamp=1795326001;\n# administrator command: Quit;\n"
            b"# Time: 2026-11-22T05:40:02Z\n# User@Host: root[root] @ localhost []  Id: 14\n"
            b"# Query_time: 0.1  Lock_time: 0.0 Rows_sent: 0  Rows_examined: 0\n"
            b"# administrator command: Binlog Dump;\n")
    (quit_, dump), stats = parse(data)
    assert stats.skipped == 0
    assert quit_.query == "administrator command: Quit"
    assert dump.query == "administrator command: Binlog Dump"
    assert quit_.attrs["Query_time"] == 0.0003


def test_crlf_line_endings() -> None:
    data = MYSQL57.replace(b"\n", b"\r\n")
    events, stats = parse(data)
    assert [e.query for e in events] == ["SELECT * FROM orders WHERE id = 42", "SELECT 1"]
    assert events[0].db == "shop"


HEAD = b"# Time: 2026-11-22T05:40:0%dZ\n# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\n"


def test_truncated_statement_is_skipped_with_its_offset() -> None:
    bad = HEAD % 2 + b"SELECT * FROM t WHE"  # crash mid-write: no ';', then the next entry
    data = HEAD % 1 + b"SELECT 1;\n" + bad + b"\n" + HEAD % 3 + b"SELECT 3;\n"
    events, stats = parse(data)
    assert [e.query for e in events] == ["SELECT 1", "SELECT 3"]
    assert stats.skipped == 1
    assert stats.skipped_offsets == [data.index(bad)]
    assert stats.skip_reasons == {"statement not terminated by ';'": 1}


def test_header_without_statement_is_skipped() -> None:
    data = HEAD % 1 + HEAD % 2 + b"SELECT 2;\n"
    events, stats = parse(data)
    assert [e.query for e in events] == ["SELECT 2"]
    assert events[0].offset == len(HEAD % 1)
    assert stats.skipped_offsets == [0] and stats.skip_reasons == {"entry without a statement": 1}


def test_binary_junk_after_a_statement_is_skipped_and_the_statement_kept() -> None:
    junk = b"\x00\xff\xfe garbage \x8b\x1f\n\x01\x02\x03\n"
    first = HEAD % 1 + b"SELECT 1;\n"
    data = first + junk + HEAD % 2 + b"SELECT 2;\n"
    events, stats = parse(data)
    assert [e.query for e in events] == ["SELECT 1", "SELECT 2"]
    assert stats.skipped == 1 and stats.skipped_offsets == [len(first)]


def test_file_starting_mid_statement_is_skipped() -> None:
    data = b"ERE id = 5;\n" + HEAD % 1 + b"SELECT 1;\n"
    events, stats = parse(data)
    assert [e.query for e in events] == ["SELECT 1"]
    assert stats.skipped_offsets == [0]
    assert stats.skip_reasons == {"statement without an entry header": 1}


def test_truncated_last_entry_sets_resume_offset_before_it() -> None:
    complete = HEAD % 1 + b"SELECT 1;\n"
    data = complete + HEAD % 2 + b"SELECT * FR"
    events, stats = parse(data)
    assert [e.query for e in events] == ["SELECT 1"]
    assert stats.skipped_offsets == [len(complete)]
    assert stats.resume_offset == len(complete)
    _, full = parse(complete)
    assert full.resume_offset == len(complete)


def test_invalid_utf8_is_kept_losslessly_and_counted() -> None:
    raw = b"SELECT * FROM t WHERE name = 'caf\xe9' AND b = _binary'\x89PNG\xff'"
    data = HEAD % 1 + b"SELECT 1;\n" + HEAD % 2 + raw + b";\n"
    events, stats = parse(data)
    assert len(events) == 2 and stats.skipped == 0
    assert events[1].query.encode("utf-8", "surrogateescape") == raw
    assert stats.non_utf8 == 1 and stats.non_utf8_offsets == [events[1].offset]
    assert events[1].attrs["Query_length"] == len(raw)


def test_start_offset_parses_from_there_with_absolute_offsets() -> None:
    data = MYSQL57
    full, _ = parse(data)
    second = full[1].offset
    tail, stats = parse(data, start_offset=second)
    assert [(e.offset, e.query) for e in tail] == [(second, "SELECT 1")]
    # A stream that cannot seek is read forward instead.
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self._inner = io.BytesIO(data)
        def readable(self) -> bool:
            return True
        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)
    piped = list(iter_events(io.BufferedReader(Pipe()), start_offset=second))  # type: ignore[arg-type]
    assert [(e.offset, e.query) for e in piped] == [(second, "SELECT 1")]


def test_resume_offset_splits_a_growing_file_without_loss_or_repeat() -> None:
    data = MYSQL57 + HEAD % 3 + b"SELECT 3;\n"
    full = [(e.offset, e.query) for e in parse(data)[0]]
    for cut in range(len(data) + 1):
        head_events, head_stats = parse(data[:cut])
        resumed = [(e.offset, e.query) for e in parse(data, start_offset=head_stats.resume_offset)[0]]
        assert [(e.offset, e.query) for e in head_events] + resumed == full, cut


def test_empty_and_blank_input() -> None:
    assert parse(b"") == ([], ParseStats())
    events, stats = parse(b"\n\n   \n")
    assert events == [] and stats.skipped == 0


def test_non_numeric_and_non_finite_values_are_not_metrics() -> None:
    data = b"# User@Host: a[a] @ h []\n# Query_time: 1.0e999  Lock_time: 0.5abc  Rows_sent: 99999999999999999999999  Rows_examined: 2\nSELECT 1;\n"
    (event,), stats = parse(data)
    assert "Query_time" not in event.attrs and "Lock_time" not in event.attrs
    assert "Rows_sent" not in event.attrs and event.attrs["Rows_examined"] == 2  # > 64 bits: garbage
    assert stats.skipped == 0


def test_time_is_pts_ts_and_set_timestamp_only_before_any_time_line() -> None:
    no_time = b"# User@Host: a[a] @ h []\n# Query_time: 1  Lock_time: 0  Rows_sent: 0  Rows_examined: 0\nSET timestamp=%d;\nSELECT %d;\n"
    data = (no_time % (1795326001, 1)  # nothing seen yet: its SET timestamp
            + b"# Time: 2026-11-22T05:50:00Z\n" + no_time % (1795326600, 2)  # its # Time: line, not SET
            + no_time % (1795326999, 3))  # carried from the last # Time: line, as pt does
    first, second, third = parse(data)[0]
    assert first.ts == dt.datetime(2026, 11, 22, 5, 40, 1, tzinfo=UTC)
    assert second.ts == third.ts == dt.datetime(2026, 11, 22, 5, 50, tzinfo=UTC)
