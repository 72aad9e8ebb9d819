"""The README's first command, as a DBA runs it: `themis demo` (what `make demo` calls after bootstrap)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.dags]


def test_demo_prints_a_report_with_all_four_dimensions_scored(tmp_path):
    pytest.importorskip("MySQLdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "THEMIS"))}
    themis = Path(sys.executable).with_name("themis")
    result = subprocess.run([str(themis), "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report_line = [line for line in result.stdout.splitlines() if line.startswith("Report: ")]
    assert report_line, result.stdout
    html = Path(report_line[-1].removeprefix("Report: "))
    assert html.is_file() and "Themis audit report" in html.read_text()
    reports = sorted((ROOT / ".sandbox" / "demo" / "reports" / "demo").glob("*/report.json"))
    report = json.loads(reports[-1].read_text())
    assert {d["dimension"]: d["status"] for d in report["dimensions"]} == {
        "OBJ": "ok", "TEXT": "ok", "SQLPLAN": "ok", "SQLSTAT": "ok"}
    assert all(d["score"] < 100 for d in report["dimensions"]), "the sample schema and workload have real defects"
    # The Oracle instance from the sample export: its report printed too, all four dimensions scored
    # with findings in each.
    assert any(line.endswith("demo-oracle-report.html") for line in report_line), result.stdout
    oracle = json.loads(sorted((ROOT / ".sandbox" / "demo" / "reports" / "demo_oracle").glob("*/report.json"))[-1]
                        .read_text())
    assert oracle["instance"]["db_type"] == "oracle"
    for dimension in oracle["dimensions"]:
        assert dimension["status"] == "ok" and dimension["score"] < 100, dimension["dimension"]
        assert sum(rule["findings_count"] for rule in dimension["rules"]) > 0, dimension["dimension"]
    # Everything the demo started is stopped: its MariaDB data directory is gone.
    assert not (ROOT / ".sandbox" / "demo" / "mariadb").exists()
