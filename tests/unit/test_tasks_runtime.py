"""Task-runtime pieces that need no database: capture windows, auth errors, alerts, missing dimensions."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from themis.config import parse_config
from themis.connections import fail_fast_on_auth, is_auth_error
from themis.notify import AuditNotifier, failure_message
from themis.capture.mysql import statement_record
from themis.tasks import CaptureFailed, failed_captures, is_past_window, missing_dimension, resolve_window
from themis.window import CaptureWindow

UTC = dt.timezone.utc
INSTANCE = parse_config({"instances": [{"id": "x", "db_type": "mysql", "conn_id": "c", "schemas": ["s"]}]}).instances[0]


def test_window_is_the_data_interval():
    start, end = dt.datetime(2026, 11, 20, 2, tzinfo=UTC), dt.datetime(2026, 11, 21, 2, tzinfo=UTC)
    window = resolve_window(INSTANCE, {}, start, end, end)
    assert (window.start, window.end) == (start, end)
    assert window.key == "20261120T020000Z_20261121T020000Z"


def test_window_from_run_conf_wins_and_must_be_complete():
    window = resolve_window(INSTANCE, {"window_start": "2026-11-01T00:00:00Z", "window_end": "2026-11-02T00:00:00+08:00"},
                            None, None, None)
    assert window.start == dt.datetime(2026, 11, 1, tzinfo=UTC)
    assert window.end == dt.datetime(2026, 11, 1, 16, tzinfo=UTC)
    with pytest.raises(ValueError, match="together"):
        resolve_window(INSTANCE, {"window_start": "2026-11-01T00:00:00Z"}, None, None, None)


def test_unscheduled_manual_run_audits_the_previous_day():
    moment = dt.datetime(2026, 11, 22, 5, 30, tzinfo=UTC)
    window = resolve_window(INSTANCE, {}, moment, moment, moment)  # empty data interval
    assert window.end == moment and window.start == moment - dt.timedelta(days=1)


def test_capture_window_rejects_empty_and_naive():
    with pytest.raises(ValueError, match="empty"):
        CaptureWindow.parse("2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z")
    with pytest.raises(ValueError, match="timezone-aware"):
        CaptureWindow(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 2))
    window = CaptureWindow.parse("2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z")
    assert CaptureWindow.from_key(window.key) == window


@pytest.mark.parametrize("run_type, ended_ago, hours, past", [
    ("scheduled", dt.timedelta(minutes=2), 1, False),      # the interval that just ended
    ("scheduled", dt.timedelta(minutes=50), 1, False),     # waited in a queue, still the latest interval
    ("manual", dt.timedelta(hours=2), 1, True),            # an explicit earlier hour in the run conf
    ("scheduled", dt.timedelta(hours=20), 24, False),      # a daily window captured late the same day
    ("manual", dt.timedelta(hours=30), 24, True),
    ("backfill", dt.timedelta(minutes=2), 1, True),        # every backfill run audits a past window
])
def test_live_snapshot_is_flagged_for_any_window_but_the_current_one(run_type, ended_ago, hours, past):
    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    end = now - ended_ago
    window = CaptureWindow(end - dt.timedelta(hours=hours), end)
    assert is_past_window(window, run_type, now) is past


def test_a_failed_capture_fails_export_without_a_second_alert(caplog):
    assert failed_captures({"capture_obj": "failed", "ingest_slowlog": "success",
                            "capture_other": "upstream_failed"}) == ["capture_obj", "capture_other"]
    assert failed_captures({"capture_obj": "success", "ingest_slowlog": "skipped", "capture_other": "success"}) == []
    from airflow.sdk.exceptions import AirflowFailException

    error = CaptureFailed("capture failed in this run: capture_obj")
    assert isinstance(error, AirflowFailException)  # no retry
    with caplog.at_level(logging.WARNING, logger="themis.alerts"):
        AuditNotifier("x").notify({"ti": _TI(), "exception": error})
    assert "task capture_obj failed" not in caplog.text and "sent its own" in caplog.text


class _MySQLError(Exception):
    pass


@pytest.mark.parametrize("error, auth", [
    (_MySQLError(1045, "Access denied for user 'auditor'@'10.0.0.1' (using password: YES)"), True),
    (_MySQLError(2003, "Can't connect to MySQL server on '10.0.0.9' (111)"), False),
    (Exception("ORA-01017: invalid username/password; logon denied"), True),
    (Exception("ORA-12541: TNS:no listener"), False),
    (_MySQLError(4151, "Access denied, this account is locked"), True),  # MariaDB
    (_MySQLError(3118, "Access denied for user 'auditor'@'%'. Account is locked."), True),  # MySQL
    (_MySQLError(1820, "You must reset your password using ALTER USER statement"), True),
    (_MySQLError(1862, "Your password has expired."), True),
    (_MySQLError(1251, "Client does not support authentication protocol requested by server"), True),
    (_MySQLError(2059, "Authentication plugin 'caching_sha2_password' cannot be loaded"), True),
    (Exception("ORA-28000: The account is locked."), True),
    (Exception("ORA-28001: the password has expired"), True),
    (_MySQLError(1205, "Lock wait timeout exceeded"), False),
    (_MySQLError(2006, "MySQL server has gone away"), False),
])
def test_auth_errors_are_told_from_network_errors(error, auth):
    assert is_auth_error(error) is auth


def test_auth_failure_fails_the_task_without_retry_and_network_errors_pass_through():
    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException, match="authentication failed for connection 'prod'"):
        with fail_fast_on_auth("prod"):
            raise _MySQLError(1045, "Access denied for user 'auditor'")
    with pytest.raises(_MySQLError):
        with fail_fast_on_auth("prod"):
            raise _MySQLError(2013, "Lost connection to MySQL server")


class _TI:
    task_id, dag_id, run_id, try_number = "capture_obj", "themis__x", "scheduled__2026-11-21", 3


def test_failure_notifier_logs_identifiers_and_error(caplog):
    context = {"ti": _TI(), "run_id": _TI.run_id, "exception": RuntimeError("Lost connection")}
    with caplog.at_level(logging.ERROR, logger="themis.alerts"):
        AuditNotifier("x").notify(context)
    text = caplog.text
    assert "[themis] x: task capture_obj failed" in text and "Lost connection" in text and "try: 3" in text


def test_failure_notifier_sends_mail_through_the_smtp_provider(monkeypatch):
    sent = []

    class FakeSmtp:
        def __init__(self, **kwargs):
            sent.append(kwargs)

        def notify(self, context):
            sent.append("notified")

    monkeypatch.setattr("airflow.providers.smtp.notifications.smtp.SmtpNotifier", FakeSmtp)
    AuditNotifier("x", "smtp", ["dba@example.com"], "smtp_ops").notify({"ti": _TI(), "exception": ValueError("<b>")})
    assert sent[0]["to"] == ["dba@example.com"] and sent[0]["smtp_conn_id"] == "smtp_ops"
    assert "&lt;b&gt;" in sent[0]["html_content"] and sent[1] == "notified"


def test_failure_message_never_contains_connection_details():
    subject, body = failure_message("x", {"ti": _TI(), "exception": ValueError("boom")})
    assert "password" not in body.lower() and "conn" not in body.lower()


@pytest.mark.parametrize("state, selected, status", [
    ("failed", True, "failed"), ("upstream_failed", True, "failed"), ("skipped", True, "skipped"),
    (None, True, "failed"), ("skipped", False, "not_selected"),
])
def test_missing_dimensions_are_marked_not_scored(state, selected, status):
    entry = missing_dimension("SQLPLAN", state, selected)
    assert entry["status"] == status and entry["score"] is None and entry["rules"] == []
    assert entry["reason"]


def test_statement_record_derives_the_figures_rules_use():
    record = statement_record({"checksum": "AB", "fingerprint": "select ?", "sample": "select 1", "db_max": "shop",
                               "query_count": 4, "ts_cnt": 4, "Query_time_sum": 2.0, "Rows_sent_sum": 8,
                               "Rows_examined_sum": 800})
    stats = record["stats"]
    assert record["db"] == "shop" and stats["executions"] == 4
    assert stats["query_time_avg"] == 0.5 and stats["rows_sent_avg"] == 2 and stats["index_ratio"] == 100
