"""The report renderer: HTML (self-contained, escaped), JSON, CSV and the files write_report writes."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from themis.report import render_csv, render_html, render_json, write_report
from themis.report import render as render_mod

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
PAYLOADS = (SCRIPT, IMG)
CHECKSUM_A = "A1B2C3D4E5F60718"
CHECKSUM_B = "0F0E0D0C0B0A0908"


def _rule(rule_id, *, status="ran", weight=5, max_score=20, findings=(), columns=None, deduction=None,
          params=None, error=None, excluded=0, summary=None):
    findings = list(findings)
    if deduction is None:
        deduction = min(len(findings) * weight, max_score) if status == "ran" else 0
    return {
        "id": rule_id, "summary": summary or f"summary of {rule_id}", "description": f"description of {rule_id}",
        "status": status, "error": error, "weight": weight, "max_score": max_score,
        "params": params or {}, "findings_count": len(findings), "excluded_count": excluded,
        "deduction": deduction, "solution": [f"fix {rule_id} step 1", f"fix {rule_id} step 2"],
        "columns": columns if columns is not None else [{"name": "table", "title": "Table"}],
        "findings": findings,
    }


def _dimension(name, title, rules, *, status="ok", reason=None):
    ran = [r for r in rules if r["status"] == "ran"]
    max_total = sum(r["max_score"] for r in ran)
    deduction = sum(r["deduction"] for r in ran)
    score = round(100 * (max_total - deduction) / max_total, 3) if status == "ok" and max_total else None
    return {"dimension": name, "title": title, "status": status, "reason": reason, "score": score,
            "max_total": max_total, "deduction_total": deduction, "rules": rules}


def sample_report(evil: bool = False) -> dict:
    """Four dimensions (SQLSTAT failed), OBJ/TEXT/SQLPLAN findings, two SQL statements with plans.

    With ``evil`` the attacker-controlled fields (SQL sample, object names, plan JSON, error texts)
    carry HTML/JS injection payloads.
    """
    obj_name = f"shop.t1{SCRIPT}" if evil else "shop.t1"
    obj_name2 = f"shop.t2{IMG}" if evil else "shop.t2"
    sample = f"select * from orders where note = '{SCRIPT}' and x = '{IMG}'" if evil else \
        "select * from orders where customer_id = 42 order by created_at"
    explain_json = {"query_block": {"select_id": 1, "table": {
        "table_name": f"orders{SCRIPT}" if evil else "orders", "access_type": "ALL", "rows_examined_per_scan": 5000,
        "attached_condition": IMG if evil else "(`shop`.`orders`.`customer_id` = 42)"}}}
    plan_error = f"EXPLAIN failed: {SCRIPT}{IMG}" if evil else "Table 'shop.gone' doesn't exist"
    rule_error = f"check crashed: {IMG}" if evil else "check crashed: KeyError('table')"
    dims = [
        _dimension("OBJ", "Schema objects", [
            _rule("TABLE_NO_DEF_PRIMARYKEY", weight=5, max_score=20, params={"min_rows": 0},
                  findings=[{"object": obj_name, "values": {"table": obj_name}, "checksum": None},
                            {"object": obj_name2, "values": {"table": obj_name2}, "checksum": None},
                            {"object": "shop.t3", "values": {"table": "shop.t3"}, "checksum": None}]),
            _rule("BIG_TABLE_BY_SIZE", weight=2, max_score=10, params={"table_size": 10, "unit": "GB"},
                  columns=[{"name": "table", "title": "Table"}, {"name": "size_gb", "title": "Size (GB)"}],
                  findings=[{"object": "shop.orders", "values": {"table": "shop.orders", "size_gb": 12.5}}]),
            _rule("INDEX_REDUNDANT", status="off", max_score=10),
            _rule("COLUMN_WRONG_TYPE", status="error", error=rule_error, max_score=10),
            _rule("TABLE_NO_COMMENT", weight=1, max_score=5, findings=[]),
        ]),
        _dimension("TEXT", "SQL text", [
            _rule("SELECT_ANY", weight=2, max_score=20, excluded=1,
                  columns=[{"name": "sql_id", "title": "SQL id"}, {"name": "text", "title": "SQL text (start)"}],
                  findings=[{"object": CHECKSUM_A, "checksum": CHECKSUM_A,
                             "values": {"sql_id": CHECKSUM_A, "text": sample[:40]}},
                            {"object": "DEADBEEF", "checksum": "DEADBEEF",
                             "values": {"sql_id": "DEADBEEF", "text": "select 1"}}]),
            _rule("TOOMANY_IN_LIST", weight=2, max_score=20, params={"in_list_num": 20}),
        ]),
        _dimension("SQLPLAN", "Execution plans", [
            _rule("SQL_TABLE_FULL_SCAN", weight=4, max_score=10,
                  columns=[{"name": "sql_id", "title": "SQL id"}, {"name": "table", "title": "Table"},
                           {"name": "rows", "title": "Rows"}],
                  findings=[{"object": CHECKSUM_A, "checksum": CHECKSUM_A,
                             "values": {"sql_id": CHECKSUM_A, "table": "orders", "rows": 5000}},
                            {"object": CHECKSUM_B, "checksum": CHECKSUM_B,
                             "values": {"sql_id": CHECKSUM_B, "table": "gone", "rows": None}},
                            {"object": CHECKSUM_B + "x", "checksum": CHECKSUM_B,
                             "values": {"sql_id": CHECKSUM_B, "table": "gone", "rows": None}}]),
            _rule("SQL_FILESORT", weight=3, max_score=10,
                  columns=[{"name": "sql_id", "title": "SQL id"}],
                  findings=[{"object": CHECKSUM_A, "checksum": CHECKSUM_A, "values": {"sql_id": CHECKSUM_A}}]),
        ]),
        _dimension("SQLSTAT", "Execution statistics", [], status="failed",
                   reason=f"capture_other failed: {SCRIPT}" if evil else "capture_other failed: Lost connection"),
    ]
    dims[1]["rules"][0]["excluded"] = [{"object": "C0FFEE", "checksum": "C0FFEE", "values": {"sql_id": "C0FFEE"},
                                        "reason": f"nightly export {IMG}" if evil else "nightly export"}]
    dims[1]["statements"] = 4
    dims[1]["unparsable"] = [{"checksum": "BADBAD01", "sql": f"selec {SCRIPT} frm" if evil else "selec * frm t",
                              "error": f"Invalid expression {IMG}" if evil
                              else "Invalid expression / Unexpected token"}]
    scored = [d for d in dims if d["score"] is not None]
    return {
        "instance": {"id": "demo", "db_type": "mysql", "schemas": ["shop"]},
        "window": {"start": "2026-11-21T00:00:00+00:00", "end": "2026-11-22T00:00:00+00:00",
                   "key": "20261121T000000Z_20261122T000000Z"},
        "run_id": "manual__2026-11-22T05:40:00+00:00",
        "generated_at": "2026-11-22T05:41:07+00:00",
        "themis_version": "0.1.0",
        "overall_score": round(sum(d["score"] for d in scored) / len(scored), 3),
        "dimensions": dims,
        "statements": {
            CHECKSUM_A: {
                "checksum": CHECKSUM_A, "fingerprint": "select * from orders where customer_id = ? order by created_at",
                "sample": sample, "db": "shop",
                # As themis.capture.mysql.statement_record stores a digest class: attributes in name order.
                "stats": {"db_max": "shop", "ts_cnt": 12, "ts_min": "2026-11-21T01:02:03+00:00",
                          "ts_max": "2026-11-21T22:00:00+00:00", "Lock_time_max": 0.0, "Lock_time_sum": 0.0,
                          "Query_time_max": 0.3, "Query_time_pct_95": 0.25, "Query_time_sum": 1.2,
                          "Rows_examined_sum": 5000, "Rows_sent_sum": 10, "Tmp_tables_sum": 3,
                          "query_time_avg": 0.1, "index_ratio": 500.0, "plan_note": "stale stats"},
                "plan": {"status": "explained", "error": None, "format": "json",
                         "nodes": [{"select_id": 1, "table": f"orders{IMG}" if evil else "orders",
                                    "access_type": "ALL", "key": None, "rows": 5000, "filtered": 100.0,
                                    "using_filesort": True, "using_temporary_table": False}],
                         "explain_json": explain_json},
            },
            CHECKSUM_B: {
                "checksum": CHECKSUM_B, "fingerprint": "select * from gone", "sample": "select * from gone",
                "db": "shop", "stats": {"ts_cnt": 1, "Query_time_sum": 0.000012},
                "plan": {"status": "failed", "error": plan_error, "format": "json", "nodes": [],
                         "explain_json": None},
            },
            "UNREFERENCED01": {"checksum": "UNREFERENCED01", "sample": "select 2", "stats": {}, "plan": None},
        },
    }


class _Collector(HTMLParser):
    """Collects elements (tag, attrs) and text, to check structure rather than substrings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.script_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        (self.script_text if self.stack and self.stack[-1] == "script" else self.text).append(data)


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    c.close()
    return c


