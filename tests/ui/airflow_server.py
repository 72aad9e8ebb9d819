"""An Airflow with the FAB auth manager, Themis DAGs, users and a seeded store, for the UI tests and
``bench/ui_pages.py``: the in-process app (``create_app()``, for FastAPI's TestClient) and a real
``airflow api-server`` on loopback (for Chromium), plus a headless Chromium driver.

Users: ``admin`` (Admin) and ``bob`` (role ``fleet_reader``: may read ``themis__fleet`` only, plus what
a Viewer reads besides DAGs, and the plugins list so the nav entry shows). Passwords = user names.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AIRFLOW = Path(sys.executable).with_name("airflow")
FAB = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
JWT_SECRET = "themis-ui-tests-" + "0123456789abcdef" * 4
READER_ROLE = "fleet_reader"
#: What the stock Viewer role reads, without "DAGs" (which would mean every DAG), plus "Plugins".
VIEWER_READS = ["Asset Aliases", "Assets", "Backfills", "Cluster Activity", "DAG Code", "DAG Dependencies",
                "DAG Runs", "DAG Versions", "DAG Warnings", "HITL Detail", "ImportError", "Jobs", "Pools",
                "SLA Misses", "Task Instances", "Task Logs", "Website", "XComs", "Plugins"]
VIEWER_MENUS = ["Assets", "Browse", "Cluster Activity", "DAG Dependencies", "DAG Runs", "DAGs", "Docs",
                "Documentation", "Jobs", "SLA Misses", "Task Instances"]

INSTANCES_YAML = """\
store: {backend: local, path: STORE}
instances:
  - {id: fleet, db_type: mysql, conn_id: themis_fleet, schemas: [shop], tags: [prod], description: The shop}
  - {id: billing, db_type: mysql, conn_id: themis_billing, schemas: [bill], tags: [prod, finance]}
  - {id: ora, db_type: oracle, conn_id: themis_ora, schemas: [HR], tags: [hr], schedule: null}
"""


def airflow_env(home: Path, instances: Path, store: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__AUTH_MANAGER": FAB,
        "AIRFLOW__API_AUTH__JWT_SECRET": JWT_SECRET,
        "AIRFLOW__API__SECRET_KEY": JWT_SECRET,
        "AIRFLOW__FAB__CACHE_TTL": "1",
        "THEMIS_INSTANCES": str(instances),
        "THEMIS_STORE": json.dumps({"backend": "local", "path": str(store)}),
    }


def write_config(folder: Path, windows: int = 6, yaml_text: str = INSTANCES_YAML) -> tuple[Path, Path]:
    """The instance config (default: the three above) and a store with ``windows`` sample audits of
    each; (config, store)."""
    from themis.config import load_config
    from themis.store.local import LocalStore
    from themis.ui import sample

    folder.mkdir(parents=True, exist_ok=True)
    store_path = folder / "store.sqlite3"
    config = folder / "instances.yaml"
    config.write_text(yaml_text.replace("STORE", str(store_path)))
    import datetime as dt

    end = dt.datetime(2026, 12, 1, 2, tzinfo=dt.timezone.utc)
    with LocalStore(store_path) as store:
        for instance in load_config(config).instances:
            sample.write_history(store, instance.id, instance.db_type, windows, end=end)
    return config, store_path


def run_airflow(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([str(AIRFLOW), *args], env={**os.environ, **env}, capture_output=True, text=True,
                            cwd=PROJECT_ROOT)
    if result.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def prepare_database(env: dict[str, str]) -> None:
    """Migrate (FAB tables too) and serialize the Themis DAGs of the config into the metadata DB."""
    run_airflow(["db", "migrate"], env)
    run_airflow(["dags", "reserialize"], env)


def create_users(auth_manager: Any) -> None:
    """admin (Admin) and bob (fleet_reader: themis__fleet only), through FAB's security manager."""
    sm = auth_manager.security_manager
    with auth_manager.flask_app.app_context():
        sm.create_dag_specific_permissions()
        role = sm.find_role(READER_ROLE) or sm.add_role(READER_ROLE)
        for resource in [*VIEWER_READS, "DAG:themis__fleet"]:
            sm.add_permission_to_role(role, sm.create_permission("can_read", resource))
        for resource in VIEWER_MENUS:
            sm.add_permission_to_role(role, sm.create_permission("menu_access", resource))
        for name, user_role in (("admin", sm.find_role("Admin")), ("bob", role)):
            if sm.find_user(username=name) is None:
                sm.add_user(name, name.title(), "Test", f"{name}@example.com", user_role, password=name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def api_server(env: dict[str, str], log_path: Path, timeout: float = 90.0) -> Iterator[str]:
    """``airflow api-server`` on 127.0.0.1 (one worker) until the block ends; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    full_env = {**os.environ, **env, "AIRFLOW__API__HOST": "127.0.0.1", "AIRFLOW__API__PORT": str(port),
                "AIRFLOW__API__WORKERS": "1", "AIRFLOW__API__BASE_URL": base}
    with log_path.open("ab") as log:
        process = subprocess.Popen([str(AIRFLOW), "api-server", "--port", str(port), "--workers", "1"], env=full_env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"api-server exited with {process.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"api-server not ready after {timeout:.0f}s; see {log_path}") from None
                time.sleep(0.3)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def token(base: str, user: str) -> str:
    request = urllib.request.Request(f"{base}/auth/token", data=json.dumps({"username": user, "password": user}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def chromium(width: int = 1400, height: int = 900) -> Any:
    """Headless Debian Chromium through chromedriver (both from apt), with the browser console logged."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--no-first-run", "--disable-extensions", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


#: Console messages a normal Airflow UI session produces that say nothing about Themis (probed):
#: the SPA's first calls before the token is read, and core's iframe sandbox warning.
KNOWN_NOISE = ("Failed to load resource: the server responded with a status of 401",
               "allow-scripts and allow-same-origin", "reading 'tz'", "favicon.ico")


def console_errors(driver: Any) -> list[str]:
    """SEVERE browser-console entries, less the known noise."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry.get("level") == "SEVERE" and not any(noise in entry["message"] for noise in KNOWN_NOISE)]


def log_in(driver: Any, base: str, user: str) -> None:
    """Set the UI's ``_token`` cookie (what the login form would set) for ``base``."""
    driver.get(f"{base}/api/v2/monitor/health")
    driver.add_cookie({"name": "_token", "value": token(base, user), "path": "/"})
