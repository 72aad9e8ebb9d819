"""What sampled column values really are: the classifier behind COLUMN_WRONG_TYPE.

A VARCHAR that only ever holds ``2024-03-01`` is a DATE stored as text: it takes 11 bytes instead of
3, sorts and compares as a string, and accepts ``2024-02-30``. The capture keeps a bounded sample
of distinct values per column (``obj.column_sample``); this module says, per value, what it looks
like, and per column, which type fits nearly all of them.

Kinds of value:

* ``date`` -- ``2024-03-01``, ``2024/3/1``, ``01.03.2024``, ``20240301`` (8 digits, years 1900-2099);
* ``datetime`` -- a date with ``hh:mm[:ss[.ffffff]]`` (``T`` or space, optional zone), or 14 digits;
* ``time`` -- ``08:30``, ``23:59:59.5``;
* ``integer`` -- at most 10 digits, no leading zero;
* ``decimal`` -- ``12.50``, ``-0.125``;
* ``code`` -- digits that must stay text: leading zeros (``00123``, zip codes), 11 or more digits
  (phone, card, account and ID numbers, as the original's phone/account patterns), phone formatting
  (``+86 138-0000-0000``);
* ``text`` -- anything else; ``ignored`` -- blank, ``0``, ``NULL`` and zero dates, which say nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

DATE, DATETIME, TIME, INTEGER, DECIMAL, CODE, TEXT, IGNORED = (
    "date", "datetime", "time", "integer", "decimal", "code", "text", "ignored")
IGNORED_VALUES = frozenset({"", "0", "null", "none", "0000-00-00", "0000-00-00 00:00:00", "00000000"})

_YMD = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{4})$")
_CLOCK = r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
_DATETIME = re.compile(rf"^(\S+?)[T ]{_CLOCK}(?:Z|[+-]\d{{2}}:?\d{{2}})?$")
_TIME = re.compile(rf"^{_CLOCK}$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$")
_INTEGER = re.compile(r"^[+-]?(?:0|[1-9]\d{0,9})$")
_DECIMAL = re.compile(r"^[+-]?(?:0|[1-9]\d{0,29})\.(\d{1,30})$")
_CODE = re.compile(r"^\+?[\d\s().-]*\d[\d\s().-]*$")
INT_RANGE = (-(2**31), 2**31 - 1)
EXAMPLES = 3


@dataclass(frozen=True)
class Verdict:
    """Which type fits a column's sampled values: ``kind``, the suggested declaration and the share
    (percent of distinct classified values) that fit it."""

    kind: str
    suggested_type: str
    percent: float
    distinct: int
    examples: tuple[str, ...]


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return year >= 1000


def _valid_clock(hour: str, minute: str, second: str | None) -> bool:
    return int(hour) < 24 and int(minute) < 60 and (second is None or int(second) < 60)


def _is_date(text: str) -> bool:
    """Separated dates, year first or last (day/month or month/day: either order will do)."""
    if match := _YMD.match(text):
        return _valid_date(int(match[1]), int(match[3]), int(match[4]))
    if match := _DMY.match(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        return _valid_date(year, second, first) or _valid_date(year, first, second)
    return False


def _compact_kind(text: str) -> str | None:
    """``YYYYMMDD`` / ``YYYYMMDDhhmmss`` in this century or the last one, as dates stored in numbers are."""
    match = _COMPACT.match(text)
    if not match or not 1900 <= int(match[1]) <= 2099 or not _valid_date(int(match[1]), int(match[2]), int(match[3])):
        return None
    if match[4] is None:
        return DATE
    return DATETIME if _valid_clock(match[4], match[5], match[6]) else None


def classify(value: str) -> str:
    """The kind of one value (see the module docstring)."""
    text = str(value).strip()
    if text.lower() in IGNORED_VALUES:
        return IGNORED
    if _is_date(text):
        return DATE
    if (match := _DATETIME.match(text)) and _is_date(match[1]) and _valid_clock(match[2], match[3], match[4]):
        return DATETIME
    if compact := _compact_kind(text):
        return compact
    if (match := _TIME.match(text)) and _valid_clock(match[1], match[2], match[3]):
        return TIME
    if _INTEGER.match(text):
        return INTEGER
    if _DECIMAL.match(text):
        return DECIMAL
    return CODE if _CODE.match(text) else TEXT


def _clock_fraction(text: str) -> int:
    """Fractional-second digits of a date-time or time value (0 for the compact forms)."""
    match = _DATETIME.match(text)
    fraction = match[5] if match else (m[4] if (m := _TIME.match(text)) else None)
    return len(fraction or "")


def _scale(text: str) -> int:
    match = _DECIMAL.match(text)
    return len(match[1]) if match else 0


def _with_fraction(name: str, values: list[str]) -> str:
    fsp = max((_clock_fraction(v) for v in values), default=0)
    return f"{name}({fsp})" if fsp else name


def _integer_type(values: list[str]) -> str:
    low, high = INT_RANGE
    return "INT" if all(low <= int(v) <= high for v in values) else "BIGINT"


def _decimal_type(values: list[str]) -> str:
    scale = max((_scale(v) for v in values), default=0)
    whole = max((len(v.lstrip("+-").split(".", 1)[0]) for v in values), default=1)
    return f"DECIMAL({whole + scale},{scale})"


def _suggested(kind: str, values: list[str]) -> str:
    if kind in (DATETIME, TIME):
        return _with_fraction(kind.upper(), [v for v in values if classify(v) == kind])
    if kind == INTEGER:
        return _integer_type(values)
    if kind == DECIMAL:
        return _decimal_type(values)
    return kind.upper()


def _families(classified: list[tuple[str, str]]) -> Iterable[tuple[str, list[str]]]:
    """Each candidate verdict with the values that fit it, the wider type of a pair first so that no
    sampled value would be cut: dates with some date-times are DATETIME, integers with some decimals
    DECIMAL. A wider type is only a candidate when a value of its own kind was seen; 8-digit dates
    also count as integers."""
    def of(*kinds: str) -> list[str]:
        return [v for v, k in classified if k in kinds]

    numeric_dates = [v for v in of(DATE) if _INTEGER.match(v)]
    if of(DATETIME):
        yield DATETIME, of(DATE, DATETIME)
    yield DATE, of(DATE)
    yield TIME, of(TIME)
    if of(DECIMAL):
        yield DECIMAL, of(INTEGER, DECIMAL) + numeric_dates
    yield INTEGER, of(INTEGER) + numeric_dates


def verdict(values: Iterable[str], *, min_distinct: int, match_percent: float) -> Verdict | None:
    """The type that at least ``match_percent`` % of the distinct meaningful values fit, or None.

    None too when fewer than ``min_distinct`` distinct values say anything: a handful of codes
    ('1', '2', '3') is an enumeration, not evidence of a numeric column.
    """
    distinct = list(dict.fromkeys(str(v).strip() for v in values))  # classify() strips too: same keys
    classified = [(v, kind) for v in distinct if (kind := classify(v)) != IGNORED]
    if not classified or len(classified) < max(1, int(min_distinct)):
        return None
    for kind, fitting in _families(classified):
        percent = 100.0 * len(fitting) / len(classified)
        if fitting and percent >= float(match_percent):
            return Verdict(kind, _suggested(kind, fitting), round(percent, 1), len(classified),
                           tuple(fitting[:EXAMPLES]))
    return None
