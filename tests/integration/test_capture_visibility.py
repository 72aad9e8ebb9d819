"""What the audit user cannot see is reported, never passed (issue 13, item 13), on the sandbox MariaDB.

With the README's minimal grants MariaDB lists the user no routines and no triggers: the rule about
them must be "not evaluated" naming the missing privilege, not a pass. With the README's full grants
it must find the function, the procedure and the trigger. The grant statements are the README's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from themis.capture import mysql as capture
from themis.capture.base import UNAVAILABLE_OBJ
from themis.rules.catalog import load_catalog
from themis.rules.engine import EffectiveRule, run_rule
from themis.rules.snapshot import Snapshot
from themis.sandbox import MariaDBSandbox

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
SCHEMA = "themis_vis"
SCHEMA_SQL = f"""
DROP DATABASE IF EXISTS `{SCHEMA}`;
CREATE DATABASE `{SCHEMA}`;
USE `{SCHEMA}`;
CREATE TABLE `t` (`id` INT NOT NULL PRIMARY KEY, `a` INT NULL);
CREATE FUNCTION `f_x` (`x` INT) RETURNS INT DETERMINISTIC RETURN `x` + 1;
CREATE PROCEDURE `p_x` () SELECT 1;
CREATE TRIGGER `trg` BEFORE INSERT ON `t` FOR EACH ROW SET NEW.`a` = 1;
"""
#: the README's MariaDB 10.x grant sets, as written there with <schema> and auditor
MINIMAL = ["GRANT SELECT, SHOW VIEW ON <schema>.* TO auditor;", "GRANT PROCESS ON *.* TO auditor;"]
FULL = MINIMAL + ["GRANT SELECT ON mysql.proc TO auditor;", "GRANT TRIGGER, EVENT ON <schema>.* TO auditor;"]
EXPECTED = {f"{SCHEMA}.f_x.function", f"{SCHEMA}.p_x.procedure", f"{SCHEMA}.t.trg"}


def test_the_grant_sets_are_the_readmes() -> None:
    text = README.read_text()
    for statement in FULL:
        assert statement in text, statement


@pytest.fixture(scope="module")
def accounts(mariadb: MariaDBSandbox) -> dict[str, str]:
    """Two accounts granted exactly the README's minimal and full sets on the test schema."""
    mariadb.execute_script(SCHEMA_SQL)
    conn = mariadb.connect("root")
    try:
        cursor = conn.cursor()
        for user, statements in (("vis_minimal", MINIMAL), ("vis_full", FULL)):
            account = f"'{user}'@'127.0.0.1'"
            cursor.execute(f"DROP USER IF EXISTS {account}")
            cursor.execute(f"CREATE USER {account} IDENTIFIED BY 'pw'")
            for statement in statements:
                cursor.execute(statement.replace("<schema>", f"`{SCHEMA}`").replace("auditor", account).rstrip(";"))
    finally:
        conn.close()
    return {"minimal": "vis_minimal", "full": "vis_full"}


def audit(mariadb: MariaDBSandbox, user: str) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """What MySqlCapture.objects stores for the schema under ``user``, and EXIST_FUNC_PROC_TRIGGER's result."""
    import MySQLdb

    conn = MySQLdb.connect(host=mariadb.host, port=mariadb.port, user=user, password="pw", charset="utf8mb4")
    try:
        server = capture.server_info(conn)
        records = capture.capture_objects(conn, [SCHEMA])
        records[UNAVAILABLE_OBJ] = capture.invisible_kinds(conn, [SCHEMA], server, records)
    finally:
        conn.close()
    rule = load_catalog().get("mysql", "EXIST_FUNC_PROC_TRIGGER")
    result = run_rule(EffectiveRule(rule, "ON", rule.weight, rule.max_score, rule.param_values()),
                      Snapshot("mysql", records), [])
    return records, result


def test_minimal_grants_give_findings_for_all_three_or_not_evaluated(mariadb: MariaDBSandbox,
                                                                     accounts: dict[str, str]) -> None:
    records, result = audit(mariadb, accounts["minimal"])
    if result["status"] == "ran":
        assert {f["object"] for f in result["findings"]} == EXPECTED
        return
    assert records["obj.routine"] == [] and records["obj.trigger"] == []  # what the server hides
    assert result["status"] == "not_evaluated" and result["deduction"] == 0
    assert "lacks SELECT on mysql.proc on themis_vis" in result["not_evaluated"]["reason"]
    assert result["not_evaluated"]["fix"] == "GRANT SELECT ON `mysql`.`proc` TO `vis_minimal`@`127.0.0.1`"
    gaps = {gap["kind"]: gap for gap in records[UNAVAILABLE_OBJ]}
    assert set(gaps) == {"obj.routine", "obj.trigger", "obj.event"}  # SHOW VIEW: view bodies are visible
    assert "lacks TRIGGER" in gaps["obj.trigger"]["reason"]


def test_full_grants_give_findings_for_all_three(mariadb: MariaDBSandbox, accounts: dict[str, str]) -> None:
    records, result = audit(mariadb, accounts["full"])
    assert records[UNAVAILABLE_OBJ] == []
    assert result["status"] == "ran" and {f["object"] for f in result["findings"]} == EXPECTED
