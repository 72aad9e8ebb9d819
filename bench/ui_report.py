"""A report of 10,000 findings in the Themis UI: served from the SQLite store, and loaded in headless
Chromium without freezing it.

The UI's report page embeds ``report.html`` rendered with at most ``REPORT_ROWS_PER_RULE`` rows per rule
(the page says how many more there are; ``findings`` pages through all of them, 100 rows a page, and
report.json / findings.csv next to it hold everything). Measured:

* server: ``stored_report`` + ``render_html`` (what /themis/report/<id>/<window>/report.html does) and
  one page of the paginated findings table (``data.findings_page`` + its template);
* browser: Chromium loading that report.html (DOMContentLoaded, load event, the main thread's total
  task time, how many table rows it holds) and, as the reference in the same run, the same report
  rendered without any cap (every finding in the page).

Budget: the UI's report page loads (load event) in under 1 s: the tab stays usable.

    .venv/bin/python bench/ui_report.py [--findings 10000] [--rules 40]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))
sys.path.insert(0, str(ROOT))

LOAD_BUDGET_MS = 1000.0


def build_store(path: Path, findings: int, rules: int) -> tuple[object, str]:
    """One MySQL instance with two windows; the second has ``findings`` findings over ``rules`` rules."""
    from themis.config import InstanceConfig
    from themis.rules.catalog import load_catalog
    from themis.rules.scoring import overall_score
    from themis.store import PartitionKey
    from themis.store.local import LocalStore
    from themis.ui import sample
    from themis.window import CaptureWindow

    instance = InstanceConfig(id="big", db_type="mysql", conn_id="big", schemas=["shop"])
    catalog = load_catalog(with_checks=False)
    chosen = [r for r in catalog if r.applies_to("mysql") and r.status == "ON"][:rules]
    per_rule = [findings // len(chosen) + (1 if i < findings % len(chosen) else 0) for i in range(len(chosen))]
    end = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)
    windows = [CaptureWindow(end - dt.timedelta(days=2), end - dt.timedelta(days=1)),
               CaptureWindow(end - dt.timedelta(days=1), end)]
    with LocalStore(path) as store:
        for index, window in enumerate(windows):
            run_id = f"sample__{window.start.isoformat()}"
            dimensions = []
            for dimension in ("OBJ", "TEXT", "SQLPLAN", "SQLSTAT"):
                results = [sample._rule_result(rule, [f"shop.t{n:05d}_{rule.id.lower()}" for n in range(count - index * 7)],
                                               statement=False)
                           for rule, count in zip(chosen, per_rule) if rule.dimension == dimension]
                result = sample._dimension(dimension, results, run_id)
                store.write(PartitionKey("big", window.key, f"findings.{dimension}"), [result], meta={"run_id": run_id})
                dimensions.append(result)
            store.write(PartitionKey("big", window.key, "report"),
                        [{"run_id": run_id, "overall_score": overall_score(dimensions),
                          "scores": {d["dimension"]: d["score"] for d in dimensions}}], meta={"run_id": run_id})
    return instance, windows[-1].key


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from starlette.requests import Request

    from themis.report.assemble import stored_report
    from themis.report.render import render_html
    from themis.store.local import LocalStore
    from themis.ui import data
    from themis.ui.app import REPORT_ROWS_PER_RULE, render
    from themis.window import CaptureWindow
    from tests.ui.airflow_server import chromium

    folder = Path(tempfile.mkdtemp(prefix="themis-bench-ui-report-"))
    instance, window = build_store(folder / "store.sqlite3", args.findings, args.rules)

    def median_ms(fn) -> tuple[float, object]:
        times, out = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            out = fn()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), out

    with LocalStore(folder / "store.sqlite3") as store:
        report_ms, html = median_ms(lambda: render_html(stored_report(store, instance, CaptureWindow.from_key(window)),
                                                        max_findings_per_rule=REPORT_ROWS_PER_RULE))
        full = render_html(stored_report(store, instance, CaptureWindow.from_key(window)), max_findings_per_rule=None)
        path = f"/themis/report/big/{window}/findings"
        request = Request({"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                           "root_path": "/themis", "query_string": b"", "headers": []})
        page_ms, page_html = median_ms(lambda: render(request, "findings.html.j2", instance=instance, window=window,
                                                      result=data.findings_page(store, "big", window, None, 3),
                                                      title="findings").body)
    (folder / "ui.html").write_text(html)
    (folder / "full.html").write_text(full)
    (folder / "findings.html").write_bytes(page_html)

    driver = chromium()
    figures = {}
    try:
        driver.execute_cdp_cmd("Performance.enable", {})
        for name in ("ui", "findings", "full"):
            loads = []
            for _ in range(args.repeat):
                driver.get("about:blank")
                driver.get((folder / f"{name}.html").as_uri())
                timing = driver.execute_script(
                    "const n = performance.getEntriesByType('navigation')[0];"
                    "return [n.domContentLoadedEventEnd, n.loadEventEnd, document.querySelectorAll('tr').length];")
                metrics = {m["name"]: m["value"] for m in driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]}
                loads.append((timing[0], timing[1], timing[2], metrics.get("TaskDuration", 0) * 1000))
            figures[name] = [statistics.median(x[i] for x in loads) for i in range(4)]
    finally:
        driver.quit()

    print(f"report: {args.findings:,} findings over {args.rules} rules; UI report.html caps {REPORT_ROWS_PER_RULE} rows per rule")
    print(f"server: stored_report + render_html {report_ms:.0f} ms ({len(html) / 1e6:.1f} MB); "
          f"a findings page (100 rows) {page_ms:.0f} ms")
    for name, label in (("ui", "UI report.html"), ("findings", "UI findings page (100 rows)"),
                        ("full", "reference: every finding in the page")):
        dcl, load, rows, busy = figures[name]
        print(f"chromium, {label}: DOMContentLoaded {dcl:.0f} ms, load {load:.0f} ms, {int(rows):,} table rows, "
              f"main-thread task time {busy:.0f} ms")
    load = max(figures["ui"][1], figures["findings"][1])
    ok = load < LOAD_BUDGET_MS
    print(f"budget: the UI's pages load in under {LOAD_BUDGET_MS:.0f} ms: {'within' if ok else 'OVER'} "
          f"(slowest {load:.0f} ms, {load / figures['full'][1]:.2f}x the uncapped page)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
