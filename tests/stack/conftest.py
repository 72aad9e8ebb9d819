"""One real stack (``themis.stack``: PostgreSQL, Redis, api-server, scheduler, dag-processor,
triggerer, two Celery workers, Flower, the sandbox MariaDB, all under supervisord) on free loopback
ports for the whole session, plus an SMTP sink (aiosmtpd) for the alert mails. Everything is
stopped at the end of the session, whatever failed.

Marked ``stack``: ``make test`` runs it; skip locally with ``pytest -m "not stack"``.
"""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from themis.stack import Stack, free_port, write_instances

SHOPS = 20
#: the down server: nothing listens on this port
DOWN_CONN = "mysql://auditor:auditpw@127.0.0.1:{port}/?connect_timeout=3"


class Mailbox:
    """aiosmtpd on 127.0.0.1: every message delivered, parsed."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.Message] = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
                box.messages.append(email.message_from_bytes(envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def texts(self) -> list[tuple[str, str]]:
        found = []
        for message in self.messages:
            body = "".join(part.get_payload(decode=True).decode(errors="replace")
                           for part in message.walk() if not part.is_multipart())
            found.append((str(message["Subject"]), body))
        return found

    def stop(self) -> None:
        self.controller.stop()


def history_slow_log(path: Path, hours: list[dt.datetime]) -> None:
    """A slow log with one statement per past hour, each naming its hour (``/* hour HH */``)."""
    entries = []
    for number, start in enumerate(hours):
        for minute in (5, 25):
            moment = start + dt.timedelta(minutes=minute)
            entries.append(
                f"# Time: {moment.strftime('%Y-%m-%dT%H:%M:%S.000000Z')}\n"
                f"# User@Host: app[app] @ localhost [127.0.0.1]  Id: {10 + number}\n"
                f"# Query_time: 1.500000  Lock_time: 0.000100  Rows_sent: 1  Rows_examined: 5000\n"
                f"use shop;\nSET timestamp={int(moment.timestamp())};\n"
                f"SELECT /* hour {start:%H} */ * FROM customers WHERE email LIKE '%{start:%H}%';\n")
    path.write_text("".join(entries))


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox()
    yield box
    box.stop()


@pytest.fixture(scope="session")
def history_hours() -> list[dt.datetime]:
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    return [now - dt.timedelta(hours=h) for h in (5, 4, 3)]


@pytest.fixture(scope="session")
def stack(mailbox, history_hours):
    """The running stack: 20 copies of the demo instance (hourly cron, pool `sandbox` of 2 slots,
    mails to the sink; shop01 alerts below score 100), `history` (a slow log of past hours, for the
    backfill), `down` (its server does not answer) and `badauth` (wrong password)."""
    for tool in ("redis-server", "supervisord", "mariadbd"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            pytest.fail(f"{tool} is missing: run scripts/bootstrap.sh test")
    _clear_orphaned_stacks()
    root = Path(tempfile.mkdtemp(prefix="themis-stack-"))
    stack = Stack(root)
    smtp = {"notifier": "smtp", "to": ["dba@example.com"], "smtp_conn_id": "themis_smtp"}
    # retries x retry_delay outlast the 30 s Redis outage: a task the scheduler sends while the broker
    # is down fails to publish at once and is retried (test_redis_outage_delays_tasks_but_loses_none)
    retry = {"retries": 3, "retry_delay_seconds": 15, "exponential_backoff": 0}
    history_log = root / "history-slow.log"
    history_slow_log(history_log, history_hours)
    extra = [
        {"id": "history", "db_type": "mysql", "conn_id": "themis_demo", "schemas": ["shop"], "schedule": "0 * * * *",
         "slowlog": {"source": "file", "paths": [str(history_log)], "timezone": "UTC"}, "retry": retry,
         "pool": "sandbox", "max_concurrent_captures": 2, "alerting": smtp},
        {"id": "down", "db_type": "mysql", "conn_id": "themis_down", "schemas": ["shop"], "schedule": "0 * * * *",
         "slowlog": {"source": "file", "paths": [str(root / "none.log")], "timezone": "UTC"},
         "retry": {"retries": 1, "retry_delay_seconds": 2, "exponential_backoff": 0}, "alerting": smtp},
        {"id": "badauth", "db_type": "mysql", "conn_id": "themis_badauth", "schemas": ["shop"],
         "schedule": "0 * * * *", "slowlog": {"source": "file", "paths": [str(root / "none.log")], "timezone": "UTC"},
         "retry": retry, "alerting": smtp},
    ]
    instances = write_instances(root / "instances.yaml", SHOPS, "0 * * * *", 2, extra=extra,
                                retry=retry, alerting=smtp)
    import yaml

    config = yaml.safe_load(instances.read_text())
    config["instances"][0]["alerting"] = {**smtp, "score_below": 100}
    instances.write_text(yaml.safe_dump(config, sort_keys=False))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "THEMIS_", "STACK_"))}
    environ.update({"STACK_API_PORT": "0", "STACK_FLOWER_PORT": "0", "STACK_REDIS_PORT": "0", "STACK_PG_PORT": "0",
                    "THEMIS_TARGET_PORT": "0", "STACK_WORKLOAD_EVERY": "0"})
    extra_env = {
        "AIRFLOW_CONN_THEMIS_SMTP": f"smtp://127.0.0.1:{mailbox.port}?disable_tls=true&disable_ssl=true"
                                    "&from_email=themis%40example.com&timeout=10&retry_limit=1",
        "AIRFLOW_CONN_THEMIS_DOWN": DOWN_CONN.format(port=free_port()),
        "AIRFLOW_CONN_THEMIS_BADAUTH": "mysql://auditor:wrong-password@127.0.0.1:${THEMIS_TARGET_PORT}/",
    }
    saved = dict(os.environ)
    previous_term = signal.getsignal(signal.SIGTERM)
    # a CI timeout's SIGTERM becomes a KeyboardInterrupt, so pytest still runs this teardown
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        os.environ.clear()
        os.environ.update(environ)
        try:
            stack.up(extra=extra_env)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        yield stack
    finally:
        killed = stack.down()
        left = stack.leftovers()
        _keep_logs(root)
        signal.signal(signal.SIGTERM, previous_term)
    assert not left, f"processes left after down: {left}"
    # supervisord's shutdown alone stops everything (each program's wrapper ends its session)
    assert not killed, f"down had to kill processes supervisord did not stop: {killed}"


def _clear_orphaned_stacks() -> None:
    """Processes of an earlier session's stack whose supervisord is gone (its pytest was killed
    before teardown): stop them. A stack still under its supervisord is left alone."""
    for old in Path(tempfile.gettempdir()).glob("themis-stack-*/run"):
        orphan = Stack(old.parent)
        if not orphan.supervisord_pid() and orphan.leftovers():
            orphan.down(out=lambda line: print(f"{old.parent}: {line}"))
            shutil.rmtree(old.parent, ignore_errors=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _keep_logs(root: Path) -> None:
    """Logs survive in /tmp/themis-stack-logs for a failed CI run to show; the rest is deleted."""
    target = Path(tempfile.gettempdir()) / "themis-stack-logs"
    shutil.rmtree(target, ignore_errors=True)
    if (root / "log").is_dir():
        shutil.copytree(root / "log", target, dirs_exist_ok=True)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def api(stack):
    return stack.api()


# ------------------------------------------------------------------------------------- helpers


def wait_for(predicate, timeout: float, what: str, every: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def runs(api, dag_id: str) -> list[dict[str, Any]]:
    return api.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]


def task_instances(api, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
    from urllib.parse import quote

    data = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances", limit=100)
    return {ti["task_id"]: ti for ti in data["task_instances"]}


def xcom(api, dag_id: str, run_id: str, task_id: str) -> Any:
    from urllib.parse import quote

    entry = api.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}"
                    "/xcomEntries/return_value", deserialize=True)
    value = entry["value"]
    return json.loads(value) if isinstance(value, str) else value


def finished_run(api, dag_id: str, run_id: str, timeout: float) -> dict[str, Any]:
    from urllib.parse import quote

    return wait_for(lambda: (lambda r: r if r["state"] in ("success", "failed") else None)(
        api.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}")), timeout, f"{dag_id} {run_id}")


def trigger(api, dag_id: str, conf: dict[str, Any] | None = None) -> str:
    body = {"logical_date": None, "conf": conf or {}}
    return api.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]
