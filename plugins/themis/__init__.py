"""Themis on Airflow: database audit (objects, SQL text, plans, statistics) as Airflow DAGs.

The package is importable both as an Airflow plugin folder (``plugins/`` is on ``sys.path``)
and as an installed distribution (``pip install -e .``), which also provides the ``themis`` command.
"""

__version__ = "0.1.0"
