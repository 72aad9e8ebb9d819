"""Exactly-once: an ingest killed part-way, then run again, ends where a clean run ends.

Each run is a separate process (``themis.slowlog.ingest.ingest`` with a local store and the sandbox
as the --history / --review repository), killed with SIGKILL at a chosen point by
``THEMIS_SLOWLOG_FAULT``: "scan" (the parent, while its worker processes are digesting chunks),
"digest" (digest done, nothing stored), "store" (half-way through writing the store partition) and
"history" (half-way through the history table's transaction). After the crash the store and the
tables hold what they held before -- never a mix -- and the next run gives exactly the clean result.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from themis.sandbox import MariaDBSandbox
from themis.store import PartitionKey, open_store

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ("2026-11-21T00:00:00+00:00", "2026-11-22T00:00:00+00:00")
WINDOW_KEY = "20261121T000000Z_20261122T000000Z"

RUNNER = """
import contextlib, json, sys
cfg = json.loads(sys.argv[1])
sys.path.insert(0, cfg["plugins"])
import MySQLdb
from themis.config import SlowlogSource
from themis.slowlog.ingest import ingest
from themis.store import open_store
from themis.window import CaptureWindow

@contextlib.contextmanager
def connect(_conn_id):
    conn = MySQLdb.connect(host="127.0.0.1", port=cfg["port"], user="themis_admin", password="adminpw",
                           charset="utf8mb4", autocommit=False)
    conn.cursor().execute("SET SESSION long_query_time = 31536000")
    try:
        yield conn
    finally:
        conn.close()

with open_store({"backend": "local", "path": cfg["store"]}) as store:
    summary = ingest(SlowlogSource.model_validate(cfg["source"]), window=CaptureWindow.parse(*cfg["window"]),
                     instance_id="eo", instance_conn_id="unused", store=store, run_id=cfg["run"], connect=connect)
print(json.dumps(summary))
"""


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated log of three 8 MiB chunks (so the workers are busy when the parent dies)."""
    spec = importlib.util.spec_from_file_location("gen_slowlog", ROOT / "bench" / "slowlog" / "gen_slowlog.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    path = tmp_path_factory.mktemp("eo") / "slow.log"
    gen.generate(path, 20.0, seed=7)
    return path


def run_ingest(mariadb: MariaDBSandbox, log: Path, store: Path, db: str, *, fault: str | None = None,
               tag: str = "") -> subprocess.CompletedProcess[str]:
    cfg = {"plugins": str(ROOT / "plugins"), "port": mariadb.port, "store": str(store), "window": WINDOW,
           "run": fault or "clean",
           "source": {"source": "file", "paths": [str(log)], "workers": 2,
                      "history": {"table": f"{db}.query_history"}, "review": {"table": f"{db}.query_review"}}}
    env = {k: v for k, v in os.environ.items() if k != "THEMIS_SLOWLOG_FAULT"}
    env["THEMIS_EO_TAG"] = tag
    if fault:
        env["THEMIS_SLOWLOG_FAULT"] = fault
    return subprocess.run([sys.executable, "-c", RUNNER, json.dumps(cfg)], capture_output=True, text=True, env=env,
                          timeout=300)


def state(mariadb: MariaDBSandbox, store: Path, db: str) -> tuple[Any, ...]:
    """What a run leaves: the stored digest, and the history and review rows."""
    with open_store({"backend": "local", "path": str(store)}) as opened:
        digest = opened.read_all(PartitionKey("eo", WINDOW_KEY, "slowlog.digest"))
    conn = mariadb.connect("themis_admin")
    try:
        cursor = conn.cursor()
        cursor.execute("SET SESSION long_query_time = 31536000")
        tables = []
        for table, columns in (("query_history", "checksum, ts_min, ts_max, ts_cnt, Query_time_sum, Rows_examined_sum"),
                               ("query_review", "checksum, fingerprint, first_seen, last_seen")):
            cursor.execute(f"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                           (db, table))
            if cursor.fetchone()[0]:
                cursor.execute(f"SELECT {columns} FROM `{db}`.`{table}` ORDER BY 1, 2")
                tables.append(list(cursor.fetchall()))
            else:
                tables.append(None)
    finally:
        conn.close()
    return digest, tables[0], tables[1]


@pytest.fixture(scope="module")
def reference(mariadb: MariaDBSandbox, big_log: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, ...]:
    store = tmp_path_factory.mktemp("eo_ref") / "store.sqlite3"
    done = run_ingest(mariadb, big_log, store, "themis_eo_ref")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    result = state(mariadb, store, "themis_eo_ref")
    assert summary["classes"] == len(result[0]) > 1000 and len(result[1]) == len(result[0])
    return result


def worker_processes(tag: str) -> list[int]:
    """Our worker processes still alive (found by the tag their environment carries)."""
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if "themis.slowlog.worker" in " ".join(process.info["cmdline"] or []) and \
                    process.environ().get("THEMIS_EO_TAG") == tag:
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


@pytest.mark.parametrize("point", ["scan", "digest", "store", "history"])
def test_crash_then_rerun_equals_a_clean_run(mariadb: MariaDBSandbox, big_log: Path, tmp_path: Path,
                                            reference: tuple[Any, ...], point: str) -> None:
    db = f"themis_eo_{point}"
    store = tmp_path / "store.sqlite3"

    # A crash on the very first run leaves nothing behind in the store or the history table.
    tag = uuid.uuid4().hex
    crashed = run_ingest(mariadb, big_log, store, db, fault=point, tag=tag)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-3000:]
    digest, history, _ = state(mariadb, store, db)
    if point in ("scan", "digest", "store"):
        assert digest == [] and history is None
    else:  # the store was written before the history table; the table's transaction was rolled back
        assert digest == reference[0] and history == []

    # The run after the crash gives exactly the clean result.
    done = run_ingest(mariadb, big_log, store, db)
    assert done.returncode == 0, done.stderr[-3000:]
    assert state(mariadb, store, db) == reference

    # A crash of a re-run leaves the previous complete results, not a mix, and the next run the same.
    crashed = run_ingest(mariadb, big_log, store, db, fault=point, tag=tag)
    assert crashed.returncode == -signal.SIGKILL
    assert state(mariadb, store, db) == reference
    done = run_ingest(mariadb, big_log, store, db)
    assert done.returncode == 0 and state(mariadb, store, db) == reference

    if point == "scan":  # the parent died while its workers digested: they must not linger
        deadline = time.monotonic() + 20
        while worker_processes(tag) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert worker_processes(tag) == []
