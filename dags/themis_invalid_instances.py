"""Airflow import errors for invalid Themis instances, kept apart from the audit DAGs' file.

Airflow records import errors per file, and a file with an import error has all its DAGs marked
stale, so dags/themis_audit.py builds the valid instances' DAGs and this file raises the others'
problems (file, instance and key, one line each). A problem with the whole instances file fails
dags/themis_audit.py itself; it is not repeated here.
"""

from themis.config import ConfigError, load_config

try:
    _errors = load_config().errors
except ConfigError:
    _errors = ()  # a whole-file problem: the import error of dags/themis_audit.py names it

if _errors:
    raise ConfigError(f"{len(_errors)} instance(s) left out, their DAGs are not built (the others are):", *_errors)