def by_attr(doc: _Collector, tag: str, **attrs) -> list[dict]:
    return [a for t, a in doc.elements if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]


def section_html(html: str, anchor: str) -> str:
    """The HTML from the element with this id up to the next section (of any kind) or the footer."""
    start = html.index(f'id="{anchor}"')
    nxt = re.search(r'<section class="(dimension|rule|unparsable|stmt)"|<section id="statements"|<footer',
                    html[start + 1:])
    return html[start: start + 1 + nxt.start()] if nxt else html[start:]


# ---------------------------------------------------------------------------------------------- HTML


def test_sample_report_renders_all_sections():
    report = sample_report()
    html = render_html(report)
    doc = parse(html)
    text = " ".join(doc.text)
    assert html.startswith("<!DOCTYPE html>")
    for expected in ("demo", "mysql", "shop", "2026-11-21 00:00:00 UTC", "2026-11-22 00:00:00 UTC",
                     "manual__2026-11-22T05:40:00+00:00"):
        assert expected in text
    # One section per dimension, one per rule with findings, one per referenced statement.
    assert [a["data-dimension"] for a in by_attr(doc, "section") if a.get("class") == "dimension"] == \
        ["OBJ", "TEXT", "SQLPLAN", "SQLSTAT"]
    rule_sections = [a["data-rule"] for a in by_attr(doc, "section") if a.get("class") == "rule"]
    assert rule_sections == ["TABLE_NO_DEF_PRIMARYKEY", "BIG_TABLE_BY_SIZE", "SELECT_ANY",
                             "SQL_TABLE_FULL_SCAN", "SQL_FILESORT"]
    assert [a["data-checksum"] for a in by_attr(doc, "section") if a.get("class") == "stmt"] == \
        [CHECKSUM_A, CHECKSUM_B]  # in order of first reference; the unreferenced one is only counted
    assert "1 other captured statement without findings is in report.json" in text
    # The overall score and each scored dimension's score are shown as numbers.
    overall = [a for a in by_attr(doc, "div", **{"class": "value"}) if "data-score" in a]
    assert float(overall[0]["data-score"]) == report["overall_score"]
    assert f"{report['dimensions'][0]['score']:.2f}".rstrip("0").rstrip(".") in text


