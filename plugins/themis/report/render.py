"""Render an audit report (a plain-JSON dict) as HTML, JSON and CSV.

This module only renders what it is given: it never reads the store or the database. The one
function that touches the file system is :func:`write_report`, which writes the three renderings
side by side, each atomically.

Everything in a report that came from the audited database (SQL samples, object names, plan JSON,
error strings) is attacker-controlled. The HTML is therefore rendered by Jinja2 with autoescaping
always on, no template ever marks data as safe, and the page carries a Content-Security-Policy that
allows only its own inline stylesheet and print helper (by hash) and forbids every network load, so
even a future escaping mistake could not run injected script or fetch anything. Invisible and
direction-changing characters, which could make a name display reversed or two names look the same,
are shown as escapes like ``⟨U+202E⟩`` in every printed value and CSV cell (``report.visible``).

The report dict (see ``themis.report`` for the full shape)::

    {"instance": {...}, "window": {...}, "run_id": ..., "overall_score": 87.5 | None,
     "dimensions": [{"dimension": "OBJ", "status": "ok", "score": ..., "rules": [...]}, ...],
     "statements": {"<checksum>": {"sample": ..., "stats": {...}, "plan": {...}}}}
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import functools
import hashlib
import io
import json
import math
import os
import re
import secrets
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2
from markupsafe import Markup

from themis.report.visible import visible

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

#: Findings rows shown per rule in the HTML; the rest are counted and left to findings.csv / report.json.
DEFAULT_MAX_FINDINGS_PER_RULE = 1000

REPORT_FILES = {"html": "report.html", "json": "report.json", "csv": "findings.csv"}
CSV_HEADER = ("dimension", "rule", "object", "checksum", "values")

_SAFE_PATH_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,199}")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
# pt-query-digest style statistics: <metric>_<aggregate>. Longest suffixes first.
_STAT_SUFFIXES = ("pct_95", "stddev", "median", "cnt", "sum", "min", "max", "avg")
_STAT_COLUMNS = ("cnt", "sum", "avg", "min", "max", "pct_95", "median", "stddev")
_STAT_TITLES = {"cnt": "count", "pct_95": "95%"}
# pt-query-digest's report order for the usual metrics; others follow in the order given.
_STAT_METRIC_ORDER = ("Query_time", "Lock_time", "Rows_sent", "Rows_examined", "Rows_affected", "Bytes_sent")
# Single figures worth a plain label (digest class fields and what the statement record derives).
_STAT_LABELS = {
    "ts_cnt": "Executions", "query_count": "Events", "ts_min": "First seen", "ts_max": "Last seen",
    "db_max": "Database (most frequent)", "user_max": "User (most frequent)", "host_max": "Host (most frequent)",
    "query_time_avg": "Average query time (s)", "rows_sent_avg": "Average rows sent",
    "index_ratio": "Rows examined per row sent",
    "sample_db": "Sample database", "sample_ts": "Sample time", "sample_qt": "Sample query time (s)",
    # Oracle (AWR / cursor cache): sums of the window's deltas and per-execution figures
    "executions": "Executions in the window",
    "elapsed_time_us_per_exec": "Elapsed time per execution (µs)",
    "cpu_time_us_per_exec": "CPU time per execution (µs)",
    "buffer_gets_per_exec": "Buffer gets per execution (blocks)",
    "disk_reads_per_exec": "Disk reads per execution (blocks)",
    "direct_writes_per_exec": "Direct writes per execution (blocks)",
    "rows_processed_per_exec": "Rows processed per execution",
    "elapsed_time_us": "Elapsed time, window total (µs)", "cpu_time_us": "CPU time, window total (µs)",
    "buffer_gets": "Buffer gets, window total (blocks)", "disk_reads": "Disk reads, window total (blocks)",
    "direct_writes": "Direct writes, window total (blocks)", "rows_processed": "Rows processed, window total",
    "version_count": "Child cursors (version count)", "snapshots": "AWR snapshots", "instances": "Instances",
}
_DIMENSION_STATUS_LABEL = {
    "ok": "ok",
    "failed": "failed",
    "skipped": "missing (skipped)",
    "not_selected": "not selected",
    "not_available": "not yet available",
}


# --------------------------------------------------------------------------------------------
# Public API


def render_html(report: Mapping[str, Any], *,
                max_findings_per_rule: int | None = DEFAULT_MAX_FINDINGS_PER_RULE) -> str:
    """The report as one self-contained, offline HTML page (no external assets, works with JS off).

    ``max_findings_per_rule`` caps the findings rows shown per rule (``None``: no cap); the page
    says how many rows were left out and that findings.csv and report.json hold all of them.
    """
    env = _environment()
    css = _static_source("report.css").strip()
    js = _static_source("report.js").strip()
    view = _ReportView(report, max_findings_per_rule).build()
    csp = "; ".join([
        "default-src 'none'",
        f"style-src '{_csp_hash(css)}'",
        f"script-src '{_csp_hash(js)}'",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    # css/js are our own constant files, never data: they are the only markup not escaped.
    return env.get_template("report.html.j2").render(
        r=view, css=Markup(css), js=Markup(js), csp=csp)


def render_json(report: Mapping[str, Any]) -> str:
    """The report as pretty-printed JSON with sorted keys (stable output for the same data)."""
    return json.dumps(_jsonable(report), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def render_csv(report: Mapping[str, Any]) -> str:
    """One row per finding: dimension, rule, object, checksum, values (the finding's values as JSON).

    Cells that a spreadsheet would evaluate as a formula (starting with ``= + - @`` or a tab /
    carriage return) are prefixed with ``'``, since object names come from the audited database;
    invisible and direction-changing characters are shown as escapes (``report.visible``).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for dim_name, rule_id, finding in _iter_findings(report):
        values = finding.get("values")
        writer.writerow([
            _csv_cell(dim_name),
            _csv_cell(rule_id),
            _csv_cell(_text(finding.get("object"))),
            _csv_cell(_text(finding.get("checksum"))),
            _csv_cell(json.dumps(_jsonable(values if values is not None else {}),
                                 ensure_ascii=False, allow_nan=False)),
        ])
    return out.getvalue()


def write_report(report: Mapping[str, Any], reports_dir: str | os.PathLike[str], *,
                 max_findings_per_rule: int | None = DEFAULT_MAX_FINDINGS_PER_RULE) -> dict[str, str]:
    """Write ``<reports_dir>/<instance id>/<window key>/{report.html,report.json,findings.csv}``.

    All three are rendered before anything is written, so a rendering error writes nothing; each
    file is then written to a temporary file in the same directory and moved into place with
    ``os.replace``, so a reader never sees a partial file and a re-run replaces the previous report.
    Returns ``{"html": path, "json": path, "csv": path}``.
    """
    instance_id = _get(report.get("instance"), "id")
    window_key = _window_key(report.get("window"))
    out_dir = Path(reports_dir) / _path_part("instance id", instance_id) / _path_part("window key", window_key)
    rendered = {
        "html": render_html(report, max_findings_per_rule=max_findings_per_rule),
        "json": render_json(report),
        "csv": render_csv(report),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, str] = {}
    for kind, text in rendered.items():
        target = out_dir / REPORT_FILES[kind]
        _atomic_write(target, text)
        paths[kind] = str(target)
    return paths


# --------------------------------------------------------------------------------------------
# Files


def _path_part(what: str, value: Any) -> str:
    """A value used as one directory name: refuse anything that could leave ``reports_dir``."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"report {what} is missing or not a string: {value!r}")
    if not _SAFE_PATH_PART.fullmatch(value) or value in (".", ".."):
        raise ValueError(
            f"report {what} {value!r} cannot be used as a directory name "
            "(letters, digits and . _ - @ + only, not starting with . - @ +)")
    return value


def _window_key(window: Any) -> str:
    key = _get(window, "key")
    if key:
        return key
    start, end = _get(window, "start"), _get(window, "end")
    if start and end:
        from themis.window import CaptureWindow  # pure; imported late to keep this module standalone

        return CaptureWindow.parse(start, end).key
    raise ValueError("report window has neither a key nor start and end")


def _atomic_write(target: Path, text: str) -> None:
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    # os.open with 0o666 lets the process umask decide the mode, as for any ordinary file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# --------------------------------------------------------------------------------------------
# Jinja


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # always, whatever the template's extension
        undefined=jinja2.StrictUndefined,  # the view model is complete; a typo is a bug, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,  # every {{ value }}: invisible characters shown as escapes (report.visible)
    )
    env.filters["num"] = _fmt_value
    env.filters["score"] = _fmt_score
    return env


def _finalize(value: Any) -> Any:
    """Data strings get visible escapes; our own Markup (the stylesheet and script) is left alone."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return visible(value)
    return value


@functools.lru_cache(maxsize=None)
def _static_source(name: str) -> str:
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")


# --------------------------------------------------------------------------------------------
# Value helpers


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, Mapping) else default


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return _fmt_value(value)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, decimal.Decimal)):
        f = float(value)
        return f if math.isfinite(f) else None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _fmt_value(value: Any) -> str:
    """A value as table text: numbers grouped and trimmed, structures as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (float, decimal.Decimal)):
        f = float(value)
        if not math.isfinite(f):
            return str(f)
        if f == int(f) and abs(f) < 1e15:
            return f"{int(f):,}"
        if abs(f) < 0.001:
            fixed = f"{f:.6f}".rstrip("0").rstrip(".")
            return fixed if fixed not in ("0", "-0") else f"{f:.3g}"
        return f"{f:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(_jsonable(value), ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def _fmt_score(value: Any) -> str:
    f = _num(value)
    if f is None:
        return "—"
    return f"{f:.2f}".rstrip("0").rstrip(".")


def _jsonable(value: Any) -> Any:
    """Plain JSON types only: Decimal → number, datetime → ISO string, NaN/inf → None."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=repr)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _csv_cell(text: str) -> str:
    text = visible(text)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _fmt_moment(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return _text(value)
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _score_band(score: float | None) -> str:
    if score is None:
        return "none"
    if score >= 90:
        return "good"
    if score >= 70:
        return "fair"
    return "poor"


# --------------------------------------------------------------------------------------------
# View model: everything the template shows, computed here so the template only lays it out.


class _ReportView:
    def __init__(self, report: Mapping[str, Any], max_rows: int | None) -> None:
        self.report = report
        self.max_rows = max_rows
        statements = report.get("statements")
        self.statements: Mapping[str, Any] = statements if isinstance(statements, Mapping) else {}
        self._anchors: set[str] = set()
        self._statement_anchor: dict[str, str] = {}
        self._statement_refs: dict[str, list[dict[str, str]]] = {}
        self._marked_lines: dict[str, set[str]] = {}  # checksum -> plan line ids a finding points at
        self._rule_anchors: dict[tuple[str, str], str] = {}  # (dimension, rule id) -> its section's anchor

    def anchor(self, prefix: str, *parts: Any) -> str:
        raw = "-".join(str(p) for p in parts)
        clean = _ANCHOR_UNSAFE.sub("_", raw)[:80]
        if clean != raw:
            clean += "-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:8]
        candidate, n = f"{prefix}-{clean}", 1
        while candidate in self._anchors:
            n += 1
            candidate = f"{prefix}-{clean}-{n}"
        self._anchors.add(candidate)
        return candidate

    def statement_anchor(self, checksum: str) -> str:
        if checksum not in self._statement_anchor:
            self._statement_anchor[checksum] = self.anchor("sql", checksum)
        return self._statement_anchor[checksum]

    # -- top level

    def build(self) -> dict[str, Any]:
        r = self.report
        instance = r.get("instance") if isinstance(r.get("instance"), Mapping) else {}
        window = r.get("window") if isinstance(r.get("window"), Mapping) else {}
        dims = [self.dimension(d) for d in _as_list(r.get("dimensions")) if isinstance(d, Mapping)]
        overall = _num(r.get("overall_score"))
        scored = [d["name"] for d in dims if d["score"] is not None]
        unscored = [d for d in dims if d["status"] in ("failed", "skipped")]
        statements = self.statement_views()
        referenced = set(self._statement_anchor)
        return {
            "instance_id": _text(instance.get("id")),
            "db_type": _text(instance.get("db_type")),
            "description": _text(instance.get("description")),
            "schemas": [_text(s) for s in _as_list(instance.get("schemas"))],
            "window_start": _fmt_moment(window.get("start")),
            "window_end": _fmt_moment(window.get("end")),
            "window_key": _text(window.get("key")),
            "run_id": _text(r.get("run_id")),
            "generated_at": _fmt_moment(r.get("generated_at")),
            "themis_version": _text(r.get("themis_version")),
            "overall_score": overall,
            "overall_band": _score_band(overall),
            "scored_dimensions": scored,
            "unscored_dimensions": [d["name"] for d in unscored],
            "dimensions": dims,
            "chart": self.chart(dims),
            "statements": statements,
            "unreferenced_statements": sum(1 for c in self.statements if c not in referenced),
            "max_rows": self.max_rows,
            "changes": self.changes(),
            "trend": _trend_view(r.get("trend"), _text(window.get("key"))),
        }

    # -- what changed since the previous window (report.assemble.window_changes)

    def changes(self) -> dict[str, Any] | None:
        changes = self.report.get("changes")
        if not isinstance(changes, Mapping):
            return None  # a report assembled before change detection existed
        counts = changes.get("counts") if isinstance(changes.get("counts"), Mapping) else {}

        def entries(name: str) -> tuple[list[dict[str, Any]], int]:
            items = [e for e in _as_list(changes.get(name)) if isinstance(e, Mapping)]
            shown = items if self.max_rows is None else items[: self.max_rows]
            return [self.change_row(e) for e in shown], len(items) - len(shown)

        new, new_hidden = entries("new")
        fixed, fixed_hidden = entries("fixed")
        plan_changed, plan_hidden = entries("plan_changed")
        rules = changes.get("rules") if isinstance(changes.get("rules"), Mapping) else {}
        delta = _num(changes.get("score_delta"))
        return {
            "baseline": bool(changes.get("baseline")),
            "previous_window": _text(changes.get("previous_window")),
            "previous_score": _num(changes.get("previous_overall_score")),
            "score_delta": delta,
            "delta_text": _fmt_delta(delta),
            "delta_class": "none" if delta is None else "up" if delta > 0 else "down" if delta < 0 else "same",
            "dimension_deltas": {_text(k): _fmt_delta(_num(v))
                                 for k, v in (changes.get("dimension_deltas") or {}).items()}
            if isinstance(changes.get("dimension_deltas"), Mapping) else {},
            "new_count": _count(counts.get("new")), "fixed_count": _count(counts.get("fixed")),
            "persisting_count": _count(counts.get("persisting")),
            "new": new, "new_hidden": new_hidden, "fixed": fixed, "fixed_hidden": fixed_hidden,
            "plan_changed": plan_changed, "plan_changed_hidden": plan_hidden,
            "rules": [{"id": _text(rule_id), "dimension": _text(_get(c, "dimension")), "summary": _text(_get(c, "summary")),
                       "new": _count(_get(c, "new")), "fixed": _count(_get(c, "fixed"))}
                      for rule_id, c in rules.items() if _count(_get(c, "new")) or _count(_get(c, "fixed"))],
            "not_compared": [{"dimension": _text(_get(n, "dimension")), "rule": _text(_get(n, "rule")),
                              "reason": _text(_get(n, "reason"))}
                             for n in _as_list(changes.get("not_compared")) if isinstance(n, Mapping)],
        }

    def change_row(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        checksum = _text(entry.get("checksum"))
        dim, rule_id = _text(entry.get("dimension")), _text(entry.get("rule"))
        return {"dimension": dim, "rule": rule_id, "summary": _text(entry.get("summary")),
                "weight": _num(entry.get("weight")), "object": _text(entry.get("object")), "checksum": checksum,
                "rule_anchor": self._rule_anchors.get((dim, rule_id)),
                "previous_checksums": [_text(c) for c in _as_list(entry.get("previous_checksums"))],
                "checksums": [_text(c) for c in _as_list(entry.get("checksums"))]}

    # -- dimensions and rules

    def dimension(self, d: Mapping[str, Any]) -> dict[str, Any]:
        name = _text(d.get("dimension")) or "?"
        status = _text(d.get("status")) or "ok"
        # Only a dimension that ran has a score: a failed or skipped one is never shown as a number.
        score = _num(d.get("score")) if status == "ok" else None
        rules = [self.rule(name, rule) for rule in _as_list(d.get("rules")) if isinstance(rule, Mapping)]
        counts = {s: sum(1 for rule in rules if rule["status"] == s) for s in ("ran", "off", "error", "not_evaluated")}
        unparsable = [u for u in _as_list(d.get("unparsable")) if isinstance(u, Mapping)]
        shown = unparsable if self.max_rows is None else unparsable[: self.max_rows]
        analysed = d.get("statements")
        return {
            "name": name,
            "title": _text(d.get("title")) or name,
            "anchor": self.anchor("dim", name),
            "status": status,
            "status_label": _DIMENSION_STATUS_LABEL.get(status, status),
            "reason": _text(d.get("reason")),
            "score": score,
            "band": _score_band(score) if status == "ok" else status,
            "meter": max(0.0, min(100.0, score)) if score is not None else None,
            "max_total": _num(d.get("max_total")),
            "deduction_total": _num(d.get("deduction_total")),
            "rules": rules,
            "rules_ran": counts["ran"],
            "rules_off": counts["off"],
            "rules_error": counts["error"],
            "rules_not_evaluated": counts["not_evaluated"],
            "findings_total": sum(rule["findings_count"] for rule in rules),
            # TEXT: statements analysed, and those the SQL parser could not read (reported, not dropped).
            "statements_analysed": analysed if isinstance(analysed, int) and not isinstance(analysed, bool) else None,
            "unparsable": [self.unparsable_row(u) for u in shown],
            "unparsable_count": len(unparsable),
            "unparsable_hidden": len(unparsable) - len(shown),
            "unparsable_anchor": self.anchor("unparsable", name) if unparsable else "",
            "partial_input": self.partial_slowlog() if name == "SQLSTAT" else [],
        }

    def partial_slowlog(self) -> list[str]:
        """Why the window's slow log was only partly read (``tasks.slowlog_read``), one line per file."""
        slowlog = self.report.get("slowlog")
        errors = _as_list(slowlog.get("read_errors")) if isinstance(slowlog, Mapping) else []
        return [f"{_text(_get(e, 'file'))}: read only {_text(_get(e, 'bytes_read'))} bytes: {_text(_get(e, 'error'))}"
                for e in errors if isinstance(e, Mapping)]

    def unparsable_row(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        checksum = _text(entry.get("checksum"))
        linked = bool(checksum) and checksum in self.statements
        return {"checksum": checksum, "anchor": self.statement_anchor(checksum) if linked else None,
                "sql": _text(entry.get("sql")), "error": _text(entry.get("error"))}

    def rule(self, dim: str, rule: Mapping[str, Any]) -> dict[str, Any]:
        rule_id = _text(rule.get("id")) or "?"
        findings = [f for f in _as_list(rule.get("findings")) if isinstance(f, Mapping)]
        count = rule.get("findings_count")
        findings_count = int(count) if isinstance(count, int) and not isinstance(count, bool) else len(findings)
        anchor = self.anchor("rule", dim, rule_id)
        columns = [
            {"name": _text(_get(c, "name")) if isinstance(c, Mapping) else _text(c),
             "title": (_text(_get(c, "title")) or _text(_get(c, "name"))) if isinstance(c, Mapping) else _text(c)}
            for c in _as_list(rule.get("columns"))
        ]
        has_sql = any(_get(f, "checksum") for f in findings)
        shown = findings if self.max_rows is None else findings[: self.max_rows]
        rows = [self.finding_row(dim, rule_id, anchor, columns, f) for f in shown]
        params = rule.get("params")
        if findings or rule.get("excluded"):
            self._rule_anchors[(dim, rule_id)] = anchor
        excluded = [f for f in _as_list(rule.get("excluded")) if isinstance(f, Mapping)]
        excluded_shown = excluded if self.max_rows is None else excluded[: self.max_rows]
        return {
            "id": rule_id,
            "dimension": dim,
            "anchor": anchor,
            "summary": _text(rule.get("summary")),
            "description": _text(rule.get("description")),
            "status": _text(rule.get("status")) or "ran",
            "error": _text(rule.get("error")),
            "not_evaluated": _not_evaluated(rule.get("not_evaluated")),
            "notes": [_text(n) for n in _as_list(rule.get("notes")) if _text(n)],  # e.g. tables not sampled
            "weight": _num(rule.get("weight")),
            "max_score": _num(rule.get("max_score")),
            "deduction": _num(rule.get("deduction")) or 0.0,
            "findings_count": findings_count,
            "excluded_count": _num(rule.get("excluded_count")) or 0,
            "params": [(_text(k), _fmt_value(v)) for k, v in params.items()] if isinstance(params, Mapping) else [],
            "solution": [_text(s) for s in _as_list(rule.get("solution")) if _text(s)],
            "columns": columns,
            "has_sql": has_sql,
            "has_change": any(row["change"] for row in rows),
            "new_count": sum(1 for f in findings if _get(f, "change") == "new"),
            "rows": rows,
            "hidden_rows": len(findings) - len(shown),
            "excluded": [{"object": _text(f.get("object")), "reason": _text(f.get("reason"))} for f in excluded_shown],
            "excluded_hidden": len(excluded) - len(excluded_shown),
            "has_section": bool(findings or excluded),
        }

    def finding_row(self, dim: str, rule_id: str, rule_anchor: str,
                    columns: list[dict[str, str]], finding: Mapping[str, Any]) -> dict[str, Any]:
        values = finding.get("values") if isinstance(finding.get("values"), Mapping) else {}
        if columns:
            cells = [_fmt_value(values.get(c["name"])) for c in columns]
        else:
            cells = [_text(finding.get("object"))]
        checksum = _text(finding.get("checksum"))
        sql = None
        if checksum and isinstance(values.get("lines"), list):
            self._marked_lines.setdefault(checksum, set()).update(_text(v) for v in values["lines"])
        if checksum:
            linked = checksum in self.statements
            sql = {"checksum": checksum, "anchor": self.statement_anchor(checksum) if linked else None}
            if linked:
                refs = self._statement_refs.setdefault(checksum, [])
                label = f"{dim} · {rule_id}"
                if not any(ref["label"] == label for ref in refs):
                    refs.append({"label": label, "anchor": rule_anchor})
        change = finding.get("change")
        return {"cells": cells, "sql": sql, "change": change if change in ("new", "persisting") else None}

    # -- chart

    def chart(self, dims: list[dict[str, Any]]) -> dict[str, Any]:
        bars = [
            {"label": f"{d['name']} · {rule['id']}", "rule": rule["id"], "dimension": d["name"],
             "anchor": rule["anchor"] if rule["has_section"] else None, "value": rule["deduction"],
             "max_score": rule["max_score"], "summary": rule["summary"]}
            for d in dims if d["status"] == "ok" for rule in d["rules"] if rule["deduction"] > 0
        ]
        # Python's sort is stable: ties keep report order (dimension, then rule).
        bars.sort(key=lambda b: -b["value"])
        label_w, bar_w, value_w, row_h, top = 300, 520, 80, 24, 8
        top_value = max((b["value"] for b in bars), default=0.0)
        for i, b in enumerate(bars):
            b["y"] = top + i * row_h
            b["text_y"] = b["y"] + row_h / 2 + 4
            b["width"] = round(max(1.0, bar_w * b["value"] / top_value), 1) if top_value else 0
            b["value_x"] = label_w + b["width"] + 6
            label = b["label"]
            b["short_label"] = label if len(label) <= 40 else label[:39] + "…"
            b["value_text"] = _fmt_value(b["value"])
        return {
            "bars": bars,
            "width": label_w + bar_w + value_w,
            "height": top * 2 + len(bars) * row_h,
            "label_w": label_w,
            "row_h": row_h,
            "bar_h": row_h - 8,
        }

    # -- statements

    def statement_views(self) -> list[dict[str, Any]]:
        views = []
        for checksum, anchor in self._statement_anchor.items():
            st = self.statements.get(checksum)
            st = st if isinstance(st, Mapping) else {}
            grid, other = _stats_tables(st.get("stats"))
            views.append({
                "checksum": checksum,
                "anchor": anchor,
                "db": _text(st.get("db") or st.get("schema")),
                "sql_id": _text(st.get("sql_id")),
                "plan_hash_value": _text(st.get("plan_hash_value")),
                "full_text": bool(st.get("sql_id")),  # Oracle keeps the whole text; a digest keeps a sample
                "fingerprint": _text(st.get("fingerprint")),
                "sample": _text(st.get("sample")),
                "stats_grid": grid,
                "stats_other": other,
                "plan": _plan_view(st.get("plan"), self._marked_lines.get(checksum, set())),
                "referenced_by": self._statement_refs.get(checksum, []),
            })
        return views


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _fmt_delta(delta: float | None) -> str:
    if delta is None:
        return ""
    if delta == 0:
        return "±0"
    return ("+" if delta > 0 else "−") + _fmt_score(abs(delta))


def _trend_view(trend: Any, current_key: str) -> dict[str, Any] | None:
    """The score trend of the last windows as an inline SVG line chart (0-100, oldest left): one
    point per window with a score, a gap where a window had none."""
    points = [p for p in _as_list(trend) if isinstance(p, Mapping)]
    if not points:
        return None
    left, right, top, bottom, width, height = 36, 12, 10, 26, 640, 150
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0
    views, segments, segment = [], [], []
    for i, p in enumerate(points):
        score = _num(p.get("overall_score"))
        x = round(left + (i * step if len(points) > 1 else plot_w / 2), 1)
        key = _text(p.get("window"))
        view = {"x": x, "score": score, "window": key, "label": _window_label(key),
                "current": key == current_key, "text": _fmt_score(score)}
        if score is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            view["y"] = round(top + plot_h * (1 - max(0.0, min(100.0, score)) / 100), 1)
            segment.append(f"{x},{view['y']}")
        views.append(view)
    if segment:
        segments.append(segment)
    grid = [{"value": v, "y": round(top + plot_h * (1 - v / 100), 1)} for v in (0, 50, 70, 90, 100)]
    return {"points": views, "lines": [" ".join(seg) for seg in segments if len(seg) > 1], "grid": grid,
            "width": width, "height": height, "left": left, "right": width - right, "label_y": height - 8,
            "count": len(points), "first": views[0]["label"], "last": views[-1]["label"]}


def _window_label(key: str) -> str:
    """``20261121T000000Z_20261122T000000Z`` → ``2026-11-22`` (the window's end day)."""
    end = key.rsplit("_", 1)[-1]
    return f"{end[0:4]}-{end[4:6]}-{end[6:8]}" if len(end) >= 8 and end[:8].isdigit() else key[:16]


def _stats_tables(stats: Any) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    """Statistics as a metric × aggregate grid (pt-query-digest's ``<metric>_<agg>`` numbers) and a
    list of the other figures, the well-known ones first with a plain-English label."""
    if not isinstance(stats, Mapping):
        return None, []
    stats = {str(k): v for k, v in stats.items()}
    summary = [{"label": label, "key": key, "value": _fmt_value(stats[key])}
               for key, label in _STAT_LABELS.items() if key in stats and stats[key] is not None]
    grid: dict[str, dict[str, Any]] = {}
    names: dict[str, str] = {}  # lower-case metric -> name as first written (Query_time)
    other: list[dict[str, str]] = []
    for key, value in stats.items():
        if key in _STAT_LABELS:
            continue
        if _num(value) is not None and not isinstance(value, str):
            suffix = next((x for x in _STAT_SUFFIXES if key.endswith("_" + x) and len(key) > len(x) + 1), None)
            if suffix:
                metric = key[: -len(suffix) - 1]
                grid.setdefault(names.setdefault(metric.lower(), metric), {})[suffix] = value
                continue
        other.append({"label": key, "key": key, "value": _fmt_value(value)})
    if not grid:
        return None, summary + other
    order = {m.lower(): i for i, m in enumerate(_STAT_METRIC_ORDER)}
    metrics = sorted(grid, key=lambda m: order.get(m.lower(), len(order)))  # stable: the rest as given
    used = [c for c in _STAT_COLUMNS if any(c in row for row in grid.values())]
    return {
        "columns": [_STAT_TITLES.get(c, c) for c in used],
        "rows": [{"metric": metric, "cells": [_fmt_value(grid[metric][c]) if c in grid[metric] else "" for c in used]}
                 for metric in metrics],
    }, summary + other


# Plan node columns: the usual EXPLAIN order first, long text last, anything else in between.
_PLAN_FIRST = ("id", "select_id", "parent_id", "operation", "options", "table", "object_owner", "object_name",
               "access_type", "type", "key", "possible_keys", "key_length", "ref", "rows", "filtered", "cost",
               "cardinality", "bytes", "partition_start", "partition_stop")
_PLAN_LAST = ("attached_condition", "path", "access_predicates", "filter_predicates")
# Oracle lines: shown like DBMS_XPLAN.DISPLAY_AWR (operation and options in one column, indented).
_PLAN_HIDDEN = ("depth", "position", "options", "object_alias", "qblock_name", "partition_id", "cpu_cost",
                "io_cost", "object_type", "distribution")
# Yes/no node fields are shown together in one "flags" column, like EXPLAIN's Extra:
# field -> (label when true, label when false, worth a warning).
_PLAN_FLAGS = {
    "using_filesort": ("filesort", None, True),
    "using_temporary_table": ("temporary", None, True),
    "dependent": ("dependent subquery", None, True),
    "cacheable": (None, "uncacheable", True),
    "materialized_from_subquery": ("materialized", None, False),
    "in_nested_loop": (None, None, False),  # said by nested_loop_size
}
_PLAN_WARN_VALUE = {"access_type": {"ALL"}, "type": {"ALL"}}


def _plan_cell(value: Any) -> str:
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list, tuple)) for v in value):
        return ", ".join(_text(v) for v in value)
    return _fmt_value(value)


