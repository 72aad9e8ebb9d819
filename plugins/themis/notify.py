"""Alerts through Airflow's notifier mechanism: task failures and low audit scores.

``AuditNotifier`` is what the DAG passes as ``on_failure_callback``; it always logs, and sends
e-mail through the SMTP provider's notifier when the instance's alerting says so. Messages carry
identifiers and error text only, never connection details.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger("themis.alerts")


class AuditNotifier(BaseNotifier):
    template_fields = ("instance_id",)

    def __init__(self, instance_id: str, channel: str = "log", to: list[str] | None = None,
                 smtp_conn_id: str = "smtp_default") -> None:
        super().__init__()
        self.instance_id = instance_id
        self.channel = channel
        self.to = list(to or [])
        self.smtp_conn_id = smtp_conn_id

    def notify(self, context: dict[str, Any]) -> None:
        error = context.get("exception")
        if getattr(error, "already_alerted", False):  # export failing a run whose capture already alerted
            log.warning("[themis] %s: %s (no alert: the failed task sent its own)", self.instance_id, error)
            return
        subject, body = failure_message(self.instance_id, context)
        self.send(subject, body, context)

    def send(self, subject: str, body: str, context: dict[str, Any] | None = None) -> None:
        body += task_lines(body, context or {})
        log.error("%s\n%s", subject, body)
        if self.channel == "smtp" and self.to:
            from airflow.providers.smtp.notifications.smtp import SmtpNotifier

            SmtpNotifier(to=self.to, subject=subject, html_content=f"<pre>{html.escape(body)}</pre>",
                         smtp_conn_id=self.smtp_conn_id).notify(context or {})


def failure_message(instance_id: str, context: dict[str, Any]) -> tuple[str, str]:
    ti = context.get("ti") or context.get("task_instance")
    task_id = getattr(ti, "task_id", "?")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    run_id = context.get("run_id") or getattr(ti, "run_id", "?")
    error = context.get("exception")
    subject = f"[themis] {instance_id}: task {task_id} failed"
    body = (f"instance: {instance_id}\ndag: {dag_id}\ntask: {task_id}\nrun: {run_id}\nwindow: {run_window(context)}\n"
            f"try: {getattr(ti, 'try_number', '?')}\nerror: {type(error).__name__ if error else '-'}: {error or ''}")
    return subject, body


def run_window(context: dict[str, Any]) -> str:
    """The run's capture window as the tasks resolve it: the run conf's explicit window, else the data interval."""
    conf = getattr(context.get("dag_run"), "conf", None) or {}
    if conf.get("window_start") and conf.get("window_end"):
        return f"{conf['window_start']} → {conf['window_end']}"
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    return f"{start.isoformat() if start else '?'} → {end.isoformat() if end else '?'}"


def task_lines(body: str, context: dict[str, Any]) -> str:
    """What every mail names besides its own text: the task and its log in the Airflow UI."""
    ti = context.get("ti") or context.get("task_instance")
    if ti is None:
        return ""
    lines = [] if "\ntask: " in f"\n{body}" else [f"task: {getattr(ti, 'task_id', '?')}"]
    if "\nwindow: " not in f"\n{body}":
        lines.append(f"window: {run_window(context)}")
    url = getattr(ti, "log_url", None)
    if url:
        lines.append(f"log: {url}")
    return "".join(f"\n{line}" for line in lines)


def score_message(instance_id: str, summary: dict[str, Any], threshold: float) -> tuple[str, str]:
    subject = f"[themis] {instance_id}: audit score {summary.get('overall_score')} below {threshold}"
    lines = [f"instance: {instance_id}", f"window: {summary.get('window')}", f"run: {summary.get('run_id')}"]
    lines += [f"{dim}: {score}" for dim, score in (summary.get("scores") or {}).items()]
    lines.append(f"report: {summary.get('html')}")
    return subject, "\n".join(lines)


# ------------------------------------------------------------------ alerts on what changed (issue 10)
#
# ``AlertNotifier`` is ``AuditNotifier`` plus the notifier classes an instance's ``alerting.notifiers``
# names (Slack, Teams, ...): the DAG's failure callback and the export's change alerts both use it.
# Each class is imported by its dotted path when an alert is sent, so its provider need only be
# installed where the tasks run; it is constructed with the configured kwargs plus the alert text
# and its ``notify`` is called directly: the text is NOT rendered as a Jinja template (object
# names from the audited database may contain ``{{``).

#: New / fixed findings listed in an alert's text; the report has all of them.
ALERT_LIST_LIMIT = 20


class AlertDeliveryError(RuntimeError):
    """A configured notifier could not be imported, built or called."""


class AlertNotifier(AuditNotifier):
    template_fields = ("instance_id",)

    def __init__(self, instance_id: str, channel: str = "log", to: list[str] | None = None,
                 smtp_conn_id: str = "smtp_default", notifiers: list[dict[str, Any]] | None = None) -> None:
        super().__init__(instance_id, channel, to, smtp_conn_id)
        # plain dicts ({"class", "kwargs", "message_kwarg", "subject_kwarg"}): cheap to keep on a DAG
        self.notifiers = [dict(spec) for spec in notifiers or []]

    @classmethod
    def for_alerting(cls, instance_id: str, alerting: Any) -> "AlertNotifier":
        """From an instance's ``Alerting`` config."""
        return cls(instance_id, alerting.notifier, list(alerting.to), alerting.smtp_conn_id,
                   [spec.model_dump(by_alias=True) for spec in alerting.notifiers])

    def send(self, subject: str, body: str, context: dict[str, Any] | None = None) -> None:
        """Log, mail (``notifier: smtp``) and call every configured notifier class. One channel failing
        does not stop the others; the failures are raised together afterwards."""
        failures: list[str] = []
        try:
            super().send(subject, body, context)
        except Exception as exc:  # noqa: BLE001 - reported with the others below
            log.exception("alert by %s failed", self.channel)
            failures.append(f"{self.channel}: {type(exc).__name__}: {exc}")
        for spec in self.notifiers:
            try:
                build_notifier(spec, subject, body).notify(context or {})
            except Exception as exc:  # noqa: BLE001
                log.exception("alert through %s failed", spec.get("class"))
                failures.append(f"{spec.get('class')}: {type(exc).__name__}: {exc}")
        if failures:
            raise AlertDeliveryError(f"[themis] {self.instance_id}: alert not delivered by " + "; ".join(failures))


