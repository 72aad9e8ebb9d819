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
        subject, body = failure_message(self.instance_id, context)
        self.send(subject, body, context)

    def send(self, subject: str, body: str, context: dict[str, Any] | None = None) -> None:
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
    body = (f"instance: {instance_id}\ndag: {dag_id}\ntask: {task_id}\nrun: {run_id}\n"
            f"try: {getattr(ti, 'try_number', '?')}\nerror: {type(error).__name__ if error else '-'}: {error or ''}")
    return subject, body


def score_message(instance_id: str, summary: dict[str, Any], threshold: float) -> tuple[str, str]:
    subject = f"[themis] {instance_id}: audit score {summary.get('overall_score')} below {threshold}"
    lines = [f"instance: {instance_id}", f"window: {summary.get('window')}", f"run: {summary.get('run_id')}"]
    lines += [f"{dim}: {score}" for dim, score in (summary.get("scores") or {}).items()]
    lines.append(f"report: {summary.get('html')}")
    return subject, "\n".join(lines)
