"""Themis audit DAGs for Airflow: one DAG per instance in the instance config (``THEMIS_INSTANCES``).

Kept thin on purpose: read the config (validated here, without touching any database), then let
the factory build each instance's DAG. A bad config shows up as this file's import error, with
the message naming the instance and key. (Airflow's safe-mode parser only opens files that mention
"airflow" and "dag", as this docstring does.)
"""

from themis.config import load_config
from themis.dag_factory import build_dags

globals().update(build_dags(load_config()))
