"""A whole instance DAG run with dag.test() against the sandbox MariaDB: findings, report, reruns."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import pytest
import yaml

from themis.demo import load_script

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.dags]
#: sandbox accounts that log in with the right password but cannot work (MariaDB 4151 / 1820)
LOCKED_OUT = {"locked": "ACCOUNT LOCK", "expired": "PASSWORD EXPIRE"}


@pytest.fixture(scope="module")
def audited(mariadb, airflow_home, tmp_path_factory):
    """The demo schema and one workload in the slow log, and an instance config pointing at them."""
    scratch = tmp_path_factory.mktemp("dagrun")
    mariadb.execute_script((ROOT / "scripts" / "demo_schema.sql").read_text())
    mariadb.execute_script((ROOT / "tests" / "data" / "sql" / "percent_names.sql").read_text())  # item 3
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    with mariadb.connect() as conn:
        load_script("demo_workload").run_workload(conn)
    mariadb.flush_slow_log()
    # The window closes before the DAG runs start, so the audit's own connections (and other tests
    # sharing this server) land after it: reruns must see exactly the same slow log.
    end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(seconds=1)
    time.sleep(max(0.0, (end - dt.datetime.now(dt.timezone.utc)).total_seconds()) + 1.1)
    config = scratch / "instances.yaml"
    with mariadb.connect("root") as conn:  # accounts that exist but cannot work: item 11
        cursor = conn.cursor()
        for user, state in LOCKED_OUT.items():
            cursor.execute(f"DROP USER IF EXISTS '{user}'@'127.0.0.1'")
            cursor.execute(f"CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY 'pw' {state}")
            cursor.execute(f"GRANT SELECT, SHOW VIEW, PROCESS ON *.* TO '{user}'@'127.0.0.1'")
    locked_out = [{"id": f"e2e_{user}", "db_type": "mysql", "conn_id": f"themis_{user}", "schemas": ["shop"],
                   "schedule": None, "retry": {"retries": 2, "retry_delay_seconds": 1, "exponential_backoff": 0},
                   "slowlog": {"source": "none"}} for user in LOCKED_OUT]
    config.write_text(yaml.safe_dump({
        "instances": [*locked_out, {
            "id": "e2e", "db_type": "mysql", "conn_id": "themis_e2e", "schemas": ["shop", "themis_pct%s"],
            "schedule": None,
            "retry": {"retries": 2, "retry_delay_seconds": 1, "exponential_backoff": 0},
            "slowlog": {"source": "file", "paths": [str(mariadb.slow_log_path)]},
            "exclusions": [{"rules": ["EXIST_LOB_COLUMN"], "objects": ["shop.audit_log.payload"], "reason": "policy"}],
        }, {
            "id": "e2e_badauth", "db_type": "mysql", "conn_id": "themis_badauth", "schemas": ["shop"], "schedule": None,
            "retry": {"retries": 2, "retry_delay_seconds": 1, "exponential_backoff": 0},
            "slowlog": {"source": "file", "paths": [str(mariadb.slow_log_path)]},
        }]}))
    wrong_password = mariadb.conn_uri("auditor").replace("@", "-wrong@", 1)
    env = {"AIRFLOW_CONN_THEMIS_E2E": mariadb.conn_uri("auditor"), "AIRFLOW_CONN_THEMIS_BADAUTH": wrong_password,
           **{f"AIRFLOW_CONN_THEMIS_{user.upper()}": f"mysql://{user}:pw@{mariadb.host}:{mariadb.port}/"
              for user in LOCKED_OUT},
           "THEMIS_INSTANCES": str(config),
           "THEMIS_STORE": json.dumps({"backend": "local", "path": str(scratch / "store.sqlite3")}),
           "THEMIS_REPORTS_DIR": str(scratch / "reports")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    yield {"scratch": scratch, "config": config,
           "conf": {"window_start": start.isoformat(), "window_end": end.isoformat()}}
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _run(audited, load_dagbag, dag_id="themis__e2e", **conf):
    bag = load_dagbag(audited["config"])
    assert bag.import_errors == {}
    dag = bag.dags[dag_id]
    run = dag.test(run_conf={**audited["conf"], **conf})
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    return run, states


def _xcom(run, task_id):
    """A task's summary (its return value XCom) in a finished dag.test() run."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(XComModel.get_many(run_id=run.run_id, dag_ids=run.dag_id, task_ids=task_id,
                                                 key="return_value")).first()
        return XComModel.deserialize_value(row)


def _store_contents(audited):
    from themis.store.local import LocalStore

    store = LocalStore(str(audited["scratch"] / "store.sqlite3"))
    contents = {}
    for key in store.keys("e2e"):
        records = store.read_all(key)
        if key.kind.startswith("findings.") or key.kind == "report":
            for record in records:  # these carry the run id and timestamps by design
                record.pop("run_id", None)
                record.pop("generated_at", None)
        contents[key.kind] = records
    return contents


