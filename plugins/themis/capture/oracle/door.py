"""A door is where Oracle capture reads rows from: a live database or a dictionary export.

Both run the same SQL templates (``include/sql/oracle``): :class:`~themis.capture.oracle.live.LiveDoor`
sends them through python-oracledb, :class:`~themis.capture.oracle.export.ExportDoor` transpiles them
for DuckDB and runs them on the export's CSVs. Rows come out the same way from both — lower-case
keys and plain JSON values (:func:`plain_value`) — so ``shape.py`` never knows which door was used.
"""

from __future__ import annotations

import abc
import datetime as dt
import decimal
import math
from typing import Any, Iterator

from themis.records import to_plain

INT64 = 2**63


def plain_value(value: Any) -> Any:
    """A database value as plain JSON, the same whichever door produced it.

    oracledb returns NUMBER as int or float, DuckDB as Decimal: an integral number becomes an int,
    and one beyond 64 bits (FORCE_MATCHING_SIGNATURE, Oracle's "infinite" 2^64-1 costs) a string,
    which MongoDB and SQLite both keep exactly.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        value = int(value) if value == value.to_integral_value() else float(value)
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    if isinstance(value, int):
        return value if -INT64 <= value < INT64 else str(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ") if value.tzinfo is None else to_plain(value)
    return to_plain(value)


def plain_row(names: list[str], row: tuple[Any, ...]) -> dict[str, Any]:
    return {name: plain_value(value) for name, value in zip(names, row)}


class Door(abc.ABC):
    """Rows of the capture SQL, and the facts about the database behind it."""

    name: str  # "live" or "export"

    @abc.abstractmethod
    def rows(self, template: str, **context: Any) -> Iterator[dict[str, Any]]:
        """Run ``include/sql/oracle/<template>.sql`` with ``context``; stream its rows."""

    @abc.abstractmethod
    def database(self) -> dict[str, Any]:
        """``dbid``, ``db_name``, ``version``, ``version_major``, ``nls_characterset``,
        ``db_block_size``, ``db_timezone`` (may be None), ``instance_numbers``."""

    def close(self) -> None:
        """Release the connection or the embedded database."""

    def __enter__(self) -> "Door":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def version_major(version: str | None) -> int:
    """``19`` from ``19.21.0.0.0``; 0 when unknown (templates then use the oldest column set)."""
    try:
        return int(str(version).split(".", 1)[0])
    except (TypeError, ValueError):
        return 0
