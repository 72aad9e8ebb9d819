"""`themis report`: re-render a stored window's report without Airflow."""

from __future__ import annotations

import json

import yaml

from themis.cli import main
from themis.rules.catalog import load_catalog
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot
from themis.store import PartitionKey
from themis.store.local import LocalStore

WINDOW = "20261121T020000Z_20261122T020000Z"


def _config(tmp_path):
    path = tmp_path / "instances.yaml"
    path.write_text(yaml.safe_dump({
        "store": {"backend": "local", "path": str(tmp_path / "store.sqlite3")},
        "reports_dir": str(tmp_path / "reports"),
        "instances": [{"id": "sales", "db_type": "mysql", "conn_id": "c", "schemas": ["s"]}]}))
    return path


def test_report_renders_the_latest_stored_window_and_marks_what_is_missing(tmp_path, capsys):
    config = _config(tmp_path)
    store = LocalStore(str(tmp_path / "store.sqlite3"))
    snapshot = Snapshot("mysql", {"obj.table": [{"schema": "s", "table": "t", "table_type": "BASE TABLE"}]})
    result = run_dimension(effective_rules(load_catalog(), "mysql", "OBJ"), snapshot, "OBJ")
    result["run_id"] = "scheduled__2026-11-21"
    store.write(PartitionKey("sales", WINDOW, "findings.OBJ"), [result])
    store.close()

    assert main(["report", "--instance", "sales", "--config", str(config)]) == 0
    assert "overall score" in capsys.readouterr().out
    report = json.loads((tmp_path / "reports" / "sales" / WINDOW / "report.json").read_text())
    statuses = {d["dimension"]: d["status"] for d in report["dimensions"]}
    assert statuses == {"OBJ": "ok", "TEXT": "failed", "SQLPLAN": "failed", "SQLSTAT": "failed"}
    assert report["run_id"] == "scheduled__2026-11-21"
    assert report["overall_score"] == result["score"] < 100


def test_report_says_what_is_wrong(tmp_path, capsys):
    config = _config(tmp_path)
    assert main(["report", "--instance", "nope", "--config", str(config)]) == 2
    assert "no instance 'nope'" in capsys.readouterr().err
    assert main(["report", "--instance", "sales", "--config", str(config)]) == 1
    assert "no analysed window" in capsys.readouterr().err
