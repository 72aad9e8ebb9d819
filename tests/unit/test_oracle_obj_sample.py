"""Each Oracle OBJ rule on the sample export, through the real capture (export door): exactly the
offending objects tests/data/oracle/sample_expected_obj.yaml names, with its near-misses left out."""

from __future__ import annotations

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
EXPECTED = yaml.safe_load((PROJECT_ROOT / "tests" / "data" / "oracle" / "sample_expected_obj.yaml").read_text())


@pytest.fixture(scope="module")
def obj_result(tmp_path_factory):
    from themis.demo import oracle_export_window

    window = oracle_export_window(SAMPLE)
    project = parse_config({"instances": [{"id": "ora", "db_type": "oracle", "schemas": "auto",
                                           "export": {"path": str(SAMPLE)}}]})
    instance = project.instances[0]
    store = LocalStore(tmp_path_factory.mktemp("obj") / "store.sqlite3")
    catalog = load_catalog()
    rules = effective_rules(catalog, "oracle", "OBJ")

    def params(rule_id: str):
        return next((r.params for r in rules if r.rule.id == rule_id and r.status == "ON"), None)

    ctx = CaptureContext(instance, [], CaptureWindow.parse(window["window_start"], window["window_end"]), store,
                         "run", log=lambda line: None, rule_params=params)
    captured = OracleCapture().objects(ctx)
    result = run_dimension(rules, Snapshot("oracle", captured.records), "OBJ")
    return {rule["id"]: rule for rule in result["rules"]}, captured


def test_only_the_application_owners_are_audited(obj_result):
    _, captured = obj_result
    assert captured.meta["schemas"] == ["HR", "SALES"]


def test_every_oracle_obj_rule_has_an_expectation():
    ids = {rule.id for rule in load_catalog() if rule.db_type == "oracle" and rule.dimension == "OBJ"}
    assert ids == set(EXPECTED)


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_rule_reports_exactly_the_intended_objects(obj_result, rule_id):
    results, _ = obj_result
    result = results[rule_id]
    expected = EXPECTED[rule_id]
    if expected is None:
        assert result["status"] == "not_evaluated", result
        assert result["not_evaluated"]["reason"]
        return
    assert result["status"] == "ran", result["error"]
    assert sorted(f["object"] for f in result["findings"]) == sorted(expected)
