"""pt's review/history tables and the performance_schema digest, as data (no database here)."""

from __future__ import annotations

import datetime as dt

import pytest

from themis.slowlog.tables import (
    HISTORY_COLUMNS, HISTORY_KEY, REVIEW_COLUMNS, classes_from_history, classes_from_ps_digest, history_row,
    ps_snapshot_rows, review_row, split_table,
)

UTC = dt.timezone.utc
CLASS = {
    "checksum": "9C05EA5686390AEB296E90D8F864A512", "fingerprint": "select * from orders where id = ?",
    "sample": "SELECT * FROM orders WHERE id = 42", "query_count": 3, "ts_cnt": 3,
    "ts_min": "2026-11-22T05:41:17.198546+00:00", "ts_max": "2026-11-22T06:26:44.900000+00:00",
    "Query_time_cnt": 3, "Query_time_sum": 2.5, "Query_time_min": 0.25, "Query_time_max": 1.5,
    "Query_time_pct_95": 1.5, "Query_time_stddev": 0.5, "Query_time_median": 0.75,
    "Rows_examined_sum": 137, "Full_scan_cnt": 3, "Full_scan_sum": 1, "InnoDB_IO_r_ops_max": 10,
}


def test_pt_3_table_shapes() -> None:
    names = [name for name, _ in HISTORY_COLUMNS]
    assert names[:5] == ["checksum", "sample", "ts_min", "ts_max", "ts_cnt"]
    assert dict(HISTORY_COLUMNS)["checksum"].startswith("CHAR(32)")
    assert {"Query_time_pct_95", "Rows_read_median", "Merge_passes_sum", "InnoDB_pages_distinct_stddev",
            "Filesort_on_disk_cnt", "QC_Hit_sum"} <= set(names)
    assert "InnoDB_IO_r_ops_sum" not in names  # pt keeps no sum for the InnoDB figures
    assert HISTORY_KEY == ("checksum", "ts_min", "ts_max")
    assert [name for name, _ in REVIEW_COLUMNS] == ["checksum", "fingerprint", "sample", "first_seen", "last_seen",
                                                    "reviewed_by", "reviewed_on", "comments"]


def test_a_class_as_history_and_review_rows() -> None:
    row = history_row(CLASS, [*[n for n, _ in HISTORY_COLUMNS], "Query_time_avg", "Rows_sent_sum"])
    assert row["ts_min"] == dt.datetime(2026, 11, 22, 5, 41, 17)  # naive UTC, whole seconds (like pt on MariaDB)
    assert row["ts_max"] == dt.datetime(2026, 11, 22, 6, 26, 44)
    assert (row["Query_time_sum"], row["Query_time_pct_95"], row["Full_scan_sum"]) == (2.5, 1.5, 1)
    assert row["Query_time_avg"] == pytest.approx(2.5 / 3)  # any <attr>_<metric> column pt would fill
    assert row["Rows_sent_sum"] is None and row["Merge_passes_max"] is None  # not in the class: NULL
    review = review_row(CLASS)
    assert review == {"checksum": CLASS["checksum"], "fingerprint": CLASS["fingerprint"], "sample": CLASS["sample"],
                      "first_seen": dt.datetime(2026, 11, 22, 5, 41, 17), "last_seen": dt.datetime(2026, 11, 22, 6, 26, 44)}


@pytest.mark.parametrize("name, ok", [("db.t", True), ("percona_schema.query_history", True), ("t", False),
                                      ("a.b.c", False), ("`db`.`t`", False), ("", False)])
def test_table_names(name: str, ok: bool) -> None:
    if ok:
        assert split_table(name) == tuple(name.split("."))
    else:
        with pytest.raises(ValueError, match="db.table"):
            split_table(name)


def test_history_rows_of_several_pt_runs_merge_into_one_class() -> None:
    base = {"checksum": "ABC", "sample": "SELECT 1", "review_fingerprint": "select ?"}
    rows = [
        {**base, "ts_min": dt.datetime(2026, 11, 22, 1), "ts_max": dt.datetime(2026, 11, 22, 2), "ts_cnt": 3.0,
         "Query_time_sum": 3.0, "Query_time_min": 0.5, "Query_time_max": 2.0, "Query_time_pct_95": 2.0,
         "Query_time_median": 1.0, "QC_Hit_cnt": 3.0, "QC_Hit_sum": 1.0},
        {**base, "ts_min": dt.datetime(2026, 11, 22, 3), "ts_max": dt.datetime(2026, 11, 22, 4), "ts_cnt": 1.0,
         "Query_time_sum": 5.0, "Query_time_min": 5.0, "Query_time_max": 5.0, "Query_time_pct_95": 5.0,
         "Query_time_median": 5.0, "QC_Hit_cnt": 1.0, "QC_Hit_sum": 0.0},
        {"checksum": 1234567890, "sample": b"SELECT caf\xc3\xa9", "ts_min": None, "ts_max": None, "ts_cnt": 1.0},
    ]
    merged = {c["checksum"]: c for c in classes_from_history(rows)}
    cls = merged["ABC"]
    assert (cls["query_count"], cls["ts_cnt"], cls["fingerprint"]) == (4, 4, "select ?")
    assert (cls["Query_time_sum"], cls["Query_time_min"], cls["Query_time_max"]) == (8.0, 0.5, 5.0)
    assert cls["Query_time_pct_95"] == pytest.approx((2.0 * 3 + 5.0) / 4)  # weighted by ts_cnt
    assert (cls["QC_Hit_cnt"], cls["QC_Hit_sum"]) == (4.0, 1.0)
    assert (cls["ts_min"], cls["ts_max"]) == ("2026-11-22T01:00:00+00:00", "2026-11-22T04:00:00+00:00")
    old = merged["00000000499602D2"]  # a pre-3.0.11 BIGINT checksum, as pt printed it
    assert old["fingerprint"] == "select caf\u00e9" and old["sample"] == "SELECT caf\u00e9"
    assert list(merged) == ["ABC", "00000000499602D2"]  # worst total time first


