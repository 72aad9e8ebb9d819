"""docker/stack.env (make stack) and docker-compose.yaml describe one deployment: the same variable
names, and the same values wherever the value does not name a host, a port or a folder."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from themis.stack import ENV_FILE, read_env_file, resolve

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}")
#: values that name where things are (files, the store) and so differ by design
LOCATIONS = {"THEMIS_INSTANCES", "THEMIS_STORE", "THEMIS_REPORTS_DIR", "THEMIS_DEMO_SLOWLOG"}


def compose_env() -> dict[str, str]:
    env = dict(COMPOSE["x-airflow-common"]["environment"])
    worker = COMPOSE["services"]["airflow-worker"]["environment"]
    env.update({k: v for k, v in worker.items() if k not in ("DUMB_INIT_SETSID",)})  # container-only
    return {k: str(v) for k, v in env.items()}


def sections() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for section, key, value in read_env_file(ENV_FILE):
        found.setdefault(section, {})[key] = value
    return found


def test_stack_env_has_exactly_composes_variables():
    assert set(sections()["compose"]) == set(compose_env())


def test_machine_section_sets_nothing_compose_sets():
    assert not set(sections()["stack"]) & set(compose_env())
    assert not set(sections()["dotenv"]) & set(compose_env())


def test_dotenv_names_are_the_ones_compose_reads():
    dotenv_example = {line.split("=", 1)[0] for line in (ROOT / "docker" / ".env.example").read_text().splitlines()
                      if "=" in line and not line.startswith("#")}
    assert set(sections()["dotenv"]) <= dotenv_example


def test_values_agree_except_hosts_ports_and_folders():
    stack = sections()["compose"]
    for key, compose_value in compose_env().items():
        if key in LOCATIONS:
            continue
        value = stack[key]
        # the same .env variables feed both (ports and folders of this machine aside)
        used = {v for v in VAR.findall(value) if not v.startswith("STACK_") and not v.endswith("_PORT")}
        assert used == {v for v in VAR.findall(compose_value) if not v.endswith("_PORT")}, key
        if "://" in compose_value:
            ours, theirs = urlsplit(VAR.sub("X", value)), urlsplit(VAR.sub("X", compose_value))
            assert (ours.scheme, ours.username, ours.path, ours.query) == \
                   (theirs.scheme, theirs.username, theirs.path, theirs.query), key
        else:
            assert VAR.sub("X", value) == VAR.sub("X", compose_value), key


def test_env_file_resolves_without_the_environment(tmp_path):
    settings = resolve(read_env_file(ENV_FILE), {}, {"STACK_DIR": str(tmp_path), "PROJECT_ROOT": str(ROOT)})
    assert settings["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://airflow:")
    assert settings["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8080/execution/"
    assert settings["AIRFLOW_HOME"] == f"{tmp_path}/airflow"
    assert not [k for k, v in settings.items() if "${" in v]
