"""Every MySQL SQLPLAN and SQLSTAT rule on a real workload: fires where it should and nowhere else.

On the session's sandbox MariaDB, a fresh schema ``sqlrules`` gets a workload whose statements each
trip chosen plan / statistics rules (a full scan, a filesort, a dependent subquery, an index merge,
a lock wait ...) next to healthy ones. The path is production's: the slow log the workload wrote is
digested (themis.slowlog), each class becomes a ``sql.statement`` record (themis.capture.mysql.statement_record),
each sample is explained by the read-only audit user (themis.capture.mysql.explain), and the engine
runs the catalogue with instance-style overrides. Then, for every rule, the exact set of statements
it reported is compared with the expected one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from themis.capture import mysql as capture
from themis.config import RuleOverride
from themis.rules.catalog import load_catalog
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot
from themis.sandbox import MariaDBSandbox
from themis.slowlog.digest import digest_paths
from themis.capture.mysql import statement_record

pytestmark = pytest.mark.integration

SCHEMA = "sqlrules"
SCHEMA_SQL = f"""
DROP DATABASE IF EXISTS `{SCHEMA}`;
CREATE DATABASE `{SCHEMA}`;
USE `{SCHEMA}`;
CREATE TABLE `customers` (
  `id` INT UNSIGNED NOT NULL, `name` VARCHAR(60) NOT NULL, `city` VARCHAR(30) NOT NULL, `note` VARCHAR(200) NOT NULL,
  PRIMARY KEY (`id`), FULLTEXT KEY `ft_customers_note` (`note`)
) ENGINE=InnoDB;
CREATE TABLE `orders` (
  `id` INT UNSIGNED NOT NULL, `customer_id` INT UNSIGNED NOT NULL, `status` VARCHAR(12) NOT NULL,
  `region` VARCHAR(12) NOT NULL, `amount` INT NOT NULL,
  PRIMARY KEY (`id`), KEY `idx_orders_customer` (`customer_id`), KEY `idx_orders_status` (`status`),
  KEY `idx_orders_region` (`region`)
) ENGINE=InnoDB;
CREATE TABLE `items` (
  `order_id` INT UNSIGNED NOT NULL, `line_no` SMALLINT UNSIGNED NOT NULL, `product_id` INT UNSIGNED NOT NULL,
  `qty` INT NOT NULL, PRIMARY KEY (`order_id`, `line_no`)
) ENGINE=InnoDB;
CREATE TABLE `products` (`id` INT UNSIGNED NOT NULL, `title` VARCHAR(60) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
INSERT INTO `customers` SELECT `seq`, CONCAT('customer ', `seq`), CONCAT('city', `seq` % 10),
  CONCAT(ELT(1 + `seq` % 4, 'alpha', 'bravo', 'charlie', 'delta'), ' note ', `seq`) FROM `seq_1_to_200`;
INSERT INTO `orders` SELECT `seq`, 1 + `seq` % 200, CONCAT('s', `seq` % 100), CONCAT('r', `seq` % 97), `seq` % 1000
  FROM `seq_1_to_5000`;
INSERT INTO `items` SELECT 1 + (`seq` - 1) DIV 2, 1 + `seq` % 2, 1 + `seq` % 100, 1 + `seq` % 3 FROM `seq_1_to_10000`;
INSERT INTO `products` SELECT `seq`, CONCAT('product ', `seq`) FROM `seq_1_to_100`;
ANALYZE TABLE `customers`, `orders`, `items`, `products`;
"""

# label -> statement; every label is one statement class of the digest. orders has 5,000 rows,
# items 10,000, customers 200, products 100.
WORKLOAD = {
    "full_scan": "SELECT `id`, `amount` FROM `orders` WHERE `amount` = 17",
    "filesort": "SELECT `id`, `name` FROM `customers` ORDER BY `name` LIMIT 5",
    "temporary": "SELECT DISTINCT `city` FROM `customers`",
    "dependent": "SELECT c.`id`, (SELECT MAX(o.`amount`) FROM `orders` AS o WHERE o.`customer_id` = c.`id`) AS `top` "
                 "FROM `customers` AS c WHERE c.`id` < 20",
    "uncacheable": "SELECT `id`, `name` FROM `customers` WHERE `id` = (SELECT MAX(`id`) FROM `products` WHERE RAND() < 2)",
    "fulltext": "SELECT `id` FROM `customers` WHERE MATCH(`note`) AGAINST ('alpha')",
    "index_merge": "SELECT `id` FROM `orders` WHERE `status` = 's7' OR `region` = 'r3'",
    "derived": "SELECT t.`id`, t.`n` FROM (SELECT `customer_id` AS `id`, COUNT(*) AS `n` FROM `orders` "
               "GROUP BY `customer_id`) AS t WHERE t.`n` > 20",
    "join4": "SELECT c.`name`, o.`id`, i.`qty`, p.`title` FROM `customers` AS c JOIN `orders` AS o ON o.`customer_id` = c.`id` "
             "JOIN `items` AS i ON i.`order_id` = o.`id` JOIN `products` AS p ON p.`id` = i.`product_id` "
             "WHERE c.`id` BETWEEN 1 AND 3",
    "unique_subquery": "SELECT p.`id` FROM `products` AS p WHERE p.`id` > 90 OR p.`id` IN "
                       "(SELECT c.`id` FROM `customers` AS c WHERE c.`name` <> p.`title`)",
    # MariaDB evaluates a table-less derived table while explaining it: the EXPLAIN runs out of time
    "slow_to_explain": "SELECT `s` FROM (SELECT SLEEP(0.5) AS `s`) AS t",
    # the session's temporary table does not exist for the auditor: EXPLAIN fails with 1146
    "temporary_table_ddl": "CREATE TEMPORARY TABLE `tmp_picks` (`id` INT UNSIGNED NOT NULL PRIMARY KEY)",
    "reads_session_table": "SELECT p.`title` FROM `tmp_picks` AS t JOIN `products` AS p ON p.`id` = t.`id`",
    "insert_values": "INSERT INTO `products` (`id`, `title`) VALUES (1000, 'new')",
    "delete_new": "DELETE FROM `products` WHERE `id` >= 1000",
    "update_one": "UPDATE `customers` SET `name` = 'customer 7' WHERE `id` = 7",
    "point_lookup": "SELECT `name` FROM `customers` WHERE `id` = 5",
    # waits for the WRITE lock another connection holds on products (run by lock_wait below)
    "lock_wait": "SELECT `title` FROM `products` WHERE `id` = 3",
}  # fmt: skip
LOCK_SECONDS = 0.3
EXPLAIN_TIMEOUT_MS = 200

# Instance-style overrides (what `rules:` in include/instances.yaml holds), lowering the thresholds
# to this small schema's size.
OVERRIDES = {
    "TABLE_FULL_SCAN": {"params": {"rows": 1000}},
    "INDEX_RATIO": {"params": {"ratio": 500}},
    "LOCK_TIME_SUM": {"params": {"seconds": 0.1}},
}

EXPECTED = {
    "CACHEABLE": {"uncacheable"},
    "COMPLEX_SQL": {"slow_to_explain", "reads_session_table"},
    "DEPENDENT": {"dependent", "unique_subquery"},  # IN -> EXISTS makes the unique_subquery lookup correlated
    "FULLTEXT": {"fulltext"},
    "INDEX_MERGE": {"index_merge"},
    "MATERIALIZED_FROM_SUBQUERY": {"derived"},
    "MULTI_TAB_JOIN": {"join4"},
    "TABLE_FULL_SCAN": {"full_scan"},
    "UNIQUE_SUBQUERY": {"unique_subquery"},
    "USING_FILESORT": {"filesort"},
    "USING_TEMPORARY_TABLE": {"temporary", "derived"},  # the derived table is materialised into one
    "INDEX_RATIO": {"full_scan"},  # 5,000 rows examined for 5 sent
    "LOCK_TIME_SUM": {"lock_wait"},
}


def _execute(conn: Any, sql: str) -> None:
    cursor = conn.cursor()
    try:
        cursor.execute(sql)
        if cursor.description is not None:
            cursor.fetchall()
    finally:
        cursor.close()


def _lock_wait(conn: Any, lock_conn: Any) -> None:
    """``lock_conn`` holds a WRITE lock on products for LOCK_SECONDS while ``conn`` reads the table."""
    _execute(lock_conn, "LOCK TABLES `products` WRITE")
    release = threading.Timer(LOCK_SECONDS, _execute, args=(lock_conn, "UNLOCK TABLES"))
    release.start()
    try:
        _execute(conn, WORKLOAD["lock_wait"])
    finally:
        release.join()


def run_workload(conn: Any, lock_conn: Any, rounds: int) -> None:
    for _ in range(rounds):
        for label, sql in WORKLOAD.items():
            if label == "lock_wait":
                _lock_wait(conn, lock_conn)
            else:
                _execute(conn, sql)
        _execute(conn, "DROP TEMPORARY TABLE `tmp_picks`")


@pytest.fixture(scope="module")
def slow_log(mariadb: MariaDBSandbox, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The slow log of two rounds of the workload on a fresh ``sqlrules`` schema, run as themis_admin."""
    mariadb.execute_script(SCHEMA_SQL)
    path = tmp_path_factory.mktemp("sqlrules") / "slow.log"
    original = mariadb.rotate_slow_log(path)
    conn, lock_conn = mariadb.connect(db=SCHEMA), mariadb.connect(db=SCHEMA)
    try:
        run_workload(conn, lock_conn, rounds=2)
        mariadb.flush_slow_log()
    finally:
        conn.close()
        lock_conn.close()
        mariadb.rotate_slow_log(original)
    return path


@pytest.fixture(scope="module")
def statements(slow_log: Path) -> list[dict[str, Any]]:
    classes = digest_paths([str(slow_log)], since=None, until=None).classes
    return [statement_record(c) for c in classes if c.get("db_max") == SCHEMA]


@pytest.fixture(scope="module")
def labels(statements: list[dict[str, Any]]) -> dict[str, str]:
    """checksum -> workload label, by the sample the slow log kept."""
    by_sql = {sql: label for label, sql in WORKLOAD.items()}
    found = {s["checksum"]: by_sql[s["sample"].strip().rstrip(";")] for s in statements
             if s["sample"] and s["sample"].strip().rstrip(";") in by_sql}
    assert sorted(found.values()) == sorted(WORKLOAD), "every workload statement is one digest class"
    return found


@pytest.fixture(scope="module")
def plans(mariadb: MariaDBSandbox, statements: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    """What capture_other stores: each statement explained by the read-only audit user."""
    conn = mariadb.connect("auditor")
    try:
        server = capture.server_info(conn)
        yield [{"checksum": s["checksum"], **capture.explain(conn, s["sample"] or "", db=s["db"] or SCHEMA,
                                                             timeout_ms=EXPLAIN_TIMEOUT_MS, server=server)}
               for s in statements]
    finally:
        conn.close()


def run(dimension: str, statements: list[dict[str, Any]], plans: list[dict[str, Any]]) -> dict[str, Any]:
    overrides = {rule: RuleOverride.model_validate(override) for rule, override in OVERRIDES.items()}
    rules = effective_rules(load_catalog(), "mysql", dimension, overrides)
    return run_dimension(rules, Snapshot("mysql", {"sql.statement": statements, "sql.plan": plans}), dimension)


def fired(result: dict[str, Any], labels: dict[str, str]) -> dict[str, set[str]]:
    return {rule["id"]: {labels.get(f["checksum"], f["checksum"]) for f in rule["findings"]} for rule in result["rules"]}


def test_plans_were_captured_as_intended(plans: list[dict[str, Any]], labels: dict[str, str]) -> None:
    status = {labels[p["checksum"]]: (p["status"], p["explained_as"]) for p in plans if p["checksum"] in labels}
    assert status["slow_to_explain"][0] == status["reads_session_table"][0] == "failed"
    assert status["temporary_table_ddl"][0] == status["insert_values"][0] == "skipped"
    assert status["update_one"] == status["delete_new"] == ("explained", "select")  # read-only: its SELECT twin
    explained = {label for label, (state, _) in status.items() if state == "explained"}
    assert explained == set(WORKLOAD) - {"slow_to_explain", "reads_session_table", "temporary_table_ddl", "insert_values"}
    assert all(p["format"] == "json" for p in plans if p["status"] == "explained")


def test_every_plan_rule_fires_where_it_should_and_nowhere_else(statements: list[dict[str, Any]],
                                                                 plans: list[dict[str, Any]], labels: dict[str, str]) -> None:
    result = run("SQLPLAN", statements, plans)
    assert {rule["id"] for rule in result["rules"]} == set(EXPECTED) - {"INDEX_RATIO", "LOCK_TIME_SUM"}
    assert all(rule["status"] == "ran" for rule in result["rules"])
    assert fired(result, labels) == {rule: EXPECTED[rule] for rule in fired(result, labels)}


def test_complex_sql_says_why(statements: list[dict[str, Any]], plans: list[dict[str, Any]], labels: dict[str, str]) -> None:
    result = run("SQLPLAN", statements, plans)
    [complex_sql] = [rule for rule in result["rules"] if rule["id"] == "COMPLEX_SQL"]
    reasons = {labels[f["checksum"]]: f["values"]["error"] for f in complex_sql["findings"]}
    assert "max_statement_time" in reasons["slow_to_explain"]
    assert reasons["reads_session_table"].startswith("(1146)") and "tmp_picks" in reasons["reads_session_table"]


def test_every_statistics_rule_fires_where_it_should_and_nowhere_else(statements: list[dict[str, Any]],
                                                                      labels: dict[str, str]) -> None:
    result = run("SQLSTAT", statements, [])
    assert fired(result, labels) == {"INDEX_RATIO": EXPECTED["INDEX_RATIO"], "LOCK_TIME_SUM": EXPECTED["LOCK_TIME_SUM"]}
    stats = {labels[s["checksum"]]: s["stats"] for s in statements if s["checksum"] in labels}
    assert stats["lock_wait"]["Lock_time_sum"] >= 2 * LOCK_SECONDS * 0.8  # two rounds of real waiting
    assert stats["full_scan"]["Rows_examined_sum"] == 2 * 5000 and stats["full_scan"]["executions"] == 2


def test_default_thresholds_report_more(statements: list[dict[str, Any]], plans: list[dict[str, Any]],
                                        labels: dict[str, str]) -> None:
    """With the catalogue's defaults (a full scan of more than 1 row, ratio 10,000, 60 s of locks)."""
    rules = effective_rules(load_catalog(), "mysql", "SQLPLAN")
    result = run_dimension(rules, Snapshot("mysql", {"sql.statement": statements, "sql.plan": plans}), "SQLPLAN")
    scans = fired(result, labels)["TABLE_FULL_SCAN"]
    assert {"full_scan", "filesort", "temporary", "unique_subquery"} <= scans  # 200- and 100-row tables too
    assert "derived" not in scans  # a materialised derived table is not a table scan
    stat = run_dimension(effective_rules(load_catalog(), "mysql", "SQLSTAT"), Snapshot("mysql", {"sql.statement": statements}),
                         "SQLSTAT")
    assert all(rule["findings_count"] == 0 for rule in stat["rules"])


def test_text_rules_run_on_the_real_samples(statements: list[dict[str, Any]], labels: dict[str, str]) -> None:
    started = time.monotonic()
    result = run("TEXT", statements, [])
    assert time.monotonic() - started < 5
    assert (result["rules_ran"], result["rules_off"], result["rules_failed"]) == (12, 4, 0)
    text = fired(result, labels)
    assert text["TOOMANY_OR"] == set()  # index_merge's one OR is under the limit
    assert text["WHERE_NOT"] >= {"unique_subquery"} and "full_scan" not in text["WHERE_NOT"]
    unparsable = {u["sql"].split()[0].upper() for u in result["unparsable"]}
    # sqlglot reads LOCK / UNLOCK TABLES only as opaque commands and has no FLUSH SLOW LOGS (the harness's)
    assert unparsable <= {"LOCK", "UNLOCK", "FLUSH"}, result["unparsable"]
