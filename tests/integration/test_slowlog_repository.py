"""The database side of the slow-log engine against the sandbox MariaDB and the real pt-query-digest.

* our --review / --history tables are pt's: pt writes into them (and its rows coincide with ours),
  and our pt_history source reads what pt wrote;
* re-running a window replaces its history rows;
* the mysql.slow_log table source (log_output=TABLE) equals the file;
* performance_schema digests are the difference between two runs, and a re-run repeats it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from themis.config import SlowlogSource
from themis.sandbox import MariaDBSandbox
from themis.slowlog.digest import digest_paths
from themis.slowlog.ingest import ingest
from themis.slowlog.tables import HISTORY_COLUMNS, REVIEW_COLUMNS
from themis.store import PartitionKey, open_store
from themis.window import CaptureWindow

pytestmark = pytest.mark.integration

UTC = dt.timezone.utc
DATA = Path(__file__).resolve().parents[1] / "data" / "slowlogs"
PT = shutil.which("pt-query-digest") or "/usr/bin/pt-query-digest"
needs_pt = pytest.mark.skipif(not Path(PT).exists(), reason="pt-query-digest is not installed")
SAMPLE_WINDOW = CaptureWindow.parse("2026-11-22T00:00:00Z", "2026-11-23T00:00:00Z")


def connector(sandbox: MariaDBSandbox, *, quiet: bool = True):
    """``ingest(connect=...)``: themis_admin connections, kept out of the slow log like the real ones."""

    @contextlib.contextmanager
    def connect(conn_id: str) -> Iterator[Any]:
        conn = sandbox.connect("themis_admin", autocommit=False)
        if quiet:
            conn.cursor().execute("SET SESSION long_query_time = 31536000")
        try:
            yield conn
        finally:
            conn.close()

    return connect


def rows(sandbox: MariaDBSandbox, sql: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sandbox.connect("themis_admin")) as conn:
        cursor = conn.cursor()
        cursor.execute("SET SESSION long_query_time = 31536000")
        cursor.execute(sql)
        return list(cursor.fetchall())


def run_pt(sandbox: MariaDBSandbox, log: Path, db: str, *extra: str) -> None:
    dsn = f"h=127.0.0.1,P={sandbox.port},u=themis_admin,p=adminpw,D={db}"
    proc = subprocess.run([PT, "--no-version-check", "--no-report", "--limit", "100%:100000",
                           "--review", f"{dsn},t=query_review", "--history", f"{dsn},t=query_history", *extra,
                           str(log)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.fixture
def store(tmp_path: Path):
    with open_store({"backend": "local", "path": str(tmp_path / "store.sqlite3")}) as opened:
        yield opened


def source(**values: Any) -> SlowlogSource:
    return SlowlogSource.model_validate(values)


# ------------------------------------------------------------------------------ review / history


@needs_pt
@pytest.mark.parametrize("log", ["mysql57.log", "mariadb103.log", "percona57.log"])
def test_our_tables_are_pt_tables(mariadb: MariaDBSandbox, store: Any, log: str) -> None:
    db = f"themis_out_{log.split('.')[0]}"
    config = source(source="file", paths=[str(DATA / log)], workers=1,
                    history={"table": f"{db}.query_history"}, review={"table": f"{db}.query_review"})
    summary = ingest(config, window=SAMPLE_WINDOW, instance_id="i", instance_conn_id="c", store=store, run_id="r1",
                     connect=connector(mariadb))
    classes = store.read_all(PartitionKey("i", SAMPLE_WINDOW.key, "slowlog.digest"))
    assert summary["outputs"] == {"history": {"table": f"{db}.query_history", "rows": len(classes)},
                                  "review": {"table": f"{db}.query_review", "rows": len(classes)}}
    assert [c[0] for c in rows(mariadb, f"SHOW COLUMNS FROM {db}.query_review")] == [n for n, _ in REVIEW_COLUMNS]
    assert [c[0] for c in rows(mariadb, f"SHOW COLUMNS FROM {db}.query_history")] == [n for n, _ in HISTORY_COLUMNS]
    assert "utf8mb4" in rows(mariadb, f"SHOW CREATE TABLE {db}.query_history")[0][1]
    ours = sorted(rows(mariadb, f"SELECT checksum, ts_min, ts_max, ts_cnt, Query_time_sum FROM {db}.query_history"))
    assert len(ours) == len(classes)

    # A re-run of the window replaces its rows: same rows, none added.
    ingest(config, window=SAMPLE_WINDOW, instance_id="i", instance_conn_id="c", store=store, run_id="r2",
           connect=connector(mariadb))
    assert sorted(rows(mariadb, f"SELECT checksum, ts_min, ts_max, ts_cnt, Query_time_sum FROM {db}.query_history")) == ours

    # pt-query-digest writes into our tables, and its rows are ours: same keys (so its REPLACE
    # overwrote them), same counts and sums.
    run_pt(mariadb, DATA / log, db)
    after_pt = sorted(rows(mariadb, f"SELECT checksum, ts_min, ts_max, ts_cnt, Query_time_sum FROM {db}.query_history"))
    assert [r[:4] for r in after_pt] == [r[:4] for r in ours]
    assert all(abs(a[4] - b[4]) <= 1e-4 * max(1.0, abs(b[4])) for a, b in zip(after_pt, ours))
    review = rows(mariadb, f"SELECT checksum, fingerprint FROM {db}.query_review")
    assert sorted(review) == sorted((c["checksum"], c["fingerprint"]) for c in classes)


@needs_pt
def test_pt_history_source_reads_what_pt_wrote(mariadb: MariaDBSandbox, store: Any) -> None:
    log = DATA / "percona57.log"
    run_pt(mariadb, log, "themis_ptsrc", "--create-review-table", "--create-history-table")
    summary = ingest(source(source="pt_history", history_table="themis_ptsrc.query_history",
                            review_table="themis_ptsrc.query_review"),
                     window=SAMPLE_WINDOW, instance_id="i", instance_conn_id="c", store=store, run_id="r",
                     connect=connector(mariadb))
    got = {c["checksum"]: c for c in store.read_all(PartitionKey("i", SAMPLE_WINDOW.key, "slowlog.digest"))}
    expected = {c["checksum"]: c for c in digest_paths([str(log)], since=None, until=None).classes}
    assert summary["classes"] == len(expected) and sorted(got) == sorted(expected)
    for check, cls in expected.items():
        mine = got[check]
        assert mine["fingerprint"] == cls["fingerprint"]
        assert mine["query_count"] == cls["query_count"] == mine["ts_cnt"]
        for key in ("Query_time_sum", "Query_time_max", "Rows_examined_sum", "Query_time_pct_95"):
            assert mine[key] == pytest.approx(cls[key], rel=1e-5), (check, key)  # FLOAT columns
        assert mine["ts_min"][:19] == cls["ts_min"][:19]


def test_output_table_must_exist_when_not_created(mariadb: MariaDBSandbox, store: Any) -> None:
    config = source(source="file", paths=[str(DATA / "mysql57.log")], workers=1,
                    history={"table": "themis_nope.query_history", "create": False})
    with pytest.raises(LookupError, match="themis_nope.query_history does not exist"):
        ingest(config, window=SAMPLE_WINDOW, instance_id="i", instance_conn_id="c", store=store, run_id="r",
               connect=connector(mariadb))


# ------------------------------------------------------------------------------ mysql.slow_log


def test_slow_log_table_source_equals_the_file(mariadb: MariaDBSandbox, store: Any) -> None:
    with contextlib.closing(mariadb.connect("root")) as root:
        root.cursor().execute("SET GLOBAL log_output = 'FILE,TABLE'")
    try:
        mariadb.execute_script("CREATE DATABASE IF NOT EXISTS themis_tbl; CREATE TABLE IF NOT EXISTS themis_tbl.t "
                               "(id INT PRIMARY KEY, v VARCHAR(20)); REPLACE INTO themis_tbl.t VALUES (1, 'a'), (2, 'b');")
        start = dt.datetime.now(UTC).replace(microsecond=0) - dt.timedelta(seconds=1)
        with contextlib.closing(mariadb.connect("themis_admin", db="themis_tbl")) as conn:
            cursor = conn.cursor()
            for n in range(40):
                cursor.execute("SELECT v FROM t WHERE id = %s", (n % 3,))
                cursor.execute("SELECT COUNT(*) FROM t WHERE v LIKE %s", (f"%{n}%",))
        mariadb.flush_slow_log()
        time.sleep(1.1)
        end = dt.datetime.now(UTC).replace(microsecond=0) + dt.timedelta(seconds=1)
    finally:
        with contextlib.closing(mariadb.connect("root")) as root:
            root.cursor().execute("SET GLOBAL log_output = 'FILE'")
    window = CaptureWindow(start, end)
    summary = ingest(source(source="table"), window=window, instance_id="t", instance_conn_id="c", store=store,
                     run_id="r", connect=connector(mariadb))
    # The workload's statements (others differ on purpose: the file's entries without a db inherit
    # the previous entry's, as in pt; the table's have none).
    mine = ("select v from t where id = ?", "select count(*) from t where v like ?")
    from_table = {c["checksum"]: c for c in store.read_all(PartitionKey("t", window.key, "slowlog.digest"))
                  if c["fingerprint"] in mine}
    from_file = {c["checksum"]: c for c in digest_paths([str(mariadb.slow_log_path)], since=start, until=end).classes
                 if c["fingerprint"] in mine}
    assert summary["source"] == "table" and len(from_table) == 2
    assert sorted(from_table) == sorted(from_file)
    for check, cls in from_table.items():
        assert cls["query_count"] == from_file[check]["query_count"]
        assert cls["Query_time_sum"] == pytest.approx(from_file[check]["Query_time_sum"], abs=1e-6)
        assert cls["Rows_examined_sum"] == from_file[check]["Rows_examined_sum"]
        assert cls["user_max"] == "themis_admin"


# ------------------------------------------------------------------------------ performance_schema


@pytest.fixture(scope="module")
def ps_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBSandbox]:
    sandbox = MariaDBSandbox(tmp_path_factory.mktemp("mariadb_ps"), performance_schema=True)
    try:
        sandbox.start()
    except Exception as exc:  # noqa: BLE001 - the session sandbox decides whether MariaDB is required
        pytest.skip(f"cannot start a MariaDB with performance_schema: {exc}")
    try:
        yield sandbox
    finally:
        sandbox.stop()


def the_select(digest: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The workload's statement (the server's digest text quotes names and spaces things out)."""
    found = [c for fp, c in digest.items() if fp.replace("`", "").split() == "select id from t where id = ?".split()]
    assert len(found) == 1, sorted(digest)
    return found[0]


