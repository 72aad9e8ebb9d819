"""What each task of an instance DAG does when it runs.

Every task reads its inputs from the store and writes its outputs there as whole partitions of
(instance, window, kind), so a retry or a rerun replaces rather than duplicates; the value it
returns (its XCom) is a small summary. Only the capture tasks and ``ingest_slowlog`` talk to the
audited database; the analyses are pure functions of stored snapshots.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from airflow.sdk.exceptions import AirflowFailException

from themis.config import DIMENSIONS, InstanceConfig, ProjectConfig, load_config, reports_dir, store_settings
# report assembly lives in themis.report.assemble; these names stay importable from here
from themis.report.assemble import (ANALYSIS_TASKS, assemble_report, captured_schemas,  # noqa: F401
                                    missing_dimension, run_report, slowlog_read, stored_report)
from themis.store import PartitionKey, Store, open_store
from themis.window import CaptureWindow, as_utc

log = logging.getLogger("themis")


@dataclass
class RunContext:
    """Everything a task needs about its run, resolved once from the Airflow context."""

    project: ProjectConfig
    instance: InstanceConfig
    window: CaptureWindow
    schemas: list[str]
    dimensions: list[str]
    run_id: str
    dag_id: str
    store: Store
    airflow_context: Any

    def key(self, kind: str) -> PartitionKey:
        return PartitionKey(self.instance.id, self.window.key, kind)

    def summary(self, **values: Any) -> dict[str, Any]:
        return {"instance": self.instance.id, "window": self.window.key, "run_id": self.run_id, **values}


def resolve_window(instance: InstanceConfig, params: dict[str, Any], interval_start: Any, interval_end: Any,
                   run_after: Any) -> CaptureWindow:
    """The run's capture window: an explicit ``window_start``/``window_end`` (run conf) first, then the
    data interval.

    A manual run of an unscheduled DAG has an empty data interval; it audits the 24 hours
    before it was triggered.
    """
    if params.get("window_start") or params.get("window_end"):
        if not (params.get("window_start") and params.get("window_end")):
            raise ValueError("window_start and window_end must be given together (in the run conf)")
        return CaptureWindow.parse(params["window_start"], params["window_end"])
    if interval_start is not None and interval_end is not None and interval_end > interval_start:
        return CaptureWindow.parse(interval_start, interval_end)
    end = as_utc(run_after or interval_end or dt.datetime.now(dt.timezone.utc))
    return CaptureWindow(end - dt.timedelta(days=1), end)


@contextlib.contextmanager
def task_run(instance_id: str) -> Iterator[RunContext]:
    """The run's context for one task; the store connection is closed when the task ends."""
    rc = _resolve_run(instance_id)
    try:
        yield rc
    finally:
        rc.store.close()


def _resolve_run(instance_id: str) -> RunContext:
    from airflow.sdk import get_current_context

    context = get_current_context()
    project = load_config()
    instance = next((i for i in project.instances if i.id == instance_id), None)
    if instance is None:
        raise LookupError(f"instance '{instance_id}' is no longer in the instance config")
    dag_run = context.get("dag_run")
    params = {**(context.get("params") or {}), **(getattr(dag_run, "conf", None) or {})}
    window = resolve_window(instance, params, context.get("data_interval_start"), context.get("data_interval_end"),
                            getattr(dag_run, "run_after", None) or context.get("logical_date"))
    schemas = [s for s in (params.get("schemas") or instance.schema_list)]
    unknown = sorted(set(schemas) - set(instance.schema_list)) if not instance.auto_schemas else []
    if unknown:
        raise ValueError(f"params.schemas {unknown} are not configured for instance '{instance.id}' "
                         f"(configured: {instance.schemas})")
    dimensions = [str(d).upper() for d in (params.get("dimensions") or DIMENSIONS)]
    if set(dimensions) - set(DIMENSIONS):
        raise ValueError(f"params.dimensions {sorted(set(dimensions) - set(DIMENSIONS))} are not dimensions "
                         f"(choose from {list(DIMENSIONS)})")
    return RunContext(project, instance, window, schemas, dimensions, str(context.get("run_id")),
                      f"themis__{instance.id}", open_store(store_settings(project)), context)


