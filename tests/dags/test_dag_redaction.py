"""Passwords in audited statements never leave the digest engine (issue 13, item 1), end to end.

On the sandbox MariaDB, account-management statements carrying passwords land in the slow log
verbatim (MariaDB does not rewrite them). A whole DAG run with dag.test() over that window, with
pt ``--review`` / ``--history`` tables configured, must leave none of the passwords in the store
file, report.html, report.json, findings.csv, the pt tables or the task logs, while the statements
themselves are there, with ``<redacted>`` in place of each secret.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.integration, pytest.mark.dags]

SCHEMA = "vault"
REPO = "themis_redact_repo"
SECRETS = {
    "create": "Pw-create-9c1e",
    "alter": "Pw-alter-4b7d",
    "set": "Pw-set-e83a",
    "grant": "Pw-grant-17f0",
    "server": "Pw-server-a2c4",
    "master": "Pw-master-5d9b",
    "via": "Pw-via-0e6f",
}
STATEMENTS = [
    f"CREATE USER 'leak_probe'@'%' IDENTIFIED BY '{SECRETS['create']}'",
    f"ALTER USER 'leak_probe'@'%' IDENTIFIED BY '{SECRETS['alter']}'",
    f"SET PASSWORD FOR 'leak_probe'@'%' = PASSWORD('{SECRETS['set']}')",
    f"GRANT SELECT ON {SCHEMA}.* TO 'leak_probe'@'%' IDENTIFIED BY '{SECRETS['grant']}'",
    f"CREATE SERVER leak_srv FOREIGN DATA WRAPPER mysql OPTIONS (HOST '127.0.0.1', USER 'u', "
    f"PASSWORD '{SECRETS['server']}', DATABASE '{SCHEMA}')",
    f"CHANGE MASTER 'leak_probe' TO MASTER_HOST='127.0.0.2', MASTER_USER='repl', MASTER_PASSWORD='{SECRETS['master']}'",
    f"CREATE USER 'leak_probe2'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('{SECRETS['via']}')",
]
CLEANUP = ["DROP USER IF EXISTS 'leak_probe'@'%'", "DROP USER IF EXISTS 'leak_probe2'@'%'",
           "DROP SERVER IF EXISTS leak_srv", "RESET SLAVE 'leak_probe' ALL"]


@pytest.fixture(scope="module")
def leaky_window(mariadb, airflow_home, tmp_path_factory):
    """A window whose slow log holds every form, and an instance config with pt tables to write."""
    scratch = tmp_path_factory.mktemp("redaction")
    mariadb.execute_script(f"DROP DATABASE IF EXISTS {SCHEMA}; CREATE DATABASE {SCHEMA}; "
                           f"CREATE TABLE {SCHEMA}.accounts (id INT PRIMARY KEY, name VARCHAR(40)); "
                           f"INSERT INTO {SCHEMA}.accounts VALUES (1, 'a'), (2, 'b'); "
                           f"DROP DATABASE IF EXISTS {REPO}; CREATE DATABASE {REPO};")
    start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(seconds=1)
    conn = mariadb.connect("root", db=SCHEMA)  # account management needs GRANT OPTION
    try:
        cursor = conn.cursor()
        for sql in STATEMENTS:
            cursor.execute(sql)
        cursor.execute(f"SELECT * FROM {SCHEMA}.accounts")
        cursor.fetchall()
    finally:
        conn.close()
    mariadb.flush_slow_log()
    assert all(s in mariadb.slow_log_path.read_text(errors="replace") for s in SECRETS.values())  # the premise
    end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=1)
    time.sleep(max(0.0, (end - dt.datetime.now(dt.timezone.utc)).total_seconds()) + 1.1)
    config = scratch / "instances.yaml"
    config.write_text(yaml.safe_dump({"instances": [{
        "id": "redact", "db_type": "mysql", "conn_id": "themis_redact", "schemas": [SCHEMA], "schedule": None,
        "retry": {"retries": 0},
        "slowlog": {"source": "file", "paths": [str(mariadb.slow_log_path)],
                    "history": {"table": f"{REPO}.query_history", "conn_id": "themis_redact_repo"},
                    "review": {"table": f"{REPO}.query_review", "conn_id": "themis_redact_repo"}},
    }]}))
    env = {"AIRFLOW_CONN_THEMIS_REDACT": mariadb.conn_uri("auditor"),
           "AIRFLOW_CONN_THEMIS_REDACT_REPO": mariadb.conn_uri("themis_admin"),
           "THEMIS_INSTANCES": str(config),
           "THEMIS_STORE": json.dumps({"backend": "local", "path": str(scratch / "store.sqlite3")}),
           "THEMIS_REPORTS_DIR": str(scratch / "reports")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield {"scratch": scratch, "config": config, "conf": {"window_start": start.isoformat(),
                                                           "window_end": end.isoformat()}}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    conn = mariadb.connect("root")
    try:
        for sql in CLEANUP:
            conn.cursor().execute(sql)
    finally:
        conn.close()


def _leaks(text: str) -> list[str]:
    return [name for name, secret in SECRETS.items() if secret in text]


def test_no_password_reaches_the_store_reports_pt_tables_or_logs(leaky_window, load_dagbag, mariadb, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    bag = load_dagbag(leaky_window["config"])
    assert bag.import_errors == {}
    run = bag.dags["themis__redact"].test(run_conf=leaky_window["conf"])
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert set(states.values()) == {"success"}, states

    scratch: Path = leaky_window["scratch"]
    reports = sorted((scratch / "reports" / "redact").glob("*/report.json"))
    assert len(reports) == 1
    files = {path.name: path.read_bytes().decode("utf-8", "replace")
             for path in [scratch / "store.sqlite3", *reports[0].parent.iterdir()]}
    assert set(files) >= {"store.sqlite3", "report.html", "report.json", "findings.csv"}
    for name, text in files.items():
        assert _leaks(text) == [], name

    # The statements were audited, not dropped: redacted in the store and in the report's TEXT section.
    from themis.store.local import LocalStore

    store = LocalStore(str(scratch / "store.sqlite3"))
    keys = {key.kind: key for key in store.keys("redact")}
    samples = [c["sample"] for c in store.read_all(keys["sql.statement"])]
    store.close()
    redacted = [s for s in samples if "<redacted>" in s]
    assert len(redacted) >= len(STATEMENTS), samples
    report = json.loads(files["report.json"])
    text = next(d for d in report["dimensions"] if d["dimension"] == "TEXT")
    assert any("<redacted>" in (u.get("sql") or "") for u in text.get("unparsable", []))

    conn = mariadb.connect()
    try:
        cursor = conn.cursor()
        rows = []
        for table in ("query_history", "query_review"):
            cursor.execute(f"SELECT * FROM {REPO}.{table}")
            rows += [str(row) for row in cursor.fetchall()]
    finally:
        conn.close()
    assert sum("<redacted>" in row for row in rows) >= 2 * len(STATEMENTS)
    assert _leaks("\n".join(rows)) == []

    out, err = capfd.readouterr()
    task_logs = "\n".join(path.read_text(errors="replace")
                          for path in Path(os.environ["AIRFLOW_HOME"]).rglob("*.log") if path.is_file())
    assert "ingest_slowlog" in out + err + caplog.text + task_logs  # the task logs were captured
    assert _leaks(out + err + caplog.text + task_logs) == []
