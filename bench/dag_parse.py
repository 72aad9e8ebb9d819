"""How long the DAG processor takes to parse dags/themis_audit.py with N instances configured.

Budget (issue #2): under 1 s for 200 instances. Printed next to a reference measured in the same
run: a hand-written DAG file with one DAG of eight @task tasks, parsed the same way, so the ratio
says what our factory costs per instance compared with writing the DAGs by hand.

    .venv/bin/python bench/dag_parse.py [--instances 1 50 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DAG = '''
import pendulum
from airflow.sdk import dag, task

@dag(dag_id="reference_{n}", schedule="0 2 * * *", start_date=pendulum.datetime(2026, 1, 1), catchup=False)
def reference():
    @task
    def a(): pass
    @task
    def b(): pass
    @task
    def c(): pass
    @task
    def d(): pass
    @task
    def e(): pass
    @task
    def f(): pass
    @task
    def g(): pass
    @task
    def h(): pass
    a() >> b() >> c() >> [d(), e(), f(), g()] >> h()

reference()
'''


def instances_config(count: int) -> dict:
    return {"defaults": {"schedule": "0 2 * * *", "timezone": "Asia/Shanghai"},
            "instances": [{"id": f"db{i:04d}", "db_type": "mysql", "conn_id": f"db{i:04d}", "schemas": ["app", "shop"],
                           "slowlog": {"source": "file", "paths": [f"/var/log/mysql/db{i:04d}-slow.log*"]},
                           "rules": {"TABLE_COLUMN_NUM": {"params": {"column_num": 30}}}} for i in range(count)]}


def time_parse(path: Path, repeat: int) -> float:
    from airflow.dag_processing.dagbag import DagBag

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        bag = DagBag(dag_folder=str(path))
        times.append(time.perf_counter() - started)
        assert not bag.import_errors, bag.import_errors
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="themis-bench-airflow-"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    import airflow.sdk  # noqa: F401  (import cost is the same for both and not what we measure)

    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        reference_file = scratch_path / "reference_dag.py"
        reference_file.write_text(REFERENCE_DAG.replace("{n}", "0"))
        reference = time_parse(reference_file, args.repeat)
        print(f"reference: one hand-written DAG with 8 tasks: {reference * 1000:.1f} ms")
        for count in args.instances:
            config = scratch_path / f"instances_{count}.yaml"
            config.write_text(yaml.safe_dump(instances_config(count)))
            os.environ["THEMIS_INSTANCES"] = str(config)
            elapsed = time_parse(ROOT / "dags" / "themis_audit.py", args.repeat)
            print(f"themis_audit.py with {count:4d} instances: {elapsed * 1000:7.1f} ms "
                  f"({elapsed / count * 1000:.2f} ms per instance; {elapsed / (reference * count):.2f}x the "
                  f"hand-written DAG per DAG){'  OVER BUDGET' if count >= 200 and elapsed > 1 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
