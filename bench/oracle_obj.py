"""Oracle OBJ capture plus analysis from a dictionary export, at scale.

Budget (issue #7): an export of 20,000 tables, 400,000 columns and 40,000 indexes loaded and
OBJ-audited in under 60 s; loading linear in the export's size (shown with two sizes). The script
generates the exports with ``scripts/make_oracle_export.py --profile scale`` into a temporary
directory (deleted at the end), then times, per size: loading the CSVs into DuckDB (every view the
capture reads), the capture queries and shaping (``OracleCapture.objects``), and the 30 OBJ rules.

Reference, measured in the same run on the same export: DuckDB reading the largest CSV
(DBA_TAB_COLS) with ``read_csv`` and counting its rows — what just parsing the biggest file costs,
without any of our work — so each stage reads as a ratio of it.

    .venv/bin/python bench/oracle_obj.py [--tables 20000 --columns-per-table 20 --indexes-per-table 2]
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


def generate(out: Path, tables: int, columns: int, indexes: int) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_oracle_export.py"), "--profile", "scale",
                    "--out", str(out), "--tables", str(tables), "--columns-per-table", str(columns),
                    "--indexes-per-table", str(indexes)], check=True)
    return time.monotonic() - started


def reference(export: Path) -> float:
    import duckdb

    started = time.monotonic()
    with duckdb.connect() as conn:
        conn.execute(f"SELECT COUNT(*) FROM read_csv('{export / 'DBA_TAB_COLS.csv'}', all_varchar = true)").fetchone()
    return time.monotonic() - started


def audit(export: Path, scratch: Path) -> dict[str, float | int]:
    manifest = read_manifest(export)
    owners = list(manifest.data.get("owners") or [])
    project = parse_config({"instances": [{"id": "bench", "db_type": "oracle", "schemas": owners,
                                           "export": {"path": str(export)}}]})
    window = CaptureWindow.parse("2026-11-19T16:00:00Z", "2026-11-20T16:00:00Z")
    rules = effective_rules(load_catalog(), "oracle", "OBJ")
    ctx = CaptureContext(project.instances[0], owners, window, LocalStore(scratch / "store.sqlite3"), "bench",
                         log=lambda line: None, rule_params=lambda rule_id: None)
    figures: dict[str, float | int] = {}
    with ExportDoor(manifest, log_line=lambda line: None) as door:
        started = time.monotonic()
        # Load every view the capture reads first, so loading and querying are timed apart.
        for template in ("tables", "columns", "indexes", "segments"):
            door._ensure_loaded(door.transpile(_sql(template, owners))[1])
        figures["load_s"] = time.monotonic() - started
        started = time.monotonic()
        captured = OracleCapture().objects_from(door, ctx)
        figures["capture_s"] = time.monotonic() - started
    started = time.monotonic()
    result = run_dimension(rules, Snapshot("oracle", captured.records), "OBJ")
    figures["rules_s"] = time.monotonic() - started
    figures["tables"] = len(captured.records["obj.table"])
    figures["columns"] = len(captured.records["obj.column"])
    figures["indexes"] = len(captured.records["obj.index"])
    figures["findings"] = sum(r["findings_count"] for r in result["rules"])
    figures["bytes"] = sum(p.stat().st_size for p in export.glob("*.csv"))
    return figures


def _sql(template: str, owners: list[str]) -> str:
    from themis.capture.sqlfiles import render

    return render(f"oracle/{template}", owners=owners, version_major=19)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=20000)
    parser.add_argument("--columns-per-table", type=int, default=20)
    parser.add_argument("--indexes-per-table", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="themis-bench-oracle-"))
    try:
        rows = []
        for tables in (args.tables // 4, args.tables):
            export = scratch / f"export-{tables}"
            generated = generate(export, tables, args.columns_per_table, args.indexes_per_table)
            ref = reference(export)
            figures = audit(export, scratch)
            total = figures["load_s"] + figures["capture_s"] + figures["rules_s"]
            rows.append((tables, figures, total, ref, generated))
        print(f"{'tables':>7} {'columns':>8} {'indexes':>8} {'CSV MB':>7} {'load s':>7} {'capture s':>9} "
              f"{'rules s':>7} {'total s':>7} {'ref s':>6} {'total/ref':>9} {'MB/s load':>9}")
        for tables, f, total, ref, _ in rows:
            mb = f["bytes"] / 1e6
            print(f"{f['tables']:>7} {f['columns']:>8} {f['indexes']:>8} {mb:>7.1f} {f['load_s']:>7.2f} "
                  f"{f['capture_s']:>9.2f} {f['rules_s']:>7.2f} {total:>7.2f} {ref:>6.2f} {total / ref:>9.1f}× "
                  f"{mb / f['load_s']:>9.1f}")
        small, large = rows[0], rows[-1]
        size_ratio = large[1]["bytes"] / small[1]["bytes"]
        load_ratio = large[1]["load_s"] / small[1]["load_s"]
        print(f"\nexport size ×{size_ratio:.2f} → load time ×{load_ratio:.2f} (linear: equal ratios)")
        print(f"budget: {large[2]:.1f} s of {BUDGET_SECONDS:.0f} s for {large[1]['tables']} tables "
              f"({'within' if large[2] < BUDGET_SECONDS else 'OVER'} budget)")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