def test_overview_links_rules_and_sql_findings_link_statements():
    html = render_html(sample_report())
    doc = parse(html)
    ids = {a["id"] for _, a in doc.elements if "id" in a}
    hrefs = [a["href"] for t, a in doc.elements if t == "a" and "href" in a]
    assert all(h.startswith("#") for h in hrefs)
    assert all(h[1:] in ids for h in hrefs), "every internal link has a target"
    obj = section_html(html, "dim-OBJ")
    # Overview: a rule with findings links to its section; a clean, off or errored rule is plain text.
    assert '<a href="#rule-OBJ-TABLE_NO_DEF_PRIMARYKEY">TABLE_NO_DEF_PRIMARYKEY</a>' in obj
    assert 'href="#rule-OBJ-TABLE_NO_COMMENT"' not in html
    assert 'id="rule-OBJ-TABLE_NO_DEF_PRIMARYKEY"' in html
    # SQL findings link to the statement sections; a checksum without a captured statement is not linked.
    plan_rule = section_html(html, "rule-SQLPLAN-SQL_TABLE_FULL_SCAN")
    assert f'<a href="#sql-{CHECKSUM_A}">{CHECKSUM_A}</a>' in plan_rule
    assert f'<a href="#sql-{CHECKSUM_B}">{CHECKSUM_B}</a>' in plan_rule
    text_rule = section_html(html, "rule-TEXT-SELECT_ANY")
    assert "DEADBEEF" in text_rule and 'href="#sql-DEADBEEF"' not in text_rule and "not captured" in text_rule
    # The statement links back to every rule that found it, once each.
    stmt = section_html(html, f"sql-{CHECKSUM_A}")
    assert stmt.count('href="#rule-') == 3
    stmt_b = section_html(html, f"sql-{CHECKSUM_B}")
    assert stmt_b.count('href="#rule-SQLPLAN-SQL_TABLE_FULL_SCAN"') == 1


