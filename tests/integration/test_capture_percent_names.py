"""Names with ``%``, ``%s``, ``%%``, backticks and quotes are captured and sampled (issue 13, item 3).

The MySQL drivers ``%``-format every statement executed with parameters: a column named ``100%``
made ``capture_obj`` fail with a ValueError, and a table named ``t%s`` made its sampling fail while
the report still counted it as looked at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from themis.capture import mysql as capture
from themis.capture.sampling import sample_columns
from themis.rules.catalog import load_catalog
from themis.rules.engine import EffectiveRule, run_rule
from themis.rules.snapshot import Snapshot
from themis.sandbox import MariaDBSandbox

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "sql" / "percent_names.sql"
SCHEMA = "themis_pct%s"
COLUMNS = {("t%s", "id"), ("t%s", "d%s"), ("t%s", "100%"), ("t%s", "q'u\"o"), ("t%s", "b`t"),
           ("p%%ct", "id"), ("p%%ct", "a%")}


@pytest.fixture(scope="module")
def captured(mariadb: MariaDBSandbox) -> dict[str, list[dict[str, Any]]]:
    """The schema as the read-only auditor captures it, with its value samples."""
    mariadb.execute_script(SCRIPT.read_text())
    conn = mariadb.connect("auditor")
    try:
        records = capture.capture_objects(conn, [SCHEMA])
        records["obj.column_sample"] = sample_columns(conn, records, rows=100, server=capture.server_info(conn))
    finally:
        conn.close()
    return records


def test_the_dictionary_has_every_name_as_written(captured: dict[str, list[dict[str, Any]]]) -> None:
    assert {t["table"] for t in captured["obj.table"]} == {"t%s", "p%%ct"}
    assert {(c["table"], c["column"]) for c in captured["obj.column"]} == COLUMNS
    assert {(i["table"], i["index"]) for i in captured["obj.index"]} == {
        ("t%s", "PRIMARY"), ("p%%ct", "PRIMARY"), ("p%%ct", "i%s")}


def test_every_table_is_sampled_and_its_values_read(captured: dict[str, list[dict[str, Any]]]) -> None:
    samples = {(s["table"], s["column"]): s for s in captured["obj.column_sample"]}
    assert set(samples) == COLUMNS - {("t%s", "id"), ("p%%ct", "id")}  # auto-increment / integer keys: not text
    for where, sample in samples.items():
        assert sample["error"] is None and sample["rows_sampled"] == 40, where
        assert len(sample["values"]) == 40 and all(v.startswith("202") for v in sample["values"]), where


def test_column_wrong_type_judges_them_without_notes(captured: dict[str, list[dict[str, Any]]]) -> None:
    rule = load_catalog().get("mysql", "COLUMN_WRONG_TYPE")
    result = run_rule(EffectiveRule(rule, "ON", rule.weight, rule.max_score, rule.param_values()),
                      Snapshot("mysql", captured), [])
    assert result["status"] == "ran" and result["notes"] == []
    assert {f["object"] for f in result["findings"]} == {
        f"{SCHEMA}.{table}.{column}" for table, column in COLUMNS if column != "id"}
