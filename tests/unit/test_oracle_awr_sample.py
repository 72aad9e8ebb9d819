"""Each Oracle SQLPLAN and SQLSTAT rule on the sample export, through the real capture (export door,
AWR): exactly the statements tests/data/oracle/sample_expected_awr.yaml names, with its near-misses
left out, and each reported for the reason the sample built it for."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from themis.capture.base import CaptureContext
from themis.capture.oracle import OracleCapture
from themis.config import parse_config
from themis.paths import PROJECT_ROOT
from themis.rules.catalog import load_catalog
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot
from themis.store.local import LocalStore
from themis.window import CaptureWindow

SAMPLE = PROJECT_ROOT / "include" / "demo" / "oracle-export"
EXPECTED: dict[str, list[str]] = yaml.safe_load(
    (PROJECT_ROOT / "tests" / "data" / "oracle" / "sample_expected_awr.yaml").read_text(encoding="utf-8"))
DIMENSIONS = ("SQLPLAN", "SQLSTAT")


@pytest.fixture(scope="module")
def captured(tmp_path_factory) -> dict[str, Any]:
    """The sample's objects and statements as the DAG captures them (export door, source awr)."""
    from themis.demo import oracle_export_window

    window = oracle_export_window(SAMPLE)
    project = parse_config({"instances": [{"id": "ora", "db_type": "oracle", "schemas": "auto",
                                           "export": {"path": str(SAMPLE)}, "oracle": {"source": "awr"}}]})
    obj_rules = effective_rules(load_catalog(), "oracle", "OBJ")

    def params(rule_id: str) -> dict[str, Any] | None:
        return next((r.params for r in obj_rules if r.rule.id == rule_id and r.status == "ON"), None)

    ctx = CaptureContext(project.instances[0], [], CaptureWindow.parse(window["window_start"], window["window_end"]),
                         LocalStore(tmp_path_factory.mktemp("awr") / "store.sqlite3"), "run",
                         log=lambda line: None, rule_params=params)
    capture = OracleCapture()
    obj_records = capture.objects(ctx).records
    statements = capture.statements(ctx)
    return {"obj": obj_records, "statements": statements}


@pytest.fixture(scope="module")
def results(captured) -> dict[str, dict[str, Any]]:
    """Every SQLPLAN and SQLSTAT rule's result on the captured window, by rule id."""
    snapshot = Snapshot("oracle", {**captured["obj"], **captured["statements"].records})
    catalog = load_catalog()
    out: dict[str, dict[str, Any]] = {}
    for dimension in DIMENSIONS:
        result = run_dimension(effective_rules(catalog, "oracle", dimension), snapshot, dimension)
        out.update({rule["id"]: rule for rule in result["rules"]})
    return out


def values(results: dict[str, dict[str, Any]], rule_id: str) -> dict[str, dict[str, Any]]:
    return {f["object"]: f["values"] for f in results[rule_id]["findings"]}


def test_the_sample_is_captured_from_awr(captured):
    meta = captured["statements"].meta
    assert meta["source"] == "awr" and meta["schemas"] == ["HR", "SALES"]
    missing = [p["checksum"] for p in captured["statements"].records["sql.plan"] if p["status"] != "captured"]
    assert missing == ["9v1wdkx53xmhv:0"]  # the PL/SQL block: no plan to capture


def test_every_plan_and_stat_rule_has_an_expectation_that_fires():
    ids = {rule.id for rule in load_catalog() if rule.db_type == "oracle" and rule.dimension in DIMENSIONS}
    assert len(ids) == 22 and ids == set(EXPECTED)
    for rule_id, objects in EXPECTED.items():
        assert objects and objects == sorted(objects) and len(set(objects)) == len(objects), rule_id


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_rule_reports_exactly_the_intended_statements(results, rule_id):
    result = results[rule_id]
    assert result["status"] == "ran", result.get("error")
    assert sorted(f["object"] for f in result["findings"]) == EXPECTED[rule_id]


def test_plan_findings_name_what_the_sample_built_them_for(results):
    loop = values(results, "LOOP_IN_TAB_FULL_SCAN")["93nr03g02kd23:687774018"]
    assert loop["objects"] == "SALES.PAYMENTS" and loop["lines"] == [5] and loop["loop_lines"] == [1]
    assert values(results, "SQL_LOOP_NUM")["1ahqnfs80yny7:1727197929"]["depth"] == 4
    tables = values(results, "SQL_TAB_REL_NUM")["8vrhxdm80ycw5:3296258784"]
    assert tables["tables"] == 5
    assert set(tables["objects"].split(", ")) == {"SALES.SHIPMENTS", "SALES.PRODUCTS", "SALES.ORDERS",
                                                  "SALES.CUSTOMERS", "SALES.ORDER_ITEMS"}
    view = values(results, "SQL_VIEW_SCAN")["7rmf1zzaszzs3:3508982088"]
    assert view["objects"] == "SALES.V_TOP_CUSTOMERS" and "SALES.V_ORDER_SUMMARY" in view["references"]
    full = values(results, "SQL_INDEX_FULL_SCAN")["56nyn9qkhrrkr:1795560890"]
    assert full["objects"] == "SALES.SF_DATE_LIX" and full["size_mb"] > 1024
    inlist_or = values(results, "SQL_PARTITION_RANGE_INLIST_OR")
    assert inlist_or["60k3uw7uss58m:2584538384"]["partitions"] == "KEY(INLIST)..KEY(INLIST)"
    assert inlist_or["gt4jb1hjuc88r:885010498"]["partitions"] == "KEY(OR)..KEY(OR)"
    assert values(results, "SQL_TO_CHANGE_TYPE")["3gsac5rghqnk8:496550761"]["conversions"] == 'SYS_OP_C2C("EMAIL")'


def test_stat_findings_are_per_execution_figures_of_the_window(results, captured):
    stats = {s["checksum"]: s["stats"] for s in captured["statements"].records["sql.statement"]}
    cpu_bound, io_bound = stats["7rmf1zzaszzs3:3508982088"], stats["8vrhxdm80ycw5:3296258784"]
    assert cpu_bound["cpu_time_us_per_exec"] >= 100e6 and io_bound["cpu_time_us_per_exec"] < 100e6
    assert io_bound["elapsed_time_us_per_exec"] >= 100e6 and io_bound["instances"] == 1
    assert io_bound["direct_writes"] == round(io_bound["direct_writes_per_exec"] * io_bound["executions"])
    assert 0 < stats["60k3uw7uss58m:2584538384"]["direct_writes_per_exec"] < 1000  # spills, below the threshold
    (no_bind,) = results["SQL_NO_BIND"]["findings"]
    assert no_bind["values"]["sql_ids"] == 104 and "WHERE ORDER_NO = 'SO" in no_bind["values"]["sql"]
