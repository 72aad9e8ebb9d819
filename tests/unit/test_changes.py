"""What changed between audits: finding identity, new / fixed / persisting on stored windows, the
report marking them with the score trend, and the alerts (a local SMTP sink and a notifier class)."""

from __future__ import annotations

import email
import email.header
import html as html_lib
import json
import re
import socket
import threading

import pytest

from themis.config import parse_config
from themis.report import changes as cd
from themis.report.assemble import run_report, stored_report
from themis.report.links import report_url
from themis.report.render import render_html, write_report
from themis.rules.catalog import load_catalog
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot
from themis.store import PartitionKey
from themis.store.local import LocalStore
from themis.window import CaptureWindow

W1 = "20261119T020000Z_20261120T020000Z"
W2 = "20261120T020000Z_20261121T020000Z"
W3 = "20261121T020000Z_20261122T020000Z"


# ------------------------------------------------------------------------------------ pure functions


def _dims(rules, status="ok"):
    """Dimension results shaped as the engine writes them: {rule id: (status, weight, findings)}."""
    return [{"dimension": "OBJ", "status": status, "score": 90.0, "rules": [
        {"id": rule_id, "summary": f"summary of {rule_id}", "status": st, "weight": weight,
         "findings": [f if isinstance(f, dict) else {"object": f, "values": {}} for f in findings]}
        for rule_id, (st, weight, findings) in rules.items()]}]


def test_finding_key_is_rule_plus_object_or_statement():
    assert cd.finding_key("OBJ", "R", {"object": "shop.t1"}) == "OBJ:R:obj:shop.t1"
    assert cd.finding_key("OBJ", "R", {"object": "shop.T1"}) != cd.finding_key("OBJ", "R", {"object": "shop.t1"})
    assert cd.finding_key("OBJ", "R2", {"object": "shop.t1"}) != cd.finding_key("OBJ", "R", {"object": "shop.t1"})
    # a MySQL digest checksum, whatever its case
    assert cd.finding_key("TEXT", "R", {"object": "ab12", "checksum": "ab12"}) == "TEXT:R:sql:AB12"
    # Oracle: SQL_ID:PLAN_HASH_VALUE is identified by its SQL_ID, so a new plan is the same finding
    oracle = {"object": "7h35uxf5uhmm1:1234", "checksum": "7h35uxf5uhmm1:1234"}
    replanned = {"object": "7h35uxf5uhmm1:999", "checksum": "7h35uxf5uhmm1:999"}
    assert cd.finding_key("SQLPLAN", "P", oracle) == cd.finding_key("SQLPLAN", "P", replanned) == "SQLPLAN:P:sql:7H35UXF5UHMM1"


def test_compare_new_fixed_persisting_per_rule():
    before = _dims({"A": ("ran", 5, ["t1", "t2"]), "B": ("ran", 2, ["t9"])})
    after = _dims({"A": ("ran", 5, ["t2", "t3"]), "B": ("ran", 2, [])})
    out = cd.compare(before, after)
    assert out["baseline"] is True
    assert [(e["rule"], e["object"]) for e in out["new"]] == [("A", "t3")]
    assert sorted((e["rule"], e["object"]) for e in out["fixed"]) == [("A", "t1"), ("B", "t9")]
    assert [(e["rule"], e["object"]) for e in out["persisting"]] == [("A", "t2")]
    assert out["rules"]["A"] == {"dimension": "OBJ", "summary": "summary of A", "weight": 5,
                                 "new": 1, "fixed": 1, "persisting": 1}
    assert out["rules"]["B"]["fixed"] == 1 and out["not_compared"] == []
    assert cd.summary(out) == {"baseline": True, "new": 1, "fixed": 2, "persisting": 1, "not_compared": 0}


def test_oracle_statement_with_a_new_plan_persists_and_says_so():
    before = _dims({"P": ("ran", 3, [{"object": "abc:1", "checksum": "abc:1", "values": {}}])})
    after = _dims({"P": ("ran", 3, [{"object": "abc:2", "checksum": "abc:2", "values": {}}])})
    out = cd.compare(before, after)
    assert out["new"] == [] and out["fixed"] == []
    [entry] = out["persisting"]
    assert entry["plan_changed"] is True
    assert entry["previous_checksums"] == ["abc:1"] and entry["checksums"] == ["abc:2"]


