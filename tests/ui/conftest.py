"""One Airflow for all UI tests: FAB auth manager, the Themis DAGs of a three-instance config
(fleet, billing, ora), users admin and bob (reads themis__fleet only), a store with 6 sample audits
per instance, and the real app built by ``create_app()`` (about 10 s, once per session)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.ui import airflow_server as srv


@pytest.fixture(scope="session")
def ui_airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("themis-ui")
    config, store = srv.write_config(folder)
    env = srv.airflow_env(Path(os.environ["AIRFLOW_HOME"]), config, store)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        srv.prepare_database(env)
        from airflow.api_fastapi.app import create_app, get_auth_manager

        app = create_app()
        srv.create_users(get_auth_manager())
        yield {"app": app, "env": env, "config": config, "store": store, "folder": folder}
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def client(ui_airflow: dict[str, Any]) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    yield TestClient(ui_airflow["app"])  # no lifespan: the pages need none


@pytest.fixture(scope="module")
def tokens(client: Any) -> dict[str, str]:
    out = {}
    for user in ("admin", "bob"):
        response = client.post("/auth/token", json={"username": user, "password": user})
        assert response.status_code == 201, response.text
        out[user] = response.json()["access_token"]
    return out