def build_notifier(spec: dict[str, Any], subject: str, body: str) -> Any:
    """Import the notifier class a config names and construct it with its kwargs and the alert."""
    from importlib import import_module

    path = str(spec.get("class") or "")
    module_name, _, class_name = path.rpartition(".")
    try:
        notifier_class = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise AlertDeliveryError(f"cannot import notifier class {path!r} ({type(exc).__name__}: {exc}); "
                                 "is its provider installed on the workers?") from None
    kwargs = dict(spec.get("kwargs") or {})
    message_kwarg = spec.get("message_kwarg") or "text"
    if spec.get("subject_kwarg"):
        kwargs[spec["subject_kwarg"]] = subject
        kwargs[message_kwarg] = body
    else:
        kwargs[message_kwarg] = f"{subject}\n\n{body}"
    notifier = notifier_class(**kwargs)
    if not callable(getattr(notifier, "notify", None)):
        raise AlertDeliveryError(f"{path} is not a notifier (it has no notify(context) method)")
    return notifier


def change_triggers(alerting: Any, report: dict[str, Any]) -> list[dict[str, Any]]:
    """Which of the instance's alerts this report sets off: ``score_below``, ``score_drop`` and
    ``new_findings``, each ``{"kind", "reason", ...}``. The first audit of an instance is its baseline:
    it has nothing to compare with, so it never raises ``score_drop`` or ``new_findings``."""
    triggers: list[dict[str, Any]] = []
    overall = report.get("overall_score")
    changes = report.get("changes") or {}
    if alerting.score_below is not None and overall is not None and overall < alerting.score_below:
        triggers.append({"kind": "score_below", "reason": f"overall score {_score(overall)} is below "
                                                          f"{alerting.score_below:g}"})
    delta = changes.get("score_delta")
    if alerting.score_drop is not None and delta is not None and -delta > alerting.score_drop:
        triggers.append({"kind": "score_drop", "reason": f"overall score fell {_score(-delta)} points",
                         "detail": f"{_score(changes.get('previous_overall_score'))} → {_score(overall)}; "
                                   f"alert when it falls more than {alerting.score_drop:g}"})
    if alerting.new_findings is not None and changes.get("baseline"):
        selected = [e for e in changes.get("new") or [] if alerting.new_findings.selects(e.get("rule"), e.get("weight"))]
        if selected:
            scope = _new_findings_scope(alerting.new_findings)
            triggers.append({"kind": "new_findings", "findings": selected,
                             "reason": f"{len(selected)} new finding{'' if len(selected) == 1 else 's'}{scope}"})
    return triggers