# ---------------------------------------------------------------------------------------- capture


def _capture_context(rc: RunContext) -> Any:
    from themis.capture.base import CaptureContext
    from themis.rules.catalog import load_catalog
    from themis.rules.engine import EffectiveRule

    def rule_params(rule_id: str) -> dict[str, Any] | None:
        rule = load_catalog().get(rc.instance.db_type, rule_id)
        if rule is None:
            return None
        effective = EffectiveRule.build(rule, rc.instance.rules.get(rule_id))
        return effective.params if effective.status == "ON" else None

    return CaptureContext(rc.instance, rc.schemas, rc.window, rc.store, rc.run_id, log=log.info,
                          rule_params=rule_params)


def is_past_window(window: CaptureWindow, run_type: Any, now: dt.datetime) -> bool:
    """Whether a capture audits a window that is not the current one, so a live object snapshot does
    not show the objects as they were then (capture_obj's ``live_snapshot_for_past_window``): every
    backfill run, and any run whose window ended more than one window length (at least an hour)
    before the capture, i.e. a later window of the same schedule has ended since.

    A scheduled run starts right after its window ends, so it is current even when it waits a while
    in a queue; an explicit past window in a manual run's conf is past."""
    if str(getattr(run_type, "value", run_type) or "") == "backfill":
        return True
    period = max(window.end - window.start, dt.timedelta(hours=1))
    return now - window.end > period


def capture_obj(instance_id: str) -> dict[str, Any]:
    """Snapshot the schema objects of the audited schemas (a live snapshot, whatever the window)."""
    from themis.capture import capture_for
    from themis.connections import fail_fast_on_auth

    with task_run(instance_id) as rc:
        started = time.monotonic()
        capture = capture_for(rc.instance.db_type)
        with fail_fast_on_auth(rc.instance.conn_id or "-"):
            captured = capture.objects(_capture_context(rc))
        meta = {"run_id": rc.run_id, **captured.meta}
        counts = {kind: rc.store.write(rc.key(kind), captured.records.get(kind, []), meta=meta)
                  for kind in capture.object_kinds}
        dag_run = rc.airflow_context.get("dag_run")
        past = is_past_window(rc.window, getattr(dag_run, "run_type", None), dt.datetime.now(dt.timezone.utc))
        if past:
            log.warning("capture_obj ran for past window %s: the object snapshot is live (taken now), "
                        "not as of the window", rc.window.key)
        log.info("capture_obj stored %s in %.1fs", counts, time.monotonic() - started)
        return rc.summary(counts=counts, **captured.meta, live_snapshot_for_past_window=past,
                          seconds=round(time.monotonic() - started, 3))


