"""`make stack`: docker-compose.yaml's production topology as supervised processes on this machine.

PostgreSQL (metadata DB) and Redis (Celery broker, append-only file on) from Debian's packages, the
api-server, scheduler, dag-processor, triggerer, N Celery workers and Flower, plus the sandbox
MariaDB the audits read (``themis.sandbox`` with the demo schema and workload) — all kept alive by
supervisord (Debian's ``supervisor``), as this user, with every pid, log and data file under one
folder (``STACK_DIR``, default ``.stack``).

Every setting comes from ``docker/stack.env``, which uses docker-compose.yaml's variable names
(tests/unit/test_stack_env.py keeps the two in step). The supervisord configuration is rendered
from ``docker/stack/supervisord.conf.j2``; each program there runs ``python -m themis.stack run NAME``,
which loads the resolved settings and execs the real command.

    python -m themis.stack up       # start (idempotent: a running stack is left alone), print URLs
    python -m themis.stack status   # supervisorctl status
    python -m themis.stack down     # stop every process it started, data kept in STACK_DIR
    python -m themis.stack down --purge   # ... and delete STACK_DIR

Every program runs in a session of its own: the process supervisord starts (``supervisorctl pid``)
is a small wrapper that starts the real command as the leader of a new session, forwards the stop
signal to it, and after a bounded wait kills the whole session. Airflow's task runner puts each task
in its own process group but leaves it in the worker's session, so killing the session is what stops
a worker's task processes too (a process-group kill leaves them running; setproctitle overwrites the
environment, so no environment tag can find them). Each session is recorded in ``run/<program>.session``;
a program that starts again kills what its previous session left (e.g. the task processes of a
SIGKILLed worker), and ``down`` kills every recorded session and supervisord's own.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from themis.paths import PROJECT_ROOT

ENV_FILE = PROJECT_ROOT / "docker" / "stack.env"
TEMPLATE = PROJECT_ROOT / "docker" / "stack" / "supervisord.conf.j2"
#: seconds a program gets to stop after its stop signal before its whole session is killed
STOP_GRACE = {"worker": 20, "triggerer": 20, "postgres": 20, "sandbox": 30, "redis": 10}
PORT_KEYS = ("STACK_API_PORT", "STACK_FLOWER_PORT", "STACK_REDIS_PORT", "STACK_PG_PORT", "THEMIS_TARGET_PORT")
#: secrets generated once (into STACK_DIR/secrets.env) when the env file leaves them empty or change-me
SECRET_KEYS = ("_AIRFLOW_WWW_USER_PASSWORD", "AIRFLOW_POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY",
               "AIRFLOW_JWT_SECRET", "STACK_API_SECRET_KEY", "THEMIS_MONGO_PASSWORD")
AIRFLOW_PROGRAMS = ("apiserver", "scheduler", "dag-processor", "triggerer", "flower")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class StackError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------- settings


def read_env_file(path: Path = ENV_FILE) -> list[tuple[str, str, str]]:
    """``(section, key, raw value)`` per line; sections are the ``# --- [name]`` markers."""
    entries, section = [], ""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        marker = re.match(r"#\s*---\s*\[(\w+)\]", line)
        if marker:
            section = marker.group(1)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise StackError(f"{path}:{number}: not KEY=VALUE: {line!r}")
        entries.append((section, key, value))
    return entries


def expand(raw: str, lookup: Any) -> str:
    """``${VAR}`` / ``${VAR:-default}`` through ``lookup(name) -> str | None``."""
    return _VAR.sub(lambda m: lookup(m.group(1)) or (m.group(2) or ""), raw)