def test_overview_table_columns_and_statuses():
    html = render_html(sample_report())
    obj = section_html(html, "dim-OBJ")
    rows = re.findall(r'<tr data-rule="([A-Z_]+)">(.*?)</tr>', obj, re.S)
    cells = {rid: [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
             for rid, body in rows}
    assert list(cells) == ["TABLE_NO_DEF_PRIMARYKEY", "BIG_TABLE_BY_SIZE", "INDEX_REDUNDANT",
                           "COLUMN_WRONG_TYPE", "TABLE_NO_COMMENT"]
    # id, summary, status, weight, findings, excluded, deduction / max
    assert cells["TABLE_NO_DEF_PRIMARYKEY"] == ["TABLE_NO_DEF_PRIMARYKEY", "summary of TABLE_NO_DEF_PRIMARYKEY",
                                                "ran", "5", "3", "", "15 / 20"]
    assert cells["INDEX_REDUNDANT"][2] == "off" and cells["INDEX_REDUNDANT"][6] == "— / 10"
    assert cells["COLUMN_WRONG_TYPE"][2] == "error"
    assert "KeyError(&#39;table&#39;)" in obj  # the rule's error is shown (escaped)
    assert cells["TABLE_NO_COMMENT"][4:] == ["0", "", "0 / 5"]
    text = section_html(html, "dim-TEXT")
    assert re.search(r'<tr data-rule="SELECT_ANY">.*?<td class="num">1</td>', text, re.S)  # excluded count


def test_rule_section_has_columns_params_and_solution():
    html = render_html(sample_report())
    sec = section_html(html, "rule-OBJ-BIG_TABLE_BY_SIZE")
    assert re.findall(r"<th>(.*?)</th>", sec) == ["Table", "Size (GB)"]
    assert "<code>table_size</code> = <code>10</code>" in sec and "<code>unit</code> = <code>GB</code>" in sec
    assert '<td class="wrap">shop.orders</td><td class="wrap">12.5</td>' in sec
    assert "<li>fix BIG_TABLE_BY_SIZE step 1</li><li>fix BIG_TABLE_BY_SIZE step 2</li>" in sec
    sql_rule = section_html(html, "rule-SQLPLAN-SQL_TABLE_FULL_SCAN")
    assert re.findall(r"<th>(.*?)</th>", sql_rule) == ["SQL id", "Table", "Rows", "Statement"]


def test_excluded_findings_and_unparsable_statements_are_listed():
    html = render_html(sample_report())
    rule = section_html(html, "rule-TEXT-SELECT_ANY")
    assert "<summary>1 excluded finding (not counted)</summary>" in rule
    assert '<td class="wrap">C0FFEE</td><td class="wrap">nightly export</td>' in rule
    text = section_html(html, "dim-TEXT")
    assert '4 statements analysed; <a href="#unparsable-TEXT">1 could not be parsed</a>.' in text
    unparsable = section_html(html, "unparsable-TEXT")
    assert "Statements that could not be parsed (1)" in unparsable
    assert '<td class="mono">BADBAD01</td><td class="wrap mono">selec * frm t</td>' in unparsable
    assert "Invalid expression / Unexpected token" in unparsable


def test_statement_shows_sample_stats_plan_and_raw_explain():
    report = sample_report()
    html = render_html(report)
    stmt = section_html(html, f"sql-{CHECKSUM_A}")
    assert f'<pre class="sql">{report["statements"][CHECKSUM_A]["sample"]}</pre>' in stmt
    # Statistics: numeric <metric>_<aggregate> figures as a grid, in pt-query-digest's order ...
    grid = re.search(r'<table class="stats">(.*?)</table>', stmt, re.S).group(1)
    assert re.findall(r"<th(?: [^>]*)?>(.*?)</th>", grid) == ["Metric", "sum", "max", "95%"]
    assert re.findall(r'<td class="mono">(\w+)</td>', grid) == [
        "Query_time", "Lock_time", "Rows_sent", "Rows_examined", "Tmp_tables"]
    assert ('<td class="mono">Query_time</td><td class="num">1.2</td><td class="num">0.3</td>'
            '<td class="num">0.25</td>') in grid
    assert '<td class="mono">Rows_examined</td><td class="num">5,000</td><td class="num"></td>' in grid
    # ... and single figures by name, the well-known ones first with a label.
    other = re.search(r'<table class="stats other">(.*?)</table>', stmt, re.S).group(1)
    labels = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<tr><td>(.*?)</td>", other)]
    assert labels == ["Executions ts_cnt", "First seen ts_min", "Last seen ts_max", "Database (most frequent) db_max",
                      "Average query time (s) query_time_avg", "Rows examined per row sent index_ratio", "plan_note"]
    assert '<td class="wrap">12</td>' in other and '<td class="wrap">stale stats</td>' in other
    # Plan nodes table, with the full scan and filesort flagged.
    plan = re.search(r'<table class="plan">(.*?)</table>', stmt, re.S).group(1)
    # Yes/no fields are gathered in one "flags" column, like EXPLAIN's Extra.
    assert re.findall(r"<th>(.*?)</th>", plan) == ["select_id", "table", "access_type", "key", "rows", "filtered",
                                                   "flags"]
    assert '<td class="wrap warn">ALL</td>' in plan and '<td class="wrap warn">filesort</td>' in plan
    assert "<details><summary>Raw EXPLAIN output</summary>" in stmt
    assert "&#34;access_type&#34;: &#34;ALL&#34;" in stmt
    stmt_b = section_html(html, f"sql-{CHECKSUM_B}")
    assert '<td class="num">0.000012</td>' in stmt_b  # sub-millisecond times stay readable
    assert "Plan status: <strong>failed</strong>" in stmt_b
    assert "Table &#39;shop.gone&#39; doesn&#39;t exist" in stmt_b
    assert '<table class="plan">' not in stmt_b and "Raw EXPLAIN" not in stmt_b


def test_plan_table_orders_capture_node_fields_for_reading():
    """Nodes as themis.capture.plan writes them: EXPLAIN order, lists joined, flags in one column."""
    report = sample_report()
    report["statements"][CHECKSUM_A]["plan"]["nodes"] = [
        {"select_id": 1, "table": "o", "access_type": "ref", "key": "idx_c", "possible_keys": ["idx_c", "idx_d"],
         "key_length": "4", "ref": ["const"], "rows": 10, "filtered": 100.0, "using_filesort": False,
         "using_temporary_table": True, "dependent": False, "cacheable": None,
         "materialized_from_subquery": False, "in_nested_loop": True, "nested_loop_size": 2,
         "attached_condition": "(o.x > 1)", "path": "query_block/nested_loop[1]/table"},
        {"select_id": 2, "table": "c", "access_type": "ALL", "key": None, "possible_keys": None,
         "key_length": None, "ref": None, "rows": 5000, "filtered": 10.0, "using_filesort": True,
         "using_temporary_table": False, "dependent": True, "cacheable": False,
         "materialized_from_subquery": False, "in_nested_loop": False, "nested_loop_size": 0,
         "attached_condition": None, "path": "query_block/nested_loop[2]/table"},
    ]
    stmt = section_html(render_html(report), f"sql-{CHECKSUM_A}")
    plan = re.search(r'<table class="plan">(.*?)</table>', stmt, re.S).group(1)
    assert re.findall(r"<th>(.*?)</th>", plan) == [
        "select_id", "table", "access_type", "key", "possible_keys", "key_length", "ref", "rows", "filtered",
        "nested_loop_size", "flags", "attached_condition", "path"]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", plan, re.S)[1:]]
    assert rows[0][4] == "idx_c, idx_d" and rows[0][6] == "const" and rows[0][10] == "temporary"
    assert rows[1][10] == "filesort, dependent subquery, uncacheable"
    assert '<td class="wrap warn">ALL</td>' in plan


def test_attacker_controlled_values_appear_only_escaped():
    report = sample_report(evil=True)
    html = render_html(report)
    for payload in PAYLOADS:
        assert payload not in html
    assert "<script>alert" not in html and "<img" not in html and "onerror=alert(2)>" not in html
    doc = parse(html)
    # The only script is our own print helper; no element carries an event handler or a source.
    assert [t for t, _ in doc.elements if t in ("script", "img", "iframe", "object", "embed")] == ["script"]
    assert "alert" not in "".join(doc.script_text)
    assert not [a for _, a in doc.elements if any(k.startswith("on") for k in a)]
    assert not [a for _, a in doc.elements if "src" in a]
    # ... and the payloads are shown as text where they were: SQL sample, object name, plan JSON, errors.
    text = "".join(doc.text)
    stmt = section_html(html, f"sql-{CHECKSUM_A}")
    escaped_script = "&lt;script&gt;alert(1)&lt;/script&gt;"
    escaped_img = "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;"
    assert f"where note = &#39;{escaped_script}&#39; and x = &#39;{escaped_img}&#39;" in stmt  # SQL sample
    assert f"shop.t1{escaped_script}" in section_html(html, "rule-OBJ-TABLE_NO_DEF_PRIMARYKEY")  # object name
    assert f"shop.t2{escaped_img}" in html
    assert f"orders{escaped_script}" in stmt  # raw EXPLAIN JSON (a JSON string inside <pre>)
    assert f"orders{escaped_img}" in stmt  # plan node
    assert f"EXPLAIN failed: {escaped_script}{escaped_img}" in html  # plan error
    assert f"check crashed: {escaped_img}" in html  # rule error
    assert f"capture_other failed: {escaped_script}" in html  # dimension failure reason
    assert f"selec {escaped_script} frm" in html and f"Invalid expression {escaped_img}" in html  # unparsable
    assert f"nightly export {escaped_img}" in html  # exclusion reason
    assert SCRIPT in text and IMG in text  # what a reader sees is the literal text


def test_no_external_references_and_csp_forbids_loading():
    html = render_html(sample_report(evil=True))
    for needle in ("http://", "https://", 'src="//', "src='//", "url(", "@import", "<link"):
        assert needle not in html
    csp = unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1))
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    # The hashes in the policy are those of the page's own style and script, so the page still works.
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    script = re.search(r"<script>(.*?)</script>", html, re.S).group(1)
    assert f"style-src '{render_mod._csp_hash(style)}'" in csp
    assert f"script-src '{render_mod._csp_hash(script)}'" in csp


