"""Oracle capture on both doors: the export door on the sample export, and the live door on a
scripted python-oracledb connection answering from the same export (no Oracle server runs here).

The two doors run the same SQL and the same shaping, so they must produce the same records.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from tests.oracle.scripted import Script, ScriptedConnection
from themis.capture.base import SHARED_FIELDS, CaptureContext
from themis.capture.oracle import OracleCapture
from themis.capture.oracle.export import ExportDoor, ExportError, find_export, read_manifest
from themis.capture.oracle.live import LiveDoor, OracleAuthError, classify
from themis.config import parse_config
from themis.paths import PROJECT_ROOT
from themis.store.local import LocalStore
from themis.window import CaptureWindow

SAMPLE = PROJECT_ROOT / "include" / "demo" / "oracle-export"


def _window() -> CaptureWindow:
    from themis.demo import oracle_export_window

    window = oracle_export_window(SAMPLE)
    return CaptureWindow.parse(window["window_start"], window["window_end"])


def _context(tmp_path: Path, *, export: bool = True, schemas="auto", **oracle) -> CaptureContext:
    door = {"export": {"path": str(SAMPLE)}} if export else {"conn_id": "ora"}
    project = parse_config({"instances": [{"id": "ora", "db_type": "oracle", "schemas": schemas, **door,
                                           "oracle": oracle or {"source": "awr"}}]})
    store = LocalStore(tmp_path / "store.sqlite3")
    return CaptureContext(project.instances[0], [] if schemas == "auto" else list(schemas), _window(), store,
                          "run1", log=lambda line: None, rule_params=lambda rule_id: {"return_num": 50,
                                                                                      "unrepeat_threshold": 1})


@pytest.fixture(scope="module")
def export_objects(tmp_path_factory):
    ctx = _context(tmp_path_factory.mktemp("export"))
    return OracleCapture().objects(ctx)


@pytest.fixture(scope="module")
def live_objects(tmp_path_factory):
    script = Script(SAMPLE)
    # A live server has no manifest to tell the zone of its AWR snapshot times: configured, as in
    # production, so the live door reads the same window's snapshots as the export door.
    ctx = _context(tmp_path_factory.mktemp("live"), export=False, source="awr", timezone="Asia/Shanghai")
    with LiveDoor(ScriptedConnection(script), call_timeout_ms=1234, conn_id="ora") as door:
        captured = OracleCapture().objects_from(door, ctx)
    return captured, script


def test_auto_owners_skip_oracle_maintained_locked_and_segmentless_users(export_objects):
    owners = export_objects.meta["schemas"]
    assert owners and not {"SYS", "SYSTEM", "XDB", "DBSNMP"} & set(owners)
    manifest = json.loads((SAMPLE / "export.json").read_text())
    assert set(owners) <= set(manifest["owners"])


def test_every_shared_concept_carries_the_contract_fields(export_objects):
    for kind, fields in SHARED_FIELDS.items():
        for record in export_objects.records.get(kind, []):
            missing = [f for f in fields if f not in record]
            assert not missing, (kind, missing, record)
    assert export_objects.records["obj.table"], "the sample has tables"


def test_no_recycle_bin_object_is_captured(export_objects):
    for kind, records in export_objects.records.items():
        for record in records:
            for key in ("table", "index", "name", "view", "sequence"):
                assert not str(record.get(key) or "").startswith("BIN$"), (kind, record)


def test_table_size_sums_its_partition_and_subpartition_segments(export_objects):
    tables = {(t["schema"], t["table"]): t for t in export_objects.records["obj.table"]}
    partitions = export_objects.records["obj.partition"]
    partitioned = [t for t in tables.values() if t["partitioned"]]
    assert partitioned
    for table in partitioned:
        own = [p for p in partitions if (p["schema"], p["table"]) == (table["schema"], table["table"])]
        assert table["size_bytes"] == sum(p["size_bytes"] for p in own)
    heap = [t for t in tables.values() if not t["partitioned"] and t["segment_created"]]
    assert heap and all(t["size_bytes"] > 0 and t["size_mb"] == round(t["size_bytes"] / 2**20, 2) for t in heap)


def test_deferred_segments_have_size_zero(export_objects):
    deferred = [t for t in export_objects.records["obj.table"] if not t["segment_created"]]
    deferred += [s for s in export_objects.records["obj.subpartition"] if not s["segment_created"]]
    assert deferred and all(r["size_bytes"] == 0 for r in deferred)


def test_flags_and_degrees_are_typed(export_objects):
    for table in export_objects.records["obj.table"]:
        assert isinstance(table["partitioned"], bool) and isinstance(table["temporary"], bool)
        assert table["degree"] is None or isinstance(table["degree"], int) or table["degree"] == "DEFAULT"
    for column in export_objects.records["obj.column"]:
        assert isinstance(column["is_nullable"], bool) and isinstance(column["hidden"], bool)


def test_views_keep_every_dependency(export_objects):
    views = export_objects.records["obj.view"]
    assert views and max(len(v["references"]) for v in views) >= 2


def test_export_door_samples_nothing_and_says_why(export_objects):
    assert export_objects.records["obj.column_sample"] == []
    gaps = {g["kind"]: g for g in export_objects.records["obj.unavailable"]}
    assert "export" in gaps["obj.column_sample"]["reason"]


def test_index_usage_comes_from_the_window_plans(export_objects):
    usage = export_objects.records["obj.index_usage"]
    assert usage and all(u["source"] == "awr" and u["sql_ids"] >= 1 for u in usage)


def test_live_door_gives_the_same_records_as_the_export_door(export_objects, live_objects):
    captured, _ = live_objects
    for kind in ("obj.table", "obj.column", "obj.index", "obj.constraint", "obj.foreign_key", "obj.partition",
                 "obj.subpartition", "obj.lob", "obj.sequence", "obj.trigger", "obj.routine", "obj.view",
                 "obj.index_usage"):
        assert captured.records[kind] == export_objects.records[kind], kind
    assert captured.records["obj.database"][0]["door"] == "live"


def test_live_door_binds_every_value_and_only_selects(live_objects):
    captured, script = live_objects
    owners = captured.meta["schemas"]
    assert script.call_timeouts == [1234]
    assert script.executed
    for sql, params in script.executed:
        assert sql.lstrip().upper().startswith(("SELECT", "WITH")), sql
        for owner in owners:
            assert f"'{owner}'" not in sql
    assert any(set(owners) <= set(params.values()) for _, params in script.executed)


def test_live_door_samples_columns_for_col_wrong_type(live_objects):
    captured, _ = live_objects
    # The export holds no table data, so the scripted server has no table to read: each table's
    # sample fails and says so rather than pretending to have looked.
    samples = captured.records["obj.column_sample"]
    assert samples and all(s["error"] and s["values"] == [] for s in samples)


@pytest.mark.parametrize("message, kind", [
    ("ORA-01017: invalid username/password; logon denied", OracleAuthError),
    ("ORA-28000: The account is locked.", OracleAuthError),
    ("ORA-28001: the password has expired", OracleAuthError),
    ("ORA-12541: Cannot connect. No listener at host 10.0.0.1 port 1521.", ConnectionError),
    ("ORA-12170: Cannot connect. TCP connect timeout", ConnectionError),
    ("ORA-03113: end-of-file on communication channel", ConnectionError),
    ("ORA-00942: table or view does not exist", RuntimeError),
])
def test_errors_are_classified_for_fail_fast_or_retry(message, kind):
    error = classify(Exception(message), "ora", "tables")
    assert type(error) is kind
    assert message.split(":")[0] in str(error)


def test_authentication_errors_fail_the_task_at_once(tmp_path):
    from airflow.sdk.exceptions import AirflowFailException

    from themis.connections import fail_fast_on_auth

    script = Script(SAMPLE, fail_on={"DBA_TABLES": "ORA-28000: The account is locked."})
    ctx = _context(tmp_path, export=False)
    with pytest.raises(AirflowFailException, match="not retrying"):
        with fail_fast_on_auth("ora"), LiveDoor(ScriptedConnection(script), conn_id="ora") as door:
            OracleCapture().objects_from(door, ctx)


def test_a_network_error_is_raised_for_retry(tmp_path):
    from themis.connections import fail_fast_on_auth

    script = Script(SAMPLE, fail_on={"DBA_SEGMENTS": "ORA-03113: end-of-file on communication channel"})
    with pytest.raises(ConnectionError, match="ORA-03113"):
        with fail_fast_on_auth("ora"), LiveDoor(ScriptedConnection(script), conn_id="ora") as door:
            OracleCapture().objects_from(door, _context(tmp_path, export=False))


# ------------------------------------------------------------------------------------ statements


def test_awr_statements_sum_deltas_over_every_instance(tmp_path):
    ctx = _context(tmp_path)
    captured = OracleCapture().statements(ctx)
    statements = captured.records["sql.statement"]
    assert statements and captured.meta["source"] == "awr"
    assert any(s["stats"]["instances"] == 2 for s in statements), "RAC: both instances' snapshots count"
    for statement in statements:
        stats = statement["stats"]
        assert statement["checksum"] == f"{statement['sql_id']}:{statement['plan_hash_value']}"
        if stats["executions"]:
            assert stats["elapsed_time_us_per_exec"] == round(stats["elapsed_time_us"] / stats["executions"], 3)
        else:
            assert stats["elapsed_time_us_per_exec"] is None
        sig = statement["force_matching_signature"]
        assert sig is None or isinstance(sig, str)
    plans = {p["checksum"]: p for p in captured.records["sql.plan"]}
    assert set(plans) == {s["checksum"] for s in statements}
    lines = [line for p in plans.values() for line in p["lines"]]
    assert lines and any(line.get("filter_predicates") or line.get("access_predicates") for line in lines)


def test_a_window_outside_awr_retention_is_an_error(tmp_path):
    from themis.capture.oracle.awr import WindowError

    ctx = _context(tmp_path)
    ctx.window = CaptureWindow(ctx.window.start - dt.timedelta(days=400), ctx.window.start - dt.timedelta(days=399))
    with pytest.raises((WindowError, ExportError), match="window"):
        OracleCapture().statements(ctx)


# ---------------------------------------------------------------------------------- export files


def test_find_export_names_the_window_and_the_ranges_found(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "x1")
    with pytest.raises(ExportError) as error:
        find_export(str(tmp_path / "x*"), (dt.datetime(2001, 1, 1), dt.datetime(2001, 1, 2)))
    assert "2001-01-01" in str(error.value) and "x1" in str(error.value)


def test_a_missing_column_reads_as_null_and_a_bad_value_names_the_file(tmp_path):
    export = tmp_path / "e"
    shutil.copytree(SAMPLE, export)
    lines = (export / "DBA_SEQUENCES.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    position = header.index('"CACHE_SIZE"') if '"CACHE_SIZE"' in header else header.index("CACHE_SIZE")
    trimmed = [",".join(cell for i, cell in enumerate(line.split(",")) if i != position) for line in lines]
    (export / "DBA_SEQUENCES.csv").write_text("\n".join(trimmed) + "\n", encoding="utf-8")
    with ExportDoor(read_manifest(export), log_line=lambda line: None) as door:
        rows = list(door.rows("sequences", owners=["SALES", "HR"], version_major=19))
    assert rows and all(r["cache_size"] is None for r in rows)
    (export / "DBA_TABLES.csv").write_text('"OWNER","TABLE_NAME","NUM_ROWS"\n"SALES","T","many"\n', encoding="utf-8")
    with ExportDoor(read_manifest(export), log_line=lambda line: None) as door:
        with pytest.raises(ExportError, match="DBA_TABLES.csv"):
            list(door.rows("tables", owners=["SALES"], version_major=19))


def test_not_an_export_is_a_clear_error(tmp_path):
    with pytest.raises(ExportError, match="no export.json"):
        read_manifest(tmp_path)


def test_cursor_cache_source_audits_the_difference_between_runs(tmp_path):
    """source: cursor_cache — V$SQLSTATS counters are cumulative: the first run stores them, a later
    run audits only what happened since (a statement reloaded since counts from zero)."""
    from themis.capture.oracle.awr import CURSOR_CACHE_KIND
    from themis.store import PartitionKey

    ctx = _context(tmp_path, source="cursor_cache")
    first = OracleCapture().statements(ctx)
    raw = first.records[CURSOR_CACHE_KIND]
    assert raw and first.meta["source"] == "cursor_cache"
    assert {s["checksum"] for s in first.records["sql.statement"]} == {
        f"{r['sql_id']}:{r['plan_hash_value']}" for r in raw}
    # Store the first run as an earlier window, with one statement having run 5 more times since
    # and one reloaded (its counters went down).
    earlier = CaptureWindow(ctx.window.start - dt.timedelta(days=1), ctx.window.start)
    previous = [dict(r) for r in raw]
    previous[0]["executions"] = (previous[0]["executions"] or 0) - 5
    previous[1]["executions"] = (previous[1]["executions"] or 0) + 1000
    ctx.store.write(PartitionKey(ctx.instance.id, earlier.key, CURSOR_CACHE_KIND), previous)
    second = OracleCapture().statements(ctx)
    stats = {s["checksum"]: s["stats"] for s in second.records["sql.statement"]}
    key = lambda r: f"{r['sql_id']}:{r['plan_hash_value']}"  # noqa: E731
    assert stats[key(raw[0])]["executions"] == 5
    assert stats[key(raw[1])]["executions"] == raw[1]["executions"]
    unchanged = [key(r) for r in raw[2:] if r["executions"]]
    assert unchanged and all(k not in stats for k in unchanged), "nothing ran since the last run"
