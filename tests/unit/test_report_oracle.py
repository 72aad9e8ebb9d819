"""An Oracle statement in the report: SQL_ID and plan hash value, the full text (escaped), the
window's per-execution figures and the plan as DBMS_XPLAN shows it, with the offending lines marked."""

from __future__ import annotations

from html import unescape

from themis.report import render_html

CHECKSUM = "7h35uxf5uhmm1:2514962453"
LONG_TEXT = "SELECT /*+ FULL(o) */ o.* FROM sales.orders o WHERE o.note = '<b>x</b>' AND " + " OR ".join(
    f"o.id = {n}" for n in range(900))  # far past the original's 2,000-character cut


def _report() -> dict:
    finding = {"object": CHECKSUM, "checksum": CHECKSUM,
               "values": {"sql_id": "7h35uxf5uhmm1", "object": "SALES.ORDERS", "lines": [3]}}
    rule = {"id": "SQL_TABLE_FULL_SCAN", "summary": "full scan of a big table", "description": "", "status": "ran",
            "error": None, "weight": 2, "max_score": 20, "params": {}, "findings_count": 1, "excluded_count": 0,
            "deduction": 2, "solution": [], "columns": [{"name": "sql_id", "title": "SQL_ID"},
                                                         {"name": "object", "title": "Table"}],
            "findings": [finding]}
    plan_lines = [
        {"id": 0, "parent_id": None, "depth": 0, "operation": "SELECT STATEMENT", "options": None, "cost": 912},
        {"id": 1, "parent_id": 0, "depth": 1, "operation": "NESTED LOOPS", "options": None, "cost": 912},
        {"id": 2, "parent_id": 1, "depth": 2, "operation": "INDEX", "options": "RANGE SCAN",
         "object_owner": "SALES", "object_name": "CUST_PK", "cost": 2, "cardinality": 10},
        {"id": 3, "parent_id": 1, "depth": 2, "operation": "TABLE ACCESS", "options": "FULL",
         "object_owner": "SALES", "object_name": "ORDERS", "cost": 910, "cardinality": 120000, "bytes": 9600000,
         "filter_predicates": 'INTERNAL_FUNCTION("O"."STATUS")=:B1'},
    ]
    statement = {"checksum": CHECKSUM, "sql_id": "7h35uxf5uhmm1", "plan_hash_value": 2514962453, "schema": "SALES",
                 "sample": LONG_TEXT, "stats": {"executions": 40, "elapsed_time_us_per_exec": 81234.5,
                                                "buffer_gets_per_exec": 51200.0, "version_count": 3},
                 "plan": {"checksum": CHECKSUM, "status": "captured", "lines": plan_lines}}
    return {"instance": {"id": "ora", "db_type": "oracle", "schemas": ["SALES"]},
            "window": {"start": "2026-11-19T16:00:00+00:00", "end": "2026-11-20T16:00:00+00:00", "key": "w"},
            "run_id": "r", "overall_score": 90, "generated_at": "2026-11-21T00:00:00+00:00",
            "dimensions": [{"dimension": "SQLPLAN", "title": "Execution plans", "status": "ok", "score": 90,
                            "max_total": 20, "deduction_total": 2, "rules": [rule]}],
            "statements": {CHECKSUM: statement}}


def test_oracle_statement_shows_ids_full_text_stats_and_marked_plan():
    html = render_html(_report())
    text = unescape(html)
    assert "SQL_ID" in html and "7h35uxf5uhmm1" in html and "2514962453" in html
    assert LONG_TEXT in text and "<b>x</b>" not in html  # whole, and escaped
    assert "Elapsed time per execution (µs)" in text and ("81,234.5" in text or "81234.5" in text)
    assert "Buffer gets per execution (blocks)" in text
    assert "TABLE ACCESS FULL" in html and "INDEX RANGE SCAN" in html
    marked = [row for row in html.split("<tr") if 'class="marked"' in row]
    assert len(marked) == 1 and "ORDERS" in marked[0] and "CUST_PK" not in marked[0]
    assert "indent-2" in marked[0]
    assert 'INTERNAL_FUNCTION(&#34;O&#34;.&#34;STATUS&#34;)=:B1' in html or \
        "INTERNAL_FUNCTION(&quot;O&quot;.&quot;STATUS&quot;)=:B1" in html