def test_a_rule_that_failed_or_was_off_fixes_nothing():
    before = _dims({"A": ("ran", 5, ["t1"]), "B": ("ran", 1, ["x"]), "C": ("off", 1, [])})
    after = _dims({"A": ("error", 5, []), "B": ("not_evaluated", 1, []), "C": ("off", 1, [])})
    out = cd.compare(before, after)
    assert out["new"] == out["fixed"] == out["persisting"] == []
    assert {(n["rule"], n["reason"]) for n in out["not_compared"]} == {
        ("A", "this window: rule error"), ("B", "this window: rule not_evaluated")}  # C: off in both, not listed
    failed = cd.compare(before, _dims({"A": ("ran", 5, [])}, status="failed"))
    assert failed["fixed"] == [] and failed["not_compared"][0]["reason"] == "this window: dimension failed"


def test_no_previous_window_is_a_baseline():
    out = cd.compare(None, _dims({"A": ("ran", 5, ["t1"])}))
    assert out["baseline"] is False and out["new"] == out["fixed"] == []


# ------------------------------------------------------------------------------------ on the store


INSTANCE_YAML = {"instances": [{"id": "sales", "db_type": "mysql", "conn_id": "c", "schemas": ["s"]}]}


def _instance(alerting=None):
    entry = dict(INSTANCE_YAML["instances"][0])
    if alerting is not None:
        entry["alerting"] = alerting
    return parse_config({"instances": [entry]}).instances[0]


def _audit(store, window, tables, run_id=None, with_report=True):
    """Store an OBJ result for ``tables`` (each table lacks a primary key and a timestamp column:
    two findings per table) and, like the export task, the window's ``report`` summary."""
    snapshot = Snapshot("mysql", {"obj.table": [{"schema": "s", "table": t, "table_type": "BASE TABLE"}
                                                for t in tables]})
    result = run_dimension(effective_rules(load_catalog(), "mysql", "OBJ"), snapshot, "OBJ")
    result["run_id"] = run_id or f"run-{window}"
    store.write(PartitionKey("sales", window, "findings.OBJ"), [result], meta={"run_id": result["run_id"]})
    if with_report:
        store.write(PartitionKey("sales", window, "report"),
                    [{"overall_score": result["score"], "scores": {"OBJ": result["score"]}}])
    return result


@pytest.fixture
def store(tmp_path):
    s = LocalStore(str(tmp_path / "store.sqlite3"))
    yield s
    s.close()


def test_previous_window_and_history_from_the_store(store):
    for window, tables in ((W2, ["t1"]), (W1, ["t1"]), (W3, ["t1"])):  # written out of order
        _audit(store, window, tables)
    store.write(PartitionKey("sales", "20261122T020000Z_20261123T020000Z", "obj.table"), [{"x": 1}])  # captured only
    assert cd.audited_windows(store, "sales") == [W1, W2, W3]
    assert cd.previous_window(store, "sales", W3) == W2
    assert cd.previous_window(store, "sales", W2) == W1
    assert cd.previous_window(store, "sales", W1) is None
    assert cd.audited_windows(store, "other") == []
    trend = cd.score_trend(store, "sales", W3, last=2)
    assert [p["window"] for p in trend] == [W2, W3]


def test_stored_windows_with_findings_added_and_removed(store):
    _audit(store, W1, ["t1", "t2"])
    _audit(store, W2, ["t2", "t3", "t4"])
    instance = _instance()
    report = stored_report(store, instance, CaptureWindow.from_key(W2))
    changes = report["changes"]
    assert changes["previous_window"] == W1 and changes["baseline"] is True
    assert sorted((e["rule"], e["object"]) for e in changes["new"]) == [
        ("TABLE_NO_DEF_PRIMARYKEY", "s.t3"), ("TABLE_NO_DEF_PRIMARYKEY", "s.t4"),
        ("TABLE_WITHOUT_TIMESTAMP", "s.t3"), ("TABLE_WITHOUT_TIMESTAMP", "s.t4")]
    assert sorted((e["rule"], e["object"]) for e in changes["fixed"]) == [
        ("TABLE_NO_DEF_PRIMARYKEY", "s.t1"), ("TABLE_WITHOUT_TIMESTAMP", "s.t1")]
    assert changes["counts"] == {"baseline": True, "new": 4, "fixed": 2, "persisting": 2, "not_compared": 0}
    assert changes["score_delta"] < 0 and changes["previous_overall_score"] > report["overall_score"]
    # each finding of the window is marked; the stored result is not touched
    marks = {(r["id"], f["object"]): f.get("change") for d in report["dimensions"] for r in d["rules"]
             for f in r["findings"]}
    assert marks[("TABLE_NO_DEF_PRIMARYKEY", "s.t3")] == "new"
    assert marks[("TABLE_NO_DEF_PRIMARYKEY", "s.t2")] == "persisting"
    stored = store.read_all(PartitionKey("sales", W2, "findings.OBJ"))[0]
    assert all("change" not in f for r in stored["rules"] for f in r["findings"])
    # TEXT, SQLPLAN and SQLSTAT have no stored result in either window: nothing compared, nothing listed
    assert changes["not_compared"] == []
    assert [p["window"] for p in report["trend"]] == [W1, W2]
    assert report["trend"][-1]["overall_score"] == report["overall_score"]

    # the window after: everything fixed; the trend has three points, the previous from its summary
    _audit(store, W3, [])
    later = stored_report(store, instance, CaptureWindow.from_key(W3))
    assert later["changes"]["counts"]["new"] == 0 and later["changes"]["counts"]["fixed"] == 6
    assert later["changes"]["score_delta"] > 0 and [p["window"] for p in later["trend"]] == [W1, W2, W3]
    assert stored_report(store, instance, CaptureWindow.from_key(W3), trend_windows=2)["trend"][0]["window"] == W2


