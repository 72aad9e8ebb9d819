"""How long the DAG processor takes to parse dags/themis_audit.py with N instances configured.

Budget (issue #2): under 1 s for 200 instances. Each parse runs in a fresh interpreter, as the DAG
processor parses each file in a new process, so our own imports (pydantic config, rule catalogue)
count; importing Airflow itself does not (it is the same for every DAG file). Printed next to a
reference measured in the same run: a hand-written DAG file with one DAG of eight @task tasks,
parsed the same way, so the ratio says what the factory costs per DAG against writing DAGs by hand.

    .venv/bin/python bench/dag_parse.py [--instances 1 50 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DAG = '''
import pendulum
from airflow.sdk import dag, task

@dag(dag_id="reference", schedule="0 2 * * *", start_date=pendulum.datetime(2026, 1, 1), catchup=False)
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


def child(path: str) -> None:
    """Parse one DAG file in this fresh interpreter and print the milliseconds it took."""
    import airflow.sdk  # noqa: F401  (not measured: the same for every DAG file)
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=path)
    elapsed = time.perf_counter() - started
    assert not bag.import_errors and bag.dags, bag.import_errors
    print(f"{elapsed * 1000:.3f}")


def parse_ms(path: Path, repeat: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--child", str(path)], env=env, capture_output=True,
                             text=True, check=True).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 50, 200])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        scratch_path = Path(scratch)
        env = {**os.environ, "AIRFLOW_HOME": str(scratch_path / "airflow"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
        reference_file = scratch_path / "reference_dag.py"
        reference_file.write_text(REFERENCE_DAG)
        reference = parse_ms(reference_file, args.repeat, env)
        print(f"reference: one hand-written DAG with 8 @task tasks: {reference:.1f} ms (fresh interpreter)")
        for count in args.instances:
            config = scratch_path / f"instances_{count}.yaml"
            config.write_text(yaml.safe_dump(instances_config(count)))
            elapsed = parse_ms(ROOT / "dags" / "themis_audit.py", args.repeat, {**env, "THEMIS_INSTANCES": str(config)})
            print(f"themis_audit.py with {count:4d} instances: {elapsed:7.1f} ms ({elapsed / count:.2f} ms per "
                  f"instance; {elapsed / (reference * count):.2f}x the hand-written DAG per DAG)"
                  f"{'  OVER BUDGET' if count >= 200 and elapsed > 1000 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
