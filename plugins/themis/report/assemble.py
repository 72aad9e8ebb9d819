"""Report assembly: the report dict (``themis.report``) from what the store holds for one window.

The export task (:func:`run_report`), ``themis report`` and the UI plugin (:func:`stored_report`) all
call this module, so the three show the same report. It reads the store and nothing else: no
database, no file system, no Airflow.

Besides the dimension results and the statements they point at, every report says what changed
(``report.changes``): its findings are compared with those of the previous audited window of the
same instance. ``report["changes"]``::

    {"previous_window": "<key>" | None, "baseline": bool,   # False: first audit, nothing compared
     "previous_overall_score": float | None, "score_delta": float | None,
     "dimension_deltas": {dimension: float | None},
     "counts": {"new", "fixed", "persisting", "not_compared"},
     "new": [entry], "fixed": [entry], "plan_changed": [entry],
     "rules": {rule id: {"dimension", "summary", "weight", "new", "fixed", "persisting"}},
     "not_compared": [{"dimension", "rule", "reason"}]}

and each finding of a compared rule carries ``"change": "new" | "persisting"``. ``report["trend"]`` is
the overall and per-dimension scores of the last windows, oldest first, this one last.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from themis.config import InstanceConfig
from themis.report import changes as change_detection
from themis.store import PartitionKey, Store
from themis.window import CaptureWindow

#: The analysis task of each dimension, in report order (``dag_factory`` names its tasks so).
ANALYSIS_TASKS = {"OBJ": "analyze_obj", "TEXT": "analyze_text", "SQLPLAN": "analyze_plan", "SQLSTAT": "analyze_stat"}

#: Windows in a report's score trend (this one included).
TREND_WINDOWS = 10


def missing_dimension(dimension: str, state: str | None, selected: bool) -> dict[str, Any]:
    """The report entry of a dimension that produced no result in this run."""
    from themis.rules.engine import DIMENSION_TITLES

    if not selected:
        status, reason = "not_selected", "not selected for this run"
    elif state in ("skipped",):
        status, reason = "skipped", f"{ANALYSIS_TASKS[dimension]} was skipped"
    elif state == "upstream_failed":
        status, reason = "failed", f"a capture task before {ANALYSIS_TASKS[dimension]} failed"
    else:
        status, reason = "failed", f"{ANALYSIS_TASKS[dimension]} did not finish ({state or 'no result'})"
    return {"dimension": dimension, "title": DIMENSION_TITLES[dimension], "status": status, "reason": reason,
            "score": None, "max_total": 0, "deduction_total": 0, "rules": []}


def run_report(store: Store, instance: InstanceConfig, window: CaptureWindow, schemas: list[str], run_id: str,
               selected: list[str], states: Mapping[str, str], **options: Any) -> dict[str, Any]:
    """One run's report: a dimension counts only if its analysis succeeded in this very run
    (its stored result carries this ``run_id`` and its task, when known, succeeded)."""
    dimensions = []
    for dimension, task_id in ANALYSIS_TASKS.items():
        key = PartitionKey(instance.id, window.key, f"findings.{dimension}")
        info = store.info(key)
        fresh = info is not None and (info.get("meta") or {}).get("run_id") == run_id
        if fresh and states.get(task_id, "success") == "success":
            dimensions.append(store.read_all(key)[0])
        else:
            dimensions.append(missing_dimension(dimension, states.get(task_id), dimension in selected))
    return assemble_report(store, instance, window, schemas or captured_schemas(store, instance, window), run_id,
                           dimensions, **options)


def captured_schemas(store: Store, instance: InstanceConfig, window: CaptureWindow) -> list[str]:
    """The schemas the window's object capture audited (``schemas: auto`` resolves them there)."""
    info = store.info(PartitionKey(instance.id, window.key, "obj.table"))
    return list(((info or {}).get("meta") or {}).get("schemas") or instance.schema_list)


def stored_report(store: Store, instance: InstanceConfig, window: CaptureWindow, **options: Any) -> dict[str, Any]:
    """The report of a past window from whatever the store holds (``themis report``, the UI): each
    dimension's latest stored result, whichever run wrote it."""
    dimensions, run_ids = [], set()
    for dimension in ANALYSIS_TASKS:
        key = PartitionKey(instance.id, window.key, f"findings.{dimension}")
        records = store.read_all(key)
        if records:
            dimensions.append(records[0])
            run_ids.add(str(records[0].get("run_id")))
        else:
            entry = missing_dimension(dimension, None, True)
            entry["reason"] = "no stored result for this window"
            dimensions.append(entry)
    run_id = run_ids.pop() if len(run_ids) == 1 else ", ".join(sorted(run_ids)) or "-"
    return assemble_report(store, instance, window, captured_schemas(store, instance, window), run_id, dimensions,
                           **options)