def test_performance_schema_digests_the_difference_between_runs(ps_server: MariaDBSandbox, store: Any) -> None:
    ps_server.execute_script("CREATE DATABASE IF NOT EXISTS pss; CREATE TABLE IF NOT EXISTS pss.t (id INT PRIMARY KEY);"
                             "REPLACE INTO pss.t VALUES (1), (2), (3);")

    def workload(times: int) -> None:
        with contextlib.closing(ps_server.connect("themis_admin", db="pss")) as conn:
            cursor = conn.cursor()
            for n in range(times):
                cursor.execute(f"SELECT id FROM t WHERE id = {n % 3 + 1}")

    now = dt.datetime.now(UTC).replace(microsecond=0)
    first = CaptureWindow(now - dt.timedelta(hours=1), now)
    second = CaptureWindow(now, now + dt.timedelta(hours=1))
    config = source(source="performance_schema")
    connect = connector(ps_server)
    workload(5)
    ingest(config, window=first, instance_id="p", instance_conn_id="c", store=store, run_id="r1", connect=connect)
    workload(7)
    summary = ingest(config, window=second, instance_id="p", instance_conn_id="c", store=store, run_id="r2",
                     connect=connect)
    digest = {c["fingerprint"]: c for c in store.read_all(PartitionKey("p", second.key, "slowlog.digest"))}
    cls = the_select(digest)
    assert cls["query_count"] == 7 and cls["db_max"] == "pss" and cls["Query_time_sum"] > 0
    assert summary["ps_snapshot_reused"] is False and summary["ps_previous_snapshot"]

    workload(4)  # after the window's snapshot: a re-run of the window digests the same difference
    again = ingest(config, window=second, instance_id="p", instance_conn_id="c", store=store, run_id="r3",
                   connect=connect)
    assert again["ps_snapshot_reused"] is True
    redone = {c["fingerprint"]: c for c in store.read_all(PartitionKey("p", second.key, "slowlog.digest"))}
    assert the_select(redone)["query_count"] == 7


def test_performance_schema_cannot_backfill(ps_server: MariaDBSandbox, store: Any) -> None:
    past = CaptureWindow.parse("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z")
    summary = ingest(source(source="performance_schema"), window=past, instance_id="p", instance_conn_id="c",
                     store=store, run_id="r", connect=connector(ps_server))
    assert summary["classes"] == 0 and "past window" in summary["ps_snapshot"]
