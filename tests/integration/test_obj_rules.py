"""Every MySQL OBJ rule on a real MariaDB: a schema built to trip each rule exactly where intended.

`objrules` holds one table (or routine, trigger, partition, column) per defect next to clean
neighbours, views and a sequence that must never be reported; `objrules_small` is a clean schema.
Capture runs as the read-only `auditor` (SELECT, SHOW VIEW, PROCESS), samples included. The
server lists triggers only to holders of the TRIGGER privilege, so the auditor sees none (asserted)
and the trigger records are read as `themis_admin`. Thresholds that would need gigabytes or
millions of rows are lowered through instance overrides, as a DBA would tune them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from themis.capture import mysql as capture
from themis.capture.sampling import KIND as SAMPLE_KIND, sample_columns
from themis.config import parse_config
from themis.rules.catalog import load_catalog
from themis.rules.engine import effective_rules, run_dimension
from themis.rules.snapshot import Snapshot
from themis.sandbox import MariaDBSandbox

pytestmark = pytest.mark.integration

SCHEMAS = ["objrules", "objrules_small"]
SAMPLE_ROWS = 40
OVERRIDES = {
    "BIG_SCHEMA_BY_TABLE_NUM": {"params": {"table_num": 10}},
    "BIG_TABLE_BY_ROW_NUM": {"params": {"row_num": 5000}},
    "BIG_TABLE_BY_SIZE": {"params": {"table_size": 0.001}},  # 1.07 MB
    "INDEX_SELECTIVITY": {"params": {"selectivity": 1}},
    "COLUMN_WRONG_TYPE": {"params": {"num_row": SAMPLE_ROWS}},
}
SCHEMA_SQL = """DROP DATABASE IF EXISTS `objrules`;
DROP DATABASE IF EXISTS `objrules_small`;
CREATE DATABASE `objrules` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
CREATE DATABASE `objrules_small` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE `objrules`;
-- clean: trips nothing (every other table is clean but for its one defect)
CREATE TABLE `clean` (
  `id` INT NOT NULL AUTO_INCREMENT, `name` VARCHAR(50) NOT NULL, `created_at` DATETIME NOT NULL,
  `updated_at` DATETIME NOT NULL, PRIMARY KEY (`id`)
) ENGINE=InnoDB;
-- TABLE_NO_DEF_PRIMARYKEY: a unique key is not a primary key; a system-versioned table is a table
CREATE TABLE `no_pk` (
  `code` VARCHAR(20) NOT NULL, `created_at` DATETIME NOT NULL, UNIQUE KEY `uk_code` (`code`)
) ENGINE=InnoDB;
CREATE TABLE `history` (
  `item` INT NOT NULL, `price` DECIMAL(10,2) NOT NULL, `created_at` DATETIME NOT NULL
) ENGINE=InnoDB WITH SYSTEM VERSIONING;
-- a sequence and (below) a view: not tables, never reported
CREATE SEQUENCE `ids`;
-- TABLE_EXIST_FOREIGN_KEY on fk_child; EXIST_FUNC_PROC_TRIGGER: a trigger on fk_parent (below)
CREATE TABLE `fk_parent` (`id` INT NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE TABLE `fk_child` (
  `id` INT NOT NULL, `parent_id` INT NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`),
  CONSTRAINT `fk_child_parent` FOREIGN KEY (`parent_id`) REFERENCES `fk_parent` (`id`)
) ENGINE=InnoDB;
-- EXIST_LOB_COLUMN: TEXT, JSON (LONGTEXT on MariaDB), TINYBLOB
CREATE TABLE `docs` (
  `id` INT NOT NULL, `body` TEXT, `meta` JSON, `thumb` TINYBLOB, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`)
) ENGINE=InnoDB;
-- TABLE_COLUMN_NUM: 41 columns
CREATE TABLE `many_cols` (
  `id` INT NOT NULL, `created_at` DATETIME NOT NULL,
  `c01` INT, `c02` INT, `c03` INT, `c04` INT, `c05` INT, `c06` INT, `c07` INT, `c08` INT, `c09` INT, `c10` INT,
  `c11` INT, `c12` INT, `c13` INT, `c14` INT, `c15` INT, `c16` INT, `c17` INT, `c18` INT, `c19` INT, `c20` INT,
  `c21` INT, `c22` INT, `c23` INT, `c24` INT, `c25` INT, `c26` INT, `c27` INT, `c28` INT, `c29` INT, `c30` INT,
  `c31` INT, `c32` INT, `c33` INT, `c34` INT, `c35` INT, `c36` INT, `c37` INT, `c38` INT, `c39` INT,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
-- BIG_TABLE_BY_INDEX_NUM: 8 secondary indexes
CREATE TABLE `many_idx` (
  `id` INT NOT NULL, `a` INT, `b` INT, `c` INT, `d` INT, `e` INT, `f` INT, `g` INT, `h` INT,
  `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`),
  KEY `ia` (`a`), KEY `ib` (`b`), KEY `ic` (`c`), KEY `id_` (`d`), KEY `ie` (`e`), KEY `if_` (`f`), KEY `ig` (`g`), KEY `ih` (`h`)
) ENGINE=InnoDB;
-- BIG_TABLE_BY_ROW_NUM: 8,000 narrow rows (under 1 MB)
CREATE TABLE `many_rows` (
  `id` INT NOT NULL, `note` CHAR(8) CHARACTER SET latin1 NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`)
) ENGINE=InnoDB;
-- BIG_TABLE_BY_SIZE: 3,000 rows of 600 bytes (under 5,000 rows)
CREATE TABLE `fat` (
  `id` INT NOT NULL, `a` CHAR(200) CHARACTER SET latin1 NOT NULL, `b` CHAR(200) CHARACTER SET latin1 NOT NULL,
  `c` CHAR(200) CHARACTER SET latin1 NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`)
) ENGINE=InnoDB;
-- both: partition p_big has 8,000 rows of 250 bytes, p_small 10
CREATE TABLE `events` (
  `id` INT NOT NULL, `kind` TINYINT NOT NULL, `payload` CHAR(250) CHARACTER SET latin1 NOT NULL,
  `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`, `kind`)
) ENGINE=InnoDB PARTITION BY LIST (`kind`) (PARTITION `p_small` VALUES IN (1), PARTITION `p_big` VALUES IN (2));
-- INDEX_SELECTIVITY: idx_flag has 2 values in 2,000 rows; idx_flag_code and idx_code are selective
CREATE TABLE `lowsel` (
  `id` INT NOT NULL, `flag` TINYINT NOT NULL, `code` INT NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`),
  KEY `idx_flag` (`flag`), KEY `idx_flag_code` (`flag`, `code`), KEY `idx_code` (`code`)
) ENGINE=InnoDB;
-- TABLE_PRIMARYKEY_LENGTH: 8 + 20 × 4 + 1 = 89 bytes; pk_16 is 16 bytes exactly
CREATE TABLE `pk_long` (
  `tenant` CHAR(8) CHARACTER SET latin1 NOT NULL, `order_no` VARCHAR(20) NOT NULL, `created_at` DATETIME NOT NULL,
  PRIMARY KEY (`tenant`, `order_no`)
) ENGINE=InnoDB;
CREATE TABLE `pk_16` (
  `a` BIGINT NOT NULL, `b` BIGINT NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`a`, `b`)
) ENGINE=InnoDB;
-- TABLE_RECORD_LENGTH: VARCHAR(300) utf8mb4 = 1,202 bytes
CREATE TABLE `wide_row` (
  `id` INT NOT NULL, `note` VARCHAR(300) NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`)
) ENGINE=InnoDB;
-- TABLE_WITHOUT_TIMESTAMP: update_time is a TIME; modified_only passes on gmt_modified
CREATE TABLE `no_ts` (`id` INT NOT NULL, `update_time` TIME NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
CREATE TABLE `modified_only` (`id` INT NOT NULL, `gmt_modified` DATETIME NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
-- COLUMN_WRONG_TYPE: dates, date-times, integers, decimals in VARCHAR, YYYYMMDD in INT;
-- phone, zip, name, status (3 values) and amount are what they should be
CREATE TABLE `wrong_types` (
  `id` INT NOT NULL, `birth` VARCHAR(10) NOT NULL, `paid_at` VARCHAR(19) NOT NULL, `qty` VARCHAR(10) NOT NULL,
  `price` VARCHAR(12) NOT NULL, `phone` VARCHAR(20) NOT NULL, `zip` CHAR(5) NOT NULL, `name` VARCHAR(40) NOT NULL,
  `status` VARCHAR(10) NOT NULL, `day_key` INT NOT NULL, `amount` INT NOT NULL, `created_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
-- COLUMN_WRONG_TYPE without an integer key: the first rows are sampled
CREATE TABLE `wrong_types_nokey` (
  `code` VARCHAR(10) CHARACTER SET latin1 NOT NULL, `shipped` VARCHAR(10) NOT NULL, `created_at` DATETIME NOT NULL,
  PRIMARY KEY (`code`)
) ENGINE=InnoDB;
CREATE VIEW `v_docs` AS SELECT `id`, `body`, `meta` FROM `docs`;

INSERT INTO `clean` (`name`, `created_at`, `updated_at`) SELECT CONCAT('name ', `seq`), NOW(), NOW() FROM `seq_1_to_20`;
INSERT INTO `many_rows` SELECT `seq`, 'x', NOW() FROM `seq_1_to_8000`;
INSERT INTO `fat` SELECT `seq`, CONCAT('a', `seq`), CONCAT('b', `seq`), CONCAT('c', `seq`), NOW() FROM `seq_1_to_3000`;
INSERT INTO `events` SELECT `seq`, 2, CONCAT('event ', `seq`), NOW() FROM `seq_1_to_8000`;
INSERT INTO `events` SELECT `seq`, 1, CONCAT('event ', `seq`), NOW() FROM `seq_1_to_10`;
INSERT INTO `lowsel` SELECT `seq`, `seq` % 2, `seq`, NOW() FROM `seq_1_to_2000`;
INSERT INTO `wrong_types`
SELECT `seq`, DATE_FORMAT('1990-01-01' + INTERVAL `seq` DAY, '%Y-%m-%d'), DATE_FORMAT('2024-03-01 10:00:00' + INTERVAL `seq` DAY + INTERVAL `seq` MINUTE, '%Y-%m-%d %H:%i:%s'),
       `seq` * 3, CONCAT(`seq`, '.', LPAD(`seq` % 100, 2, '0')), CONCAT('138', LPAD(`seq`, 8, '0')), LPAD(`seq`, 5, '0'),
       CONCAT('customer ', `seq`), 1 + `seq` % 3, DATE_FORMAT('2024-01-01' + INTERVAL `seq` DAY, '%Y%m%d') + 0,
       `seq` * 7, NOW()
FROM `seq_1_to_60`;
INSERT INTO `wrong_types_nokey` SELECT CONCAT('K', LPAD(`seq`, 4, '0')), DATE_FORMAT('2023-06-01' + INTERVAL `seq` DAY, '%Y-%m-%d'), NOW() FROM `seq_1_to_60`;
CREATE FUNCTION `f_tax` (`x` DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC NO SQL RETURN `x` * 1.2;
CREATE PROCEDURE `p_cleanup` () MODIFIES SQL DATA DELETE FROM `clean` WHERE `id` < 0;
CREATE FUNCTION `twin` () RETURNS INT DETERMINISTIC NO SQL RETURN 1;
CREATE PROCEDURE `twin` () NO SQL SELECT 1;
CREATE TRIGGER `trg_parent_bi` BEFORE INSERT ON `fk_parent` FOR EACH ROW SET NEW.`created_at` = NOW();
ANALYZE TABLE `clean`, `many_rows`, `fat`, `events`, `lowsel`, `wrong_types`, `wrong_types_nokey`;
USE `objrules_small`;
CREATE TABLE `only_one` (`id` INT NOT NULL, `created_at` DATETIME NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;
"""

EXPECTED = {
    "BIG_SCHEMA_BY_TABLE_NUM": {"objrules"},  # 19 tables; objrules_small has 1; views and sequences do not count
    "BIG_TABLE_BY_INDEX_NUM": {"objrules.many_idx"},
    "BIG_TABLE_BY_ROW_NUM": {"objrules.many_rows", "objrules.events.p_big"},  # partitions judged one by one
    "BIG_TABLE_BY_SIZE": {"objrules.fat", "objrules.events.p_big"},
    "COLUMN_WRONG_TYPE": {"objrules.wrong_types.birth", "objrules.wrong_types.paid_at", "objrules.wrong_types.qty",
                          "objrules.wrong_types.price", "objrules.wrong_types.day_key",
                          "objrules.wrong_types_nokey.shipped"},  # not phone, zip, name, status, amount
    "EXIST_FUNC_PROC_TRIGGER": {"objrules.f_tax.function", "objrules.p_cleanup.procedure", "objrules.twin.function",
                                "objrules.twin.procedure", "objrules.fk_parent.trg_parent_bi"},
    "EXIST_LOB_COLUMN": {"objrules.docs.body", "objrules.docs.meta", "objrules.docs.thumb"},  # not the view v_docs
    "INDEX_SELECTIVITY": {"objrules.lowsel.idx_flag"},  # not idx_flag_code: judged on its whole key
    "TABLE_COLUMN_NUM": {"objrules.many_cols"},
    "TABLE_EXIST_FOREIGN_KEY": {"objrules.fk_child.fk_child_parent"},
    "TABLE_NO_DEF_PRIMARYKEY": {"objrules.no_pk", "objrules.history"},  # a system-versioned table is a table
    "TABLE_PRIMARYKEY_LENGTH": {"objrules.pk_long"},  # pk_16 is 16 bytes: not above 16
    "TABLE_RECORD_LENGTH": {"objrules.wide_row"},
    "TABLE_WITHOUT_TIMESTAMP": {"objrules.no_ts"},  # modified_only passes on gmt_modified
}  # fmt: skip


@pytest.fixture(scope="module")
def schemas(mariadb: MariaDBSandbox) -> Iterator[list[str]]:
    mariadb.execute_script(SCHEMA_SQL)
    yield SCHEMAS
    mariadb.execute_script("DROP DATABASE `objrules`; DROP DATABASE `objrules_small`;")


@pytest.fixture(scope="module")
def captured(mariadb: MariaDBSandbox, schemas: list[str]) -> dict[str, list[dict[str, Any]]]:
    auditor = mariadb.connect("auditor")
    try:
        records = capture.capture_objects(auditor, schemas)
        records[SAMPLE_KIND] = sample_columns(auditor, records, rows=SAMPLE_ROWS, server=capture.server_info(auditor))
    finally:
        auditor.close()
    assert records["obj.trigger"] == []  # no TRIGGER privilege, no triggers listed
    admin = mariadb.connect("themis_admin")
    try:
        records["obj.trigger"] = list(capture.iter_records(admin, "obj.trigger", schemas))
    finally:
        admin.close()
    return records


@pytest.fixture(scope="module")
def results(captured: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    config = parse_config({"instances": [{"id": "objrules", "db_type": "mysql", "conn_id": "objrules",
                                          "schemas": SCHEMAS, "rules": OVERRIDES}]})
    rules = effective_rules(load_catalog(), "mysql", "OBJ", config.instances[0].rules)
    outcome = run_dimension(rules, Snapshot("mysql", captured), "OBJ")
    assert outcome["rules_failed"] == 0 and outcome["rules_ran"] == 14
    return {rule["id"]: rule for rule in outcome["rules"]}


@pytest.mark.parametrize("rule_id", sorted(EXPECTED))
def test_rule_fires_exactly_where_intended(results: dict[str, dict[str, Any]], rule_id: str) -> None:
    assert {f["object"] for f in results[rule_id]["findings"]} == EXPECTED[rule_id]


def test_every_obj_rule_is_covered(results: dict[str, dict[str, Any]]) -> None:
    assert set(results) == set(EXPECTED)


def findings(results: dict[str, dict[str, Any]], rule_id: str) -> dict[str, dict[str, Any]]:
    return {f["object"]: f["values"] for f in results[rule_id]["findings"]}


def test_report_values(results: dict[str, dict[str, Any]]) -> None:
    assert findings(results, "BIG_SCHEMA_BY_TABLE_NUM") == {"objrules": {"schema": "objrules", "table_count": 19}}
    assert findings(results, "TABLE_PRIMARYKEY_LENGTH")["objrules.pk_long"]["length"] == 8 + 20 * 4 + 1
    assert findings(results, "TABLE_RECORD_LENGTH")["objrules.wide_row"]["defined_length"] == 4 + 300 * 4 + 2 + 5
    wrong = findings(results, "COLUMN_WRONG_TYPE")
    assert {column: wrong[f"objrules.wrong_types.{column}"]["suggested_type"]
            for column in ("birth", "paid_at", "qty", "day_key")} == {
        "birth": "DATE", "paid_at": "DATETIME", "qty": "INT", "day_key": "DATE"}
    assert wrong["objrules.wrong_types.price"]["suggested_type"].startswith("DECIMAL(")
    lowsel = findings(results, "INDEX_SELECTIVITY")["objrules.lowsel.idx_flag"]
    assert lowsel["table_rows"] >= 1000 and lowsel["selectivity"] < 1
    size = findings(results, "BIG_TABLE_BY_SIZE")
    assert size["objrules.events.p_big"]["partition"] == "p_big" and size["objrules.fat"]["size_gb"] >= 0.001


def test_samples_are_bounded_spread_over_the_key_and_never_stale(captured: dict[str, list[dict[str, Any]]]) -> None:
    samples = {(s["table"], s["column"]): s for s in captured[SAMPLE_KIND]}
    keyed, unkeyed = samples[("wrong_types", "id")], samples[("wrong_types_nokey", "code")]
    assert (keyed["method"], keyed["rows_sampled"], keyed["error"]) == ("key_ranges", SAMPLE_ROWS, None)
    assert max(int(v) for v in keyed["values"]) > SAMPLE_ROWS  # 60 rows: the sample reaches past the first 40
    assert (unkeyed["method"], unkeyed["rows_sampled"]) == ("first_rows", SAMPLE_ROWS)
    assert unkeyed["values"][:2] == ["K0001", "K0002"]
    assert samples[("wrong_types_nokey", "shipped")]["values"][0] == "2023-06-02"  # its own rows, not wrong_types'
    assert all(len(s["values"]) <= s["rows_sampled"] <= SAMPLE_ROWS for s in samples.values())
    assert not {t for t, _ in samples} & {"v_docs", "ids"}  # views and sequences are not sampled
    assert ("docs", "body") not in samples and ("wrong_types", "created_at") not in samples