def ingest_slowlog(instance_id: str) -> dict[str, Any]:
    """Digest the window's slow log into per-fingerprint aggregates (pt-query-digest compatible).

    Writes partition ``slowlog.digest`` (one record per class, pt's --history naming) and, when the
    instance config asks for them, pt-compatible --history / --review tables; see
    ``themis.slowlog.ingest`` for why a retry or re-run never counts anything twice.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from themis.slowlog.ingest import DIGEST_KIND, ingest

    with task_run(instance_id) as rc:
        from themis.capture import capture_for

        if not capture_for(rc.instance.db_type).has_slowlog:
            raise AirflowSkipException(f"{rc.instance.db_type} has no slow log: capture_other reads the "
                                       "database's own statement statistics instead")
        source = rc.instance.slowlog
        if source is None or source.source == "none":
            rc.store.write(rc.key(DIGEST_KIND), [], meta={"run_id": rc.run_id, "source": "none"})
            return rc.summary(source="none", classes=0)
        summary = ingest(source, window=rc.window, instance_id=rc.instance.id, instance_conn_id=rc.instance.conn_id,
                         store=rc.store, run_id=rc.run_id, progress=lambda figures: log.info(
                             "ingest_slowlog: %.0f MB read, %s events", figures["input_bytes"] / 1e6,
                             figures["events_read"]))
        return rc.summary(**summary)


def capture_other(instance_id: str) -> dict[str, Any]:
    """The window's statements with their statistics and plans (MySQL: the slow-log digest's top
    statements and EXPLAIN; Oracle: AWR or the cursor cache)."""
    from themis.capture import capture_for
    from themis.connections import fail_fast_on_auth
    from themis.redact import redact_statement

    with task_run(instance_id) as rc:
        started = time.monotonic()
        capture = capture_for(rc.instance.db_type)
        with fail_fast_on_auth(rc.instance.conn_id or "-"):
            captured = capture.statements(_capture_context(rc))
        meta = {"run_id": rc.run_id, **captured.meta}
        records = {**captured.records, "sql.statement": [redact_statement(s) for s in
                                                         captured.records.get("sql.statement", [])]}
        counts = {kind: rc.store.write(rc.key(kind), records.get(kind, []), meta=meta)
                  for kind in capture.statement_kinds}
        log.info("capture_other stored %s in %.1fs", counts, time.monotonic() - started)
        return rc.summary(counts=counts, **captured.meta, seconds=round(time.monotonic() - started, 3))


# --------------------------------------------------------------------------------------- analyses


def analyze(instance_id: str, dimension: str) -> dict[str, Any]:
    """Run one dimension's rules on the stored snapshot and store the dimension result."""
    from airflow.sdk.exceptions import AirflowSkipException

    from themis.rules.catalog import load_catalog
    from themis.rules.engine import effective_rules, run_dimension
    from themis.rules.snapshot import Snapshot

    with task_run(instance_id) as rc:
        if dimension not in rc.dimensions:
            raise AirflowSkipException(f"{dimension} not selected for this run (params.dimensions = {rc.dimensions})")
        started = time.monotonic()
        from themis.capture import capture_for

        kinds = capture_for(rc.instance.db_type).kinds_for(dimension)
        records = {kind: rc.store.read_all(rc.key(kind)) for kind in kinds}
        if rc.schemas:  # a manual run may audit a subset of the captured schemas
            records = {kind: [r for r in rows if "schema" not in r or r["schema"] in rc.schemas]
                       if kind.startswith("obj.") else rows for kind, rows in records.items()}
        snapshot = Snapshot(rc.instance.db_type, records)
        rules = effective_rules(load_catalog(), rc.instance.db_type, dimension, rc.instance.rules)
        result = run_dimension(rules, snapshot, dimension, list(rc.instance.exclusions))
        result["run_id"] = rc.run_id
        rc.store.write(rc.key(f"findings.{dimension}"), [result], meta={"run_id": rc.run_id})
        findings = sum(r["findings_count"] for r in result["rules"])
        log.info("analyze %s: %s rules ran, %s findings, score %s", dimension, result["rules_ran"], findings, result["score"])
        # a rule whose input the audit user could not see is neither a pass nor silent: name it and why
        not_evaluated = {r["id"]: r["not_evaluated"] for r in result["rules"] if r["status"] == "not_evaluated"}
        for rule_id, why in not_evaluated.items():
            log.warning("analyze %s: %s not evaluated: %s; fix: %s", dimension, rule_id, why.get("reason"), why.get("fix"))
        return rc.summary(dimension=dimension, score=result["score"], findings=findings, rules_ran=result["rules_ran"],
                          rules_failed=result["rules_failed"], not_evaluated=not_evaluated,
                          seconds=round(time.monotonic() - started, 3))


# ------------------------------------------------------------------------------------------ export


CAPTURE_TASKS = ("capture_obj", "ingest_slowlog", "capture_other")


