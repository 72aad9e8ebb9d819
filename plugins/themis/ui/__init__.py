"""Themis inside the Airflow UI: a FastAPI app mounted by the plugin under ``/themis``.

* ``app.create_app()`` builds the app (every route needs an authenticated Airflow user; each page
  checks read access to the instance's DAG through Airflow's auth manager, see ``access``).
* ``data`` turns what the store holds into page data (no Airflow, no HTTP: unit-testable and
  benchmarked in ``bench/ui_fleet.py``); ``charts`` draws the inline SVG; ``runs`` reads the DAG
  runs' states from Airflow's metadata database; ``links`` is the "Report" extra link.

The pages read the store only (SQLite locally, Mongo in production), never a worker's disk.
The plugin entry Airflow loads is ``plugins/themis_ui_plugin.py``.
"""