def assemble_report(store: Store, instance: InstanceConfig, window: CaptureWindow, schemas: list[str], run_id: str,
                    dimensions: list[dict[str, Any]], *, trend_windows: int = TREND_WINDOWS) -> dict[str, Any]:
    """The report document the renderer takes: dimension results plus the statements they point at,
    what changed since the previous window and the score trend."""
    from themis import __version__
    from themis.rules.scoring import overall_score

    def key(kind: str) -> PartitionKey:
        return PartitionKey(instance.id, window.key, kind)

    referenced = {f.get("checksum") for d in dimensions for r in d["rules"] for f in r["findings"] if f.get("checksum")}
    statements = {s["checksum"]: s for s in store.read(key("sql.statement")) if s["checksum"] in referenced}
    for plan in store.read(key("sql.plan")):
        if plan.get("checksum") in statements:
            statements[plan["checksum"]]["plan"] = plan
    overall = overall_score(dimensions)
    current = {"window": window.key, "overall_score": overall,
               "scores": {d["dimension"]: (d.get("score") if d.get("status") == "ok" else None) for d in dimensions}}
    changes, dimensions, trend = window_changes(store, instance.id, window.key, dimensions, current, trend_windows)
    return {
        "instance": {"id": instance.id, "db_type": instance.db_type, "schemas": schemas,
                     "description": instance.description},
        "window": {**window.as_dict(), "key": window.key},
        "run_id": run_id, "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "themis_version": __version__, "overall_score": overall, "dimensions": dimensions,
        "statements": statements, "slowlog": slowlog_read(store, key("slowlog.digest")),
        "changes": changes, "trend": trend,
    }


def window_changes(store: Store, instance_id: str, window_key: str, dimensions: list[dict[str, Any]],
                   current: dict[str, Any], trend_windows: int = TREND_WINDOWS,
                   ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """(changes, dimensions with each compared finding marked, score trend) of one window against the
    previous audited window of the instance (see the module docstring for the shapes)."""
    windows = change_detection.audited_windows(store, instance_id)
    previous = change_detection.previous_window(store, instance_id, window_key, windows)
    before = change_detection.stored_dimensions(store, instance_id, previous) if previous else None
    compared = change_detection.compare(before, dimensions)
    trend = (change_detection.score_trend(store, instance_id, previous, max(0, trend_windows - 1), windows)
             if previous and trend_windows > 1 else [])
    trend.append(current)
    was = (trend[-2] if len(trend) > 1 else
           change_detection.window_scores(store, instance_id, previous) if previous else None)

    def delta(now: Any, then: Any) -> float | None:
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (now, then))
        return round(now - then, 3) if numbers else None

    changes = {
        "previous_window": previous, "baseline": compared["baseline"],
        "previous_overall_score": was["overall_score"] if was else None,
        "score_delta": delta(current["overall_score"], was["overall_score"]) if was else None,
        "dimension_deltas": {name: delta(score, (was["scores"] if was else {}).get(name))
                             for name, score in current["scores"].items()},
        "counts": change_detection.summary(compared),
        "new": compared["new"], "fixed": compared["fixed"],
        "plan_changed": [e for e in compared["persisting"] if e.get("plan_changed")],
        "rules": compared["rules"], "not_compared": compared["not_compared"],
    }
    return changes, mark_findings(dimensions, compared), trend


def mark_findings(dimensions: list[dict[str, Any]], compared: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Copies of the dimension results whose compared findings carry ``change`` ("new" or
    "persisting"); the stored results are left as they are."""
    if not compared.get("baseline"):
        return dimensions
    new = {e["key"] for e in compared["new"]}
    persisting = {e["key"] for e in compared["persisting"]}
    marked = []
    for dimension in dimensions:
        name = dimension.get("dimension", "?")
        rules = []
        for rule in dimension.get("rules") or []:
            findings = []
            for finding in rule.get("findings") or []:
                key = change_detection.finding_key(name, rule.get("id", "?"), finding)
                change = "new" if key in new else "persisting" if key in persisting else None
                findings.append({**finding, "change": change} if change else finding)
            rules.append({**rule, "findings": findings})
        marked.append({**dimension, "rules": rules})
    return marked


def slowlog_read(store: Store, key: PartitionKey) -> dict[str, Any] | None:
    """How completely ``ingest_slowlog`` read the window's slow log, from its partition's meta: the
    files it could not read to the end (damaged, shrank or rotated while read) and the entries it
    skipped. The report's SQLSTAT section says so when the digest rests on part of the log."""
    stats = (((store.info(key) or {}).get("meta") or {}).get("stats")) or {}
    if not stats:
        return None
    return {"read_errors": list(stats.get("read_errors") or []), "skipped_entries": stats.get("skipped_entries") or 0}