class CaptureFailed(AirflowFailException):
    """export's failure (no retry: the captures will not change) when a capture task of its run
    failed, raised after the report of what could be audited was written. The failed capture task
    already sent its own alert after its last try, so the failure callback sends none for this."""

    already_alerted = True


def _task_states(rc: RunContext, task_ids: list[str]) -> dict[str, str]:
    ti = rc.airflow_context.get("ti")
    try:
        states = ti.get_task_states(dag_id=rc.dag_id, run_ids=[rc.run_id], task_ids=task_ids)
        return {task: str(state) for task, state in (states.get(rc.run_id) or {}).items()}
    except Exception as exc:  # outside a worker (unit tests) there is no execution API
        log.info("task states unavailable (%s); judging analyses by their stored results", exc)
        return {}


def _analysis_states(rc: RunContext) -> dict[str, str]:
    return _task_states(rc, list(ANALYSIS_TASKS.values()))


def failed_captures(states: dict[str, str]) -> list[str]:
    """The capture tasks that failed in this run (upstream_failed: capture_other after ingest_slowlog)."""
    return [task for task in CAPTURE_TASKS if states.get(task) in ("failed", "upstream_failed")]


def build_report(rc: RunContext, states: dict[str, str]) -> dict[str, Any]:
    """This run's report: a dimension counts only if its analysis succeeded in this very run."""
    return run_report(rc.store, rc.instance, rc.window, rc.schemas, rc.run_id, rc.dimensions, states)


def export(instance_id: str) -> dict[str, Any]:
    """Render the scored report (HTML, JSON, CSV) from whatever the analyses produced in this run,
    send the change alerts, then fail the run (``CaptureFailed``, no retry) when a capture task
    failed: an audited server that is down fails its DAG, with the partial report written."""
    from themis.report.render import write_report

    with task_run(instance_id) as rc:
        report = build_report(rc, _analysis_states(rc))
        target = Path(reports_dir(rc.project))
        if not target.is_absolute():
            from themis.paths import PROJECT_ROOT

            target = PROJECT_ROOT / target
        paths = write_report(report, target)
        scores = {d["dimension"]: d["score"] for d in report["dimensions"]}
        changes = report["changes"]
        summary = rc.summary(overall_score=report["overall_score"], scores=scores,
                             missing=[d["dimension"] for d in report["dimensions"] if d["status"] != "ok"],
                             previous_window=changes["previous_window"], score_delta=changes["score_delta"],
                             changes=changes["counts"], **paths)
        rc.store.write(rc.key("report"), [summary], meta={"run_id": rc.run_id})
        log.info("report written: %s (overall score %s; since %s: %s)", paths.get("html"), report["overall_score"],
                 changes["previous_window"] or "-", changes["counts"])
        summary["alerts"] = send_change_alerts(rc.instance, report, summary, rc.airflow_context)
        failed = failed_captures(_task_states(rc, list(CAPTURE_TASKS)))
        if failed:
            raise CaptureFailed(f"capture failed in this run: {', '.join(failed)}; the report marks the "
                                "dimensions they feed as failed")
        return summary


def send_change_alerts(instance: InstanceConfig, report: dict[str, Any], summary: dict[str, Any],
                       context: Any = None) -> list[str]:
    """Alert when the window's report sets off ``score_below``, ``score_drop`` or ``new_findings``:
    one message through every configured channel. Returns the kinds that fired.

    A channel that fails fails the task (after the report is written and the others were tried), so
    an alert is never lost silently; a retry re-renders the report and alerts again.
    """
    from themis.notify import AlertNotifier, change_message, change_triggers
    from themis.report.links import report_url

    triggers = change_triggers(instance.alerting, report)
    if not triggers:
        return []
    url = report_url(instance.id, report["window"]["key"], instance.alerting.ui_base_url)
    subject, body = change_message(instance.id, report, summary, triggers, url)
    AlertNotifier.for_alerting(instance.id, instance.alerting).send(subject, body, context)
    return [t["kind"] for t in triggers]
