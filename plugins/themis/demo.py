"""The demo: audit a throwaway MariaDB end to end with the real DAG, then clean up.

It starts a sandbox MariaDB on a free port (slow log on), loads the sample shop schema (which has
real defects), runs a workload that fills the slow log, and runs the demo instance's DAG with
``airflow dags test`` on an embedded SQLite Airflow home and the local store. Everything it starts
is stopped on the way out, so running it twice works.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

from themis.paths import PROJECT_ROOT

DEMO_DIR = PROJECT_ROOT / ".sandbox" / "demo"
DEMO_DAG = "themis__demo"
ORACLE_DAG = "themis__demo_oracle"
ORACLE_EXPORT = PROJECT_ROOT / "include" / "demo" / "oracle-export"


def load_script(name: str) -> ModuleType:
    """Import ``scripts/<name>.py`` (the demo's schema loader and workload live with the scripts)."""
    path = PROJECT_ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"themis_scripts_{name}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def airflow_env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    """Environment for an isolated Airflow: SQLite metadata DB, this project's dags/ folder, no examples."""
    env = dict(os.environ)
    env.update({
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT / "plugins"), env.get("PYTHONPATH")])),
    })
    env.update(extra)
    return env


def airflow(args: list[str], env: dict[str, str], log_path: Path) -> None:
    binary = Path(sys.executable).with_name("airflow")
    command = [str(binary) if binary.exists() else "airflow", *args]
    with log_path.open("a") as log:
        log.write(f"\n$ {' '.join(command)}\n")
        log.flush()
        result = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    if result.returncode != 0:
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-40:])
        raise RuntimeError(f"`airflow {' '.join(args[:2])}` failed (exit {result.returncode}); "
                           f"full log: {log_path}\n{tail}")


def run_demo(keep: bool = False) -> int:
    from themis.sandbox import MariaDBSandbox

    started = time.monotonic()
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)  # a previous run's leftovers (e.g. killed mid-way)
    DEMO_DIR.mkdir(parents=True)
    log_path = DEMO_DIR / "airflow.log"
    workload = load_script("demo_workload")
    print(f"demo: starting a throwaway MariaDB under {DEMO_DIR}", flush=True)
    with MariaDBSandbox(DEMO_DIR / "mariadb") as sandbox:
        sandbox.execute_script((PROJECT_ROOT / "scripts" / "demo_schema.sql").read_text())
        # The window opens after the schema is loaded (slow-log times have one-second resolution),
        # so the report is about the workload, not about loading the sample data.
        time.sleep(1.1)
        window_start = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        with sandbox.connect() as conn:
            statements = workload.run_workload(conn, rounds=2)
        sandbox.flush_slow_log()
        window_end = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=1)
        print(f"demo: MariaDB on 127.0.0.1:{sandbox.port}, {statements} workload statements in the slow log", flush=True)

        reports = DEMO_DIR / "reports"
        env = airflow_env(DEMO_DIR / "airflow", {
            "AIRFLOW_CONN_THEMIS_DEMO": sandbox.conn_uri("auditor"),
            "THEMIS_INSTANCES": str(PROJECT_ROOT / "include" / "instances.yaml"),
            "THEMIS_DEMO_SLOWLOG": str(sandbox.slow_log_path),
            "THEMIS_STORE": json.dumps({"backend": "local", "path": str(DEMO_DIR / "store.sqlite3")}),
            "THEMIS_REPORTS_DIR": str(reports),
        })
        print("demo: airflow db migrate (SQLite metadata database)", flush=True)
        airflow(["db", "migrate"], env, log_path)
        conf = json.dumps({"window_start": window_start.isoformat(), "window_end": window_end.isoformat()})
        print(f"demo: airflow dags test {DEMO_DAG} (log: {log_path})", flush=True)
        airflow(["dags", "test", DEMO_DAG, "-c", conf], env, log_path)

    # Oracle: the sample dictionary export that ships in the repo, over the window its AWR covers.
    oracle_conf = json.dumps(oracle_export_window(ORACLE_EXPORT))
    print(f"demo: airflow dags test {ORACLE_DAG} on the export {ORACLE_EXPORT.relative_to(PROJECT_ROOT)}", flush=True)
    airflow(["dags", "test", ORACLE_DAG, "-c", oracle_conf], env, log_path)
    if not keep:
        shutil.rmtree(DEMO_DIR / "mariadb", ignore_errors=True)
    status = 0
    print(f"demo: finished in {time.monotonic() - started:.0f}s")
    for instance, final_name in (("demo", "demo-report.html"), ("demo_oracle", "demo-oracle-report.html")):
        status |= publish_report(reports, instance, PROJECT_ROOT / "reports" / final_name, log_path)
    return status


def oracle_export_window(export_dir: Path) -> dict[str, str]:
    """The UTC run conf window of an export's AWR range (its times are the database's local time)."""
    from themis.capture.oracle.awr import db_zone

    manifest = json.loads((export_dir / "export.json").read_text())
    zone = db_zone(None, manifest.get("db_timezone"))
    awr = manifest["awr"]
    start, end = (dt.datetime.fromisoformat(awr[k]).replace(tzinfo=zone) for k in ("begin_time", "end_time"))
    return {"window_start": start.astimezone(dt.timezone.utc).isoformat(),
            "window_end": end.astimezone(dt.timezone.utc).isoformat()}


def publish_report(reports: Path, instance: str, final: Path, log_path: Path) -> int:
    """Copy an instance's newest report to ``final`` and print its scores; 1 when a dimension has no
    result."""
    report = sorted(reports.glob(f"{instance}/*/report.html"), key=lambda p: p.stat().st_mtime)
    if not report:
        print(f"demo: {instance}: no report was written; see {log_path}", file=sys.stderr)
        return 1
    summary = json.loads(report[-1].with_name("report.json").read_text())
    scores = ", ".join(f"{d['dimension']} {d['score']}" for d in summary["dimensions"])
    final.parent.mkdir(exist_ok=True)
    shutil.copyfile(report[-1], final)
    print(f"demo: {instance} ({summary['instance']['db_type']}): overall score {summary['overall_score']} ({scores})")
    print(f"Report: {final}")
    missing = [d["dimension"] for d in summary["dimensions"] if d["status"] != "ok" or d.get("score") is None]
    if missing:
        print(f"demo: {instance}: dimensions without a result: {', '.join(missing)}; see {log_path}", file=sys.stderr)
        return 1
    return 0
