"""A throwaway MariaDB server for tests and the demo.

Capture, slow-log ingestion and the demo need a real MySQL-compatible server, but none runs on the
build machines and the Debian service cannot be started there. This module starts a private
``mariadbd`` from the installed binaries in a temporary directory, on 127.0.0.1 only, with the slow
log switched on for every statement (``long_query_time=0``) so the slow-log path has real input.

Two accounts are created after start, both reachable over TCP from 127.0.0.1:

* ``auditor``      -- SELECT, SHOW VIEW, PROCESS: what the read-only audit user gets in production;
* ``themis_admin`` -- ALL: used by fixtures and the demo to create schemas and run the workload.

``root`` is only reachable through the server's Unix socket and is used internally for global
settings (slow-log rotation) and for creating the two accounts.

Usage::

    with MariaDBSandbox(Path("/tmp/sb")) as db:
        conn = db.connect()                  # themis_admin
        db.conn_uri("auditor")               # mysql://auditor:auditpw@127.0.0.1:PORT/

Stop it with :meth:`MariaDBSandbox.stop` (or leave the ``with`` block): it sends TERM to the server
it started, waits, then KILLs. It never touches any other process. The server runs in its own
session, so it outlives a process that exits without stopping it; ``pid_file`` names it then.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

#: Accounts created after start: name -> (password, privileges granted ON *.*).
USERS: dict[str, tuple[str, str]] = {
    "auditor": ("auditpw", "SELECT, SHOW VIEW, PROCESS"),
    "themis_admin": ("adminpw", "ALL PRIVILEGES"),
}
HOST = "127.0.0.1"
INSTALL_HINT = "install MariaDB with `apt-get install mariadb-server` (the service itself need not run)"
# Where Debian and other distributions put the server binaries when they are not on PATH.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/usr/libexec", "/usr/local/mysql/bin", "/usr/local/bin")
# A Unix socket path must fit in sockaddr_un.sun_path (108 bytes on Linux).
_MAX_SOCKET_PATH = 100


class SandboxError(RuntimeError):
    """The sandbox server could not be set up, started or stopped."""


class MariaDBNotInstalled(SandboxError):
    """``mariadbd`` / ``mariadb-install-db`` are not installed on this machine."""


def find_binary(name: str) -> str:
    """Absolute path of a MariaDB binary, from PATH or the usual sbin directories."""
    found = shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SBIN_DIRS))
    if not found:
        raise MariaDBNotInstalled(f"{name} not found on PATH or in {', '.join(_SBIN_DIRS)}: {INSTALL_HINT}")
    return found


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now (the OS picks it; a race is retried by ``start``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class MariaDBSandbox:
    """A private ``mariadbd`` under ``base_dir``; see the module docstring."""

    start_timeout = 60.0
    stop_timeout = 30.0

    def __init__(self, base_dir: Path, port: int | None = None, *, performance_schema: bool = False) -> None:
        self.base_dir = Path(base_dir)
        self._requested_port = port
        self._port: int | None = port
        self.performance_schema = performance_schema
        self._root: Path | None = None
        self._socket: Path | None = None
        self._slow_log: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # ----------------------------------------------------------------- properties
    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._port is None:
            raise SandboxError("the sandbox has no port yet: call start() first")
        return self._port

    @property
    def slow_log_path(self) -> Path:
        """The slow-log file the server writes now (changes with :meth:`rotate_slow_log`)."""
        if self._slow_log is None:
            raise SandboxError("the sandbox has no slow log yet: call start() first")
        return self._slow_log

    @property
    def root_dir(self) -> Path:
        if self._root is None:
            raise SandboxError("the sandbox has no directory yet: call start() first")
        return self._root

    @property
    def pid_file(self) -> Path:
        """The server's pid file: ``kill -TERM $(cat PID_FILE)`` stops a sandbox another process left running."""
        return self.root_dir / "run" / "mariadbd.pid"

    @property
    def error_log_path(self) -> Path:
        return self.root_dir / "log" / "error.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> MariaDBSandbox:
        """Initialise the datadir (first time only), start the server and create the users.

        Idempotent: a running sandbox is left alone. When the port was chosen automatically and
        another process grabbed it in the meantime, a new port is tried (up to three times).
        """
        if self.running:
            return self
        mariadbd = find_binary("mariadbd")
        install_db = find_binary("mariadb-install-db")
        self._prepare_dirs()
        cnf = self._write_cnf()
        if not (self.root_dir / "data" / "mysql").is_dir():
            self._install_db(install_db, cnf)
        for attempt in range(3):
            try:
                self._launch(mariadbd, cnf)
                break
            except SandboxError as exc:
                if self._requested_port is not None or attempt == 2 or "Bind on TCP/IP port" not in str(exc):
                    raise
                self._port = free_port()
                cnf = self._write_cnf()
        try:
            self._create_users()
        except BaseException:
            self.stop()  # a half-ready server must not keep running behind a failed start()
            raise
        return self

    def stop(self) -> None:
        """TERM the server this sandbox started, wait for it, KILL it if it hangs. Idempotent."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=self.stop_timeout)

    def __enter__(self) -> MariaDBSandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ----------------------------------------------------------------- clients
    def conn_uri(self, user: str = "auditor") -> str:
        """Airflow connection URI for one of the sandbox accounts, e.g. ``mysql://auditor:auditpw@127.0.0.1:PORT/``."""
        password = self._password(user)
        return f"mysql://{user}:{password}@{self.host}:{self.port}/"

    def connect(self, user: str = "themis_admin", db: str | None = None, **kwargs: Any) -> Any:
        """A MySQLdb connection (autocommit on) as ``user`` over TCP, or as root over the socket."""
        import MySQLdb

        options: dict[str, Any] = {"charset": "utf8mb4", "autocommit": True, "connect_timeout": 10, **kwargs}
        if db is not None:
            options["database"] = db
        if user == "root":
            return MySQLdb.connect(unix_socket=str(self._socket), user="root", **options)
        return MySQLdb.connect(host=self.host, port=self.port, user=user, password=self._password(user), **options)

    def execute_script(self, sql_text: str, db: str | None = None, *, user: str = "themis_admin") -> None:
        """Run a multi-statement SQL script (no DELIMITER lines needed: the server splits it)."""
        from MySQLdb.constants import CLIENT

        conn = self.connect(user, db=db, client_flag=CLIENT.MULTI_STATEMENTS | CLIENT.MULTI_RESULTS)
        try:
            cursor = conn.cursor()
            cursor.execute(sql_text)
            while cursor.nextset():  # each statement's error surfaces while walking the results
                pass
            cursor.close()
        finally:
            conn.close()

    def rotate_slow_log(self, new_path: Path | str) -> Path:
        """Point the slow log at ``new_path`` (created by the server); returns the old path."""
        old = self.slow_log_path
        new = Path(new_path).resolve()
        new.parent.mkdir(parents=True, exist_ok=True)
        self._admin("SET GLOBAL slow_query_log_file = %s", (str(new),))
        self._slow_log = new
        return old

    def flush_slow_log(self) -> Path:
        """Close and reopen the slow-log file so everything logged so far is on disk."""
        self._admin("FLUSH SLOW LOGS")
        return self.slow_log_path

    # ----------------------------------------------------------------- internals
    def _password(self, user: str) -> str:
        if user not in USERS:
            raise SandboxError(f"unknown sandbox user {user!r}; known: {', '.join(USERS)}")
        return USERS[user][0]

    def _admin(self, sql: str, params: tuple[Any, ...] | None = None) -> None:
        conn = self.connect("root")
        try:
            conn.cursor().execute(sql, params)
        finally:
            conn.close()

    def _prepare_dirs(self) -> None:
        if self._root is None:
            self.base_dir.mkdir(parents=True, exist_ok=True)
            self._root = Path(tempfile.mkdtemp(prefix="mariadb-", dir=self.base_dir)).resolve()
        for sub in ("data", "run", "log", "tmp"):
            (self._root / sub).mkdir(exist_ok=True)
        if self._socket is None:
            self._socket = self._root / "run" / "mariadbd.sock"
            if len(str(self._socket)) > _MAX_SOCKET_PATH:  # deep pytest tmp dirs
                self._socket = Path(tempfile.mkdtemp(prefix="tmdb-")) / "mariadbd.sock"
        if self._slow_log is None:
            self._slow_log = self._root / "log" / "slow.log"
        if self._port is None:
            self._port = free_port()

    def _write_cnf(self) -> Path:
        """The server's only option file (``--defaults-file``: the system's my.cnf is never read)."""
        root = self.root_dir
        settings = {
            "user": getpass.getuser(),  # root may run mariadbd only when the cnf says so
            "datadir": root / "data",
            "tmpdir": root / "tmp",
            "socket": self._socket,
            "pid-file": self.pid_file,
            "bind-address": HOST,
            "port": self.port,
            "log-error": self.error_log_path,
            "slow_query_log": 1,
            "slow_query_log_file": self.slow_log_path,
            "long_query_time": 0,
            "log_slow_verbosity": "query_plan",
            "character-set-server": "utf8mb4",
            "collation-server": "utf8mb4_general_ci",
            "innodb_buffer_pool_size": "64M",
            "innodb_log_file_size": "32M",
            "innodb_flush_log_at_trx_commit": 2,
            "innodb_buffer_pool_dump_at_shutdown": "OFF",  # nothing to warm up next time: faster stop
            "innodb_buffer_pool_load_at_startup": "OFF",
            "max_connections": 100,
            "performance_schema": "ON" if self.performance_schema else "OFF",
        }
        lines = ["[mariadbd]", *(f"{key}={value}" for key, value in settings.items()), "skip-name-resolve"]
        lines += ["", "[client]", f"socket={self._socket}", ""]
        cnf = root / "my.cnf"
        cnf.write_text("\n".join(lines))
        return cnf

    def _install_db(self, install_db: str, cnf: Path) -> None:
        result = subprocess.run(
            [install_db, f"--defaults-file={cnf}", "--auth-root-authentication-method=normal", "--skip-test-db"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise SandboxError(f"mariadb-install-db failed ({result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}")

    def _launch(self, mariadbd: str, cnf: Path) -> None:
        """Start mariadbd in its own session and wait until it answers a ping."""
        stdout = open(self.root_dir / "log" / "stdout.log", "ab")  # noqa: SIM115 - handed to the child
        try:
            self._process = subprocess.Popen(
                [mariadbd, f"--defaults-file={cnf}"],
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the test runner must not reach the server first
            )
        finally:
            stdout.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        import MySQLdb

        deadline = time.monotonic() + self.start_timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                self._process = None
                raise SandboxError(f"mariadbd exited with {code} during start-up\n{self._error_log_tail()}")
            try:
                self.connect("root").close()
                return
            except MySQLdb.OperationalError as exc:
                last_error = str(exc)
                time.sleep(0.1)
        self.stop()
        raise SandboxError(
            f"mariadbd did not answer within {self.start_timeout:.0f} s ({last_error})\n{self._error_log_tail()}"
        )

    def _error_log_tail(self, lines: int = 30) -> str:
        try:
            text = self.error_log_path.read_text(errors="replace")
        except OSError:
            return "(no error log)"
        return "error log tail:\n" + "\n".join(text.splitlines()[-lines:])

    def _create_users(self) -> None:
        """Create (or re-grant, after a restart) the two sandbox accounts."""
        conn = self.connect("root")
        try:
            cursor = conn.cursor()
            for user, (password, privileges) in USERS.items():
                cursor.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (user, HOST, password))
                cursor.execute(f"GRANT {privileges} ON *.* TO %s@%s", (user, HOST))
        finally:
            conn.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"MariaDBSandbox({self.base_dir!s}, port={self._port}, {state})"