def test_failed_and_skipped_dimensions_are_marked_without_a_score():
    report = sample_report()
    report["dimensions"][3]["score"] = 100.0  # even if a caller passed one, a failed dimension shows none
    report["dimensions"].append(_dimension("EXTRA", "Skipped dimension", [], status="skipped", reason="no slow log"))
    html = render_html(report)
    doc = parse(html)
    card = [a for a in by_attr(doc, "a") if a.get("data-dimension") == "SQLSTAT"][0]
    assert card["class"] == "card dim band-failed" and card["data-status"] == "failed"
    card_html = html[html.index('data-dimension="SQLSTAT" data-status="failed">'):]
    card_html = card_html[: card_html.index("</a>")]
    assert '<div class="value state">failed</div>' in card_html
    assert "failed: capture_other failed: Lost connection" in card_html
    assert "data-score" not in card_html and not re.search(r"\d", card_html.replace("SQLSTAT", ""))
    section = section_html(html, "dim-SQLSTAT")
    assert "Failed — no score." in section and "data-score" not in section and "/ 100" not in section
    skipped = html[html.index('data-dimension="EXTRA" data-status="skipped">'):]
    skipped = skipped[: skipped.index("</a>")]
    assert '<div class="value state">missing</div>' in skipped and "skipped: no slow log" in skipped
    assert "data-score" not in skipped
    # The overall card says which dimensions are not in the overall score.
    assert "Not included (no score): SQLSTAT, EXTRA." in html