def resolve(entries: list[tuple[str, str, str]], environ: dict[str, str], fixed: dict[str, str]) -> dict[str, str]:
    """Every key of the env file with its final value: ``fixed`` first, then the environment, then
    the file's line (expanded; a line may refer to lines below it)."""
    raw = {key: value for _, key, value in entries}
    done: dict[str, str] = {}

    def lookup(name: str, seen: tuple[str, ...] = ()) -> str | None:
        if name in done:
            return done[name]
        if name in fixed:
            return fixed[name]
        if name in environ:
            return environ[name]
        if name not in raw:
            return None
        if name in seen:
            raise StackError(f"{ENV_FILE.name}: {name} refers to itself ({' -> '.join(seen + (name,))})")
        done[name] = expand(raw[name], lambda other: lookup(other, seen + (name,)))
        return done[name]

    return {key: lookup(key) or "" for key in [*raw, *fixed]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _new_secret(key: str) -> str:
    if key == "AIRFLOW_FERNET_KEY":
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()
    if key == "AIRFLOW_JWT_SECRET":
        return secrets.token_urlsafe(64)  # >= 64 bytes, or every component warns about a short HMAC key
    return secrets.token_urlsafe(18)


def _read_kv(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


@dataclass
class Stack:
    """One stack, rooted at ``dir``."""

    dir: Path
    env_file: Path = ENV_FILE
    settings: dict[str, str] = field(default_factory=dict)

    # -------------------------------------------------------------- paths
    @property
    def run_dir(self) -> Path:
        return self.dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.dir / "log"

    @property
    def conf(self) -> Path:
        return self.dir / "supervisord.conf"

    @property
    def resolved_file(self) -> Path:
        return self.run_dir / "env.json"

    def worker_names(self) -> list[str]:
        return [f"worker{n}" for n in range(1, int(self.settings.get("STACK_WORKERS", "2")) + 1)]

    def programs(self) -> list[str]:
        return ["postgres", "redis", "sandbox", *AIRFLOW_PROGRAMS, *self.worker_names()]

    @staticmethod
    def group_of(name: str) -> str:
        return "data" if name in ("postgres", "redis", "sandbox") else "airflow"

    # -------------------------------------------------------------- settings
    def resolve_settings(self, environ: dict[str, str] | None = None,
                         extra: dict[str, str] | None = None) -> dict[str, str]:
        """Resolve docker/stack.env (ports of 0 become free ports; change-me secrets are generated
        once into secrets.env) and keep the result in run/env.json for the programs. ``extra``:
        more variables for every program (e.g. the tests' AIRFLOW_CONN_* of their instances)."""
        environ = dict(os.environ if environ is None else environ)
        entries = read_env_file(self.env_file)
        fixed = {"STACK_DIR": str(self.dir), "PROJECT_ROOT": str(PROJECT_ROOT)}
        probe = resolve(entries, environ, fixed)
        for key in PORT_KEYS:
            if probe.get(key, "0") in ("", "0"):
                fixed[key] = str(free_port())
        secrets_file = self.dir / "secrets.env"
        stored = _read_kv(secrets_file)
        for key in SECRET_KEYS:
            if key in environ:
                continue
            value = probe.get(key, "")
            if not value or value.startswith("change-me"):
                fixed[key] = stored.get(key) or _new_secret(key)
                stored[key] = fixed[key]
        self.dir.mkdir(parents=True, exist_ok=True)
        secrets_file.write_text("".join(f"{k}={v}\n" for k, v in stored.items()))
        secrets_file.chmod(0o600)
        cores = os.cpu_count() or 1
        settings = resolve(entries, environ, fixed)
        concurrency = min(int(settings["AIRFLOW_WORKER_CONCURRENCY"]), cores)  # at most the cores (design §5)
        settings["AIRFLOW_WORKER_CONCURRENCY"] = settings["AIRFLOW__CELERY__WORKER_CONCURRENCY"] = str(concurrency)
        settings.update({k: expand(v, settings.get) for k, v in (extra or {}).items()})
        self.settings = settings
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.resolved_file.write_text(json.dumps(settings, indent=1))
        self.resolved_file.chmod(0o600)
        return settings

    def load_settings(self) -> dict[str, str]:
        if not self.resolved_file.exists():
            raise StackError(f"no stack in {self.dir} (run `make stack` first)")
        self.settings = json.loads(self.resolved_file.read_text())
        return self.settings

    def process_env(self, program: str) -> dict[str, str]:
        """The environment of one program: the settings (less the first admin's password), the venv on PATH."""
        env = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "LC_ALL", "TZ", "USER", "TERM")}
        env.update({k: v for k, v in self.settings.items() if not k.startswith("_AIRFLOW_WWW_")})
        venv_bin = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([venv_bin, os.environ.get("PATH", "/usr/bin:/bin")])
        env["PYTHONPATH"] = str(PROJECT_ROOT / "plugins")
        if program.startswith("worker"):
            env["THEMIS_WORKER_NAME"] = program
        return env

    # -------------------------------------------------------------- URLs
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.settings['STACK_API_PORT']}"

    @property
    def flower_url(self) -> str:
        return f"http://127.0.0.1:{self.settings['STACK_FLOWER_PORT']}"

    @property
    def admin(self) -> tuple[str, str]:
        return self.settings["_AIRFLOW_WWW_USER_USERNAME"], self.settings["_AIRFLOW_WWW_USER_PASSWORD"]

    # -------------------------------------------------------------- supervisord
    def supervisord_pid(self) -> int | None:
        try:
            pid = int((self.run_dir / "supervisord.pid").read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def render_conf(self) -> Path:
        import jinja2

        def program(name: str) -> dict[str, Any]:
            # the wrapper (run_program) receives the stop signal, forwards it to its session's leader
            # (postgres: INT, a fast shutdown; Celery workers: TERM, a warm shutdown that waits for
            # running tasks), kills the session after stop_grace(); supervisord waits a little longer
            stopsignal = "INT" if name == "postgres" else "TERM"
            return {"name": name, "priority": 10 if self.group_of(name) == "data" else 100,
                    "autostart": self.group_of(name) == "data", "startsecs": 3, "stopsignal": stopsignal,
                    "stopwaitsecs": stop_grace(name) + 10, "stopasgroup": False}

        template = jinja2.Template(TEMPLATE.read_text(), keep_trailing_newline=True)
        self.conf.write_text(template.render(
            dir=self.dir, root=PROJECT_ROOT, python=sys.executable, root_user=os.geteuid() == 0,
            programs=[program(name) for name in self.programs()],
            groups={"data": ["postgres", "redis", "sandbox"],
                    "airflow": [*AIRFLOW_PROGRAMS, *self.worker_names()]}))
        return self.conf

    def ctl(self, *args: str, check: bool = True, timeout: float = 180) -> str:
        result = subprocess.run(["supervisorctl", "-c", str(self.conf), *args], capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode not in (0, 3):  # 3: some program is not RUNNING (status)
            raise StackError(f"supervisorctl {' '.join(args)}: {result.stdout}{result.stderr}")
        return result.stdout

    def name(self, program: str) -> str:
        """supervisorctl's name of a program (group:program)."""
        return f"{self.group_of(program)}:{program}"

    # -------------------------------------------------------------- processes by session
    def session_file(self, program: str) -> Path:
        return self.run_dir / f"{program}.session"

    def program_pid(self, program: str) -> int | None:
        """supervisord's pid of a program (its wrapper), or None when it is not running."""
        try:
            pid = int(self.ctl("pid", self.name(program), check=False, timeout=30).strip() or 0)
        except (ValueError, subprocess.SubprocessError, OSError):
            return None
        return pid or None

    def program_session(self, program: str) -> int | None:
        """The session of a program's processes: its wrapper's child leads it; else the recorded one."""
        pid = self.program_pid(program)
        if pid:
            for child in _children(pid):
                with contextlib.suppress(OSError):
                    return os.getsid(child)
        return _recorded_session(self.session_file(program))

    def kill_program(self, program: str, sig: int = signal.SIGKILL) -> list[int]:
        """Signal every process of a program's session (a worker: its main process, pool and task
        processes); supervisord's wrapper survives and starts the program again. Returns the pids."""
        sid = self.program_session(program)
        return _signal_session(sid, sig) if sid else []

    def sessions(self) -> dict[str, int]:
        """Every session this stack recorded: supervisord's and each program's (alive or not)."""
        found = {}
        for name in ["supervisord", *self.programs()]:
            sid = _recorded_session(self.session_file(name))
            if sid:
                found[name] = sid
        return found

    def leftovers(self) -> dict[str, list[int]]:
        """Processes of this stack still alive: members of its sessions, and sandbox MariaDB servers."""
        left = {name: members for name, sid in self.sessions().items() if (members := _session_members(sid))}
        servers = [pid for pid in _pidfile_pids(self.dir / "sandbox") if _alive(pid)]
        if servers:
            left["mariadbd"] = servers
        return left

    # -------------------------------------------------------------- up
    def up(self, *, wait_dags: bool = True, out: Any = print, extra: dict[str, str] | None = None) -> None:
        if self.supervisord_pid():
            self.load_settings()
            out(f"stack: already running in {self.dir}")
            self.wait_ready(out=out)
            self.print_access(out)
            return
        check_tools()
        if self.run_dir.exists() and self.leftovers():  # a stack whose supervisord died: clear it first
            self.down(out=out)
        settings = self.resolve_settings(extra=extra)
        for sub in ("run", "log", "redis", "sandbox", "airflow", "logs", "reports"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        instances = Path(settings["THEMIS_INSTANCES"])
        if not instances.exists():
            write_instances(instances, int(settings["STACK_INSTANCES"]), settings["STACK_SCHEDULE"],
                            int(settings["STACK_CAPTURE_SLOTS"]))
            out(f"stack: wrote {instances} ({settings['STACK_INSTANCES']} copies of the demo instance)")
        self.init_postgres()
        self.render_conf()
        started = time.monotonic()
        out(f"stack: supervisord -c {self.conf}")
        subprocess.run(["supervisord", "-c", str(self.conf)], check=True, timeout=60)
        self._record_supervisord()
        self.wait_postgres()
        self.create_database()
        out("stack: airflow db migrate")
        self.airflow("db", "migrate")
        user, password = self.admin
        self.airflow("users", "create", "--username", user, "--password", password, "--role", "Admin",
                     "--firstname", "Themis", "--lastname", "Admin", "--email", f"{user}@example.com",
                     check=False)
        self.airflow("users", "reset-password", "--username", user, "--password", password)
        self.ctl("start", "airflow:*")
        self.wait_ready(out=out)
        self.create_pools(out)
        if wait_dags:
            self.unpause_dags(out)
        out(f"stack: up in {time.monotonic() - started:.0f}s")
        self.print_access(out)

    def print_access(self, out: Any = print) -> None:
        user, password = self.admin
        out(f"Airflow UI: {self.api_url}  (login {user} / {password})")
        out(f"Flower:     {self.flower_url}")
        out(f"Logs:       {self.log_dir}   supervisorctl -c {self.conf} status")

    def airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        log = self.log_dir / "setup.log"
        with log.open("a") as handle:
            handle.write(f"\n$ airflow {' '.join(a if 'password' not in prev else '***' for prev, a in zip(('',) + args, args))}\n")
            handle.flush()
            result = subprocess.run([str(Path(sys.executable).with_name("airflow")), *args],
                                    env=self.process_env("setup"), stdout=handle, stderr=subprocess.STDOUT,
                                    text=True, cwd=PROJECT_ROOT)
        if check and result.returncode:
            raise StackError(f"airflow {' '.join(args[:2])} failed (exit {result.returncode}); see {log}")
        return result

    # -------------------------------------------------------------- PostgreSQL
    @property
    def pg_data(self) -> Path:
        return self.dir / "pg" / "data"

    def init_postgres(self) -> None:
        if (self.pg_data / "PG_VERSION").exists():
            return
        self.pg_data.mkdir(parents=True, exist_ok=True)
        os.chmod(self.pg_data, 0o700)
        command = [str(pg_bin("initdb")), "-D", str(self.pg_data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            os.chmod(self.dir, os.stat(self.dir).st_mode | 0o011)  # the postgres user passes through
            shutil.chown(self.pg_data.parent, "postgres", "postgres")
            shutil.chown(self.pg_data, "postgres", "postgres")
            command = ["runuser", "-u", "postgres", "--", *command]
        with (self.log_dir / "setup.log").open("a") as log:
            subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT, cwd="/")

    def _pg_connect(self, **kwargs: Any) -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=int(self.settings["STACK_PG_PORT"]), user="postgres",
                               dbname="postgres", autocommit=True, connect_timeout=3, **kwargs)

    def wait_postgres(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._pg_connect().close()
                return
            except Exception as exc:  # noqa: BLE001
                if time.monotonic() > deadline:
                    raise StackError(f"PostgreSQL did not start: {exc}; see {self.log_dir / 'postgres.log'}") from None
                time.sleep(0.3)

    def create_database(self) -> None:
        from psycopg import sql

        password = self.settings["AIRFLOW_POSTGRES_PASSWORD"]
        with self._pg_connect() as conn:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'airflow'").fetchone():
                conn.execute("CREATE ROLE airflow LOGIN")
            conn.execute(sql.SQL("ALTER ROLE airflow PASSWORD {}").format(sql.Literal(password)))
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'airflow'").fetchone():
                conn.execute("CREATE DATABASE airflow OWNER airflow")

    # -------------------------------------------------------------- readiness
    def redis_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", int(self.settings["STACK_REDIS_PORT"])), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def api(self) -> "Api":
        return Api(self.api_url, *self.admin)

    def flower_workers(self) -> dict[str, Any]:
        import httpx

        return httpx.get(f"{self.flower_url}/api/workers", params={"refresh": 1, "status": 1}, timeout=15).json()

    def wait_ready(self, timeout: float = 240, out: Any = print) -> None:
        """Until the API reports its components healthy and Flower sees every worker online."""
        import httpx

        deadline, last = time.monotonic() + timeout, "nothing answered"
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{self.api_url}/api/v2/monitor/health", timeout=5).json()
                unhealthy = [name for name in ("metadatabase", "scheduler", "triggerer", "dag_processor")
                             if (health.get(name) or {}).get("status") != "healthy"]
                online = {name.split("@")[0] for name, up in self.flower_workers().items() if up}
                missing = sorted(set(self.worker_names()) - online)
                if not unhealthy and not missing:
                    out(f"stack: healthy; workers online: {', '.join(sorted(online))}")
                    return
                last = f"unhealthy: {unhealthy}, workers not online: {missing}"
            except (httpx.HTTPError, ValueError) as exc:
                last = f"{type(exc).__name__}: {exc}"
            time.sleep(1)
        raise StackError(f"stack not ready after {timeout:.0f}s ({last}); logs in {self.log_dir}")

    def create_pools(self, out: Any = print) -> None:
        """The audited servers' pools named in the instance config (dag_factory.capture_pools)."""
        from themis.config import load_config
        from themis.dag_factory import capture_pools

        os.environ.update({k: v for k, v in self.settings.items() if k.startswith("THEMIS_")})
        api = self.api()
        for pool, slots in capture_pools(load_config(self.settings["THEMIS_INSTANCES"])).items():
            api.put_pool(pool, slots, "captures at a time on one audited server (themis instance config)")
            out(f"stack: pool {pool}: {slots} slots")

    def unpause_dags(self, out: Any = print, timeout: float = 180) -> int:
        """Wait for the instances' DAGs, then switch them on (new DAGs start paused, as in compose)."""
        from themis.config import load_config

        os.environ.update({k: v for k, v in self.settings.items() if k.startswith("THEMIS_")})
        wanted = {i.dag_id for i in load_config(self.settings["THEMIS_INSTANCES"]).instances}
        api, deadline = self.api(), time.monotonic() + timeout
        while True:
            known = set(api.dag_ids("themis__%"))
            if wanted <= known or time.monotonic() > deadline:
                break
            time.sleep(2)
        api.unpause("themis__%")
        out(f"stack: {len(known & wanted)} of {len(wanted)} instance DAGs parsed and switched on")
        return len(known & wanted)

    # -------------------------------------------------------------- down
    def _record_supervisord(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pid = self.supervisord_pid()
            if pid:
                with contextlib.suppress(OSError):
                    _record_session(self.session_file("supervisord"), os.getsid(pid))
                    return
            time.sleep(0.1)

    def down(self, *, purge: bool = False, out: Any = print, timeout: float = 120) -> dict[str, list[int]]:
        """Stop everything this stack started, in bounded time, whatever state it is in: supervisord
        stops the programs (each wrapper stops its session, workers get 20 s for their running tasks);
        then whatever is still alive in any recorded session, or a sandbox server, is killed.
        Returns what had to be killed (program -> pids)."""
        pid = self.supervisord_pid()
        if pid:
            out(f"stack: stopping (workers finish their running tasks, {stop_grace('worker')} s at most)")
            with contextlib.suppress(subprocess.SubprocessError, OSError, StackError):
                self.ctl("shutdown", check=False, timeout=30)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.3)
            if _alive(pid):
                out(f"stack: supervisord still running after {timeout:.0f}s: killed")
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        killed = self.leftovers()
        for name, sid in self.sessions().items():
            _signal_session(sid, signal.SIGTERM)
        for server in killed.get("mariadbd", []):
            with contextlib.suppress(OSError):
                os.kill(server, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.leftovers():
            time.sleep(0.3)
        for name, sid in self.sessions().items():
            _signal_session(sid, signal.SIGKILL)
        for server in self.leftovers().get("mariadbd", []):
            with contextlib.suppress(OSError):
                os.kill(server, signal.SIGKILL)
        if killed:
            out(f"stack: killed what was left: {killed}")
        if purge:
            shutil.rmtree(self.dir, ignore_errors=True)
        out("stack: stopped")
        return killed


def stop_grace(program: str) -> int:
    return STOP_GRACE.get("worker" if program.startswith("worker") else program, 10)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _record_session(path: Path, sid: int) -> None:
    path.write_text(f"{sid} {_start_time(sid) or 0}\n")


def _recorded_session(path: Path) -> int | None:
    """A recorded session id, unless its leader's pid now belongs to another process (the session
    is then gone: Linux never reuses a pid that still names a session with members)."""
    try:
        sid, started = (int(x) for x in path.read_text().split())
    except (OSError, ValueError):
        return None
    now = _start_time(sid)
    return None if now is not None and started and now != started else sid


def _start_time(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _session_members(sid: int) -> list[int]:
    members = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            if os.getsid(pid) == sid and pid != os.getpid() and _alive(pid):
                members.append(pid)
        except OSError:
            continue
    return members


def _signal_session(sid: int, sig: int) -> list[int]:
    signalled = []
    for pid in _session_members(sid):
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
            signalled.append(pid)
    return signalled


def _pidfile_pids(base: Path) -> list[int]:
    pids = []
    for pidfile in base.glob("mariadb-*/run/mariadbd.pid"):
        with contextlib.suppress(OSError, ValueError):
            pid = int(pidfile.read_text().strip())
            if str(pidfile.parent.parent).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)  # still that server (not a reused pid)
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie child of ours counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


class Api:
    """The few Airflow REST calls the stack and its tests make, with the admin's token."""

    def __init__(self, base: str, user: str, password: str) -> None:
        import httpx

        self.base, self.user, self.password = base, user, password
        self.client = httpx.Client(base_url=base, timeout=30)
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            response = self.client.post("/auth/token", json={"username": self.user, "password": self.password})
            response.raise_for_status()
            self._token = response.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, headers={"Authorization": f"Bearer {self.token()}"}, **kwargs)
        if response.status_code >= 400:
            raise StackError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def dag_ids(self, pattern: str) -> list[str]:
        return [d["dag_id"] for d in self.get("/api/v2/dags", dag_id_pattern=pattern, limit=1000)["dags"]]

    def unpause(self, pattern: str) -> None:
        self.request("PATCH", "/api/v2/dags", params={"dag_id_pattern": pattern, "update_mask": "is_paused"},
                     json={"is_paused": False})

    def put_pool(self, name: str, slots: int, description: str) -> None:
        body = {"name": name, "slots": slots, "description": description, "include_deferred": False}
        try:
            self.request("PATCH", f"/api/v2/pools/{name}", json=body)
        except StackError:
            self.request("POST", "/api/v2/pools", json=body)


# ------------------------------------------------------------------------------------- programs


def pg_bin(name: str) -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise StackError("PostgreSQL server binaries not found under /usr/lib/postgresql "
                         "(apt-get install postgresql, or run scripts/bootstrap.sh stack)")
    return found[-1]


def check_tools() -> None:
    missing = [tool for tool in ("redis-server", "supervisord", "supervisorctl", "mariadbd") if not _which(tool)]
    try:
        pg_bin("postgres")
    except StackError:
        missing.append("postgres")
    if missing:
        raise StackError(f"missing: {', '.join(missing)}; run scripts/bootstrap.sh stack (installs redis-server, "
                         "postgresql, supervisor, mariadb-server)")


def _which(tool: str) -> str | None:
    return shutil.which(tool, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/bin"]))


def command_for(stack: Stack, program: str) -> list[str]:
    s = stack.settings
    airflow = str(Path(sys.executable).with_name("airflow"))
    if program == "postgres":
        return [str(pg_bin("postgres")), "-D", str(stack.pg_data), "-p", s["STACK_PG_PORT"],
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200",
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    if program == "redis":
        return [_which("redis-server") or "redis-server", "--port", s["STACK_REDIS_PORT"], "--bind", "127.0.0.1",
                "--protected-mode", "yes", "--dir", str(stack.dir / "redis"), "--daemonize", "no",
                # queued tasks survive a broker restart (the stack tests stop Redis and lose nothing)
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
    if program.startswith("worker"):
        return [airflow, "celery", "worker", "--celery-hostname", f"{program}@{socket.gethostname()}",
                "--concurrency", s["AIRFLOW__CELERY__WORKER_CONCURRENCY"], "--skip-serve-logs"]
    return {
        "apiserver": [airflow, "api-server"],
        "scheduler": [airflow, "scheduler"],
        "dag-processor": [airflow, "dag-processor"],
        "triggerer": [airflow, "triggerer", "--skip-serve-logs"],
        "flower": [airflow, "celery", "flower"],
    }[program]


def run_program(stack: Stack, program: str) -> None:
    """What supervisord runs: kill what the program's previous session left, wait for what it needs,
    then start the program as the leader of a new session and watch it (``_watch``)."""
    stop = {"signal": 0}

    def on_stop(signum: int, _frame: Any) -> None:
        stop["signal"] = stop["signal"] or signum

    stop_signals = {signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP}
    for sig in stop_signals:  # a stop asked for while this waits (e.g. for Redis) is not lost
        signal.signal(sig, on_stop)
    stack.load_settings()
    previous = _recorded_session(stack.session_file(program))
    if previous:  # e.g. the task processes of a worker that was SIGKILLed
        _signal_session(previous, signal.SIGKILL)
    if program == "sandbox":
        for server in _pidfile_pids(stack.dir / "sandbox"):  # mariadbd runs in a session of its own
            with contextlib.suppress(OSError):
                os.kill(server, signal.SIGKILL)
    env = stack.process_env(program)
    os.environ.clear()
    os.environ.update(env)
    if program.startswith("worker") or program == "flower":
        # provider 3.26 checks the node name through the broker before Celery's own retry: wait for PONG
        while not stack.redis_ping() and not stop["signal"]:
            time.sleep(0.5)
    # the stop signals stay blocked across fork: the child must not run the wrapper's handler
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    if stop["signal"]:
        sys.exit(0)  # stopped before the program started
    child = os.fork()
    if child == 0:  # the program: leader of its own session
        try:
            for sig in stop_signals:
                signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)  # a pending stop ends it now
            os.setsid()
            if program == "sandbox":
                run_sandbox(stack)
                os._exit(0)
            if program == "postgres" and os.geteuid() == 0:
                user = pwd.getpwnam("postgres")
                os.initgroups("postgres", user.pw_gid)
                os.setgid(user.pw_gid)
                os.setuid(user.pw_uid)
                os.environ["HOME"] = user.pw_dir
            command = command_for(stack, program)
            os.execvpe(command[0], command, os.environ)
        except BaseException as exc:  # noqa: BLE001 - never return into the wrapper's code
            print(f"stack: {program}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        finally:
            os._exit(1)
    _record_session(stack.session_file(program), child)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)
    sys.exit(_watch(program, child, stop))


def _watch(program: str, child: int, stop: dict[str, int]) -> int:
    """Wait for the program; forward the stop signal to it, and kill its whole session when it has
    not exited ``stop_grace`` seconds later, or when it exited and left processes behind."""
    deadline = None
    forwarded = 0
    status = None
    while status is None:
        if stop["signal"] and not forwarded:
            forwarded = stop["signal"]
            with contextlib.suppress(OSError):
                os.kill(child, forwarded)
            deadline = time.monotonic() + stop_grace(program)
        if deadline is not None and time.monotonic() > deadline:
            print(f"stack: {program} still running {stop_grace(program)} s after {signal.Signals(forwarded).name}: "
                  "killing its session", file=sys.stderr, flush=True)
            _signal_session(child, signal.SIGKILL)
            deadline = None
        try:
            pid, code = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            status = code
            break
        time.sleep(0.2)
    left = _signal_session(child, signal.SIGKILL)  # task processes of a worker, helpers of any program
    if left:
        print(f"stack: {program} exited; killed {len(left)} processes it left: {left}", file=sys.stderr, flush=True)
    if status is None:
        return 1
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def run_sandbox(stack: Stack) -> None:
    """The audited MariaDB (themis.sandbox): the demo schema, then the demo workload now and every
    STACK_WORKLOAD_EVERY seconds, so every capture window has slow-log entries."""
    from themis.demo import load_script
    from themis.sandbox import MariaDBSandbox

    base = stack.dir / "sandbox"
    for old in base.glob("mariadb-*"):  # throwaway data of the previous start
        shutil.rmtree(old, ignore_errors=True)
    ready = stack.run_dir / "sandbox.ready"
    ready.unlink(missing_ok=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sandbox = MariaDBSandbox(base, port=int(stack.settings["THEMIS_TARGET_PORT"]))
    sandbox.start()
    try:
        sandbox.execute_script((PROJECT_ROOT / "scripts" / "demo_schema.sql").read_text())
        workload = load_script("demo_workload")
        every = float(stack.settings.get("STACK_WORKLOAD_EVERY") or 0)
        while True:
            with sandbox.connect() as conn:
                count = workload.run_workload(conn, rounds=1)
            sandbox.flush_slow_log()
            print(f"sandbox: 127.0.0.1:{sandbox.port}: {count} workload statements in {sandbox.slow_log_path}",
                  flush=True)
            ready.write_text(str(sandbox.slow_log_path))
            if stop.wait(every if every > 0 else None):
                break
    finally:
        ready.unlink(missing_ok=True)
        sandbox.stop()


def task_hostname() -> str:
    """``[core] hostname_callable`` of the stack: a task instance records the worker that ran it
    (``worker1@host``, Flower's node name); other processes get the host name."""
    host = socket.gethostname()
    name = os.environ.get("THEMIS_WORKER_NAME")
    return f"{name}@{host}" if name else host


# ------------------------------------------------------------------------------------- instances


def stack_instances(count: int, schedule: str, slots: int, *, prefix: str = "shop",
                    extra: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    """An instance config with ``count`` copies of the demo MySQL instance (include/instances.yaml),
    all auditing the sandbox MariaDB and sharing its pool, plus ``extra`` instances."""
    import yaml

    base = yaml.safe_load((PROJECT_ROOT / "include" / "instances.yaml").read_text())
    demo = next(i for i in base["instances"] if i["id"] == "demo")
    instances = []
    for n in range(1, count + 1):
        instance = json.loads(json.dumps(demo))
        instance.update({"id": f"{prefix}{n:02d}", "description": f"Copy {n} of the demo instance (make stack).",
                         "schedule": schedule, "pool": "sandbox", "max_concurrent_captures": slots,
                         "tags": ["stack"], **overrides})
        instances.append(instance)
    config = {key: value for key, value in base.items() if key != "instances"}
    config["instances"] = instances + list(extra or [])
    return config


def write_instances(path: Path, count: int, schedule: str, slots: int, **kwargs: Any) -> Path:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    config = stack_instances(count, schedule, slots, **kwargs)
    path.write_text("# Written by themis.stack (make stack): copies of the demo instance on the sandbox MariaDB.\n"
                    + yaml.safe_dump(config, sort_keys=False))
    return path


# ------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m themis.stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", default=os.environ.get("STACK_DIR", str(PROJECT_ROOT / ".stack")))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("up")
    sub.add_parser("status")
    down = sub.add_parser("down")
    down.add_argument("--purge", action="store_true", help="also delete the stack folder (all its data)")
    run = sub.add_parser("run", help="(supervisord) run one program")
    run.add_argument("program")
    args = parser.parse_args(argv)
    stack = Stack(Path(args.dir).resolve())
    try:
        if args.command == "up":
            stack.up()
        elif args.command == "down":
            stack.down(purge=args.purge)
        elif args.command == "status":
            stack.load_settings()
            print(stack.ctl("status", check=False), end="")
            stack.print_access()
        else:
            run_program(stack, args.program)
    except StackError as exc:
        print(f"stack: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
