"""Catalogue validation, effective rules, exclusions and scores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from themis.config import Exclusion, RuleOverride
from themis.rules.catalog import CatalogError, load_catalog
from themis.rules.engine import EffectiveRule, effective_rules, run_dimension
from themis.rules.scoring import dimension_score, overall_score, rule_deduction
from themis.rules.snapshot import Snapshot

RULES = Path(__file__).resolve().parents[2] / "include" / "rules"


def _obj_snapshot(tables: int) -> Snapshot:
    return Snapshot("mysql", {
        "obj.table": [{"schema": "s", "table": f"t{i}", "table_type": "BASE TABLE"} for i in range(tables)],
        "obj.index": [], "obj.column": [], "obj.foreign_key": []})


def _broken_catalog(tmp_path, mutate) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    path = root / "mysql" / "obj.yaml"
    document = yaml.safe_load(path.read_text())
    mutate(document["rules"][0])
    path.write_text(yaml.safe_dump(document))
    return root


@pytest.mark.parametrize("mutate, words", [
    (lambda r: r.update(check="no_such_check"), "no registered check named 'no_such_check'"),
    (lambda r: r.update(weight="heavy"), "key 'weight'"),
    (lambda r: r.pop("columns"), "key 'columns'"),
    (lambda r: r.update(colour="red"), "key 'colour': unknown key"),
    (lambda r: r.update(check="too_many_columns", params=[]), "missing ['column_num']"),
    (lambda r: r.update(check="select_star"), "is a TEXT check, rule is OBJ"),
])
def test_catalogue_errors_name_file_rule_and_key(tmp_path, mutate, words):
    root = _broken_catalog(tmp_path, mutate)
    with pytest.raises(CatalogError) as error:
        load_catalog(root)
    assert "obj.yaml: rule 'TABLE_NO_DEF_PRIMARYKEY'" in str(error.value)
    assert words in str(error.value)


def test_rule_deduction_is_capped():
    assert rule_deduction(3, 5, 20) == 15
    assert rule_deduction(30, 0.1, 10) == 3
    assert rule_deduction(500, 0.1, 10) == 10


def test_dimension_score_counts_only_rules_that_ran():
    rules = [{"status": "ran", "max_score": 20, "deduction": 5}, {"status": "ran", "max_score": 20, "deduction": 0},
             {"status": "off", "max_score": 100, "deduction": 0}, {"status": "error", "max_score": 50, "deduction": 0}]
    assert dimension_score(rules) == (87.5, 40, 5)
    assert dimension_score([{"status": "off", "max_score": 10, "deduction": 0}])[0] is None


def test_overall_score_is_the_mean_of_scored_dimensions():
    dims = [{"status": "ok", "score": 90.0}, {"status": "ok", "score": 70.0}, {"status": "failed", "score": None}]
    assert overall_score(dims) == 80.0
    assert overall_score([{"status": "failed", "score": None}]) is None


def test_overrides_change_status_weight_and_params():
    rules = effective_rules(load_catalog(), "mysql", "OBJ", {
        "TABLE_NO_DEF_PRIMARYKEY": RuleOverride(weight=1, max_score=3),
        "TABLE_EXIST_FOREIGN_KEY": RuleOverride(status="OFF"),
        "TABLE_COLUMN_NUM": RuleOverride(params={"column_num": 0})})
    snapshot = _obj_snapshot(5)
    snapshot.records["obj.column"] = [{"schema": "s", "table": "t0", "column": "c"}]
    result = {r["id"]: r for r in run_dimension(rules, snapshot, "OBJ")["rules"]}
    assert result["TABLE_NO_DEF_PRIMARYKEY"]["findings_count"] == 5
    assert result["TABLE_NO_DEF_PRIMARYKEY"]["deduction"] == 3  # 5 × 1 capped at the overridden 3
    assert result["TABLE_EXIST_FOREIGN_KEY"]["status"] == "off"
    assert result["TABLE_COLUMN_NUM"]["findings_count"] == 1


def test_exclusions_are_listed_and_not_scored():
    rules = [r for r in effective_rules(load_catalog(), "mysql", "OBJ") if r.rule.id == "TABLE_NO_DEF_PRIMARYKEY"]
    exclusions = [Exclusion(objects=["s.t1", "S.T2*"], reason="legacy"),
                  Exclusion(rules=["TABLE_COLUMN_NUM"], objects=["s.t3"])]
    result = run_dimension(rules, _obj_snapshot(4), "OBJ", exclusions)
    (rule,) = result["rules"]
    assert sorted(f["object"] for f in rule["findings"]) == ["s.t0", "s.t3"]
    assert sorted(f["object"] for f in rule["excluded"]) == ["s.t1", "s.t2"]
    assert rule["excluded"][0]["reason"] == "legacy"
    assert rule["deduction"] == 10 and result["score"] == 50.0


def test_a_failing_check_is_reported_and_leaves_the_others():
    rules = effective_rules(load_catalog(), "mysql", "OBJ")
    broken = Snapshot("mysql", {"obj.table": [{"schema": "s", "table": "t", "table_type": "BASE TABLE"}],
                                "obj.foreign_key": [{"schema": "s", "table": "t"}]})  # no 'constraint': KeyError
    result = {r["id"]: r for r in run_dimension(rules, broken, "OBJ")["rules"]}
    assert result["TABLE_EXIST_FOREIGN_KEY"]["status"] == "error"
    assert "KeyError" in result["TABLE_EXIST_FOREIGN_KEY"]["error"]
    assert result["TABLE_NO_DEF_PRIMARYKEY"]["status"] == "ran"


def test_text_dimension_lists_unparsable_statements():
    rules = effective_rules(load_catalog(), "mysql", "TEXT")
    snapshot = Snapshot("mysql", {"sql.statement": [
        {"checksum": "A", "sample": "SELECT * FROM t"},
        {"checksum": "B", "sample": "SELEC id FRM t WHERE"}]})
    result = run_dimension(rules, snapshot, "TEXT")
    assert [u["checksum"] for u in result["unparsable"]] == ["B"]
    select_any = next(r for r in result["rules"] if r["id"] == "SELECT_ANY")
    assert [f["checksum"] for f in select_any["findings"]] == ["A"]


def test_effective_rule_build_without_override_keeps_catalogue_values():
    rule = load_catalog().get("mysql", "TOOMANY_IN_LIST")
    effective = EffectiveRule.build(rule, None)
    assert effective.params == {"in_list_num": 20} and effective.weight == 2 and effective.max_score == 20