def test_chart_has_one_bar_per_deducting_rule_in_descending_order():
    report = sample_report()
    html = render_html(report)
    expected = sorted(
        ((d["dimension"], r["id"], r["deduction"]) for d in report["dimensions"] for r in d["rules"]
         if r["deduction"] > 0),
        key=lambda x: -x[2])
    chart = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    bars = re.findall(r'<g class="bar" data-dimension="(\w+)" data-rule="(\w+)" data-deduction="([\d.]+)">', chart)
    assert [(d, r, float(v)) for d, r, v in bars] == [(d, r, float(v)) for d, r, v in expected]
    # 15 (3 × 5), 10 (3 × 4 capped at 10), 4, 3, 2; clean, off and errored rules have no bar.
    assert [r for _, r, _ in bars] == ["TABLE_NO_DEF_PRIMARYKEY", "SQL_TABLE_FULL_SCAN", "SELECT_ANY",
                                       "SQL_FILESORT", "BIG_TABLE_BY_SIZE"]
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="[\d.]+" width="([\d.]+)"', chart)]
    assert len(widths) == len(bars) and widths == sorted(widths, reverse=True) and widths[0] > widths[-1]
    assert "xmlns" not in chart  # inline SVG in HTML needs no namespace URL
    # Deductions of a dimension without a score (failed / skipped) are not charted.
    report["dimensions"][2]["status"] = "failed"
    chart = re.search(r'<svg class="chart".*?</svg>', render_html(report), re.S).group(0)
    assert re.findall(r'<g class="bar" data-dimension="(\w+)" data-rule="(\w+)"', chart) == [
        ("OBJ", "TABLE_NO_DEF_PRIMARYKEY"), ("TEXT", "SELECT_ANY"), ("OBJ", "BIG_TABLE_BY_SIZE")]


def test_chart_labels_are_escaped_and_long_labels_shortened():
    report = sample_report()
    rule = report["dimensions"][0]["rules"][0]
    rule["id"] = "R_" + "X" * 60 + "<b>"
    chart = re.search(r'<svg class="chart".*?</svg>', render_html(report), re.S).group(0)
    assert "<b>" not in chart and "&lt;b&gt;" in chart  # the full label in the bar's <title>
    assert "…</text>" in chart


def test_zero_findings_and_no_overall_score():
    report = sample_report()
    for d in report["dimensions"]:
        for r in d["rules"]:
            r["findings"], r["findings_count"], r["deduction"], r["excluded"], r["excluded_count"] = [], 0, 0, [], 0
        d["deduction_total"] = 0
        d.pop("unparsable", None)
    html = render_html(report)
    assert "No rule deducted any points." in html and '<svg class="chart"' not in html
    assert 'class="rule"' not in html and 'id="statements"' not in html
    report["overall_score"] = None
    for d in report["dimensions"]:
        d["status"], d["score"], d["reason"] = "skipped", None, "upstream failed"
    html = render_html(report)
    assert "data-score" not in html
    assert '<div class="value state">not available</div>' in html
    assert "No dimension produced a score" in html
    # A bare minimum report renders too.
    minimal = {"instance": {"id": "x"}, "window": {}, "overall_score": None, "dimensions": [], "statements": {}}
    assert "not available" in render_html(minimal)