def test_first_window_is_the_baseline(store):
    _audit(store, W1, ["t1"])
    report = stored_report(store, _instance(), CaptureWindow.from_key(W1))
    assert report["changes"]["baseline"] is False and report["changes"]["previous_window"] is None
    assert report["changes"]["new"] == [] and len(report["trend"]) == 1
    assert all("change" not in f for d in report["dimensions"] for r in d["rules"] for f in r["findings"])
    html = render_html(report)
    assert 'id="no-baseline"' in html and 'class="trend"' not in html


def test_a_failed_analysis_is_not_reported_as_fixed(store):
    _audit(store, W1, ["t1"])
    _audit(store, W2, ["t1"])  # stored by an earlier run; this run's OBJ analysis did not finish
    report = run_report(store, _instance(), CaptureWindow.from_key(W2), ["s"], "this-run", ["OBJ"],
                        {"analyze_obj": "failed"})
    assert report["changes"]["fixed"] == [] and report["changes"]["new"] == []
    assert {n["reason"] for n in report["changes"]["not_compared"]} == {"this window: dimension failed"}


# ------------------------------------------------------------------------------------ the rendered report


def test_report_marks_new_and_fixed_and_shows_the_trend(store, tmp_path):
    _audit(store, W1, ["t1", "gone<script>alert(1)</script>"])
    _audit(store, W2, ["t1", "t2"])
    _audit(store, W3, ["t1", "t2", "t3"])
    report = stored_report(store, _instance(), CaptureWindow.from_key(W3))
    html = render_html(report)
    # the summary: counts, previous window, delta
    assert 'data-new="2"' in html and 'data-fixed="0"' in html and W2 in html
    # each new finding row is marked, in its rule's table and in the list of new findings
    assert html.count('data-change="new"') == 2 and html.count('<span class="badge badge-new">new</span>') == 2
    assert re.search(r'<tr class="new" data-rule="TABLE_NO_DEF_PRIMARYKEY"><td class="mono"><a href="#rule-OBJ-'
                     r'TABLE_NO_DEF_PRIMARYKEY">OBJ · TABLE_NO_DEF_PRIMARYKEY</a></td><td class="wrap">s.t3</td>', html)
    # the trend: one point per window, the current one last and highlighted, drawn inline
    points = re.findall(r'<circle class="point( current)?" [^>]*data-window="(\w+)"', html)
    assert [w for _, w in points] == [W1, W2, W3] and points[-1][0] == " current"
    assert "<polyline" in html and "http" not in html.split("<body>", 1)[1].replace("http-equiv", "")
    csp = html_lib.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "default-src 'none'" in csp

    # the window before: the fixed list, with the database's text escaped
    before = stored_report(store, _instance(), CaptureWindow.from_key(W2))
    page = render_html(before)
    assert 'id="fixed-findings"' in page and "gone&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    # and the JSON says the same
    paths = write_report(before, tmp_path / "reports")
    data = json.loads(open(paths["json"], encoding="utf-8").read())
    assert data["changes"]["counts"]["fixed"] == 2 and data["changes"]["previous_window"] == W1
    assert {f.get("change") for d in data["dimensions"] for r in d["rules"] for f in r["findings"]} == {"new", "persisting"}
    assert [p["window"] for p in data["trend"]] == [W1, W2]


