"""Build one Airflow DAG per configured instance: tasks, dependencies, retries, callbacks, params, docs.

Parse-time cost matters (the DAG processor re-parses the file continuously and a deployment may
have hundreds of instances), so this module builds operators only: no database, network or rule
catalogue access, and the task bodies import their heavy dependencies when they run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, CronDataIntervalTimetable, Param, TriggerRule

from themis import tasks as runtime
from themis.capture import capture_docs
from themis.config import DIMENSIONS, InstanceConfig, ProjectConfig
from themis.notify import AlertNotifier

DAG_DOC = """\
### Themis audit of `{id}` ({db_type})

{description}

Audits schemas **{schemas}** on four dimensions — schema objects (OBJ), SQL text (TEXT), execution
plans (SQLPLAN) and execution statistics (SQLSTAT) — against the rule catalogue in `include/rules`,
and exports a scored HTML/JSON report. The run's data interval is the capture window: backfilling a
past date re-ingests that window's slow log (the object snapshot is always taken live).

Source: {source}. Manual runs accept the params `schemas` and `dimensions`,
and an explicit window in the run conf: `{{"window_start": "2026-11-21T00:00:00Z", "window_end": "2026-11-22T00:00:00Z"}}`.
"""

TASK_DOCS = {
    "analyze_obj": "Runs the OBJ rules on the stored object snapshot and stores the findings and score.",
    "analyze_text": "Runs the TEXT rules on the statements' SQL (sqlglot syntax trees).",
    "analyze_plan": "Runs the SQLPLAN rules on the stored, normalised execution plans.",
    "analyze_stat": "Runs the SQLSTAT rules on the statements' execution statistics.",
    "export": "Renders the scored report (HTML, JSON, CSV) under the reports folder; runs even when an "
              "analysis failed and marks that dimension as missing. Alerts when the score is below the "
              "instance's threshold.",
}


def default_args(instance: InstanceConfig) -> dict[str, Any]:
    retry = instance.retry
    return {
        "owner": "themis",
        "retries": retry.retries,
        "retry_delay": dt.timedelta(seconds=retry.retry_delay_seconds),
        "retry_exponential_backoff": retry.exponential_backoff,
        "max_retry_delay": dt.timedelta(seconds=retry.max_retry_delay_seconds),
        "on_failure_callback": AlertNotifier.for_alerting(instance.id, instance.alerting),
    }


def schedule_for(instance: InstanceConfig) -> Any:
    """A cron schedule whose data interval is the previous period: that interval is the capture window."""
    if instance.schedule is None:
        return None
    return CronDataIntervalTimetable(instance.schedule, timezone=instance.timezone)


def run_params(instance: InstanceConfig) -> dict[str, Param]:
    """The trigger form: which schemas and dimensions to audit (values are checked when the run starts).

    Kept small on purpose: Airflow validates every param's JSON schema per DAG and deep-copies the
    params into every task at parse time, which dominated parse time with hundreds of instances;
    enums in the schema cost a third more. An explicit capture window goes in the run conf
    (``window_start``/``window_end``) instead.
    """
    return {
        "schemas": Param(instance.schema_list, type="array",
                         description=f"Schemas to audit, a subset of: {', '.join(instance.schema_list)}."
                         if instance.schema_list else "Schemas to audit (empty: chosen at capture time)."),
        "dimensions": Param(list(DIMENSIONS), type="array",
                            description=f"Dimensions to analyse, a subset of: {', '.join(DIMENSIONS)}; "
                                        "the others are skipped."),
    }


def _source(instance: InstanceConfig) -> str:
    if instance.export is not None:
        return f"dictionary export `{instance.export.path}`"
    return f"Airflow connection `{instance.conn_id}`"


def build_dag(instance: InstanceConfig) -> DAG:
    docs = {**capture_docs(instance.db_type), **TASK_DOCS}
    start = pendulum.parse(instance.start_date, tz=instance.timezone)
    with DAG(
        dag_id=instance.dag_id,
        description=f"Themis audit of {instance.id} ({instance.db_type})",
        schedule=schedule_for(instance),
        start_date=start,
        catchup=instance.catchup,
        max_active_runs=instance.max_active_runs,
        default_args=default_args(instance),
        params=run_params(instance),
        tags=sorted({"themis", instance.db_type, instance.id, *instance.tags}),
        doc_md=DAG_DOC.format(id=instance.id, db_type=instance.db_type, description=instance.description,
                              schemas=", ".join(instance.schema_list) or "chosen at capture time",
                              source=_source(instance)),
        dagrun_timeout=dt.timedelta(hours=12),
    ) as dag:
        def step(task_id: str, callable_: Any, *args: Any, **kwargs: Any) -> PythonOperator:
            # Plain PythonOperator rather than @task: same runtime, half the parse cost per task.
            return PythonOperator(task_id=task_id, python_callable=callable_, op_args=[instance.id, *args],
                                  doc_md=docs[task_id], **kwargs)

        # the tasks that read the audited server share its pool (if configured)
        server = {"pool": instance.pool} if instance.pool else {}
        capture_obj = step("capture_obj", runtime.capture_obj, **server)
        ingest = step("ingest_slowlog", runtime.ingest_slowlog, **server)
        # NONE_FAILED: Oracle skips ingest_slowlog and capture_other must still run.
        capture_other = step("capture_other", runtime.capture_other, trigger_rule=TriggerRule.NONE_FAILED, **server)
        analyze_obj = step("analyze_obj", runtime.analyze, "OBJ")
        analyze_text = step("analyze_text", runtime.analyze, "TEXT")
        analyze_plan = step("analyze_plan", runtime.analyze, "SQLPLAN")
        analyze_stat = step("analyze_stat", runtime.analyze, "SQLSTAT")
        export = step("export", runtime.export, trigger_rule=TriggerRule.ALL_DONE)

        capture_obj >> [analyze_obj, analyze_plan]  # Oracle's plan rules compare plan lines with object sizes
        ingest >> capture_other >> [analyze_text, analyze_plan, analyze_stat]
        [analyze_obj, analyze_text, analyze_plan, analyze_stat] >> export
    return dag


def build_dags(project: ProjectConfig, only: str | None = None) -> dict[str, DAG]:
    """Every instance's DAG, or only the DAG ``only`` (a worker running one of its tasks needs no other)."""
    return {instance.dag_id: build_dag(instance) for instance in project.instances
            if only is None or instance.dag_id == only}


def capture_pools(project: ProjectConfig) -> dict[str, int]:
    """The Airflow pools the instances' capture tasks use, with their slots (``max_concurrent_captures``,
    default 1); instances naming one pool with different slot counts are a configuration error."""
    pools: dict[str, int] = {}
    for instance in project.instances:
        if instance.pool is None:
            continue
        slots = instance.max_concurrent_captures or 1
        if pools.setdefault(instance.pool, slots) != slots:
            raise ValueError(f"pool '{instance.pool}': instance '{instance.id}' sets max_concurrent_captures "
                             f"{slots}, another instance {pools[instance.pool]}")
    return pools