def test_findings_rows_are_capped_with_a_note():
    report = sample_report()
    rule = report["dimensions"][0]["rules"][0]
    rule["findings"] = [{"object": f"shop.t{i}", "values": {"table": f"shop.t{i}"}} for i in range(30)]
    rule["findings_count"] = 30
    sec = section_html(render_html(report, max_findings_per_rule=10), "rule-OBJ-TABLE_NO_DEF_PRIMARYKEY")
    assert sec.count('<td class="wrap">shop.t') == 10
    assert "20 more findings not shown" in sec
    sec = section_html(render_html(report, max_findings_per_rule=None), "rule-OBJ-TABLE_NO_DEF_PRIMARYKEY")
    assert sec.count('<td class="wrap">shop.t') == 30 and "not shown" not in sec


def test_anchors_are_safe_and_unique_for_odd_ids():
    report = sample_report()
    odd = '" onmouseover="x'
    report["statements"][odd] = copy.deepcopy(report["statements"][CHECKSUM_A])
    report["dimensions"][1]["rules"][0]["findings"].append({"object": odd, "checksum": odd, "values": {"sql_id": odd}})
    doc = parse(render_html(report))
    ids = [a["id"] for _, a in doc.elements if "id" in a]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
    assert not [a for _, a in doc.elements if "onmouseover" in a]


# ---------------------------------------------------------------------------------------------- JSON / CSV


def test_json_round_trips_with_stable_order():
    report = sample_report(evil=True)
    text = render_json(report)
    assert json.loads(text) == report
    assert text == render_json(json.loads(text))  # same data, same bytes, whatever the key order
    assert text.startswith('{\n  "dimensions": [')  # pretty, sorted keys
    assert text.endswith("}\n")


def test_json_turns_non_json_values_into_json():
    import datetime as dt
    from decimal import Decimal

    data = {"a": Decimal("1.50"), "b": Decimal("3"), "c": float("nan"),
            "d": dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc)}
    assert json.loads(render_json(data)) == {"a": 1.5, "b": 3, "c": None, "d": "2026-11-21T00:00:00+00:00"}


def test_csv_has_one_row_per_finding():
    report = sample_report(evil=True)
    rows = list(csv.reader(io.StringIO(render_csv(report))))
    assert rows[0] == ["dimension", "rule", "object", "checksum", "values"]
    expected = [(d["dimension"], r["id"], f) for d in report["dimensions"] for r in d["rules"] for f in r["findings"]]
    assert len(rows) - 1 == len(expected) == 10
    for row, (dim, rule_id, finding) in zip(rows[1:], expected):
        assert row[:4] == [dim, rule_id, finding["object"], finding.get("checksum") or ""]
        assert json.loads(row[4]) == finding["values"]
    assert rows[1][2] == f"shop.t1{SCRIPT}"  # CSV is data, not HTML: kept verbatim


def test_csv_neutralises_spreadsheet_formulas():
    report = sample_report()
    report["dimensions"][0]["rules"][0]["findings"] = [
        {"object": "=HYPERLINK(\"x\")", "values": {"table": "=1+1"}},
        {"object": "-2+3", "values": {}}, {"object": "@SUM(A1)", "values": {}}, {"object": "plain", "values": {}}]
    rows = list(csv.reader(io.StringIO(render_csv(report))))[1:5]
    assert [r[2] for r in rows] == ["'=HYPERLINK(\"x\")", "'-2+3", "'@SUM(A1)", "plain"]
    assert json.loads(rows[0][4]) == {"table": "=1+1"}


def test_csv_with_zero_findings_has_only_the_header():
    report = sample_report()
    for d in report["dimensions"]:
        for r in d["rules"]:
            r["findings"] = []
    assert render_csv(report) == "dimension,rule,object,checksum,values\r\n"


# ---------------------------------------------------------------------------------------------- files


def test_write_report_writes_three_files_at_documented_paths(tmp_path):
    report = sample_report()
    paths = write_report(report, tmp_path)
    base = tmp_path / "demo" / "20261121T000000Z_20261122T000000Z"
    assert paths == {"html": str(base / "report.html"), "json": str(base / "report.json"),
                     "csv": str(base / "findings.csv")}
    assert Path(paths["html"]).read_text(encoding="utf-8") == render_html(report)
    assert json.loads(Path(paths["json"]).read_text(encoding="utf-8")) == report
    assert Path(paths["csv"]).read_bytes().decode("utf-8") == render_csv(report)
    assert sorted(os.listdir(base)) == ["findings.csv", "report.html", "report.json"]  # no temp files left


def test_write_report_replaces_a_previous_report(tmp_path):
    report = sample_report()
    write_report(report, str(tmp_path))
    report["run_id"] = "manual__second"
    paths = write_report(report, str(tmp_path))
    assert "manual__second" in Path(paths["html"]).read_text(encoding="utf-8")
    assert len(os.listdir(Path(paths["html"]).parent)) == 3


def test_write_report_derives_window_key_when_missing(tmp_path):
    report = sample_report()
    del report["window"]["key"]
    paths = write_report(report, tmp_path)
    assert Path(paths["json"]).parent == tmp_path / "demo" / "20261121T000000Z_20261122T000000Z"


