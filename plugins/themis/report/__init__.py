"""The audit report: renders a report dict as one self-contained HTML page, JSON and CSV.

The report dict is plain JSON, assembled by the export task from the stored findings::

    {
      "instance": {"id": "demo", "db_type": "mysql", "schemas": ["shop"]},
      "window": {"start": "<ISO>", "end": "<ISO>", "key": "20261121T000000Z_20261122T000000Z"},
      "run_id": "...", "generated_at": "<ISO>", "themis_version": "0.1.0",
      "overall_score": 87.5,                      # None when no dimension produced a score
      "dimensions": [
        {"dimension": "OBJ", "title": "Schema objects",
         "status": "ok" | "failed" | "skipped" | "not_selected", "reason": str | None,
         "score": 91.2 | None, "max_total": 187, "deduction_total": 16.5,
         "rules": [
           {"id": ..., "summary": ..., "description": ..., "status": "ran" | "off" | "error", "error": None,
            "weight": 5, "max_score": 20, "params": {name: value}, "findings_count": 3,
            "excluded_count": 0, "deduction": 15, "solution": [...],
            "columns": [{"name": "table", "title": "Table"}],
            "findings": [{"object": "shop.t1", "values": {"table": "shop.t1"}, "checksum": None}]}]},
        ...],
      "statements": {"<checksum>": {"checksum": ..., "fingerprint": ..., "sample": ..., "db": ...,
                                    "stats": {...}, "plan": {"status": ..., "error": ..., "format": ...,
                                                            "nodes": [...], "explain_json": {...}}}},
    }

Only :func:`write_report` touches the file system (``<reports_dir>/<instance id>/<window key>/``).
"""

from themis.report.render import render_csv, render_html, render_json, write_report

__all__ = ["render_csv", "render_html", "render_json", "write_report"]
