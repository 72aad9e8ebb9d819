"""Airflow for the DAG tests: an isolated AIRFLOW_HOME with a migrated SQLite metadata database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAGS = PROJECT_ROOT / "dags"


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """Migrate a fresh metadata DB once per session (about 3 s); dag.test() needs it."""
    home = Path(os.environ["AIRFLOW_HOME"])
    # Always migrate: importing Airflow elsewhere in the session may already have created an empty
    # airflow.db, so the file's existence says nothing about its tables.
    airflow = Path(sys.executable).with_name("airflow")
    result = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return home


def _load_dagbag(config_path: Path | None = None):
    """Parse the real DAG folder, as the DAG processor does, with the given instance config."""
    from airflow.dag_processing.dagbag import DagBag

    previous = os.environ.get("THEMIS_INSTANCES")
    if config_path is not None:
        os.environ["THEMIS_INSTANCES"] = str(config_path)
    try:
        return DagBag(dag_folder=str(DAGS))
    finally:
        if config_path is not None:
            if previous is None:
                os.environ.pop("THEMIS_INSTANCES", None)
            else:
                os.environ["THEMIS_INSTANCES"] = previous


@pytest.fixture
def load_dagbag():
    return _load_dagbag
