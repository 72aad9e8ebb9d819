"""Capture against a real MariaDB: the session sandbox with the demo `shop` schema and a test schema.

Checks that capture finds exactly what was created, works under the read-only audit user, and that
EXPLAIN of SELECT / UPDATE / DELETE changes no data, reports bad statements and carries the plan flags.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from themis.capture import mysql as capture
from themis.capture.sqlfiles import render
from themis.demo import load_script
from themis.sandbox import MariaDBNotInstalled, MariaDBSandbox, find_binary

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TEST_SCHEMA = "themis_capture_t"
TEST_SCHEMA_SQL = f"""
DROP DATABASE IF EXISTS `{TEST_SCHEMA}`;
CREATE DATABASE `{TEST_SCHEMA}`;
USE `{TEST_SCHEMA}`;
CREATE TABLE `parent` (
  `id` INT NOT NULL, `code` VARCHAR(10) NOT NULL, `note` TEXT NULL,
  PRIMARY KEY (`id`), UNIQUE KEY `uk_parent_code` (`code`)
) ENGINE=InnoDB COMMENT='the parent';
CREATE TABLE `child` (
  `id` INT NOT NULL AUTO_INCREMENT, `parent_id` INT NOT NULL, `a` INT NULL, `b` VARCHAR(30) NULL DEFAULT 'x',
  PRIMARY KEY (`id`), KEY `idx_child_ab` (`a`, `b`(10)) COMMENT 'two columns',
  CONSTRAINT `fk_child_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE `events` (`id` INT NOT NULL, `kind` TINYINT NOT NULL, PRIMARY KEY (`id`, `kind`))
  PARTITION BY LIST (`kind`) (PARTITION `p_small` VALUES IN (1, 2), PARTITION `p_big` VALUES IN (3, 4));
CREATE TABLE `metrics` (`id` INT NOT NULL, `y` SMALLINT NOT NULL, PRIMARY KEY (`id`, `y`))
  PARTITION BY RANGE (`y`) SUBPARTITION BY HASH (`id`) SUBPARTITIONS 2
  (PARTITION `p_old` VALUES LESS THAN (2020), PARTITION `p_new` VALUES LESS THAN MAXVALUE);
CREATE TABLE `CaseT` (`id` INT NOT NULL PRIMARY KEY, `a` INT NULL, KEY `idx_a` (`a`));
CREATE TABLE `caset` (`id` INT NOT NULL PRIMARY KEY, `a` INT NULL, KEY `idx_a` (`a`));
CREATE VIEW `v_parent` AS SELECT `id`, `code` FROM `parent` WITH CHECK OPTION;
CREATE SQL SECURITY INVOKER VIEW `v_child` AS
  SELECT c.`id`, p.`code` FROM `child` AS c JOIN `parent` AS p ON p.`id` = c.`parent_id`;
CREATE FUNCTION `f_double` (`x` INT) RETURNS INT DETERMINISTIC RETURN `x` * 2;
CREATE PROCEDURE `p_touch` (IN `pid` INT) MODIFIES SQL DATA
  UPDATE `child` SET `a` = `a` + 1 WHERE `parent_id` = `pid`;
CREATE TRIGGER `trg_child_bi` BEFORE INSERT ON `child` FOR EACH ROW SET NEW.`b` = COALESCE(NEW.`b`, 'none');
INSERT INTO `parent` (`id`, `code`) VALUES (1, 'a'), (2, 'b');
INSERT INTO `child` (`parent_id`, `a`, `b`) VALUES (1, 1, NULL), (2, 2, 'y');
"""

SHOP_COLUMNS = {
    "audit_log": 5, "cart_scratch": 5, "categories": 3, "customer_profiles": 45, "customers": 7,
    "order_archive": 4, "order_items": 5, "orders": 6, "product_search": 10, "products": 8, "shipments": 5,
    "v_customer_orders": 4,
}  # fmt: skip
SHOP_INDEXES = {
    ("cart_scratch", "PRIMARY"), ("categories", "PRIMARY"), ("categories", "uk_categories_name"),
    ("customer_profiles", "PRIMARY"), ("customers", "PRIMARY"), ("customers", "uk_customers_email"),
    ("order_archive", "PRIMARY"), ("order_items", "PRIMARY"), ("order_items", "idx_items_product"),
    ("orders", "PRIMARY"), ("orders", "idx_orders_customer"), ("products", "PRIMARY"),
    ("products", "uk_products_sku"), ("products", "idx_products_category"), ("shipments", "PRIMARY"),
    ("shipments", "idx_shipments_item"), ("product_search", "PRIMARY"),
    *(("product_search", f"idx_ps_{name}") for name in
      ("title", "brand", "color", "size", "price", "rating", "in_stock", "brand_color", "updated")),
}  # fmt: skip
SHOP_FOREIGN_KEYS = {
    ("products", "fk_products_category", ("category_id",), "categories", ("id",), "RESTRICT", "RESTRICT"),
    ("orders", "fk_orders_customer", ("customer_id",), "customers", ("id",), "RESTRICT", "RESTRICT"),
    ("order_items", "fk_items_order", ("order_id",), "orders", ("id",), "RESTRICT", "CASCADE"),
    ("order_items", "fk_items_product", ("product_id",), "products", ("id",), "RESTRICT", "RESTRICT"),
    ("shipments", "fk_shipments_item", ("order_id", "line_no"), "order_items", ("order_id", "line_no"), "CASCADE", "CASCADE"),
}  # fmt: skip


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def schemas(mariadb: MariaDBSandbox) -> list[str]:
    """Load the demo shop and the test schema (both scripts drop and recreate their database)."""
    mariadb.execute_script((ROOT / "scripts" / "demo_schema.sql").read_text())
    mariadb.execute_script(TEST_SCHEMA_SQL)
    return ["shop", TEST_SCHEMA]


@pytest.fixture(scope="module")
def admin(mariadb: MariaDBSandbox, schemas: list[str]) -> Iterator[Any]:
    conn = mariadb.connect("themis_admin")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def auditor(mariadb: MariaDBSandbox, schemas: list[str]) -> Iterator[Any]:
    conn = mariadb.connect("auditor")
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def captured(admin: Any, schemas: list[str]) -> dict[str, list[dict[str, Any]]]:
    return capture.capture_objects(admin, schemas)


def of(captured: dict[str, list[dict[str, Any]]], kind: str, schema: str) -> list[dict[str, Any]]:
    return [r for r in captured[kind] if r["schema"] == schema]


def scalar(conn: Any, sql: str) -> Any:
    cursor = conn.cursor()
    cursor.execute(sql)
    value = cursor.fetchone()[0]
    cursor.close()
    return value


def load_workload() -> ModuleType:
    return load_script("demo_workload")


# ----------------------------------------------------------------------------- sandbox


def test_sandbox_accounts_and_uri(mariadb: MariaDBSandbox, auditor: Any) -> None:
    assert mariadb.conn_uri("auditor") == f"mysql://auditor:auditpw@127.0.0.1:{mariadb.port}/"
    assert mariadb.host == "127.0.0.1" and mariadb.running
    mariadb.start()  # idempotent
    cursor = auditor.cursor()
    cursor.execute("SHOW GRANTS")
    grants = " ".join(row[0] for row in cursor.fetchall())
    assert "GRANT SELECT, PROCESS, SHOW VIEW ON *.*" in grants
    with pytest.raises(Exception, match="UPDATE command denied"):
        cursor.execute("UPDATE `shop`.`cart_scratch` SET `qty` = 0")


def test_sandbox_start_stop_are_idempotent(tmp_path: Path) -> None:
    sandbox = MariaDBSandbox(tmp_path)
    with sandbox:
        pid = int(sandbox.pid_file.read_text())
        sandbox.start()
        assert int(sandbox.pid_file.read_text()) == pid and sandbox.running
        assert scalar(sandbox.connect(), "SELECT @@slow_query_log, @@long_query_time") == 1
        assert sandbox.slow_log_path.is_relative_to(tmp_path)
    assert not sandbox.running
    sandbox.stop()


def test_missing_binaries_name_the_package() -> None:
    with pytest.raises(MariaDBNotInstalled, match="apt-get install mariadb-server"):
        find_binary("no-such-mariadbd")


def test_slow_log_rotation(mariadb: MariaDBSandbox, tmp_path: Path) -> None:
    original = mariadb.slow_log_path
    rotated = tmp_path / "rotated.log"
    try:
        assert mariadb.rotate_slow_log(rotated) == original
        scalar(mariadb.connect(), "SELECT 'rotation marker'")
        assert "rotation marker" in mariadb.flush_slow_log().read_text()
    finally:
        mariadb.rotate_slow_log(original)
    assert mariadb.slow_log_path == original


# ----------------------------------------------------------------------------- objects


def test_server_info(admin: Any) -> None:
    info = capture.server_info(admin)
    assert info["flavour"] == "mariadb"
    assert (info["major"], info["minor"]) >= (10, 3)
    assert info["version"].startswith(f"{info['major']}.{info['minor']}.")


def test_records_are_plain_json_with_lower_case_keys(captured: dict[str, list[dict[str, Any]]]) -> None:
    assert set(captured) == set(capture.OBJECT_KINDS)
    for records in captured.values():
        for record in records:
            assert all(key == key.lower() for key in record)
            assert json.loads(json.dumps(record)) == record


def test_every_shared_concept_carries_the_contract_fields(captured: dict[str, list[dict[str, Any]]]) -> None:
    """The capture contract (themis.capture.base.SHARED_FIELDS), as the Oracle capture is held to it."""
    from themis.capture.base import SHARED_FIELDS

    checked = 0
    for kind, fields in SHARED_FIELDS.items():
        for record in captured.get(kind, []):
            assert not [f for f in fields if f not in record], (kind, record)
            checked += 1
    assert checked > 50


def test_shop_tables_and_columns(captured: dict[str, list[dict[str, Any]]]) -> None:
    tables = {t["table"]: t for t in of(captured, "obj.table", "shop")}
    assert set(tables) == set(SHOP_COLUMNS)
    assert tables["v_customer_orders"]["table_type"] == "VIEW"
    assert {name for name, t in tables.items() if t["partitioned"]} == {"order_archive"}
    assert tables["orders"]["engine"] == "InnoDB" and tables["orders"]["table_rows"] > 10000
    assert isinstance(tables["orders"]["data_length"], int)
    assert tables["categories"]["table_comment"] == "product categories"

    columns = of(captured, "obj.column", "shop")
    counts: dict[str, int] = {}
    for column in columns:
        counts[column["table"]] = counts.get(column["table"], 0) + 1
    assert counts == SHOP_COLUMNS
    lobs = {(c["table"], c["column"], c["data_type"]) for c in columns if c["data_type"] in ("text", "longblob", "blob")}
    assert lobs == {("products", "description", "text"), ("products", "image", "longblob"), ("audit_log", "payload", "text")}
    price = next(c for c in columns if (c["table"], c["column"]) == ("products", "price"))
    assert (price["column_type"], price["numeric_precision"], price["numeric_scale"], price["is_nullable"]) == (
        "decimal(10,2)", 10, 2, False
    )


def test_shop_indexes_and_defects(captured: dict[str, list[dict[str, Any]]]) -> None:
    indexes = of(captured, "obj.index", "shop")
    assert {(i["table"], i["index"]) for i in indexes} == SHOP_INDEXES
    assert len(indexes) == len(SHOP_INDEXES)  # one record per index, not per column
    assert "audit_log" not in {i["table"] for i in indexes if i["is_primary"]}  # the table without PK
    secondary = [i for i in indexes if i["table"] == "product_search" and not i["is_primary"]]
    assert len(secondary) == 9
    by_name = {(i["table"], i["index"]): i for i in indexes}
    brand_color = by_name[("product_search", "idx_ps_brand_color")]
    assert [c["column"] for c in brand_color["columns"]] == ["brand", "color"]
    assert [c["seq"] for c in brand_color["columns"]] == [1, 2]
    assert brand_color["cardinality"] == brand_color["columns"][-1]["cardinality"]
    assert by_name[("product_search", "idx_ps_title")]["columns"][0]["sub_part"] == 40
    assert by_name[("product_search", "idx_ps_updated")]["columns"][0]["collation"] == "D"
    assert by_name[("customers", "uk_customers_email")]["unique"] is True
    assert by_name[("orders", "idx_orders_customer")]["unique"] is False


def test_shop_foreign_keys_routines_triggers_views_partitions(captured: dict[str, list[dict[str, Any]]]) -> None:
    fks = {
        (f["table"], f["constraint"], tuple(f["columns"]), f["referenced_table"], tuple(f["referenced_columns"]),
         f["update_rule"], f["delete_rule"])
        for f in of(captured, "obj.foreign_key", "shop")
    }  # fmt: skip
    assert fks == SHOP_FOREIGN_KEYS
    assert {f["referenced_schema"] for f in of(captured, "obj.foreign_key", "shop")} == {"shop"}
    constraint_types = {(c["table"], c["constraint"]): c["constraint_type"] for c in of(captured, "obj.constraint", "shop")}
    assert {k for k, v in constraint_types.items() if v == "FOREIGN KEY"} == {(f[0], f[1]) for f in SHOP_FOREIGN_KEYS}
    assert [(r["name"], r["routine_type"]) for r in of(captured, "obj.routine", "shop")] == [("fn_price_with_tax", "FUNCTION")]
    assert [(t["name"], t["table"], t["event"], t["timing"]) for t in of(captured, "obj.trigger", "shop")] == [
        ("trg_orders_audit", "orders", "INSERT", "AFTER")
    ]
    assert [(v["view"], v["security_type"]) for v in of(captured, "obj.view", "shop")] == [("v_customer_orders", "INVOKER")]
    partitions = of(captured, "obj.partition", "shop")
    assert [(p["table"], p["partition"], p["partition_method"], p["ordinal_position"]) for p in partitions] == [
        ("order_archive", "p2022", "RANGE", 1), ("order_archive", "p2023", "RANGE", 2), ("order_archive", "pmax", "RANGE", 3)
    ]  # fmt: skip
    assert sum(p["table_rows"] for p in partitions) == 3000


def test_test_schema_exactly(captured: dict[str, list[dict[str, Any]]]) -> None:
    tables = {t["table"]: t for t in of(captured, "obj.table", TEST_SCHEMA)}
    assert set(tables) == {"CaseT", "caset", "child", "events", "metrics", "parent", "v_child", "v_parent"}
    assert {n for n, t in tables.items() if t["table_type"] == "VIEW"} == {"v_child", "v_parent"}
    assert {n for n, t in tables.items() if t["partitioned"]} == {"events", "metrics"}
    assert tables["parent"]["table_comment"] == "the parent"

    columns = {(c["table"], c["column"]): c for c in of(captured, "obj.column", TEST_SCHEMA)}
    assert len(columns) == 19
    b = columns[("child", "b")]
    assert (b["column_default"], b["is_nullable"], b["character_maximum_length"], b["ordinal_position"]) == ("'x'", True, 30, 4)
    assert columns[("child", "id")]["extra"] == "auto_increment"

    indexes = {(i["table"], i["index"]): i for i in of(captured, "obj.index", TEST_SCHEMA)}
    assert set(indexes) == {
        ("CaseT", "PRIMARY"), ("CaseT", "idx_a"), ("caset", "PRIMARY"), ("caset", "idx_a"),
        ("child", "PRIMARY"), ("child", "fk_child_parent"), ("child", "idx_child_ab"),
        ("events", "PRIMARY"), ("metrics", "PRIMARY"), ("parent", "PRIMARY"), ("parent", "uk_parent_code"),
    }  # fmt: skip
    ab = indexes[("child", "idx_child_ab")]
    assert (ab["comment"], ab["unique"], ab["is_primary"]) == ("two columns", False, False)
    assert [(c["column"], c["sub_part"], c["nullable"]) for c in ab["columns"]] == [("a", None, True), ("b", 10, True)]
    assert [c["column"] for c in indexes[("events", "PRIMARY")]["columns"]] == ["id", "kind"]
    assert all(len(indexes[(t, "idx_a")]["columns"]) == 1 for t in ("CaseT", "caset"))  # names differing in case

    assert [
        (f["table"], f["constraint"], f["columns"], f["referenced_table"], f["referenced_columns"], f["delete_rule"])
        for f in of(captured, "obj.foreign_key", TEST_SCHEMA)
    ] == [("child", "fk_child_parent", ["parent_id"], "parent", ["id"], "CASCADE")]
    assert {(r["name"], r["routine_type"]) for r in of(captured, "obj.routine", TEST_SCHEMA)} == {
        ("f_double", "FUNCTION"), ("p_touch", "PROCEDURE")
    }
    routine = of(captured, "obj.routine", TEST_SCHEMA)[0]
    assert routine["definer"] == "themis_admin@127.0.0.1" and isinstance(routine["created"], str)
    assert [(t["name"], t["table"], t["event"], t["timing"]) for t in of(captured, "obj.trigger", TEST_SCHEMA)] == [
        ("trg_child_bi", "child", "INSERT", "BEFORE")
    ]
    assert [(v["view"], v["is_updatable"], v["check_option"], v["security_type"]) for v in of(captured, "obj.view", TEST_SCHEMA)] == [
        ("v_child", "YES", "NONE", "INVOKER"), ("v_parent", "YES", "CASCADED", "DEFINER")
    ]  # fmt: skip
    assert [
        (p["table"], p["partition"], p["subpartition"], p["partition_method"], p["subpartition_method"], p["partition_expression"])
        for p in of(captured, "obj.partition", TEST_SCHEMA)
    ] == [
        ("events", "p_small", None, "LIST", None, "`kind`"), ("events", "p_big", None, "LIST", None, "`kind`"),
        ("metrics", "p_old", "p_oldsp0", "RANGE", "HASH", "`y`"), ("metrics", "p_old", "p_oldsp1", "RANGE", "HASH", "`y`"),
        ("metrics", "p_new", "p_newsp0", "RANGE", "HASH", "`y`"), ("metrics", "p_new", "p_newsp1", "RANGE", "HASH", "`y`"),
    ]  # fmt: skip


def test_auditor_captures_the_same_except_triggers(
    auditor: Any, schemas: list[str], captured: dict[str, list[dict[str, Any]]]
) -> None:
    """SELECT, SHOW VIEW, PROCESS suffice for everything but triggers: the server lists a trigger only
    to users holding the TRIGGER privilege on its table (MariaDB and MySQL alike)."""
    as_auditor = capture.capture_objects(auditor, schemas)
    for kind in capture.OBJECT_KINDS:
        if kind != "obj.trigger":
            assert without_statistics(as_auditor[kind]) == without_statistics(captured[kind]), kind
    assert as_auditor["obj.trigger"] == []


VOLATILE = {"table_rows", "avg_row_length", "data_length", "index_length", "data_free", "cardinality"}


def without_statistics(records: list[Any]) -> list[Any]:
    """Records minus the InnoDB estimates that background statistics updates may change between reads."""
    return [
        {k: without_statistics(v) if isinstance(v, list) else v for k, v in r.items() if k not in VOLATILE}
        if isinstance(r, dict)
        else r
        for r in records
    ]


def test_capture_logs_progress_and_streams(admin: Any, schemas: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    lines: list[str] = []
    monkeypatch.setattr(capture, "FETCH_SIZE", 7)  # many batches from the server-side cursor
    result = capture.capture_objects(admin, schemas, log=lines.append)
    assert len(lines) == len(capture.OBJECT_KINDS)
    assert any(line.startswith(f"obj.column: {len(result['obj.column'])} records") for line in lines)
    assert len(result["obj.column"]) > 100
    assert scalar(admin, "SELECT 1") == 1  # the streamed cursors were drained


def test_bad_arguments_are_refused(admin: Any) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        capture.capture_objects(admin, [])
    with pytest.raises(ValueError, match="unknown object kind"):
        capture.iter_records(admin, "obj.nope", ["shop"])


def test_every_template_renders_with_quoted_identifiers_and_bound_values() -> None:
    sql, params = render("mysql/columns", schemas=["a", "b'; DROP DATABASE x; --"])
    assert "IN (%s, %s)" in sql and params == ("a", "b'; DROP DATABASE x; --")
    assert render("mysql/use_database", db="we`ird") == ("USE `we``ird`", ())
    with pytest.raises(Exception, match="schemas"):
        render("mysql/tables")  # StrictUndefined


def test_airflow_hook_connection_with_dict_cursor(
    mariadb: MariaDBSandbox, schemas: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the capture task does: MySqlHook(conn_id).get_conn() from the sandbox URI (DictCursor extra)."""
    # AIRFLOW_HOME is the session's (root conftest.py): Airflow binds its settings on first import.
    monkeypatch.setenv("AIRFLOW_CONN_THEMIS_CAPTURE_TEST", mariadb.conn_uri("auditor") + "?cursor=dictcursor")
    from airflow.providers.mysql.hooks.mysql import MySqlHook

    conn = MySqlHook(mysql_conn_id="themis_capture_test").get_conn()
    try:
        tables = capture.capture_objects(conn, ["shop"])["obj.table"]
        assert len(tables) == len(SHOP_COLUMNS)
        record = capture.explain(conn, "SELECT * FROM orders WHERE id = 7", db="shop")
        assert record["status"] == "explained" and record["nodes"][0]["access_type"] == "const"
    finally:
        conn.close()


# ----------------------------------------------------------------------------- EXPLAIN


def node_of(record: dict[str, Any], table: str) -> dict[str, Any]:
    return next(n for n in record["nodes"] if n["table"] == table)


@pytest.fixture(scope="module")
def server(auditor: Any) -> dict[str, Any]:
    return capture.server_info(auditor)


def test_explain_full_scan_with_filesort(auditor: Any, server: dict[str, Any]) -> None:
    record = capture.explain(
        auditor, "SELECT `id`, `amount` FROM `orders` ORDER BY `amount` DESC LIMIT 10", db="shop", server=server
    )
    assert (record["status"], record["format"], record["explained_as"], record["error"]) == ("explained", "json", "statement", None)
    assert record["db"] == "shop" and isinstance(record["explain_json"], dict)
    assert record["traditional"][0]["table"] == "orders"  # MariaDB keeps the classic plan too
    node = node_of(record, "orders")
    assert (node["access_type"], node["using_filesort"], node["using_temporary_table"]) == ("ALL", True, False)
    assert node["rows"] > 10000
    json.dumps(record)


def test_explain_group_by_temporary_table(auditor: Any, server: dict[str, Any]) -> None:
    record = capture.explain(auditor, "SELECT `city`, COUNT(*) FROM `customers` GROUP BY `city`", db="shop", server=server)
    node = node_of(record, "customers")
    assert (node["access_type"], node["using_temporary_table"], node["using_filesort"]) == ("ALL", True, True)


def test_explain_subqueries_and_joins(auditor: Any, server: dict[str, Any]) -> None:
    dependent = capture.explain(
        auditor,
        "SELECT c.id, (SELECT MAX(o.amount) FROM orders o WHERE o.customer_id = c.id) FROM customers c WHERE c.id < 9",
        db="shop",
        server=server,
    )
    assert (node_of(dependent, "o")["dependent"], node_of(dependent, "o")["cacheable"]) == (True, False)
    uncacheable = capture.explain(
        auditor, "SELECT * FROM orders WHERE id = (SELECT MAX(id) FROM customers WHERE RAND() < 2)", db="shop", server=server
    )
    assert (node_of(uncacheable, "customers")["dependent"], node_of(uncacheable, "customers")["cacheable"]) == (False, False)
    derived = capture.explain(
        auditor,
        "SELECT * FROM (SELECT customer_id, SUM(amount) s FROM orders GROUP BY customer_id) t WHERE s > 10 ORDER BY s",
        db="shop",
        server=server,
    )
    # SET STATEMENT ... FOR shifts MariaDB's select numbers by one: <derived3>, not <derived2>.
    [materialized] = [n for n in derived["nodes"] if n["materialized_from_subquery"]]
    assert materialized["table"].startswith("<derived") and materialized["using_filesort"] is True
    assert node_of(derived, "orders")["select_id"] == int(materialized["table"][len("<derived") : -1])
    join = capture.explain(
        auditor,
        "SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id JOIN order_items i ON i.order_id = o.id "
        "JOIN products p ON p.id = i.product_id WHERE c.city = 'Oslo'",
        db="shop",
        server=server,
    )
    assert sorted(n["nested_loop_size"] for n in join["nodes"]) == [4, 4, 4, 4]


def shop_state(conn: Any) -> tuple[Any, ...]:
    return (
        scalar(conn, "SELECT COUNT(*) FROM `shop`.`cart_scratch`"),
        scalar(conn, "SELECT SUM(`qty`) FROM `shop`.`cart_scratch`"),
        scalar(conn, "SELECT COUNT(*) FROM `shop`.`orders`"),
        scalar(conn, "SELECT COUNT(*) FROM `shop`.`audit_log`"),
    )


@pytest.mark.parametrize("user", ["auditor", "themis_admin"])
def test_explain_dml_changes_no_data(mariadb: MariaDBSandbox, admin: Any, schemas: list[str], user: str) -> None:
    """Even for a user allowed to write, EXPLAIN of DML runs read-only and changes nothing."""
    conn = mariadb.connect(user)
    try:
        before = shop_state(admin)
        statements = {  # statement -> (table, access type of the SELECT reading the same rows)
            "UPDATE cart_scratch SET qty = qty + 1": ("cart_scratch", "ALL"),
            "DELETE FROM cart_scratch": ("cart_scratch", "ALL"),
            "UPDATE cart_scratch SET qty = 0 WHERE id < 10 ORDER BY added_at LIMIT 3": ("cart_scratch", "range"),
            "DELETE s FROM cart_scratch s JOIN customers c ON c.id = s.customer_id WHERE c.city = 'Oslo'": ("s", "ALL"),
            "INSERT INTO orders (customer_id, status, amount, created_at) SELECT id, 'new', 1, NOW() FROM customers": (
                "customers", "index"
            ),
        }  # fmt: skip
        for sql, (table, access_type) in statements.items():
            record = capture.explain(conn, sql, db="shop")
            assert record["status"] == "explained", (sql, record["error"])
            assert record["explained_as"] == "select"  # MariaDB refuses DML EXPLAIN in a read-only transaction
            assert node_of(record, table)["access_type"] == access_type, sql
        values = capture.explain(conn, "INSERT INTO orders (customer_id, status, amount, created_at) VALUES (1, 'x', 1, NOW())", db="shop")
        assert values["status"] == "skipped" and "reads no table" in values["error"]
        assert shop_state(admin) == before
    finally:
        conn.close()


def test_explain_bad_statements_fail_with_the_server_message(auditor: Any, server: dict[str, Any]) -> None:
    missing = capture.explain(auditor, "SELECT * FROM no_such_table", db="shop", server=server)
    assert (missing["status"], missing["format"], missing["nodes"]) == ("failed", None, [])
    assert missing["error"] == "(1146) Table 'shop.no_such_table' doesn't exist"
    syntax = capture.explain(auditor, "SELECT * FROM orders WHERE", db="shop", server=server)
    assert syntax["status"] == "failed" and syntax["error"].startswith("(1064) You have an error in your SQL syntax")
    no_db = capture.explain(auditor, "SELECT 1", db="no_such_db", server=server)
    assert no_db["status"] == "failed" and "no_such_db" in no_db["error"]
    assert capture.explain(auditor, "SELECT 1", db="shop", server=server)["status"] == "explained"  # still usable


def test_explain_skips_what_it_must_not_run(auditor: Any, admin: Any, server: dict[str, Any]) -> None:
    for sql in ("SHOW TABLES", "DROP TABLE shop.orders", "SELECT 1; DROP TABLE shop.orders", None):
        record = capture.explain(auditor, sql, db="shop", server=server)  # type: ignore[arg-type]
        assert record["status"] == "skipped" and record["error"]
    assert scalar(admin, "SELECT COUNT(*) FROM `shop`.`orders`") > 0


def test_explain_is_bounded_in_time(auditor: Any, server: dict[str, Any]) -> None:
    """MariaDB evaluates a table-less derived table while explaining: max_statement_time stops it."""
    started = time.monotonic()
    record = capture.explain(auditor, "SELECT * FROM (SELECT SLEEP(5) AS s) AS t", db="shop", timeout_ms=300, server=server)
    assert time.monotonic() - started < 3
    assert record["status"] == "failed" and "max_statement_time" in record["error"]


def test_explain_without_db_and_with_prefix(auditor: Any) -> None:
    record = capture.explain(auditor, "use shop; /* from the app */ SELECT * FROM `shop`.`customers` WHERE `id` = 3", db=None)
    assert record["status"] == "explained" and record["db"] is None
    assert node_of(record, "customers")["access_type"] == "const"


# ----------------------------------------------------------------------------- demo workload


def test_demo_workload_fills_the_slow_log(mariadb: MariaDBSandbox, schemas: list[str], tmp_path: Path) -> None:
    workload = load_workload()
    log = tmp_path / "workload-slow.log"
    original = mariadb.rotate_slow_log(log)
    conn, lock_conn = mariadb.connect(db="shop"), mariadb.connect(db="shop")
    try:
        started = time.monotonic()
        count = workload.run_workload(conn, rounds=2, lock_conn=lock_conn)
        assert time.monotonic() - started < 10
        mariadb.flush_slow_log()
        assert scalar(conn, "SELECT COUNT(*) FROM `cart_scratch`") == 500
    finally:
        conn.close()
        lock_conn.close()
        mariadb.rotate_slow_log(original)
    text = log.read_text()
    assert count > 80
    assert text.count("# Query_time:") >= count
    for marker in ("Filesort: Yes", "Tmp_table: Yes", "Full_scan: Yes", "UPDATE `cart_scratch` SET `qty` = `qty` + 1;",
                   "DELETE FROM `cart_scratch`;", "LIKE '%99'", "IN (3, 10, 17"):  # fmt: skip
        assert marker in text, marker
    assert "Lock_time: 0.1" in text or "Lock_time: 0.2" in text  # the table-lock wait
    assert "Rows_sent: 1  Rows_examined: 200" in text  # COUNT over 20,000 orders: ratio > 10,000


# ----------------------------------------------------------------------------- MySQL paths, scripted
# No MySQL server runs here: a scripted DB-API connection checks what capture sends to MySQL 8.

MYSQL_80 = {"flavour": "mysql", "major": 8, "minor": 0, "patch": 36, "version": "8.0.36", "version_comment": ""}


class ScriptedCursor:
    def __init__(self, conn: ScriptedConnection) -> None:
        self.conn = conn
        self.description: tuple[tuple[str, ...], ...] | None = None
        self.rows: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: Any = None) -> None:
        self.conn.log.append(sql if params is None else sql % params)
        answer = self.conn.answer(sql)
        if isinstance(answer, Exception):
            raise answer
        columns, self.rows = answer
        self.description = tuple((name,) for name in columns) if columns else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def close(self) -> None:
        pass


class ScriptedConnection:
    def __init__(self, plan: dict[str, Any] | None = None, fail_with: Exception | None = None) -> None:
        self.log: list[str] = []
        self.plan = plan
        self.fail_with = fail_with

    def cursor(self, *args: Any) -> ScriptedCursor:
        return ScriptedCursor(self)

    def rollback(self) -> None:
        self.log.append("ROLLBACK")

    def answer(self, sql: str) -> Any:
        if sql.startswith("SELECT @@SESSION.max_execution_time"):
            return ["max_execution_time"], [(0,)]
        if sql.startswith("EXPLAIN"):
            if self.fail_with is not None:
                return self.fail_with
            return ["EXPLAIN"], [(json.dumps(self.plan),)]
        return [], []


def test_mysql_explain_bounds_time_on_the_session_and_in_a_hint() -> None:
    plan = json.loads((ROOT / "tests" / "data" / "plans" / "mysql-8.0-filesort.json").read_text())["explain_json"]
    conn = ScriptedConnection(plan)
    sql = "SELECT `id` FROM `orders` WHERE `note` LIKE '%gift' ORDER BY `amount` DESC LIMIT 10"
    record = capture.explain(conn, sql, db="shop", timeout_ms=1500, server=MYSQL_80)
    assert conn.log == [
        "USE `shop`",
        "START TRANSACTION READ ONLY",
        "SELECT @@SESSION.max_execution_time AS `max_execution_time`",
        "SET SESSION max_execution_time = 1500",
        "EXPLAIN FORMAT=JSON SELECT /*+ MAX_EXECUTION_TIME(1500) */ `id` FROM `orders` WHERE `note` LIKE '%gift' "
        "ORDER BY `amount` DESC LIMIT 10",
        "ROLLBACK",
        "SET SESSION max_execution_time = 0",
    ]
    assert (record["status"], record["format"], record["traditional"]) == ("explained", "json", None)
    assert record["nodes"][0]["using_filesort"] is True


def test_mysql_explain_of_dml_gets_no_hint() -> None:
    plan = json.loads((ROOT / "tests" / "data" / "plans" / "mysql-5.7-update.json").read_text())["explain_json"]
    conn = ScriptedConnection(plan)
    record = capture.explain(conn, "UPDATE cart_scratch SET qty = qty + 1 WHERE id < 10", db=None, server=MYSQL_80)
    assert "EXPLAIN FORMAT=JSON UPDATE cart_scratch SET qty = qty + 1 WHERE id < 10" in conn.log
    assert (record["status"], record["explained_as"]) == ("explained", "statement")


def test_lost_connection_is_raised_not_recorded() -> None:
    import MySQLdb

    conn = ScriptedConnection(fail_with=MySQLdb.OperationalError(2013, "Lost connection to server during query"))
    with pytest.raises(MySQLdb.OperationalError):
        capture.explain(conn, "SELECT 1", db=None, server=MYSQL_80)
    refused = ScriptedConnection(fail_with=MySQLdb.OperationalError(3024, "Query execution was interrupted"))
    record = capture.explain(refused, "SELECT 1", db=None, server=MYSQL_80)
    assert record["status"] == "failed" and record["error"] == "(3024) Query execution was interrupted"
    assert sum(line.startswith("EXPLAIN") for line in refused.log) == 1  # a timeout is not retried
