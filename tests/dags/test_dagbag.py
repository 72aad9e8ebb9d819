"""The DAG folder as Airflow's DAG processor sees it: no import errors, one DAG per instance."""

from __future__ import annotations

import datetime as dt

import yaml


TASKS = {"capture_obj", "ingest_slowlog", "capture_other", "analyze_obj", "analyze_text", "analyze_plan",
         "analyze_stat", "export"}
UPSTREAM = {
    "capture_obj": set(), "ingest_slowlog": set(), "capture_other": {"ingest_slowlog"},
    "analyze_obj": {"capture_obj"}, "analyze_text": {"capture_other"}, "analyze_plan": {"capture_obj", "capture_other"},
    "analyze_stat": {"capture_other"}, "export": {"analyze_obj", "analyze_text", "analyze_plan", "analyze_stat"},
}


def _write_config(tmp_path, instances, defaults=None):
    path = tmp_path / "instances.yaml"
    path.write_text(yaml.safe_dump({"defaults": defaults or {}, "instances": instances}))
    return path


def _mysql(instance_id, **extra):
    return {"id": instance_id, "db_type": "mysql", "conn_id": f"c_{instance_id}", "schemas": ["app"],
            "slowlog": {"source": "file", "paths": ["/var/log/mysql/slow.log"]}, **extra}


def test_sample_config_yields_one_dag_per_instance(load_dagbag):
    from themis.config import load_config

    bag = load_dagbag()
    assert bag.import_errors == {}
    expected = {instance.dag_id for instance in load_config().instances}
    assert set(bag.dags) == expected


def test_every_dag_has_the_eight_tasks_dependencies_retries_and_docs(load_dagbag):
    bag = load_dagbag()
    assert bag.dags
    for dag in bag.dags.values():
        assert {t.task_id for t in dag.tasks} == TASKS
        for task in dag.tasks:
            assert task.upstream_task_ids == UPSTREAM[task.task_id], task.task_id
            assert task.retries >= 2
            assert task.retry_exponential_backoff > 0
            assert task.doc_md
        assert dag.get_task("export").trigger_rule == "all_done"
        assert dag.get_task("capture_other").trigger_rule == "none_failed"
        assert dag.doc_md and "themis" in dag.tags and dag.dag_id.removeprefix("themis__") in dag.tags
        assert set(dag.params.keys()) == {"schemas", "dimensions"}


def test_instances_get_their_own_schedule_retries_and_tags(tmp_path, load_dagbag):
    config = _write_config(tmp_path, [
        _mysql("alpha", schedule="30 1 * * *", timezone="Asia/Shanghai", retry={"retries": 5}),
        _mysql("beta", schedule=None, catchup=True, tags=["payments"]),
    ], defaults={"retry": {"retries": 3, "retry_delay_seconds": 30}})
    bag = load_dagbag(config)
    assert bag.import_errors == {}
    alpha, beta = bag.dags["themis__alpha"], bag.dags["themis__beta"]
    assert alpha.get_task("capture_obj").retries == 5
    assert alpha.get_task("capture_obj").retry_delay == dt.timedelta(seconds=30)
    assert beta.get_task("export").retries == 3
    assert "30 1 * * *" in repr(alpha.timetable) and "Asia/Shanghai" in repr(alpha.timetable)
    assert type(beta.timetable).__name__ == "NullTimetable"
    assert beta.catchup is True and "payments" in beta.tags and "mysql" in beta.tags


def test_one_bad_instance_leaves_the_others_dags_and_is_an_import_error(tmp_path, load_dagbag):
    config = _write_config(tmp_path, [_mysql("alpha"), _mysql("broken", colour="blue"), _mysql("beta")])
    bag = load_dagbag(config)
    assert set(bag.dags) == {"themis__alpha", "themis__beta"}
    ((path, message),) = bag.import_errors.items()
    # Not the audit DAGs' file: Airflow marks every DAG of a file with an import error stale.
    assert path.endswith("themis_invalid_instances.py")
    assert f"{config}: instance 'broken': key 'colour': unknown key" in message


def test_a_whole_file_problem_is_one_import_error_of_the_audit_file(tmp_path, load_dagbag):
    config = _write_config(tmp_path, [_mysql("good"), _mysql("good", schedule="every day")])
    bag = load_dagbag(config)
    assert bag.dags == {}
    ((path, message),) = bag.import_errors.items()
    assert path.endswith("themis_audit.py")
    assert "instance 'good'" in message and "key 'id': duplicate instance id" in message
