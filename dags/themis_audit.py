"""Themis audit DAGs for Airflow: one DAG per instance in the instance config (``THEMIS_INSTANCES``).

Kept thin on purpose: read the config (validated here, without touching any database), then let
the factory build each valid instance's DAG. An invalid instance is left out and reported by
dags/themis_invalid_instances.py as that file's import error, so the other instances keep their
DAGs; a problem with the whole file (YAML, store, duplicate id) is this file's import error.
(Airflow's safe-mode parser only opens files that mention "airflow" and "dag", as this docstring
does.)

A worker that runs a task parses this file for that task's DAG only (Airflow's parsing context
names it), so starting a task costs one DAG, not one per instance.
"""

from airflow.sdk import get_parsing_context

from themis.config import load_config
from themis.dag_factory import build_dags

globals().update(build_dags(load_config(), only=get_parsing_context().dag_id))
