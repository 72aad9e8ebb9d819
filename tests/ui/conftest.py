"""One Airflow for all UI tests: FAB auth manager, the Themis DAGs of a three-instance config
(fleet, billing, ora), users admin and bob (reads themis__fleet only), a store with 6 sample audits
per instance, and the real app built by ``create_app()`` (about 10 s, once per session)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.ui import airflow_server as srv


class _Environment:
    """The UI tests' environment, set only while a UI test (or the app's setup) runs: the session's
    other tests must keep their own THEMIS_INSTANCES, store and auth manager."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.saved: dict[str, str | None] = {}

    def __enter__(self) -> None:
        self.saved = {name: os.environ.get(name) for name in self.env}
        os.environ.update(self.env)

    def __exit__(self, *exc: object) -> None:
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def ui_airflow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("themis-ui")
    config, store = srv.write_config(folder)
    env = srv.airflow_env(Path(os.environ["AIRFLOW_HOME"]), config, store)
    with _Environment(env):
        srv.prepare_database(env)
        from airflow.api_fastapi.app import create_app, get_auth_manager

        app = create_app()
        srv.create_users(get_auth_manager())
    yield {"app": app, "env": env, "config": config, "store": store, "folder": folder}


@pytest.fixture(autouse=True)
def _ui_environment(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each UI test runs with the UI's environment, restored afterwards."""
    if "ui_airflow" not in request.fixturenames:
        yield
        return
    with _Environment(request.getfixturevalue("ui_airflow")["env"]):
        yield


@pytest.fixture(scope="module")
def client(ui_airflow: dict[str, Any]) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    yield TestClient(ui_airflow["app"])  # no lifespan: the pages need none


@pytest.fixture(scope="module")
def tokens(client: Any, ui_airflow: dict[str, Any]) -> dict[str, str]:
    out = {}
    with _Environment(ui_airflow["env"]):  # module fixtures run before the per-test environment
        for user in ("admin", "bob"):
            response = client.post("/auth/token", json={"username": user, "password": user})
            assert response.status_code == 201, response.text
            out[user] = response.json()["access_token"]
    return out
