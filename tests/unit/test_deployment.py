"""The deployment files: Dockerfile, docker-compose.yaml, docker/ and their agreement with the pins.

No Docker engine is needed. The compose file is read with PyYAML; when a compose client is on PATH
(`docker-compose` v1 or `docker compose` v2) it also validates the file with `config -q`, which
needs no engine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
CONSTRAINTS = ROOT / "constraints.txt"
REQUIREMENTS = ROOT / "requirements.txt"
ENV_EXAMPLE = ROOT / "docker" / ".env.example"
MYSQL_INITDB = ROOT / "docker" / "mysql-target" / "initdb"

# service -> the command it must run
AIRFLOW_COMMANDS = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-worker": "celery worker",
    "airflow-triggerer": "triggerer",
    "flower": "celery flower",
}
AIRFLOW_SERVICES = sorted([*AIRFLOW_COMMANDS, "airflow-init", "airflow-cli"])
OTHER_SERVICES = ["postgres", "redis", "mongo", "mysql-target"]

SECRET_KEY = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|(^|_)KEY$", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}$")
URI_CREDENTIALS = re.compile(r"[a-z][a-z0-9+.-]*://(?P<user>[^:/@\s]*):(?P<password>[^@\s]*)@", re.IGNORECASE)


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict:
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def common(compose: dict) -> dict:
    return compose["x-airflow-common"]


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "write environment as a mapping so the anchors can merge it"
    return {k: "" if v is None else str(v) for k, v in env.items()}


def _mapping_get(node: yaml.MappingNode, key: str):
    for k, v in node.value:
        if k.value == key:
            return v
    return None


def _command(service: dict) -> str:
    cmd = service.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else str(cmd)


def _volume(spec: str) -> tuple[str, str, str]:
    """(source, target, mode) of a short-syntax volume; the source may be a ${VAR:-default}."""
    source_end = spec.index("}") + 1 if spec.startswith("${") else 0
    source_end = spec.index(":", source_end)
    source, rest = spec[:source_end], spec[source_end + 1 :]
    target, _, mode = rest.partition(":")
    return source, target, mode or "rw"


def _mounts(service: dict) -> dict[str, tuple[str, str]]:
    """target -> (source, mode)"""
    return {t: (s, m) for s, t, m in map(_volume, service.get("volumes", []))}


def _is_interpolated(value: str) -> bool:
    return bool(INTERPOLATION.match(value.strip()))


def _all_envs(compose: dict) -> dict[str, dict[str, str]]:
    envs = {"x-airflow-common": _env(compose["x-airflow-common"])}
    envs.update({name: _env(svc) for name, svc in compose["services"].items()})
    return envs


def _pin(name: str, text: str) -> str | None:
    m = re.search(rf"^{re.escape(name)}==(\S+)\s*$", text, re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, buf = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        joined.append(buf + line)
        buf = ""
    out = []
    for stmt in joined:
        instr, _, args = stmt.partition(" ")
        out.append((instr.upper(), " ".join(args.split())))
    return out


# --------------------------------------------------------------------------- services


def test_required_services_exist(services: dict) -> None:
    missing = [s for s in AIRFLOW_SERVICES + OTHER_SERVICES if s not in services]
    assert not missing, f"docker-compose.yaml lacks services: {missing}"


@pytest.mark.parametrize("name,command", sorted(AIRFLOW_COMMANDS.items()))
def test_airflow_service_commands(services: dict, name: str, command: str) -> None:
    assert _command(services[name]) == command


def test_profiles(services: dict) -> None:
    assert services["airflow-cli"].get("profiles") == ["debug"]
    assert services["flower"].get("profiles") == ["flower"]
    always_on = [n for n in AIRFLOW_SERVICES + OTHER_SERVICES if n not in ("airflow-cli", "flower")]
    profiled = [n for n in always_on if services[n].get("profiles")]
    assert not profiled, f"these must start with a plain `docker compose up`: {profiled}"


def test_ports_and_health_checks(services: dict) -> None:
    api = services["airflow-apiserver"]
    assert "8080:8080" in [str(p) for p in api["ports"]]
    assert "/api/v2/monitor/health" in " ".join(api["healthcheck"]["test"])
    assert "5555:5555" in [str(p) for p in services["flower"]["ports"]]
    assert ":8974/health" in " ".join(services["airflow-scheduler"]["healthcheck"]["test"])
    assert "DagProcessorJob" in " ".join(services["airflow-dag-processor"]["healthcheck"]["test"])
    assert "TriggererJob" in " ".join(services["airflow-triggerer"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["airflow-worker"]["healthcheck"]["test"])
    for name in OTHER_SERVICES:
        assert "healthcheck" in services[name], f"{name} has no healthcheck"


def test_backing_images(services: dict) -> None:
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"] == "redis:7.2-bookworm"
    assert services["mongo"]["image"] == "mongo:7"
    assert services["mysql-target"]["image"] == "mysql:8.0"


def test_airflow_init_migrates_and_creates_user(services: dict) -> None:
    init = services["airflow-init"]
    env = _env(init)
    assert env["_AIRFLOW_DB_MIGRATE"] == "true"
    assert env["_AIRFLOW_WWW_USER_CREATE"] == "true"
    assert _is_interpolated(env["_AIRFLOW_WWW_USER_PASSWORD"])
    # The image's /entrypoint does the migration and the user creation.
    assert "/entrypoint airflow" in _command(init)


def test_daemons_wait_for_init(services: dict) -> None:
    for name in ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
                 "airflow-worker", "airflow-triggerer", "flower"):
        dep = services[name]["depends_on"]
        assert dep["airflow-init"]["condition"] == "service_completed_successfully", name
        assert dep["postgres"]["condition"] == "service_healthy", name
        assert dep["redis"]["condition"] == "service_healthy", name
    assert services["airflow-worker"]["depends_on"]["mongo"]["condition"] == "service_healthy"


# --------------------------------------------------------------------------- the common anchor


def test_every_airflow_service_merges_the_common_anchor(compose_text: str) -> None:
    root = yaml.compose(compose_text)
    common_node = _mapping_get(root, "x-airflow-common")
    common_env_node = _mapping_get(common_node, "environment")
    services_node = _mapping_get(root, "services")
    for name in AIRFLOW_SERVICES:
        svc = _mapping_get(services_node, name)
        assert _mapping_get(svc, "<<") is common_node, f"{name} must start with <<: *airflow-common"
        env = _mapping_get(svc, "environment")
        if env is not None and env is not common_env_node:
            assert _mapping_get(env, "<<") is common_env_node, (
                f"{name} overrides environment without <<: *airflow-common-env"
            )


def test_airflow_services_share_image_env_and_volumes(services: dict, common: dict) -> None:
    common_env = _env(common)
    for name in AIRFLOW_SERVICES:
        svc = services[name]
        assert svc["image"] == common["image"], name
        assert svc["build"] == common["build"], name
        env = _env(svc)
        differing = {k for k, v in common_env.items() if env.get(k) != v}
        assert not differing, f"{name} changes common settings: {sorted(differing)}"
        missing = [v for v in common["volumes"] if v not in svc.get("volumes", [])]
        assert not missing, f"{name} lacks common volumes {missing}"
    assert common["build"]["context"] == "."
    assert common["build"].get("dockerfile", "Dockerfile") == "Dockerfile"


def test_common_airflow_settings(common: dict) -> None:
    env = _env(common)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
    assert "@postgres" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql+psycopg://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://") and "@redis:6379" in env["AIRFLOW__CELERY__BROKER_URL"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert env["AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION"].lower() == "true"
    assert _is_interpolated(env["AIRFLOW__API_AUTH__JWT_SECRET"])
    assert _is_interpolated(env["AIRFLOW__CORE__FERNET_KEY"])
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("FabAuthManager")


def test_themis_settings(common: dict, services: dict) -> None:
    env = _env(common)
    store = json.loads(env["THEMIS_STORE"])
    assert store == {"backend": "mongo", "conn_id": "themis_mongo", "database": "themis"}
    assert env["THEMIS_REPORTS_DIR"] == "/opt/airflow/reports"
    # the instances file sits in the read-only config mount
    instances_dir = str(Path(env["THEMIS_INSTANCES"]).parent)
    assert _mounts(common)[instances_dir][1] == "ro", common["volumes"]
    assert env["THEMIS_REPORTS_DIR"] in _mounts(services["airflow-worker"]), "the worker must mount the reports dir"


# --------------------------------------------------------------------------- connections and secrets


def test_connections_come_from_airflow_conn_env(common: dict, compose_text: str) -> None:
    env = _env(common)
    mongo = urlsplit(env["AIRFLOW_CONN_THEMIS_MONGO"])
    assert (mongo.scheme, mongo.hostname, mongo.port, mongo.path) == ("mongo", "mongo", 27017, "/themis")
    demo = urlsplit(env["AIRFLOW_CONN_THEMIS_DEMO"])
    assert (demo.scheme, demo.username, demo.hostname, demo.port) == ("mysql", "auditor", "mysql-target", 3306)
    # the store's conn_id resolves to an env connection
    conn_id = json.loads(env["THEMIS_STORE"])["conn_id"]
    assert f"AIRFLOW_CONN_{conn_id.upper()}" in env
    # an SMTP connection is shown as a commented example only
    assert re.search(r"^\s*#\s*AIRFLOW_CONN_\w*SMTP\w*:\s*smtp://", compose_text, re.MULTILINE)
    # and nothing creates connections another way
    assert "connections add" not in compose_text
    assert "connections import" not in compose_text


def test_no_plain_secret_in_compose(compose: dict) -> None:
    problems = []
    for owner, env in _all_envs(compose).items():
        for key, value in env.items():
            if SECRET_KEY.search(key) and not _is_interpolated(value):
                problems.append(f"{owner}.{key}={value!r}")
            # ${...} may itself hold ':' (${USER:-x}): stand each one in by a token first
            masked = re.sub(r"\$\{[^}]*\}", "VAR_FROM_ENV", value)
            for m in URI_CREDENTIALS.finditer(masked):
                if m.group("password") not in ("", "VAR_FROM_ENV"):
                    problems.append(f"{owner}.{key}: password in URI is not ${{...}}")
    assert not problems, "secrets must come from ${VAR:-...}: " + "; ".join(problems)


def test_env_example_has_only_placeholders() -> None:
    assert ENV_EXAMPLE.is_file()
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    secrets = {k: v for k, v in values.items() if SECRET_KEY.search(k)}
    assert secrets, "the example should list the secrets to set"
    bad = {k: v for k, v in secrets.items() if v and not v.startswith("change-me")}
    assert not bad, f"docker/.env.example must hold placeholders only: {bad}"


def test_every_compose_variable_is_documented_in_env_example(compose_text: str) -> None:
    body = "\n".join(l for l in compose_text.splitlines() if not l.lstrip().startswith("#"))
    used = set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", body))
    documented = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", ENV_EXAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    assert used - documented == set(), f"add to docker/.env.example: {sorted(used - documented)}"


def test_init_scripts_hold_no_password() -> None:
    for path in MYSQL_INITDB.iterdir():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"IDENTIFIED\b[^;]*?\bBY\s+'([^']*)'", text, re.IGNORECASE):
            assert m.group(1).startswith("${"), f"{path.name}: literal password"


# --------------------------------------------------------------------------- the sample target


def test_mysql_target_slow_log_is_shared_read_only(compose: dict, services: dict) -> None:
    target = services["mysql-target"]
    args = _command(target)
    assert "--slow-query-log=ON" in args
    log_file = re.search(r"--slow-query-log-file=(\S+)", args).group(1)
    volume, _ = _mounts(target)[str(Path(log_file).parent)]
    assert volume in compose["volumes"], "the slow log must live in a named volume"
    worker = [(t, m) for t, (s, m) in _mounts(services["airflow-worker"]).items() if s == volume]
    assert len(worker) == 1 and worker[0][1] == "ro", worker
    others = [n for n in AIRFLOW_SERVICES if n != "airflow-worker"
              and any(s == volume for s, _ in _mounts(services[n]).values())]
    assert not others, f"only the worker reads the slow log: {others}"
    # the demo instance's slow-log glob points into that mount
    demo_glob = _env(compose["x-airflow-common"])["THEMIS_DEMO_SLOWLOG"]
    assert Path(demo_glob).parent == Path(worker[0][0]), (demo_glob, worker)


def test_mysql_target_creates_read_only_auditor(services: dict) -> None:
    mounts = _mounts(services["mysql-target"])
    assert (ROOT / mounts["/docker-entrypoint-initdb.d"][0]).resolve() == MYSQL_INITDB
    missing = [s for s, _ in mounts.values() if s.startswith("./") and not (ROOT / s).exists()]
    assert not missing, f"mounted files missing: {missing}"
    sql = "\n".join(p.read_text(encoding="utf-8") for p in sorted(MYSQL_INITDB.iterdir()))
    grants = re.findall(r"GRANT\s+(.+?)\s+ON\s+", sql, re.IGNORECASE)
    granted = {p.strip().upper() for g in grants for p in g.split(",")}
    assert {"SELECT", "SHOW VIEW", "PROCESS"} <= granted
    writes = {"INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "ALTER", "ALL", "ALL PRIVILEGES",
              "SUPER", "TRIGGER", "FILE", "EXECUTE", "INDEX", "RELOAD", "SHUTDOWN", "GRANT OPTION"}
    assert not granted & writes, f"auditor must stay read-only: {granted & writes}"
    assert "'auditor'@" in sql


def test_named_volumes(compose: dict) -> None:
    assert {"postgres-db", "airflow-logs", "mongo-data", "mysql-data", "mysql-slowlog"} <= set(compose["volumes"])
    assert any(v.endswith(":/data/db") for v in compose["services"]["mongo"]["volumes"])
    assert any(v.endswith(":/var/lib/mysql") for v in compose["services"]["mysql-target"]["volumes"])


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_base_matches_pins() -> None:
    froms = [args for instr, args in _dockerfile_instructions() if instr == "FROM"]
    assert len(froms) == 1, froms
    m = re.fullmatch(r"apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)", froms[0])
    assert m, f"unexpected base image {froms[0]!r}"
    airflow, python = m.groups()
    constraints = CONSTRAINTS.read_text(encoding="utf-8")
    assert _pin("apache-airflow", constraints) == airflow, "Dockerfile FROM tag != constraints.txt apache-airflow pin"
    for companion in ("apache-airflow-core",):
        pinned = _pin(companion, constraints)
        assert pinned in (None, airflow), f"{companion}=={pinned} does not match Airflow {airflow}"
    assert _pin("apache-airflow", REQUIREMENTS.read_text(encoding="utf-8")) in (None, airflow)
    header = re.search(r"^#.*Python (\d+\.\d+)", constraints, re.MULTILINE)
    if header:
        assert header.group(1) == python, "constraints.txt was frozen for another Python"


def test_dockerfile_installs_with_constraints() -> None:
    instrs = _dockerfile_instructions()
    runs = [(i, a) for i, (instr, a) in enumerate(instrs) if instr == "RUN" and "pip install" in a]
    dependency_runs = [(i, a) for i, a in runs if "requirements.txt" in a]
    assert len(dependency_runs) == 1, runs
    # Any other pip install only installs the project itself, without pulling dependencies.
    assert all("--no-deps" in a for i, a in runs if (i, a) not in dependency_runs), runs
    idx, pip = dependency_runs[0]
    assert re.search(r"(^|\s)-c\s+\S*constraints\.txt(\s|$)", pip), pip
    assert re.search(r"(^|\s)-r\s+\S*requirements\.txt(\s|$)", pip), pip
    assert "--no-cache-dir" in pip
    users = [a for instr, a in instrs[:idx] if instr == "USER"]
    assert users and users[-1] == "airflow", "pip must run as the airflow user"
    copies = [(i, a) for i, (instr, a) in enumerate(instrs) if instr == "COPY"]
    dep_copy = [i for i, a in copies if "requirements.txt" in a and "constraints.txt" in a]
    assert dep_copy and dep_copy[0] < idx, "copy requirements.txt and constraints.txt before pip install"
    code_copies = [i for i, a in copies if re.search(r"\b(dags|plugins|include)/", a)]
    assert code_copies and min(code_copies) > idx, "copy code after pip install (layer caching)"


def test_dockerfile_build_deps_code_and_env() -> None:
    instrs = _dockerfile_instructions()
    apt = " ".join(a for instr, a in instrs if instr == "RUN" and "apt-get install" in a)
    for pkg in ("default-libmysqlclient-dev", "pkg-config"):
        assert pkg in apt, f"{pkg} is needed to build mysqlclient"
    assert "build-essential" in apt or "gcc" in apt
    assert "rm -rf /var/lib/apt/lists" in apt
    root_before_apt = [a for instr, a in instrs[: next(i for i, (ins, a) in enumerate(instrs) if "apt-get install" in a)]
                       if instr == "USER"]
    assert root_before_apt and root_before_apt[-1] == "root"
    copies = " | ".join(a for instr, a in instrs if instr == "COPY")
    for folder in ("dags", "plugins", "include"):
        assert re.search(rf"\b{folder}/?\s+/opt/airflow/{folder}/?", copies), f"{folder}/ not copied to /opt/airflow"
    env = " ".join(a for instr, a in instrs if instr == "ENV")
    assert "THEMIS_REPORTS_DIR=/opt/airflow/reports" in env
    final_user = [a for instr, a in instrs if instr == "USER"][-1]
    assert final_user == "airflow", "the image must not end as root"


def test_dockerignore_keeps_context_small() -> None:
    patterns = [l.strip() for l in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if l.strip() and not l.startswith("#")]
    assert patterns[0] == "*", "start from an empty context and re-include what the image needs"
    for needed in ("requirements.txt", "constraints.txt", "dags/", "plugins/", "include/"):
        assert f"!{needed}" in patterns, needed
    assert not [p for p in patterns if p.startswith("!") and (".venv" in p or ".git" in p or ".env" in p)]


# --------------------------------------------------------------------------- compose client


def _compose_cmd() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        try:
            probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


@pytest.mark.parametrize("env_file", [None, ENV_EXAMPLE], ids=["defaults", "env-example"])
def test_compose_config_validates(env_file: Path | None) -> None:
    cmd = _compose_cmd()
    if cmd is None:
        pytest.skip("neither docker-compose nor `docker compose` is on PATH")
    args = [*cmd]
    if env_file is not None:
        args += ["--env-file", str(env_file)]
    args += ["-f", str(COMPOSE_FILE), "--profile", "debug", "--profile", "flower", "config", "-q"]
    # Only PATH/HOME from the caller: variables set in the shell must not mask missing defaults.
    env = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "is not set" not in proc.stderr, proc.stderr
