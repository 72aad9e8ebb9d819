"""Oracle AWR capture and the three statement dimensions from an export, at scale.

Budget (issue #8): 5,000 SQL_IDs × 24 snapshots with 40 plan lines each, captured from an export and
analysed on TEXT, SQLPLAN and SQLSTAT, under 60 s. The export is generated with
``scripts/make_oracle_export.py --profile scale`` into a temporary directory (deleted at the end).
Timed: loading the AWR views into DuckDB, ``OracleCapture.statements`` (window, DBA_HIST_SQLSTAT
deltas, texts, plan lines) and each dimension's rules.

Reference, measured in the same run: DuckDB reading and counting DBA_HIST_SQL_PLAN.csv, the largest
file, so each stage reads as a ratio of merely parsing it.

    .venv/bin/python bench/oracle_awr.py [--sql-ids 5000 --snapshots 24 --plan-lines 40]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from themis.capture.base import CaptureContext  # noqa: E402
from themis.capture.oracle import OracleCapture  # noqa: E402
from themis.capture.oracle.export import ExportDoor, read_manifest  # noqa: E402
from themis.config import parse_config  # noqa: E402
from themis.rules.catalog import load_catalog  # noqa: E402
from themis.rules.engine import effective_rules, run_dimension  # noqa: E402
from themis.rules.snapshot import Snapshot  # noqa: E402
from themis.store.local import LocalStore  # noqa: E402
from themis.window import CaptureWindow  # noqa: E402

BUDGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sql-ids", type=int, default=5000)
    parser.add_argument("--snapshots", type=int, default=24)
    parser.add_argument("--plan-lines", type=int, default=40)
    parser.add_argument("--tables", type=int, default=2000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="themis-bench-awr-"))
    try:
        export = scratch / "export"
        started = time.monotonic()
        subprocess.run([sys.executable, str(ROOT / "scripts" / "make_oracle_export.py"), "--profile", "scale",
                        "--out", str(export), "--tables", str(args.tables), "--sql-ids", str(args.sql_ids),
                        "--snapshots", str(args.snapshots), "--plan-lines", str(args.plan_lines)], check=True)
        generated = time.monotonic() - started

        import duckdb

        started = time.monotonic()
        with duckdb.connect() as conn:
            plan_rows = conn.execute(f"SELECT COUNT(*) FROM read_csv('{export / 'DBA_HIST_SQL_PLAN.csv'}', "
                                     "all_varchar = true)").fetchone()[0]
        reference = time.monotonic() - started

        manifest = read_manifest(export)
        owners = list(manifest.data.get("owners") or [])
        awr = manifest.data["awr"]
        from themis.capture.oracle.awr import db_zone

        zone = db_zone(None, manifest.data.get("db_timezone"))
        import datetime as dt

        start, end = (dt.datetime.fromisoformat(awr[k]).replace(tzinfo=zone) for k in ("begin_time", "end_time"))
        project = parse_config({"instances": [{"id": "bench", "db_type": "oracle", "schemas": owners,
                                               "export": {"path": str(export)},
                                               "capture": {"text_limit": args.sql_ids * 2}}]})
        store = LocalStore(scratch / "store.sqlite3")
        ctx = CaptureContext(project.instances[0], owners, CaptureWindow.parse(start, end), store, "bench",
                             log=lambda line: None)
        figures: dict[str, float] = {}
        with ExportDoor(manifest, log_line=lambda line: None) as door:
            started = time.monotonic()
            for view in ("DBA_HIST_SNAPSHOT", "DBA_HIST_SQLSTAT", "DBA_HIST_SQLTEXT", "DBA_HIST_SQL_PLAN", "V$SQL_PLAN"):
                door._ensure_loaded({view})
            figures["load"] = time.monotonic() - started
            started = time.monotonic()
            statements = OracleCapture().statements_from(door, ctx)
            figures["capture"] = time.monotonic() - started
            objects = OracleCapture().objects_from(door, ctx)
        records = {**objects.records, **statements.records}
        catalog = load_catalog()
        findings = {}
        for dimension in ("TEXT", "SQLPLAN", "SQLSTAT"):
            started = time.monotonic()
            result = run_dimension(effective_rules(catalog, "oracle", dimension), Snapshot("oracle", records),
                                   dimension)
            figures[dimension] = time.monotonic() - started
            findings[dimension] = sum(r["findings_count"] for r in result["rules"])
        total = figures["load"] + figures["capture"] + figures["TEXT"] + figures["SQLPLAN"] + figures["SQLSTAT"]
        statements_n = len(statements.records["sql.statement"])
        lines = sum(len(p["lines"]) for p in statements.records["sql.plan"])
        print(f"export: {args.sql_ids} SQL_IDs × {args.snapshots} snapshots × {args.plan_lines} plan lines "
              f"({plan_rows} plan rows; generated in {generated:.1f} s)")
        print(f"captured: {statements_n} statements, {lines} plan lines; findings {findings}")
        print(f"{'stage':<10} {'seconds':>8} {'× reference':>12}")
        for stage in ("load", "capture", "TEXT", "SQLPLAN", "SQLSTAT"):
            print(f"{stage:<10} {figures[stage]:>8.2f} {figures[stage] / reference:>11.1f}×")
        print(f"{'total':<10} {total:>8.2f} {total / reference:>11.1f}×   (reference: {reference:.2f} s)")
        print(f"budget: {total:.1f} s of {BUDGET_SECONDS:.0f} s ({'within' if total < BUDGET_SECONDS else 'OVER'})")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
