"""A scheduled run's data interval is made of pendulum DateTimes: the capture window keeps plain
datetimes, so the slow-log digest's arithmetic works on scheduled runs as on manual ones."""

import datetime as dt

import pendulum

from themis.slowlog.digest import to_micros
from themis.window import CaptureWindow


def test_window_from_pendulum_interval_is_plain_utc_datetimes():
    start = pendulum.datetime(2026, 12, 6, 3, 30, tz="Europe/Paris")
    window = CaptureWindow.parse(start, start.add(minutes=30))
    assert type(window.start) is dt.datetime and type(window.end) is dt.datetime
    assert window.start == dt.datetime(2026, 12, 6, 2, 30, tzinfo=dt.timezone.utc)
    assert to_micros(window.end) - to_micros(window.start) == 30 * 60 * 10**6
    assert window.key == "20261206T023000Z_20261206T030000Z"
