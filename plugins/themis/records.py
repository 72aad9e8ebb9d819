"""Plain JSON values for snapshot records.

Every record that leaves a capture task goes to XCom, MongoDB or SQLite, and all three take
plain JSON types only (the original crashed on ``Decimal`` from MySQL). Normalise once, here.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any


def to_plain(value: Any) -> Any:
    """Return ``value`` with Decimal, datetime, bytes, tuples and sets turned into JSON types."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        if value == value.to_integral_value() and abs(value) < 2**63:
            return int(value)
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.isoformat(sep=" ")
        return value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_plain(v) for v in value]
    return str(value)


def plain_record(row: dict[str, Any]) -> dict[str, Any]:
    """A record with lower-case keys and plain values (information_schema returns upper case)."""
    return {str(k).lower(): to_plain(v) for k, v in row.items()}
