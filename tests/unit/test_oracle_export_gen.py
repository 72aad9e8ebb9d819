"""The Oracle export generator writes what oracle-export.md specifies and what real 19c views hold.

Why: the capture, the loader and the 30 OBJ rules are tested on this generated export (no Oracle can
run here), so a generator that drifts from the format or loses a fact of real dictionary data would
make every test downstream test an Oracle that does not exist.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from themis.demo import PROJECT_ROOT, load_script

DEMO_EXPORT = PROJECT_ROOT / "include" / "demo" / "oracle-export"
EXPECTED = PROJECT_ROOT / "tests" / "data" / "oracle" / "sample_expected_obj.yaml"


@pytest.fixture(scope="module")
def gen():
    return load_script("make_oracle_export")


@pytest.fixture(scope="module")
def sample(gen, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("oracle-export")
    assert gen.main(["--profile", "sample", "--out", str(out)]) == 0
    return out


def read(export: Path, view: str) -> list[dict[str, str]]:
    with (export / f"{view}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, strict=True))


def test_every_view_has_exactly_its_documented_header(gen, sample):
    views = gen.load_views()
    assert {p.stem for p in sample.glob("*.csv")} == set(views)
    for view, columns in views.items():
        with (sample / f"{view}.csv").open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == columns, view


def test_every_file_is_rfc4180(gen, sample):
    for path in sample.glob("*.csv"):
        raw = path.read_bytes()
        raw.decode("utf-8")
        assert raw.endswith(b"\r\n"), path.name
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, strict=True))
        assert all(len(row) == len(rows[0]) for row in rows), path.name
    # Quoted fields keep their commas, doubled quotes and line breaks; NULL is an empty unquoted field.
    triggers = {t["TRIGGER_NAME"]: t for t in read(sample, "DBA_TRIGGERS")}
    assert "\n  add_job_history(:old.employee_id," in triggers["UPDATE_JOB_HISTORY"]["TRIGGER_BODY"]
    expressions = (sample / "DBA_IND_EXPRESSIONS.csv").read_text(encoding="utf-8")
    assert '"UPPER(""EMAIL"")"' in expressions
    assert ',,' in (sample / "DBA_TABLES.csv").read_text(encoding="utf-8")


def test_manifest(sample):
    data = json.loads((sample / "export.json").read_text(encoding="utf-8"))
    assert {"format", "dbid", "db_name", "instance_numbers", "version", "nls_characterset", "db_block_size",
            "db_timezone", "exported_at", "owners", "awr", "source"} <= set(data)
    assert data["instance_numbers"] == [1, 2] and data["source"] == "awr"
    assert data["db_timezone"] == "+08:00" and data["version"].startswith("19.")
    assert dt.datetime.fromisoformat(data["exported_at"].replace("Z", "+00:00")).tzinfo is not None
    awr = data["awr"]
    assert (awr["begin_time"], awr["end_time"]) == ("2026-11-20 00:00:00", "2026-11-21 00:00:00")
    snaps = read(sample, "DBA_HIST_SNAPSHOT")
    assert {int(s["SNAP_ID"]) for s in snaps} == set(range(awr["begin_snap"], awr["end_snap"] + 1))
    begin, end = (dt.datetime.fromisoformat(awr[k]) for k in ("begin_time", "end_time"))
    assert all(begin <= dt.datetime.fromisoformat(s["END_INTERVAL_TIME"]) < end for s in snaps)
    assert {u["USERNAME"] for u in read(sample, "DBA_USERS")} >= set(data["owners"])
    database = read(sample, "V$DATABASE")[0]
    assert (int(database["DBID"]), database["NAME"]) == (data["dbid"], data["db_name"])


def test_dictionary_facts(sample):
    tables = {t["TABLE_NAME"]: t for t in read(sample, "DBA_TABLES")}
    segments = read(sample, "DBA_SEGMENTS")
    seg_names = {(s["SEGMENT_NAME"], s["PARTITION_NAME"]) for s in segments}
    indexes = {i["INDEX_NAME"]: i for i in read(sample, "DBA_INDEXES")}
    # Recycle bin: BIN$...==$0 objects with DROPPED = 'YES', still owning segments.
    bins = [t for t in tables.values() if t["TABLE_NAME"].startswith("BIN$")]
    assert bins and all(t["DROPPED"] == "YES" and t["TABLE_NAME"].endswith("==$0") for t in bins)
    assert any(o["OBJECT_NAME"].startswith("BIN$") for o in read(sample, "DBA_OBJECTS"))
    assert any(i["DROPPED"] == "YES" for name, i in indexes.items() if name.startswith("BIN$"))
    # DEGREE is a left-padded VARCHAR2(10), DEFAULT included.
    degrees = {t["DEGREE"] for t in tables.values()} | {i["DEGREE"] for i in indexes.values()}
    assert {"         1", "         4", "   DEFAULT", "         8", "         0"} <= degrees
    assert all(len(d) == 10 for d in degrees)
    # Flags as Oracle writes them.
    assert {t["PARTITIONED"] for t in tables.values()} == {"YES", "NO"}
    assert {t["TEMPORARY"] for t in tables.values()} == {"Y", "N"}
    # Deferred segment creation: tables, partitions and subpartitions without a DBA_SEGMENTS row.
    deferred = [t for t in tables.values() if t["SEGMENT_CREATED"] == "NO"]
    assert deferred and all((t["TABLE_NAME"], "") not in seg_names for t in deferred)
    parts = read(sample, "DBA_TAB_PARTITIONS")
    assert any(p["SEGMENT_CREATED"] == "NO" and (p["TABLE_NAME"], p["PARTITION_NAME"]) not in seg_names for p in parts)
    subs = read(sample, "DBA_TAB_SUBPARTITIONS")
    assert any(s["SEGMENT_CREATED"] == "NO" and (s["TABLE_NAME"], s["SUBPARTITION_NAME"]) not in seg_names
               for s in subs)
    assert any((s["TABLE_NAME"], s["SUBPARTITION_NAME"]) in seg_names for s in subs)
    # LOBs live in SYS_LOB...$$ / SYS_IL...$$ segments.
    lobs = [l for l in read(sample, "DBA_LOBS") if not l["TABLE_NAME"].startswith("BIN$")]
    types = {s["SEGMENT_NAME"]: s["SEGMENT_TYPE"] for s in segments}
    for lob in lobs:
        assert lob["SEGMENT_NAME"].startswith("SYS_LOB") and lob["SEGMENT_NAME"].endswith("$$")
        assert lob["INDEX_NAME"].startswith("SYS_IL") and indexes[lob["INDEX_NAME"]]["INDEX_TYPE"] == "LOB"
        assert types[lob["SEGMENT_NAME"]] == "LOBSEGMENT" and types[lob["INDEX_NAME"]] == "LOBINDEX"
    # Segment bytes are whole blocks.
    assert all(int(s["BYTES"]) == int(s["BLOCKS"]) * 8192 for s in segments)
    # An IOT has no TABLE segment; its 'IOT - TOP' index has one.
    iot = next(t for t in tables.values() if t["IOT_TYPE"] == "IOT")
    assert not any(s["SEGMENT_NAME"] == iot["TABLE_NAME"] for s in segments)
    top = next(i for i in indexes.values() if i["INDEX_TYPE"] == "IOT - TOP")
    assert top["TABLE_NAME"] == iot["TABLE_NAME"] and types[top["INDEX_NAME"]] == "INDEX"
    # Function-based indexes add hidden SYS_NC...$ columns (DBA_TAB_COLS only); a descending index is
    # FUNCTION-BASED NORMAL and its expression is just the quoted column.
    tab_cols = read(sample, "DBA_TAB_COLS")
    hidden = {(c["TABLE_NAME"], c["COLUMN_NAME"]) for c in tab_cols if c["HIDDEN_COLUMN"] == "YES"}
    assert any(name.startswith("SYS_NC") and name.endswith("$") for _t, name in hidden)
    visible = {(c["TABLE_NAME"], c["COLUMN_NAME"]) for c in read(sample, "DBA_TAB_COLUMNS")}
    assert not hidden & visible
    expressions = {e["INDEX_NAME"]: e["COLUMN_EXPRESSION"] for e in read(sample, "DBA_IND_EXPRESSIONS")}
    assert indexes["ORD_DATE_DESC_IX"]["INDEX_TYPE"] == "FUNCTION-BASED NORMAL"
    assert expressions["ORD_DATE_DESC_IX"] == '"ORDER_DATE"'
    assert expressions["CUST_UPPER_EMAIL_FIX"] == 'UPPER("EMAIL")'
    # System-generated names.
    constraints = read(sample, "DBA_CONSTRAINTS")
    assert any(c["CONSTRAINT_NAME"].startswith("SYS_C00") and c["GENERATED"] == "GENERATED NAME"
               and c["CONSTRAINT_TYPE"] == "P" for c in constraints)
    assert any(name.startswith("SYS_C00") for name in indexes)
    # Composite partitioning; global and local partitioned indexes.
    part_tables = read(sample, "DBA_PART_TABLES")
    assert any(p["SUBPARTITIONING_TYPE"] not in ("NONE", "") for p in part_tables)
    assert {p["LOCALITY"] for p in read(sample, "DBA_PART_INDEXES")} == {"GLOBAL", "LOCAL"}


def test_awr_facts(sample):
    snaps = read(sample, "DBA_HIST_SNAPSHOT")
    ends: dict[str, dict[str, dt.datetime]] = defaultdict(dict)
    for s in snaps:
        ends[s["SNAP_ID"]][s["INSTANCE_NUMBER"]] = dt.datetime.fromisoformat(s["END_INTERVAL_TIME"])
        assert len(s["END_INTERVAL_TIME"].split(".")[1]) == 3  # TIMESTAMP(3)
    for per_instance in ends.values():
        assert set(per_instance) == {"1", "2"}
        assert 0 < abs((per_instance["1"] - per_instance["2"]).total_seconds()) < 60
    stats = read(sample, "DBA_HIST_SQLSTAT")
    assert {s["INSTANCE_NUMBER"] for s in stats} == {"1", "2"}
    # *_TOTAL is cumulative per instance: it only grows, except when the cursor was reloaded.
    series: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for s in stats:
        series[(s["INSTANCE_NUMBER"], s["SQL_ID"], s["PLAN_HASH_VALUE"])].append(s)
    reloads = 0
    for rows in series.values():
        rows.sort(key=lambda r: int(r["SNAP_ID"]))
        for previous, row in zip(rows, rows[1:]):
            for counter in ("EXECUTIONS", "BUFFER_GETS", "ELAPSED_TIME", "CPU_TIME", "ROWS_PROCESSED"):
                before, after = int(previous[f"{counter}_TOTAL"]), int(row[f"{counter}_TOTAL"])
                if int(row["LOADS_DELTA"]) > 0:
                    assert after == int(row[f"{counter}_DELTA"])
                else:
                    assert after == before + int(row[f"{counter}_DELTA"]), (counter, row["SQL_ID"])
            reloads += int(row["LOADS_DELTA"]) > 0
    assert reloads >= 1
    signatures = {int(s["FORCE_MATCHING_SIGNATURE"]) for s in stats}
    assert any(2**63 < sig < 2**64 and len(str(sig)) == 20 for sig in signatures)
    # Literal-only variants share a signature across SQL_IDs.
    by_signature: dict[str, set[str]] = defaultdict(set)
    for s in stats:
        by_signature[s["FORCE_MATCHING_SIGNATURE"]].add(s["SQL_ID"])
    assert max(len(ids) for ids in by_signature.values()) >= 3
    assert max(int(s["VERSION_COUNT"]) for s in stats) > 10
    texts = {t["SQL_ID"]: t["SQL_TEXT"] for t in read(sample, "DBA_HIST_SQLTEXT")}
    assert set(texts) == {s["SQL_ID"] for s in stats}
    joined = "\n".join(texts.values())
    for marker in (":1", ":B1", ':"SYS_B_0"', "/*+", "MERGE INTO", "CONNECT BY", "(+)", "BEGIN "):
        assert marker in joined, marker
    assert max(len(t) for t in texts.values()) > 4000
    # Predicates: NULL in AWR, present in the cursor cache (with implicit conversions).
    hist_plan = read(sample, "DBA_HIST_SQL_PLAN")
    assert all(p["ACCESS_PREDICATES"] == "" and p["FILTER_PREDICATES"] == "" for p in hist_plan)
    cached = read(sample, "V$SQL_PLAN")
    predicates = " ".join(p["ACCESS_PREDICATES"] + " " + p["FILTER_PREDICATES"] for p in cached)
    assert 'TO_NUMBER("ACCT_NO")=:B1' in predicates and "INTERNAL_FUNCTION(" in predicates
    lines = {(p["OPERATION"], p["OPTIONS"]) for p in hist_plan}
    for line in (("NESTED LOOPS", ""), ("PARTITION RANGE", "ITERATOR"), ("PX SEND", "QC (RANDOM)"),
                 ("HASH JOIN", ""), ("MERGE JOIN", "CARTESIAN"), ("INDEX", "SKIP SCAN"),
                 ("INDEX", "FAST FULL SCAN"), ("VIEW", "")):
        assert line in lines, line
    names = {p["OBJECT_NAME"] for p in hist_plan}
    assert {":TQ10000", "VW_NSO_1"} <= names
    assert any(p["PARTITION_START"] == "KEY" for p in hist_plan)
    # Plan trees: parent ids point at an earlier line, depth is the parent's plus one.
    plans: dict[tuple[str, str], dict[int, dict[str, str]]] = defaultdict(dict)
    for p in hist_plan:
        plans[(p["SQL_ID"], p["PLAN_HASH_VALUE"])][int(p["ID"])] = p
    for plan in plans.values():
        for line_id, p in plan.items():
            if line_id:
                parent = plan[int(p["PARENT_ID"])]
                assert int(p["DEPTH"]) == int(parent["DEPTH"]) + 1


def test_expected_outcomes_cover_the_30_rules():
    expected = yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))
    assert len(expected) == 30
    for rule, objects in expected.items():
        if objects is None:  # not evaluated from an export
            continue
        assert objects and objects == sorted(objects), rule
        assert all(o.split(".")[0] in ("SALES", "HR") for o in objects), rule


def test_demo_export_is_the_generated_sample(sample):
    """include/demo/oracle-export is this generator's output, byte for byte (regenerate it when it fails)."""
    for path in sample.iterdir():
        assert (DEMO_EXPORT / path.name).read_bytes() == path.read_bytes(), path.name
    assert (DEMO_EXPORT / "README.md").is_file()


def test_scale_profile_streams_consistent_rows(gen, tmp_path):
    out = tmp_path / "scale"
    assert gen.main(["--profile", "scale", "--out", str(out), "--tables", "40", "--columns-per-table", "12",
                     "--indexes-per-table", "3", "--sql-ids", "10", "--snapshots", "4", "--plan-lines", "9"]) == 0
    assert len(read(out, "DBA_TABLES")) == 40
    assert len(read(out, "DBA_TAB_COLS")) == 40 * 12
    assert len(read(out, "DBA_INDEXES")) == 40 * 3
    assert len(read(out, "DBA_HIST_SNAPSHOT")) == 4 * 2
    plan = read(out, "DBA_HIST_SQL_PLAN")
    assert len(plan) == 10 * 9
    manifest: dict[str, Any] = json.loads((out / "export.json").read_text())
    assert manifest["awr"]["end_snap"] - manifest["awr"]["begin_snap"] == 3
