"""An Oracle instance's whole DAG with dag.test(): from the sample export, and through the live door
on a scripted oracledb connection answering from the same export."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from themis.paths import PROJECT_ROOT

pytestmark = [pytest.mark.dags]
SAMPLE = PROJECT_ROOT / "include" / "demo" / "oracle-export"


@pytest.fixture
def oracle_env(airflow_home, tmp_path, monkeypatch):
    config = tmp_path / "instances.yaml"
    config.write_text(yaml.safe_dump({"instances": [
        {"id": "ora_export", "db_type": "oracle", "export": {"path": str(SAMPLE)}, "schemas": "auto",
         "schedule": None, "retry": {"retries": 0}},
        {"id": "ora_live", "db_type": "oracle", "conn_id": "themis_ora", "schemas": "auto",
         "schedule": None, "retry": {"retries": 0}, "oracle": {"timezone": "+08:00"}},
    ]}))
    monkeypatch.setenv("THEMIS_INSTANCES", str(config))
    monkeypatch.setenv("THEMIS_STORE", json.dumps({"backend": "local", "path": str(tmp_path / "store.sqlite3")}))
    monkeypatch.setenv("THEMIS_REPORTS_DIR", str(tmp_path / "reports"))
    monkeypatch.setenv("AIRFLOW_CONN_THEMIS_ORA", "oracle://auditor:secret@db.example:1521/ORCL")
    return tmp_path


def _run(load_dagbag, config: Path, dag_id: str) -> tuple[dict, object]:
    from themis.demo import oracle_export_window

    bag = load_dagbag(config)
    assert not bag.import_errors, bag.import_errors
    run = bag.dags[dag_id].test(run_conf=oracle_export_window(SAMPLE))
    return run


def _report(tmp_path: Path, instance: str) -> dict:
    reports = sorted((tmp_path / "reports" / instance).glob("*/report.json"))
    assert reports, f"no report for {instance}"
    return json.loads(reports[-1].read_text())


def test_oracle_from_an_export_scores_all_four_dimensions_and_skips_the_slow_log(oracle_env, load_dagbag):
    run = _run(load_dagbag, oracle_env / "instances.yaml", "themis__ora_export")
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["ingest_slowlog"] == "skipped"
    assert states["capture_obj"] == "success" and states["capture_other"] == "success"
    report = _report(oracle_env, "ora_export")
    dims = {d["dimension"]: d for d in report["dimensions"]}
    for name in ("OBJ", "TEXT", "SQLPLAN", "SQLSTAT"):  # all four scored, each with findings
        assert dims[name]["status"] == "ok" and dims[name]["score"] < 100, name
        assert sum(rule["findings_count"] for rule in dims[name]["rules"]) > 0, name
    # Oracle statements in the report: SQL_ID, plan hash value, the plan with the offending lines marked.
    assert report["statements"] and all(":" in checksum for checksum in report["statements"])
    assert report["instance"]["db_type"] == "oracle" and report["instance"]["schemas"]
    html = next((oracle_env / "reports" / "ora_export").glob("*/report.html")).read_text()
    assert "COL_WRONG_TYPE" in html and "not evaluated" in html
    assert "plan hash value" in html and 'class="marked"' in html


def test_oracle_live_door_on_a_scripted_connection(oracle_env, load_dagbag, monkeypatch):
    from airflow.providers.oracle.hooks.oracle import OracleHook

    from tests.oracle.scripted import Script, ScriptedConnection

    script = Script(SAMPLE)
    monkeypatch.setattr(OracleHook, "get_conn", lambda self: ScriptedConnection(script))
    run = _run(load_dagbag, oracle_env / "instances.yaml", "themis__ora_live")
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["capture_obj"] == "success", states
    report = _report(oracle_env, "ora_live")
    assert {d["dimension"]: d["status"] for d in report["dimensions"]} == {
        "OBJ": "ok", "TEXT": "ok", "SQLPLAN": "ok", "SQLSTAT": "ok"}
    assert script.executed and all(sql.lstrip().upper().startswith("SELECT") for sql, _ in script.executed)
    assert "secret" not in json.dumps(report)
    # The scripted server holds no table data: COL_WRONG_TYPE ran and says which tables it could not
    # sample (as a user without SELECT on them would see), instead of passing silently.
    obj_rules = {r["id"]: r for d in report["dimensions"] if d["dimension"] == "OBJ" for r in d["rules"]}
    assert obj_rules["COL_WRONG_TYPE"]["status"] == "ran"
    assert any("could not be sampled" in str(note) for note in obj_rules["COL_WRONG_TYPE"]["notes"])
