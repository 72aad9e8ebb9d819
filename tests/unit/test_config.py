"""Instance config: defaults merged, env expanded, and one clear message for each kind of mistake."""

from __future__ import annotations

import time

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
    monkeypatch.setenv("THEMIS_SLOW_DIR", "/data/mysql")
    monkeypatch.delenv("THEMIS_UNSET_VAR", raising=False)
    project = parse_config({"instances": [_instance(slowlog={
        "source": "file", "paths": ["${THEMIS_SLOW_DIR}/slow*.log", "${THEMIS_UNSET_VAR:-/tmp/x.log}"]})]})
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
    assert [i.id for i in project.instances] == ["demo", "demo_oracle"]
    assert project.instances[1].auto_schemas and project.instances[1].export is not None


# --- item 6: what used to pass validation and fail later; one file per case, one line per error ---

GOOD = """\
  - id: orders
    db_type: mysql
    conn_id: orders_db
    schemas: [shop]
"""


def _load_error(tmp_path, text: str) -> str:
    """The error ``themis config validate`` gives for this file, without the file name; one line."""
    path = tmp_path / "instances.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path, strict=True)
    message = str(error.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}: "), message
    return message.removeprefix(f"{path}: ")


@pytest.mark.parametrize("text, expected", [
    pytest.param("instances:\n" + GOOD + "    conn_id: other_db\n",
                 "instance 'orders': key 'conn_id': written twice in the same mapping (again at line 6); "
                 "the last one would silently win", id="repeated-key"),
    pytest.param("instances:\n" + GOOD + "    slowlog:\n      source: file\n      paths: [a]\n      paths: [b]\n",
                 "instance 'orders': key 'slowlog.paths': written twice in the same mapping (again at line 9); "
                 "the last one would silently win", id="repeated-nested-key"),
    pytest.param("instances:\n" + GOOD + "    exclusions:\n      - {rules: [SELECT_ANY, NO_SUCH_RULE]}\n",
                 "instance 'orders': key 'exclusions.0.rules': no mysql rule 'NO_SUCH_RULE' (use '*' for all rules)",
                 id="exclusion-rule"),
    pytest.param("instances:\n" + GOOD.replace("orders_db", "''"),
                 "instance 'orders': key 'conn_id': must name an Airflow connection, got an empty string "
                 "(an unset ${VAR} expands to '')", id="empty-conn-id"),
    pytest.param("instances:\n" + GOOD.replace("orders_db", "${THEMIS_TEST_UNSET_CONN}"),
                 "instance 'orders': key 'conn_id': must name an Airflow connection, got an empty string "
                 "(an unset ${VAR} expands to '')", id="conn-id-from-unset-var"),
    pytest.param("instances:\n" + GOOD.replace("[shop]", "[shop, '  ']"),
                 "instance 'orders': key 'schemas': schema names must not be empty (item 1 is)", id="empty-schema"),
    pytest.param("instances:\n" + GOOD + "    alerting: {notifier: smtp}\n",
                 "instance 'orders': key 'alerting': notifier 'smtp' needs recipients in 'to' (a list of addresses)",
                 id="smtp-without-recipients"),
    pytest.param("store: {backend: redis}\ninstances:\n" + GOOD,
                 "key 'store.backend': unknown store backend 'redis' (expected one of ['local', 'mongo'])",
                 id="store-backend"),
    pytest.param("store: {backend: local, pathh: x.sqlite3}\ninstances:\n" + GOOD,
                 "key 'store.pathh': unknown key", id="store-key"),
    pytest.param("store: {backend: mongo, conn_id: m, path: x}\ninstances:\n" + GOOD,
                 "key 'store.path': unknown key", id="store-key-of-other-backend"),
    pytest.param("store:\n  backend: local\n  path: a\n  path: b\ninstances:\n" + GOOD,
                 "key 'store.path': written twice in the same mapping (again at line 4); "
                 "the last one would silently win", id="store-repeated-key"),
    pytest.param("instances:\n" + GOOD + "    rules:\n      TABLE_COLUMN_NUM: {params: {column_num: '40'}}\n",
                 "instance 'orders': key 'rules.TABLE_COLUMN_NUM.params.column_num': must be an integer like the "
                 "catalogue's 40, got '40'", id="param-str-for-int"),
    pytest.param("instances:\n" + GOOD + "    rules:\n      TABLE_COLUMN_NUM: {params: {column_num: 40.5}}\n",
                 "instance 'orders': key 'rules.TABLE_COLUMN_NUM.params.column_num': must be an integer like the "
                 "catalogue's 40, got 40.5", id="param-float-for-int"),
    pytest.param("instances:\n" + GOOD + "    rules:\n      TABLE_COLUMN_NUM: {params: {column_num: yes}}\n",
                 "instance 'orders': key 'rules.TABLE_COLUMN_NUM.params.column_num': must be an integer like the "
                 "catalogue's 40, got True", id="param-bool-for-int"),
    pytest.param("instances:\n" + GOOD + "    description: ${AIRFLOW_CONN_SALES_PROD}\n",
                 "instance 'orders': key 'description': ${AIRFLOW_CONN_SALES_PROD} may not be expanded (only "
                 "THEMIS_* variables not ending in PASSWORD, SECRET, KEY, TOKEN are)", id="env-airflow-conn"),
    pytest.param("instances:\n" + GOOD + "    tags: ['${AIRFLOW__CORE__FERNET_KEY:-x}']\n",
                 "instance 'orders': key 'tags.0': ${AIRFLOW__CORE__FERNET_KEY} may not be expanded (only "
                 "THEMIS_* variables not ending in PASSWORD, SECRET, KEY, TOKEN are)", id="env-airflow-setting"),
    pytest.param("instances:\n" + GOOD + "    description: ${THEMIS_AUDITOR_PASSWORD}\n",
                 "instance 'orders': key 'description': ${THEMIS_AUDITOR_PASSWORD} may not be expanded (only "
                 "THEMIS_* variables not ending in PASSWORD, SECRET, KEY, TOKEN are)", id="env-themis-password"),
    pytest.param("reports_dir: ${HOME}/reports\ninstances:\n" + GOOD,
                 "key 'reports_dir': ${HOME} may not be expanded (only THEMIS_* variables not ending in PASSWORD, "
                 "SECRET, KEY, TOKEN are)", id="env-other"),
    pytest.param("x: &loop [1, *loop]\ninstances:\n" + GOOD,
                 "line 1: an alias refers to a node that contains it", id="recursive-alias"),
])
def test_each_mistake_is_one_line_naming_instance_and_key(tmp_path, monkeypatch, text, expected):
    monkeypatch.delenv("THEMIS_TEST_UNSET_CONN", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_SALES_PROD", "mysql://u:hunter2@db/")
    monkeypatch.setenv("THEMIS_AUDITOR_PASSWORD", "hunter2")
    assert _load_error(tmp_path, text) == expected


def test_an_alias_bomb_is_refused_in_under_a_second(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    text = "\n".join(levels) + "\ndefaults: {tags: *a9}\ninstances:\n" + GOOD  # 9**10 strings once expanded
    assert len(text) < 1000
    path = tmp_path / "bomb.yaml"
    path.write_text(text)
    started = time.perf_counter()
    with pytest.raises(ConfigError, match=r"YAML aliases would repeat \d+ nodes \(at most 10000\)"):
        load_config(path)
    assert time.perf_counter() - started < 1.0


def test_aliases_and_merge_keys_within_the_budget_are_fine(tmp_path):
    path = tmp_path / "instances.yaml"
    path.write_text("instances:\n"
                    "  - &first {id: a, db_type: mysql, conn_id: c, schemas: [s], tags: [x]}\n"
                    "  - {<<: *first, id: b}\n")
    project = load_config(path, strict=True)
    assert [(i.id, i.conn_id, i.tags) for i in project.instances] == [("a", "c", ["x"]), ("b", "c", ["x"])]


def test_allowed_variables_expand_and_the_demo_config_uses_only_those(monkeypatch, tmp_path):
    monkeypatch.setenv("THEMIS_DEMO_SLOWLOG", "/tmp/demo-slow.log")
    monkeypatch.setenv("THEMIS_STORE_PATH", str(tmp_path / "s.sqlite3"))
    monkeypatch.delenv("THEMIS_REPORTS_DIR", raising=False)
    project = load_config(strict=True)
    assert project.instances[0].slowlog.paths == ["/tmp/demo-slow.log"]
    assert project.store == {"backend": "local", "path": str(tmp_path / "s.sqlite3")}
    assert project.reports_dir == "reports"


def test_export_instead_of_conn_id_is_still_valid():
    project = parse_config({"instances": [{"id": "erp", "db_type": "oracle", "schemas": "auto",
                                           "export": {"path": "/exports/erp-*"}}]})
    assert project.instances[0].conn_id is None and project.instances[0].auto_schemas


def test_a_float_param_accepts_an_integer():
    project = parse_config({"instances": [_instance(rules={"INDEX_SELECTIVITY": {"params": {"selectivity": 1}}})]})
    assert project.instances[0].rules["INDEX_SELECTIVITY"].params == {"selectivity": 1}


def test_the_store_override_is_checked_like_the_store_block(monkeypatch):
    from themis.config import store_settings

    project = parse_config({"instances": [_instance()]})
    monkeypatch.setenv("THEMIS_STORE", '{"backend": "mongo", "conn_id": "themis_mongo", "databse": "x"}')
    with pytest.raises(ConfigError, match=r"^THEMIS_STORE: key 'store.databse': unknown key$"):
        store_settings(project)
    monkeypatch.setenv("THEMIS_STORE", '{"backend": "mongo", "conn_id": "themis_mongo", "database": "themis"}')
    assert store_settings(project)["database"] == "themis"


# --- item 5: one bad instance leaves the others usable ---

def test_invalid_instances_are_left_out_and_listed_unless_strict(tmp_path):
    path = tmp_path / "instances.yaml"
    path.write_text("instances:\n" + GOOD
                    + "  - {id: broken, db_type: mysql, conn_id: c, schemas: [s], colour: blue}\n"
                    + GOOD.replace("orders", "billing")
                    + "  - {id: worse, db_type: mysql, conn_id: '', schemas: [s]}\n")
    project = load_config(path)
    assert [i.id for i in project.instances] == ["orders", "billing"]
    assert project.errors == (f"{path}: instance 'broken': key 'colour': unknown key",
                              f"{path}: instance 'worse': key 'conn_id': must name an Airflow connection, got an "
                              "empty string (an unset ${VAR} expands to '')")
    with pytest.raises(ConfigError) as error:
        load_config(path, strict=True)
    assert error.value.problems == list(project.errors)


def test_whole_file_problems_still_fail_the_file(tmp_path):
    path = tmp_path / "instances.yaml"
    path.write_text("instances:\n" + GOOD + GOOD)
    with pytest.raises(ConfigError, match="instance 'orders': key 'id': duplicate instance id"):
        load_config(path)
    path.write_text("defaults:\n  timezone: UTC\n  timezone: Asia/Shanghai\ninstances:\n" + GOOD)
    with pytest.raises(ConfigError, match="key 'defaults.timezone': written twice"):
        load_config(path)


def test_config_validate_prints_every_problem(tmp_path, capsys):
    from themis.cli import main

    path = tmp_path / "instances.yaml"
    path.write_text("instances:\n" + GOOD
                    + "  - {id: a, db_type: mysql, conn_id: c, schemas: [s], colour: blue}\n"
                    + "  - {id: b, db_type: mysql, conn_id: c, schemas: ['']}\n")
    assert main(["config", "validate", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "invalid instance config: 2 problem(s)"
    assert lines[1:] == [f"  {path}: instance 'a': key 'colour': unknown key",
                         f"  {path}: instance 'b': key 'schemas': schema names must not be empty (item 0 is)"]


@pytest.mark.parametrize("zone, ok", [("+08:00", True), ("-05:30", True), ("Asia/Shanghai", True),
                                      ("Mars/Base", False), ("+8", False)])
def test_oracle_timezone_is_a_zone_name_or_an_offset_as_oracle_reports_it(zone, ok):
    raw = {"instances": [{"id": "o", "db_type": "oracle", "export": {"path": "x"}, "schemas": "auto",
                          "oracle": {"timezone": zone}}]}
    if ok:
        assert parse_config(raw).instances[0].oracle.timezone == zone
    else:
        with pytest.raises(ConfigError, match="oracle.timezone"):
            parse_config(raw)
