"""Digest aggregates on a hand-written log: exact counts/sums/min/max, pt-style approximations, the window."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import math
from pathlib import Path

import pytest

from themis.slowlog.digest import Digest, bucket_index, digest_events, digest_paths
from themis.slowlog.fingerprint import checksum
from themis.slowlog.parser import iter_events

UTC = dt.timezone.utc
T0 = 1795326000  # 2026-11-22T05:40:00Z


def entry(ts: int, query: str, qt: float, *, user: str = "app", host: str = "web1", db: str | None = None,
          rows_examined: int = 10, extra: str = "", time_line: bool = True) -> str:
    lines = []
    if time_line:
        lines.append(f"# Time: {dt.datetime.fromtimestamp(ts, UTC):%Y-%m-%dT%H:%M:%S}.000000Z")
    lines.append(f"# User@Host: {user}[{user}] @ {host} []  Id: 7")
    lines.append(f"# Query_time: {qt:.6f}  Lock_time: 0.000100 Rows_sent: 1  Rows_examined: {rows_examined}")
    if extra:
        lines.append(extra)
    if db:
        lines.append(f"use {db};")
    lines.append(f"SET timestamp={ts};")
    lines.append(query + ";")
    return "\n".join(lines) + "\n"


LOG = "".join([
    entry(T0 + 0, "SELECT * FROM orders WHERE id = 1", 1.5, db="shop", rows_examined=100,
          extra="# Full_scan: Yes  Filesort: No  Killed: 0  Last_errno: 0"),
    entry(T0 + 10, "SELECT * FROM orders WHERE id = 2", 0.25, user="batch", host="b2", rows_examined=7,
          extra="# Full_scan: No  Filesort: No  Killed: 1"),
    entry(T0 + 20, "select *  from orders where id = 3", 0.75, host="a0", rows_examined=30),
    entry(T0 + 30, "UPDATE carts SET n = n + 1 WHERE id = 9", 2.0, db="cart"),
    entry(T0 + 40, "UPDATE carts SET n = n + 1 WHERE id = 10", 2.0, db="cart"),
    entry(T0 + 50, "SELECT 1", 0.001),
])


def digest_of(text: str, **window: dt.datetime | None) -> list[dict]:
    return digest_events(iter_events(io.BytesIO(text.encode())), **window).classes()


def by_fingerprint(classes: list[dict]) -> dict[str, dict]:
    return {c["fingerprint"]: c for c in classes}


def test_exact_aggregates_per_class() -> None:
    classes = digest_of(LOG)
    assert [c["fingerprint"] for c in classes] == [  # worst total Query_time first
        "update carts set n = n ? ? where id = ?",
        "select * from orders where id = ?",
        "select ?",
    ]
    orders = by_fingerprint(classes)["select * from orders where id = ?"]
    assert orders["checksum"] == checksum("select * from orders where id = ?") == "9C05EA5686390AEB296E90D8F864A512"
    assert orders["query_count"] == 3
    assert orders["Query_time_cnt"] == 3
    assert orders["Query_time_sum"] == 1.5 + 0.25 + 0.75
    assert (orders["Query_time_min"], orders["Query_time_max"]) == (0.25, 1.5)
    assert (orders["Rows_examined_sum"], orders["Rows_examined_min"], orders["Rows_examined_max"]) == (137, 7, 100)
    assert type(orders["Rows_examined_sum"]) is int
    assert orders["Lock_time_sum"] == pytest.approx(0.0003)
    assert orders["ts_min"] == "2026-11-22T05:40:00+00:00" and orders["ts_max"] == "2026-11-22T05:40:20+00:00"
    assert orders["ts_cnt"] == 3
    # db carried over from the first entry; string maxima are lexicographic, like pt's *_max columns.
    assert (orders["db_max"], orders["user_max"], orders["host_max"]) == ("shop", "batch", "web1")


def test_sample_is_the_worst_execution_and_later_wins_a_tie() -> None:
    classes = by_fingerprint(digest_of(LOG))
    assert classes["select * from orders where id = ?"]["sample"] == "SELECT * FROM orders WHERE id = 1"
    update = classes["update carts set n = n ? ? where id = ?"]
    assert update["sample"] == "UPDATE carts SET n = n + 1 WHERE id = 10"
    assert update["sample_db"] == "cart"
    assert update["sample_ts"] == "2026-11-22T05:40:40+00:00"


def test_booleans_count_events_and_yes_answers() -> None:
    orders = by_fingerprint(digest_of(LOG))["select * from orders where id = ?"]
    assert (orders["Full_scan_cnt"], orders["Full_scan_sum"]) == (2, 1)
    assert (orders["Filesort_cnt"], orders["Filesort_sum"]) == (2, 0)
    assert (orders["Killed_cnt"], orders["Killed_sum"]) == (2, 1)  # "Killed: 0/1" is a yes/no
    assert "Full_scan_min" not in orders and "Full_scan_pct_95" not in orders


def test_metadata_attributes_are_not_aggregated() -> None:
    orders = by_fingerprint(digest_of(LOG))["select * from orders where id = ?"]
    assert not [key for key in orders if key.startswith(("Thread_id", "Last_errno"))]


def test_percentiles_follow_pts_log_buckets() -> None:
    classes = by_fingerprint(digest_of(LOG))
    single = classes["select ?"]  # one value: the value itself
    assert (single["Query_time_pct_95"], single["Query_time_median"], single["Query_time_stddev"]) == (0.001, 0.001, 0)
    pair = classes["update carts set n = n ? ? where id = ?"]  # equal values
    assert (pair["Query_time_pct_95"], pair["Query_time_median"], pair["Query_time_stddev"]) == (2.0, 2.0, 0)
    orders = classes["select * from orders where id = ?"]  # 3 values: bucket lower bounds, 5% wide
    assert 1.5 / 1.05 <= orders["Query_time_pct_95"] <= 1.5
    assert 0.75 / 1.05 <= orders["Query_time_median"] <= 0.75
    assert 0 < orders["Query_time_stddev"] <= (1.5 - 0.25) / 2


def test_two_values_use_pts_exact_formula() -> None:
    log = entry(T0, "SELECT 1", 1.5) + entry(T0 + 1, "SELECT 2", 0.25)
    (cls,) = digest_of(log)
    assert cls["Query_time_median"] == 0.875
    assert cls["Query_time_pct_95"] == 1.5
    assert cls["Query_time_stddev"] == round(math.sqrt(((1.5 - 0.875) ** 2) * 2), 6)


@pytest.mark.parametrize("value", [1e-6, 0.000123, 0.25, 1.0, 3.7, 1234.5, 10**6])
def test_bucket_index_brackets_the_value(value: float) -> None:
    idx = bucket_index(value)
    assert 1.05 ** (idx - 1) * 1e-6 <= value * (1 + 1e-12)
    assert value < 1.05 ** idx * 1e-6
    assert bucket_index(0) == 0 and bucket_index(-5) == 0 and bucket_index(1e300) == 999


def test_window_is_half_open() -> None:
    since = dt.datetime.fromtimestamp(T0 + 10, UTC)
    until = dt.datetime.fromtimestamp(T0 + 40, UTC)
    digest = Digest(since=since, until=until)
    for event in iter_events(io.BytesIO(LOG.encode())):
        digest.add(event)
    classes = by_fingerprint(digest.classes())
    assert classes["select * from orders where id = ?"]["query_count"] == 2  # T0+10 in, T0+0 out
    assert classes["update carts set n = n ? ? where id = ?"]["query_count"] == 1  # T0+30 in, T0+40 out
    assert "select ?" not in classes
    assert digest.stats() == {"events_read": 6, "events_in_window": 3, "events_outside_window": 3, "classes": 2}


def test_open_ended_windows_and_events_without_time() -> None:
    log = entry(T0, "SELECT 1", 1.0).replace(f"SET timestamp={T0};\n", "").replace("# Time: 2026-11-22T05:40:00.000000Z\n", "")
    assert digest_of(log)[0]["ts_cnt"] == 0
    assert digest_of(log) and digest_of(log, since=None, until=None)
    assert digest_of(log, since=dt.datetime(2000, 1, 1, tzinfo=UTC)) == []  # unknown time: outside a window
    later = digest_of(LOG, since=dt.datetime.fromtimestamp(T0 + 45, UTC))
    assert [c["fingerprint"] for c in later] == ["select ?"]
    earlier = digest_of(LOG, until=dt.datetime.fromtimestamp(T0 + 5, UTC))
    assert [c["query_count"] for c in earlier] == [1]


def test_naive_window_bounds_are_rejected() -> None:
    with pytest.raises(ValueError, match="since"):
        Digest(since=dt.datetime(2026, 11, 22))


def test_classes_are_plain_json_even_for_undecodable_text() -> None:
    raw = b"# User@Host: a[a] @ h []\n# Query_time: 1.0  Lock_time: 0.0 Rows_sent: 0  Rows_examined: 0\nSELECT caf\xe9 FROM t;\n"
    (cls,) = digest_events(iter_events(io.BytesIO(raw))).classes()
    assert cls["fingerprint"] == "select caf\ufffd from t" and cls["sample"] == "SELECT caf\ufffd FROM t"
    assert cls["checksum"] == hashlib.md5(b"select caf\xe9 from t").hexdigest().upper()  # pt hashes the bytes
    json.dumps(cls, allow_nan=False).encode("utf-8")


def test_digest_paths_over_plain_gz_and_glob(tmp_path: Path) -> None:
    (tmp_path / "slow.log.1.gz").write_bytes(gzip.compress(LOG.encode()))
    garbage = b"\x00\x01 not a log line\n"
    live = garbage + entry(T0 + 100, "SELECT * FROM orders WHERE id = 77", 3.0).encode()
    (tmp_path / "slow.log").write_bytes(live)
    result = digest_paths([str(tmp_path / "slow.log*")], since=None, until=None)
    assert result.stats["files"] == [str(tmp_path / "slow.log.1.gz"), str(tmp_path / "slow.log")]  # oldest first
    assert result.stats["bytes_read"] == len(LOG) + len(live)
    assert result.stats["events_read"] == 7 and result.stats["events_in_window"] == 7
    assert result.stats["skipped_entries"] == 1
    assert result.stats["skipped_offsets"] == [{"file": str(tmp_path / "slow.log"), "offset": 0}]
    orders = by_fingerprint(result.classes)["select * from orders where id = ?"]
    assert orders["query_count"] == 4 and orders["Query_time_max"] == 3.0
    json.dumps(result.stats)

    windowed = digest_paths([str(tmp_path / "slow.log")], since=dt.datetime.fromtimestamp(T0 + 100, UTC),
                            until=dt.datetime.fromtimestamp(T0 + 101, UTC))
    assert windowed.stats["events_in_window"] == 1 and windowed.stats["events_outside_window"] == 0


def test_digest_paths_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope.log"):
        digest_paths([str(tmp_path / "nope.log")], since=None, until=None)


def test_admin_commands_have_their_stale_row_counts_zeroed() -> None:
    log = ("# User@Host: root[root] @ localhost []\n# Query_time: 0.5  Lock_time: 0.0 Rows_sent: 3  Rows_examined: 999\n"
           "# Rows_affected: 2  Bytes_sent: 11\nSET timestamp=1795326000;\n# administrator command: Quit;\n")
    events = list(iter_events(io.BytesIO(log.encode())))
    (cls,) = digest_events(events).classes()
    assert cls["fingerprint"] == "administrator command: Quit"
    assert (cls["Rows_sent_sum"], cls["Rows_examined_sum"], cls["Rows_affected_sum"]) == (0, 0, 0)
    assert cls["Bytes_sent_sum"] == 11 and cls["Query_time_sum"] == 0.5
    assert events[0].attrs["Rows_examined"] == 999  # the event itself is left as logged


def test_digest_paths_reports_progress(tmp_path: Path) -> None:
    log = "".join(entry(T0 + i, f"SELECT {i}", 0.1) for i in range(5000))
    (tmp_path / "slow.log").write_text(log)
    seen: list[dict] = []
    result = digest_paths([str(tmp_path / "slow.log")], since=None, until=None, progress=seen.append)
    assert seen, "the final figures are always reported"
    assert seen[-1]["input_bytes"] == len(log) and seen[-1]["events_read"] == 5000 and seen[-1]["classes"] == 1
    assert all(0 <= f["input_bytes"] <= len(log) for f in seen)
    assert result.stats["events_read"] == 5000


def test_digest_paths_progress_true_draws_a_bar_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "slow.log").write_text("".join(entry(T0 + i, f"SELECT {i}", 0.1) for i in range(4100)))
    digest_paths([str(tmp_path / "slow.log")], since=None, until=None, progress=True)
    err = capsys.readouterr().err
    assert "100.0%" in err and "4,100 events" in err and "1 classes" in err and err.endswith("\n")