def ps_row(digest: str, count: int, wait: float, **extra: object) -> dict[str, object]:
    return {"SCHEMA_NAME": "shop", "DIGEST": digest, "DIGEST_TEXT": "SELECT * FROM `t` WHERE `id` = ?",
            "COUNT_STAR": count, "SUM_TIMER_WAIT": int(wait * 1e12), "MIN_TIMER_WAIT": int(0.001e12),
            "MAX_TIMER_WAIT": int(0.9e12), "SUM_LOCK_TIME": 0, "SUM_ROWS_SENT": count, "SUM_ROWS_EXAMINED": count * 10,
            "SUM_SELECT_SCAN": 0, "FIRST_SEEN": "2026-11-22T00:00:00+00:00", "LAST_SEEN": "2026-11-22T05:00:00+00:00",
            **extra}


def test_performance_schema_delta_between_snapshots() -> None:
    taken = dt.datetime(2026, 11, 22, 6, tzinfo=UTC)
    before = [ps_row("d1", 10, 1.0), ps_row("d2", 5, 0.5)]
    now = [ps_row("d1", 17, 1.7, LAST_SEEN="2026-11-22T05:59:00+00:00"), ps_row("d2", 5, 0.5),
           ps_row("d3", 2, 0.2, DIGEST_TEXT="UPDATE `t` SET `v` = ?", FIRST_SEEN="2026-11-22T05:30:00+00:00")]
    classes = {c["fingerprint"]: c for c in classes_from_ps_digest(now, before, taken_at=taken,
                                                                   previous_at=taken - dt.timedelta(hours=1))}
    select = classes["select * from `t` where `id` = ?"]
    assert select["query_count"] == 7 and select["Rows_examined_sum"] == 70
    assert select["Query_time_sum"] == pytest.approx(0.7)
    assert "Query_time_max" not in select  # lifetime figures: not this window's
    assert (select["ts_min"], select["ts_max"]) == ("2026-11-22T05:00:00+00:00", "2026-11-22T05:59:00+00:00")
    update = classes["update `t` set `v` = ?"]  # new since the last snapshot: all its figures are the window's
    assert update["query_count"] == 2 and update["Query_time_max"] == pytest.approx(0.9)
    assert update["ts_min"] == "2026-11-22T05:30:00+00:00"
    assert len(classes) == 2  # d2 did not run


def test_performance_schema_reset_counts_from_zero() -> None:
    taken = dt.datetime(2026, 11, 22, 6, tzinfo=UTC)
    before = [ps_row("d1", 100, 10.0)]
    after_restart = [ps_row("d1", 4, 0.4, FIRST_SEEN="2026-11-22T05:50:00+00:00")]
    (cls,) = classes_from_ps_digest(after_restart, before, taken_at=taken, previous_at=None)
    assert cls["query_count"] == 4 and cls["Query_time_sum"] == pytest.approx(0.4)
    (first,) = classes_from_ps_digest(before, None, taken_at=taken, previous_at=None)
    assert first["query_count"] == 100


def test_ps_snapshot_rows_are_plain_json() -> None:
    from decimal import Decimal

    rows = ps_snapshot_rows([{"schema_name": "shop", "digest": "d", "digest_text": b"SELECT ?", "count_star": 3,
                              "sum_timer_wait": Decimal("12000000"), "first_seen": dt.datetime(2026, 11, 22, 1),
                              "last_seen": dt.datetime(2026, 11, 22, 2)},
                             {"DIGEST": None, "COUNT_STAR": 9}])
    assert rows == [{**{name: None for name in rows[0]}, "SCHEMA_NAME": "shop", "DIGEST": "d", "DIGEST_TEXT": "SELECT ?",
                     "COUNT_STAR": 3, "SUM_TIMER_WAIT": 12000000, "FIRST_SEEN": "2026-11-22T01:00:00+00:00",
                     "LAST_SEEN": "2026-11-22T02:00:00+00:00"}]
