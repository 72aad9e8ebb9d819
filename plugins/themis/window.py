"""The capture window: the DAG run's data interval, which every stored partition is keyed by."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CaptureWindow:
    """A half-open interval ``[start, end)`` in UTC."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None:
                raise ValueError(f"capture window {name} must be timezone-aware, got {value!r}")
        if self.end <= self.start:
            raise ValueError(f"capture window is empty: start {self.start} is not before end {self.end}")

    @property
    def key(self) -> str:
        """A stable, sortable identifier, e.g. ``20261121T000000Z_20261122T000000Z``."""
        return f"{_stamp(self.start)}_{_stamp(self.end)}"

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    def as_dict(self) -> dict[str, str]:
        return {"start": self.start.astimezone(dt.timezone.utc).isoformat(),
                "end": self.end.astimezone(dt.timezone.utc).isoformat()}

    @classmethod
    def parse(cls, start: str | dt.datetime, end: str | dt.datetime) -> "CaptureWindow":
        return cls(as_utc(start), as_utc(end))

    @classmethod
    def from_key(cls, key: str) -> "CaptureWindow":
        start, _, end = key.partition("_")
        fmt = "%Y%m%dT%H%M%SZ"
        return cls(dt.datetime.strptime(start, fmt).replace(tzinfo=dt.timezone.utc),
                   dt.datetime.strptime(end, fmt).replace(tzinfo=dt.timezone.utc))


def as_utc(value: str | dt.datetime) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    value = value.astimezone(dt.timezone.utc)
    # A scheduled run's data interval arrives as pendulum DateTimes, whose differences are pendulum
    # Intervals (``interval // timedelta`` fails in the slow-log digest): keep plain datetimes only.
    return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                       value.microsecond, tzinfo=dt.timezone.utc)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
