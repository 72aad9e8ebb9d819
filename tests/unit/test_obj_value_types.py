"""The value classifier behind COLUMN_WRONG_TYPE (themis.rules.checks.value_types)."""

from __future__ import annotations

import pytest

from themis.rules.checks.value_types import (
    CODE, DATE, DATETIME, DECIMAL, IGNORED, INTEGER, TEXT, TIME, classify, verdict,
)


@pytest.mark.parametrize("value, kind", [
    ("2024-03-01", DATE), ("2024/3/1", DATE), ("2024.03.01", DATE), ("01.03.2024", DATE), ("12/31/2024", DATE),
    ("20240301", DATE), (" 2024-03-01 ", DATE),
    ("2024-03-01 10:20:30", DATETIME), ("2024-03-01T10:20:30.123456Z", DATETIME), ("2024-03-01 10:20", DATETIME),
    ("2024-03-01T10:20:30+08:00", DATETIME), ("20240301102030", DATETIME),
    ("08:30", TIME), ("23:59:59", TIME), ("23:59:59.5", TIME),
    ("0", IGNORED), ("", IGNORED), ("   ", IGNORED), ("NULL", IGNORED), ("0000-00-00", IGNORED),
    ("0000-00-00 00:00:00", IGNORED),
    ("7", INTEGER), ("-42", INTEGER), ("+3", INTEGER), ("2147483648", INTEGER), ("12345678", INTEGER),
    ("12.50", DECIMAL), ("-0.125", DECIMAL),
    ("0123", CODE), ("00501", CODE), ("13812345678", CODE), ("6222021234567890123", CODE), ("+86 138-0000-0000", CODE),
    ("(030) 1234567", CODE), ("10.1.2.3", CODE),
    ("2024-02-30", CODE), ("2024-13-01", CODE), ("25:00", TEXT), ("19000101", DATE), ("18991231", INTEGER),
    ("abc", TEXT), ("1e5", TEXT), ("2024-03-01 xyz", TEXT), ("v1.2", TEXT),
])  # fmt: skip
def test_classify(value, kind):
    assert classify(value) == kind


def dates(n: int) -> list[str]:
    return [f"2024-01-{day:02d}" for day in range(1, n + 1)]


def test_dates_are_a_date_column():
    found = verdict(dates(25) + ["", "0"], min_distinct=20, match_percent=95)
    assert (found.kind, found.suggested_type, found.percent, found.distinct) == (DATE, "DATE", 100.0, 25)
    assert found.examples == ("2024-01-01", "2024-01-02", "2024-01-03")


def test_one_date_time_among_dates_makes_datetime_with_its_precision():
    found = verdict(dates(25) + ["2024-02-01 10:00:00.125"], min_distinct=20, match_percent=95)
    assert (found.kind, found.suggested_type) == (DATETIME, "DATETIME(3)")


def test_integers_and_decimals():
    assert verdict([str(i) for i in range(30)], min_distinct=20, match_percent=95).suggested_type == "INT"
    assert verdict([str(3_000_000_000 + i) for i in range(30)], min_distinct=20, match_percent=95).suggested_type == "BIGINT"
    found = verdict([str(i) for i in range(1, 30)] + ["-123.456"], min_distinct=20, match_percent=95)
    assert (found.kind, found.suggested_type) == (DECIMAL, "DECIMAL(6,3)")


def test_tolerance_and_its_limit():
    dirty = dates(24) + ["unknown"]  # 96 % dates
    assert verdict(dirty, min_distinct=20, match_percent=95).kind == DATE
    assert verdict(dirty, min_distinct=20, match_percent=100) is None
    assert verdict(dates(18) + ["a", "b"], min_distinct=20, match_percent=95) is None


def test_too_few_distinct_values_is_an_enumeration():
    assert verdict(["1", "2", "3"] * 50, min_distinct=20, match_percent=95) is None
    assert verdict(["1", "2", "3"], min_distinct=3, match_percent=95).kind == INTEGER


def test_codes_and_text_give_no_verdict():
    phones = [f"138{i:08d}" for i in range(30)]
    assert verdict(phones, min_distinct=20, match_percent=95) is None
    assert verdict([f"{i:05d}" for i in range(30)], min_distinct=20, match_percent=95) is None
    assert verdict([f"name {i}" for i in range(30)], min_distinct=20, match_percent=95) is None
    assert verdict([], min_distinct=0, match_percent=95) is None


def test_compact_dates_count_as_integers_when_mixed_with_numbers():
    values = [str(20240100 + d) for d in range(1, 11)] + [str(i) for i in range(100, 120)]
    assert verdict(values, min_distinct=20, match_percent=95).kind == INTEGER
