"""Airflow plugin: Themis inside the Airflow UI (pages under /themis, a "Themis" nav entry, a tab on
Themis DAGs and DAG runs, and the "Report" extra link on each export task).

This is the one file under plugins/ that Airflow's plugin loader imports (plugins/.airflowignore keeps
it out of the themis package). Workers load plugins too, for every task: the FastAPI app (and
Airflow's API security module, about a second to import) is built only when the API server first
reads ``fastapi_apps``.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from themis.ui.links import ThemisReportLink


class _AppsOnFirstUse:
    """``fastapi_apps`` as a class attribute that builds the app when first read, then stays."""

    def __get__(self, instance: object, owner: type) -> list[dict]:
        from themis.ui.app import create_app

        apps = [{"app": create_app(), "url_prefix": "/themis", "name": "Themis"}]
        owner.fastapi_apps = apps  # replaces this descriptor
        return apps


class ThemisPlugin(AirflowPlugin):
    name = "themis"
    fastapi_apps = _AppsOnFirstUse()  # type: ignore[assignment]
    # Relative hrefs: resolved against the UI's base href, so they honour [api] base_url's path.
    external_views = [
        {"name": "Themis", "href": "themis/", "destination": "nav", "url_route": "themis",
         "nav_top_level": True},
        {"name": "Themis audits", "href": "themis/dag/{DAG_ID}", "destination": "dag", "url_route": "themis-audits"},
        {"name": "Themis report", "href": "themis/run/{DAG_ID}/{RUN_ID}", "destination": "dag_run",
         "url_route": "themis-report"},
    ]
    operator_extra_links = [ThemisReportLink()]