def test_write_report_accepts_every_valid_instance_id(tmp_path):
    report = sample_report()
    report["instance"]["id"] = "_db-01.prod"  # what themis.config allows: [A-Za-z0-9_][A-Za-z0-9_.-]*
    assert Path(write_report(report, tmp_path)["html"]).parent.parent == tmp_path / "_db-01.prod"


@pytest.mark.parametrize("instance_id", ["../escape", "a/b", "a\\b", "..", ".hidden", "-x", "demo\n", "", None, 7])
def test_write_report_refuses_path_escapes(tmp_path, instance_id):
    report = sample_report()
    report["instance"]["id"] = instance_id
    with pytest.raises(ValueError, match="instance id"):
        write_report(report, tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


def test_write_report_refuses_a_bad_window_key(tmp_path):
    report = sample_report()
    report["window"]["key"] = "../../etc"
    with pytest.raises(ValueError, match="window key"):
        write_report(report, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_write_report_writes_nothing_when_rendering_fails(tmp_path, monkeypatch):
    def boom(report):
        raise RuntimeError("csv failed")

    monkeypatch.setattr(render_mod, "render_csv", boom)
    with pytest.raises(RuntimeError):
        write_report(sample_report(), tmp_path)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------- invisible characters

RLO_NAME = "shop.\u202eelbat_txt"  # displays as "shop.txt_table" reversed: U+202E RIGHT-TO-LEFT OVERRIDE
INVISIBLES = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\ufeff"


def _report_with_invisible_names() -> dict:
    report = sample_report()
    hidden = f"shop.t\u200b1{INVISIBLES}"
    report["dimensions"][0]["rules"][0]["findings"] = [
        {"object": RLO_NAME, "values": {"table": RLO_NAME}, "checksum": None},
        {"object": hidden, "values": {"table": hidden}, "checksum": None},
        {"object": "\u200b=HYPERLINK(\"x\")", "values": {}, "checksum": None},
    ]
    report["statements"][CHECKSUM_A]["sample"] = "select * from `ord\u2066ers\u2069` where id = 1"
    return report


def test_invisible_and_direction_changing_characters_show_as_escapes_in_html():
    report = _report_with_invisible_names()
    html = render_html(report)
    text = unescape(html)
    assert not any(ch in text for ch in INVISIBLES)
    assert "shop.⟨U+202E⟩elbat_txt" in text
    assert "shop.t⟨U+200B⟩1" + "".join(f"⟨U+{ord(ch):04X}⟩" for ch in INVISIBLES) in text
    assert "<pre class=\"sql\">select * from `ord⟨U+2066⟩ers⟨U+2069⟩` where id = 1</pre>" in html
    assert "<style>" in html and "<script>" in html  # the page's own stylesheet and script are untouched


def test_invisible_characters_show_as_escapes_in_csv_and_stay_exact_in_json():
    report = _report_with_invisible_names()
    rows = list(csv.reader(io.StringIO(render_csv(report))))[1:4]
    assert [r[2] for r in rows] == ["shop.⟨U+202E⟩elbat_txt",
                                    "shop.t⟨U+200B⟩1" + "".join(f"⟨U+{ord(c):04X}⟩" for c in INVISIBLES),
                                    "⟨U+200B⟩=HYPERLINK(\"x\")"]  # escaped, so no longer a formula either
    assert json.loads(rows[0][4]) == {"table": "shop.⟨U+202E⟩elbat_txt"}
    assert not any(ch in render_csv(report) for ch in INVISIBLES)
    exact = json.loads(render_json(report))
    assert exact["dimensions"][0]["rules"][0]["findings"][0]["object"] == RLO_NAME
    assert exact["statements"][CHECKSUM_A]["sample"] == "select * from `ord\u2066ers\u2069` where id = 1"
    assert "\u202e" in render_json(report)  # the exact character, not a \\u escape a reader would not see either way


def test_rule_notes_are_shown_in_the_rule_row_escaped_and_kept_in_json():
    report = sample_report()
    rule = next(r for d in report["dimensions"] for r in d["rules"] if r["id"] == "TABLE_NO_COMMENT")
    rule["notes"] = [f"shop.t{SCRIPT} could not be sampled: (1142) SELECT command denied"]
    html = render_html(report)
    row = re.search(r'<tr data-rule="TABLE_NO_COMMENT">(.*?)</tr>', section_html(html, "dim-OBJ"), re.S).group(1)
    assert "could not be sampled: (1142) SELECT command denied" in row
    assert SCRIPT not in html and "shop.t&lt;script&gt;" in row
    assert json.loads(render_json(report))["dimensions"][0]["rules"][-1]["notes"] == rule["notes"]
