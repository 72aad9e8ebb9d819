"""Instance config: defaults merged, env expanded, and one clear message for each kind of mistake."""

from __future__ import annotations

import pytest
import yaml

from themis.config import ConfigError, load_config, parse_config


def _instance(**extra):
    return {"id": "orders", "db_type": "mysql", "conn_id": "orders_db", "schemas": ["shop"],
            "slowlog": {"source": "file", "paths": ["/var/log/slow.log"]}, **extra}


def test_defaults_are_merged_and_instance_keys_win():
    project = parse_config({
        "defaults": {"schedule": "0 3 * * *", "timezone": "Asia/Shanghai", "retry": {"retries": 4}},
        "instances": [_instance(), _instance(id="billing", retry={"retries": 7, "retry_delay_seconds": 5})],
    })
    orders, billing = project.instances
    assert orders.schedule == "0 3 * * *" and orders.timezone == "Asia/Shanghai"
    assert orders.retry.retries == 4 and orders.retry.retry_delay_seconds == 60
    assert billing.retry.retries == 7 and billing.retry.retry_delay_seconds == 5
    assert billing.dag_id == "themis__billing"


def test_environment_variables_are_expanded(monkeypatch):
    monkeypatch.setenv("SLOW_DIR", "/data/mysql")
    monkeypatch.delenv("UNSET_VAR", raising=False)
    project = parse_config({"instances": [_instance(slowlog={"source": "file",
                                                              "paths": ["${SLOW_DIR}/slow*.log", "${UNSET_VAR:-/tmp/x.log}"]})]})
    assert project.instances[0].slowlog.paths == ["/data/mysql/slow*.log", "/tmp/x.log"]


@pytest.mark.parametrize("change, key, words", [
    ({"schedule": "every day"}, "schedule", "cron"),
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown timezone"),
    ({"db_type": "postgres"}, "db_type", "mysql"),
    ({"schemas": []}, "schemas", "at least 1"),
    ({"retry": {"retries": -1}}, "retry.retries", "greater than or equal"),
    ({"colour": "blue"}, "colour", "unknown key"),
    ({"slowlog": {"source": "file"}}, "slowlog", "needs 'paths'"),
    ({"rules": {"NO_SUCH_RULE": {"status": "OFF"}}}, "rules.NO_SUCH_RULE", "no mysql rule"),
    ({"rules": {"TABLE_COLUMN_NUM": {"params": {"colum_num": 3}}}}, "rules.TABLE_COLUMN_NUM.params.colum_num",
     "no such parameter"),
    ({"id": "has space"}, "id", "letters"),
])
def test_bad_values_name_the_instance_and_key(change, key, words):
    with pytest.raises(ConfigError) as error:
        parse_config({"instances": [_instance(id="good"), _instance(**{"id": "bad", **change})]}, source="x.yaml")
    message = str(error.value)
    instance = change.get("id", "bad")
    assert message.startswith("x.yaml: ")
    assert f"instance '{instance}'" in message and f"key '{key}'" in message, message
    assert words in message, message


def test_duplicate_ids_and_missing_instances_are_rejected():
    with pytest.raises(ConfigError, match="duplicate instance id"):
        parse_config({"instances": [_instance(), _instance()]})
    with pytest.raises(ConfigError, match="'instances' must be a non-empty list"):
        parse_config({"defaults": {}})


def test_rule_overrides_accept_yaml_booleans_as_status():
    project = parse_config({"instances": [_instance(rules={"SELECT_ANY": {"status": False}})]})
    assert project.instances[0].rules["SELECT_ANY"].status == "OFF"


def test_load_config_reports_file_problems(tmp_path):
    with pytest.raises(ConfigError, match="instance config not found"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("instances: [ {id: x")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"instances": [_instance()]}))
    assert load_config(good).instances[0].id == "orders"


def test_sample_config_is_valid():
    project = load_config()
    assert [i.id for i in project.instances] == ["demo"]