# ------------------------------------------------------------------------------------ alerts

class RecordingNotifier:
    """The notifier class a config names (``test_changes.RecordingNotifier``): records what it is given."""

    sent: list[dict] = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def notify(self, context):
        RecordingNotifier.sent.append({**self.kwargs, "context": context})


class _Sink:
    """aiosmtpd on 127.0.0.1 (a free port): keeps every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.Message] = []
        self.received = threading.Event()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = email.message_from_bytes(envelope.content)
                message["X-Rcpt"] = ", ".join(envelope.rcpt_tos)
                sink.messages.append(message)
                sink.received.set()
                return "250 OK"

        with socket.socket() as probe:  # a free port (the controller checks its server by connecting to it)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def smtp_sink(monkeypatch):
    with _Sink() as sink:
        monkeypatch.setenv("AIRFLOW_CONN_SMTP_SINK", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": sink.port,
            "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "themis@example.com", "timeout": 10}}))
        yield sink


def _body(message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode("utf-8")


def test_new_findings_and_score_drop_alert_by_smtp_and_a_named_notifier(store, smtp_sink):
    from themis.tasks import send_change_alerts

    RecordingNotifier.sent.clear()
    instance = _instance({
        "notifier": "smtp", "to": ["dba@example.com"], "smtp_conn_id": "smtp_sink",
        "score_drop": 1, "new_findings": {"min_weight": 3},
        "ui_base_url": "https://airflow.example.com/",
        "notifiers": [{"class": "test_changes.RecordingNotifier", "kwargs": {"channel": "#dba"},
                       "subject_kwarg": "title", "message_kwarg": "body"}]})
    _audit(store, W1, ["t1"])
    _audit(store, W2, ["t1", "t2<b>"])
    report = stored_report(store, instance, CaptureWindow.from_key(W2))
    summary = {"run_id": "scheduled__2026-11-20", "html": f"/reports/sales/{W2}/report.html"}

    fired = send_change_alerts(instance, report, summary, {"run_id": "scheduled__2026-11-20"})
    assert fired == ["score_drop", "new_findings"]

    assert smtp_sink.received.wait(10)
    [mail] = smtp_sink.messages
    assert mail["X-Rcpt"] == "dba@example.com"
    subject = str(email.header.make_header(email.header.decode_header(mail["Subject"])))
    assert subject == "[themis] sales: overall score fell 3.74 points; 1 new finding (rules weighing 3 or more)"
    body = _body(mail)
    assert "why: overall score fell 3.74 points (96.26 → 92.51; alert when it falls more than 1)" in body
    assert f"window: 2026-11-20T02:00:00+00:00 → 2026-11-21T02:00:00+00:00 ({W2})" in body
    # only TABLE_NO_DEF_PRIMARYKEY (weight 5) is listed; TABLE_WITHOUT_TIMESTAMP weighs 2
    assert "OBJ TABLE_NO_DEF_PRIMARYKEY (weight 5.0): s.t2&lt;b&gt;" in body and "TABLE_WITHOUT_TIMESTAMP" not in body
    assert f"report: /reports/sales/{W2}/report.html" in body
    assert f"in Airflow: https://airflow.example.com/themis/report/sales/{W2}" in body

    [slack] = RecordingNotifier.sent
    assert slack["channel"] == "#dba" and slack["title"] == subject
    assert f"https://airflow.example.com/themis/report/sales/{W2}" in slack["body"] and "s.t2<b>" in slack["body"]
    assert slack["context"] == {"run_id": "scheduled__2026-11-20"}


def test_no_alert_without_a_trigger_and_none_on_the_baseline(store):
    RecordingNotifier.sent.clear()
    from themis.tasks import send_change_alerts

    instance = _instance({"new_findings": True, "score_drop": 50,
                          "notifiers": [{"class": "test_changes.RecordingNotifier"}]})
    _audit(store, W1, ["t1"])
    first = stored_report(store, instance, CaptureWindow.from_key(W1))
    assert send_change_alerts(instance, first, {}) == []  # the baseline: everything would be "new"
    _audit(store, W2, ["t1"])
    same = stored_report(store, instance, CaptureWindow.from_key(W2))
    assert send_change_alerts(instance, same, {}) == []  # nothing new, no drop
    _audit(store, W3, ["t1", "t2"])
    worse = stored_report(store, instance, CaptureWindow.from_key(W3))
    assert send_change_alerts(instance, worse, {"html": "r.html"}) == ["new_findings"]
    [sent] = RecordingNotifier.sent
    assert sent["text"].startswith("[themis] sales: 2 new findings\n\n")  # no subject_kwarg: subject first


def test_new_findings_limited_to_named_rules(store):
    from themis.notify import change_triggers

    _audit(store, W1, ["t1"])
    _audit(store, W2, ["t1", "t2"])
    named = _instance({"new_findings": {"rules": ["TABLE_WITHOUT_TIMESTAMP"]}})
    [trigger] = change_triggers(named.alerting, stored_report(store, named, CaptureWindow.from_key(W2)))
    assert [e["rule"] for e in trigger["findings"]] == ["TABLE_WITHOUT_TIMESTAMP"]
    heavy = _instance({"new_findings": {"min_weight": 6}})
    assert change_triggers(heavy.alerting, stored_report(store, heavy, CaptureWindow.from_key(W2))) == []


def test_a_notifier_that_cannot_be_imported_is_named_and_the_others_still_run(store):
    from themis.notify import AlertDeliveryError, AlertNotifier

    RecordingNotifier.sent.clear()
    instance = _instance({"notifiers": [{"class": "no_such_provider.notifications.Nope"},
                                        {"class": "test_changes.RecordingNotifier"}]})
    with pytest.raises(AlertDeliveryError, match=r"no_such_provider\.notifications\.Nope.*provider installed"):
        AlertNotifier.for_alerting("sales", instance.alerting).send("subject", "body", {})
    assert len(RecordingNotifier.sent) == 1


def test_failures_reach_the_named_notifiers_too():
    from themis.dag_factory import default_args

    RecordingNotifier.sent.clear()
    instance = _instance({"notifiers": [{"class": "test_changes.RecordingNotifier"}]})
    callback = default_args(instance)["on_failure_callback"]

    class TI:
        task_id, dag_id, run_id, try_number = "capture_obj", "themis__sales", "manual__1", 1

    callback.notify({"ti": TI(), "exception": RuntimeError("Lost connection")})
    assert "[themis] sales: task capture_obj failed" in RecordingNotifier.sent[0]["text"]


def test_report_url_is_one_shape():
    assert report_url("sales", W1, "https://a.example.com/") == f"https://a.example.com/themis/report/sales/{W1}"
    assert report_url("sales", W1, "") == f"/themis/report/sales/{W1}"
    assert report_url("a/b", "w w", "") == "/themis/report/a%2Fb/w%20w"


@pytest.mark.parametrize("alerting, expected", [
    ({"new_findings": "yes"}, "key 'alerting.new_findings': must be true, false or a mapping with 'min_weight' and/or 'rules'"),
    ({"new_findings": {"weight": 3}}, "key 'alerting.new_findings.weight': unknown key"),
    ({"new_findings": {"rules": ["NO_SUCH_RULE"]}}, "key 'alerting.new_findings.rules': no mysql rule 'NO_SUCH_RULE'"),
    ({"score_drop": 0}, "key 'alerting.score_drop': Input should be greater than 0"),
    ({"notifiers": [{"class": "SlackNotifier"}]},
     "key 'alerting.notifiers.0.class': 'class' must be a dotted import path like package.module.ClassName"),
    ({"notifiers": [{"class": "a.B", "kwargs": {"text": "x"}}]},
     "key 'alerting.notifiers.0': kwargs may not set 'text'"),
    ({"ui_base_url": "airflow.example.com"}, "key 'alerting.ui_base_url': must be an http(s) address"),
])
def test_alerting_config_errors_name_the_key(alerting, expected):
    from themis.config import ConfigError

    entry = {**INSTANCE_YAML["instances"][0], "alerting": alerting}
    with pytest.raises(ConfigError) as error:
        parse_config({"instances": [entry]}, strict=True)
    assert f"instance 'sales': {expected}" in str(error.value)


def test_alerting_config_forms():
    assert _instance({"new_findings": True}).alerting.new_findings.selects("ANY", 0)
    assert _instance({"new_findings": False}).alerting.new_findings is None
    selection = _instance({"new_findings": {"min_weight": 3, "rules": ["SELECT_ANY"]}}).alerting.new_findings
    assert selection.selects("SELECT_ANY", 1) and selection.selects("OTHER", 3) and not selection.selects("OTHER", 2)
    assert _instance({"ui_base_url": "https://a.example.com/x/"}).alerting.ui_base_url == "https://a.example.com/x"