def _new_findings_scope(selection: Any) -> str:
    parts = []
    if selection.min_weight is not None:
        parts.append(f"rules weighing {selection.min_weight:g} or more")
    if selection.rules:
        parts.append("rules " + ", ".join(selection.rules))
    return f" ({' or '.join(parts)})" if parts else ""


def change_message(instance_id: str, report: dict[str, Any], summary: dict[str, Any],
                   triggers: list[dict[str, Any]], report_url: str) -> tuple[str, str]:
    """One alert for one audited window: why it fires, the scores and their change, the new and the
    fixed findings (the first ``ALERT_LIST_LIMIT`` of each) and where the report is."""
    from themis.report.visible import visible

    changes = report.get("changes") or {}
    window = report.get("window") or {}
    counts = changes.get("counts") or {}
    overall = report.get("overall_score")
    subject = f"[themis] {instance_id}: " + "; ".join(t["reason"] for t in triggers)
    lines = [f"instance: {instance_id}",
             f"window: {window.get('start')} → {window.get('end')} ({window.get('key')})",
             f"run: {summary.get('run_id')}",
             "why: " + "; ".join(t["reason"] + (f" ({t['detail']})" if t.get("detail") else "") for t in triggers),
             f"overall score: {_score(overall)}" + _delta_text(changes.get("score_delta"), changes.get("previous_window"))]
    for dimension in report.get("dimensions") or []:
        name = dimension.get("dimension")
        score = dimension.get("score") if dimension.get("status") == "ok" else None
        lines.append(f"  {name}: {_score(score) if score is not None else dimension.get('status')}"
                     + _delta_text((changes.get("dimension_deltas") or {}).get(name), None))
    if changes.get("baseline"):
        lines.append(f"since {changes.get('previous_window')}: {counts.get('new', 0)} new, {counts.get('fixed', 0)} fixed, "
                     f"{counts.get('persisting', 0)} persisting"
                     + (f"; {counts['not_compared']} rules not compared" if counts.get("not_compared") else ""))
        new = next((t["findings"] for t in triggers if t["kind"] == "new_findings"), None) or changes.get("new") or []
        for title, entries in (("new findings", new), ("fixed findings", changes.get("fixed") or [])):
            if entries:
                lines.append(f"{title} ({len(entries)}):")
                lines += [f"  {e.get('dimension')} {e.get('rule')} (weight {e.get('weight')}): "
                          f"{visible(str(e.get('object')))[:200]}" for e in entries[:ALERT_LIST_LIMIT]]
                if len(entries) > ALERT_LIST_LIMIT:
                    lines.append(f"  … {len(entries) - ALERT_LIST_LIMIT} more in the report")
    else:
        lines.append("first audited window of this instance: nothing to compare with")
    lines.append(f"report: {summary.get('html')}")
    lines.append(f"in Airflow: {report_url}")
    return subject, "\n".join(lines)


def _score(value: Any) -> str:
    return "n/a" if value is None else f"{round(value, 2):g}"


def _delta_text(delta: Any, previous_window: str | None) -> str:
    if delta is None:
        return ""
    since = f" since {previous_window}" if previous_window else ""
    return f" ({'+' if delta >= 0 else '−'}{_score(abs(delta))}{since})"
