"""The "Report" extra link on a Themis DAG's ``export`` task: that run's report in the Themis UI.

Registered by the plugin through ``operator_extra_links`` for ``PythonOperator`` (what the DAG
factory builds), so the API server works it out when the UI asks: no XCom, nothing for the worker
to do. Other tasks and other DAGs' PythonOperators get an empty link, which the UI leaves out.

The link is ``<[api] base_url>/themis/run/<dag id>/<run id>``, each part percent-quoted (run ids
hold ``+`` and ``:``); the plugin answers it with a redirect to ``/themis/report/<instance>/<window>``,
the window the run audited (from the store), or a 404 saying the run's export has not stored one.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk.bases.operatorlink import BaseOperatorLink

from themis.report.links import UI_PREFIX, airflow_base_url

DAG_PREFIX = "themis__"
LINKED_TASKS = frozenset({"export"})


def run_report_path(dag_id: str, run_id: str) -> str:
    return f"{UI_PREFIX}/run/{quote(dag_id, safe='')}/{quote(run_id, safe='')}"


class ThemisReportLink(BaseOperatorLink):
    name = "Report"
    operators: ClassVar[list[type[Any]]] = [PythonOperator]

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        if not ti_key.dag_id.startswith(DAG_PREFIX) or ti_key.task_id not in LINKED_TASKS:
            return ""
        return airflow_base_url() + run_report_path(ti_key.dag_id, ti_key.run_id)
