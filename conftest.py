"""Test-session environment, set before anything imports Airflow (Airflow reads its config on import).

Every test session gets its own AIRFLOW_HOME (SQLite metadata DB, migrated on demand by the DAG
tests) so tests never touch a developer's Airflow, and the project's own settings that could leak
in from the shell are cleared.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
_HOME = tempfile.mkdtemp(prefix="themis-test-airflow-")

os.environ.update({
    "AIRFLOW_HOME": _HOME,
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
})
for _name in ("THEMIS_INSTANCES", "THEMIS_STORE", "THEMIS_STORE_PATH", "THEMIS_REPORTS_DIR", "THEMIS_INCLUDE_DIR"):
    os.environ.pop(_name, None)


def pytest_unconfigure(config) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)
