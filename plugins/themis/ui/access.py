"""Who may see what: Airflow's auth manager decides, per instance DAG (``themis__<id>``).

A plugin's FastAPI app inherits no authentication from Airflow (a Starlette mount carries none of
the core routers' dependencies), so ``app.create_app`` puts ``get_user`` on every route (anonymous:
401) and every page that shows an instance calls :func:`require_instance` (no read access to its DAG:
403). Pages over several instances (Fleet, Rules) list only :func:`readable_dag_ids`. Findings can
hold SQL text, so read access to the DAG is the bar, as for its task logs and XComs.

``get_auth_manager()`` is used rather than Airflow's ``AuthManagerDep``: that dependency reads
``request.app.state``, and inside a mounted plugin ``request.app`` is the plugin's app.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

from themis.config import InstanceConfig, ProjectConfig


def _auth_manager() -> Any:
    from airflow.api_fastapi.app import get_auth_manager

    return get_auth_manager()


def may_read_dag(user: Any, dag_id: str) -> bool:
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails

    return bool(_auth_manager().is_authorized_dag(method="GET", details=DagDetails(id=dag_id), user=user))


def readable_dag_ids(user: Any) -> set[str]:
    return set(_auth_manager().get_authorized_dag_ids(user=user, method="GET"))


def readable_instances(project: ProjectConfig, user: Any) -> list[InstanceConfig]:
    """The configured instances whose DAG the user may read."""
    allowed = readable_dag_ids(user)
    return [i for i in project.instances if i.dag_id in allowed]


def require_instance(project: ProjectConfig, user: Any, instance_id: str) -> InstanceConfig:
    """The instance, if the user may read its DAG: 403 otherwise (checked first, so that a refused
    user learns nothing about which instances exist), 404 when it is not configured."""
    dag_id = f"themis__{instance_id}"
    if not may_read_dag(user, dag_id):
        raise HTTPException(403, f"Forbidden: you may not read the DAG {dag_id}, so not its audits either.")
    instance = next((i for i in project.instances if i.id == instance_id), None)
    if instance is None:
        invalid = any(f"instance '{instance_id}'" in problem for problem in project.errors)
        raise HTTPException(404, f"No instance '{instance_id}' in the instance config"
                                 + (" (it is there but invalid; see `themis config validate`)." if invalid else "."))
    return instance