def _plan_view(plan: Any, marked: set[str] | frozenset[str] = frozenset()) -> dict[str, Any] | None:
    """A plan as an indented table: MySQL's normalised EXPLAIN nodes, or Oracle's plan lines with the
    lines a finding points at marked."""
    if not isinstance(plan, Mapping):
        return None
    nodes = [n for n in _as_list(plan.get("nodes") or plan.get("lines")) if isinstance(n, Mapping)]
    keys: list[str] = []
    for node in nodes:
        keys.extend(str(k) for k in node if str(k) not in keys)
    flag_keys = [k for k in keys if k in _PLAN_FLAGS or (
        k not in _PLAN_HIDDEN and all(isinstance(n.get(k), bool) or n.get(k) is None for n in nodes)
        and any(isinstance(n.get(k), bool) for n in nodes))]
    plain = [k for k in keys if k not in flag_keys and k not in _PLAN_HIDDEN]
    columns = ([k for k in _PLAN_FIRST if k in plain]
               + [k for k in plain if k not in _PLAN_FIRST and k not in _PLAN_LAST]
               + [k for k in _PLAN_LAST if k in plain])
    if flag_keys:
        columns.insert(len(columns) - sum(1 for k in _PLAN_LAST if k in plain), "flags")
    rows = []
    for node in nodes:
        depth = node.get("depth")
        indent = min(depth, 12) if isinstance(depth, int) and not isinstance(depth, bool) and depth > 0 else 0
        cells = []
        for col in columns:
            if col == "flags":
                labels, warn = [], False
                for key in flag_keys:
                    value = node.get(key)
                    if value is None:
                        continue
                    on, off, worrying = _PLAN_FLAGS.get(key, (key, None, False))
                    label = on if value else off
                    if label:
                        labels.append(label)
                        warn = warn or worrying
                cells.append({"text": ", ".join(labels), "warn": warn, "numeric": False, "indent": 0})
                continue
            value = node.get(col)
            if col == "operation" and node.get("options"):
                value = f"{_text(value)} {_text(node.get('options'))}"
            cells.append({
                "text": _plan_cell(value),
                "warn": isinstance(value, str) and value.upper() in _PLAN_WARN_VALUE.get(col, ()),
                "numeric": _num(value) is not None and not isinstance(value, str),
                "indent": indent if col.lower() == "operation" else 0,
            })
        rows.append({"cells": cells, "marked": _text(node.get("id")) in marked})
    raw = plan.get("explain_json")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw_text = raw
        else:
            raw_text = json.dumps(_jsonable(raw), indent=2, ensure_ascii=False)
    elif raw is not None:
        raw_text = json.dumps(_jsonable(raw), indent=2, ensure_ascii=False)
    else:
        raw_text = ""
    return {
        "status": _text(plan.get("status")) or "unknown",
        "error": _text(plan.get("error")),
        "format": _text(plan.get("format")),
        "columns": columns,
        "rows": rows,
        "marked": any(row["marked"] for row in rows),
        "raw": raw_text,
    }


def _iter_findings(report: Mapping[str, Any]) -> Iterable[tuple[str, str, Mapping[str, Any]]]:
    """(dimension, rule id, finding) for every finding in the report, in report order."""
    for dim in _as_list(report.get("dimensions")):
        for rule in _as_list(_get(dim, "rules")):
            for finding in _as_list(_get(rule, "findings")):
                if isinstance(finding, Mapping):
                    yield _text(_get(dim, "dimension")), _text(_get(rule, "id")), finding


def _not_evaluated(value: Any) -> dict[str, str] | None:
    """Why a rule could not be judged (and what fixes it): shown instead of a pass."""
    if not isinstance(value, Mapping):
        return None
    return {"reason": _text(value.get("reason")), "fix": _text(value.get("fix"))}