def test_dag_run_produces_findings_in_all_four_dimensions_and_a_report(audited, load_dagbag):
    run, states = _run(audited, load_dagbag)
    assert set(states.values()) == {"success"}, states
    reports = sorted((audited["scratch"] / "reports" / "e2e").glob("*/report.json"))
    assert len(reports) == 1
    report = json.loads(reports[0].read_text())
    dims = {d["dimension"]: d for d in report["dimensions"]}
    assert set(dims) == {"OBJ", "TEXT", "SQLPLAN", "SQLSTAT"}
    for dim in dims.values():
        assert dim["status"] == "ok" and dim["score"] is not None and dim["score"] < 100, dim["dimension"]
    rules = {r["id"]: r for d in dims.values() for r in d["rules"]}
    objects = lambda rule_id: {f["object"] for f in rules[rule_id]["findings"]}  # noqa: E731
    assert "shop.audit_log" in objects("TABLE_NO_DEF_PRIMARYKEY")
    assert "shop.customers" not in objects("TABLE_NO_DEF_PRIMARYKEY")
    assert "shop.customer_profiles" in objects("TABLE_COLUMN_NUM")
    assert "shop.product_search" in objects("BIG_TABLE_BY_INDEX_NUM")
    assert any(o.startswith("shop.orders.") for o in objects("TABLE_EXIST_FOREIGN_KEY"))
    assert "shop.audit_log.payload" in {f["object"] for f in rules["EXIST_LOB_COLUMN"]["excluded"]}
    assert "shop.audit_log.payload" not in objects("EXIST_LOB_COLUMN")
    # names with % are captured and their values sampled and judged (item 3)
    assert {"themis_pct%s.t%s.d%s", "themis_pct%s.p%%ct.a%"} <= objects("COLUMN_WRONG_TYPE")
    assert {"themis_pct%s.t%s", "themis_pct%s.p%%ct"} <= objects("TABLE_WITHOUT_TIMESTAMP")
    assert rules["COLUMN_WRONG_TYPE"]["notes"] == []
    # the sandbox auditor lacks TRIGGER and shop has triggers: not evaluated, never a pass (item 13)
    hidden = rules["EXIST_FUNC_PROC_TRIGGER"]
    assert hidden["status"] == "not_evaluated" and "lacks TRIGGER on shop" in hidden["not_evaluated"]["reason"]
    assert _xcom(run, "analyze_obj")["not_evaluated"]["EXIST_FUNC_PROC_TRIGGER"] == hidden["not_evaluated"]
    for rule_id in ("SELECT_ANY", "DML_ALLDATA", "LIKE_UNINDEX", "TOOMANY_IN_LIST", "TABLE_FULL_SCAN",
                    "USING_FILESORT", "USING_TEMPORARY_TABLE", "INDEX_RATIO"):
        assert rules[rule_id]["findings_count"] > 0, rule_id
    assert report["overall_score"] is not None
    html = reports[0].with_name("report.html").read_text()
    assert "audit_log" in html and "TABLE_NO_DEF_PRIMARYKEY" in html
    # every SQL finding points at a statement the report carries, with its plan or statistics
    for rule_id in ("TABLE_FULL_SCAN", "SELECT_ANY"):
        for finding in rules[rule_id]["findings"]:
            assert finding["checksum"] in report["statements"]


def test_rerunning_the_dag_leaves_the_store_unchanged(audited, load_dagbag):
    _run(audited, load_dagbag)
    before = _store_contents(audited)
    run, states = _run(audited, load_dagbag)
    assert set(states.values()) == {"success"}, states
    after = _store_contents(audited)
    assert before.keys() == after.keys()
    for kind in before:
        assert after[kind] == before[kind], kind


def test_unselected_dimensions_are_skipped_and_marked_in_the_report(audited, load_dagbag, monkeypatch):
    monkeypatch.setenv("THEMIS_INSTANCES", str(audited["config"]))
    run, states = _run(audited, load_dagbag, dimensions=["OBJ", "TEXT"])
    assert states["analyze_plan"] == "skipped" and states["analyze_stat"] == "skipped"
    assert states["export"] == "success"
    report = json.loads(sorted((audited["scratch"] / "reports" / "e2e").glob("*/report.json"))[-1].read_text())
    dims = {d["dimension"]: d for d in report["dimensions"]}
    assert dims["SQLPLAN"]["status"] == "not_selected" and dims["SQLPLAN"]["score"] is None
    assert dims["OBJ"]["status"] == "ok"


def test_wrong_password_fails_at_once_and_the_report_marks_the_missing_dimensions(audited, load_dagbag):
    run, states = _run(audited, load_dagbag, dag_id="themis__e2e_badauth")
    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert states["capture_obj"] == "failed" and tries["capture_obj"] == 1  # no retry on 1045
    assert states["capture_other"] == "failed" and tries["capture_other"] == 1
    assert states["ingest_slowlog"] == "success"  # reads the file, not the database
    assert states["analyze_obj"] == "upstream_failed"
    # export writes the report of what could be audited, then fails the run: the server is not audited
    assert states["export"] == "failed" and run.state == "failed"
    report = json.loads(next((audited["scratch"] / "reports" / "e2e_badauth").glob("*/report.json")).read_text())
    assert {d["dimension"]: d["status"] for d in report["dimensions"]} == {
        "OBJ": "failed", "TEXT": "failed", "SQLPLAN": "failed", "SQLSTAT": "failed"}
    assert report["overall_score"] is None
    assert "wrong" not in json.dumps(report)  # nothing of the credentials reaches the report


@pytest.mark.parametrize("user", sorted(LOCKED_OUT))
def test_locked_and_expired_accounts_fail_at_once(audited, load_dagbag, user):
    """A locked account (4151 at login) and an expired password (1820 at the first statement) are not
    retried: each retry would be one more failed login against an account that cannot log in."""
    run, states = _run(audited, load_dagbag, dag_id=f"themis__e2e_{user}")
    tries = {ti.task_id: ti.try_number for ti in run.get_task_instances()}
    assert states["capture_obj"] == "failed" and tries["capture_obj"] == 1, (states, tries)
    assert states["export"] == "failed" and run.state == "failed"
    assert next((audited["scratch"] / "reports" / f"e2e_{user}").glob("*/report.json"))  # written all the same
    from airflow.sdk.exceptions import AirflowFailException

    from themis.capture.mysql import server_info
    from themis.connections import mysql_connection

    with pytest.raises(AirflowFailException, match="not retrying: fix the connection"):
        with mysql_connection(f"themis_{user}") as conn:  # what capture_obj does first
            server_info(conn)
