"""Page data from the store: what the Fleet, Instance, Diff, Findings and Rules pages show.

Pure functions of (store, instance config, query): no Airflow and no HTTP, so they are tested and
benchmarked on their own. The Fleet reads every instance's per-window ``report`` summaries (written
by the export task) with one ``Store.read_kind`` call; the findings themselves are read only for the
rows of the page shown, and only when a summary does not carry its change counts already.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from themis.config import DIMENSIONS, InstanceConfig
from themis.report import changes as change_detection
from themis.store import PartitionKey, Store

#: Rows per page of the Fleet and of a findings table.
FLEET_PAGE_SIZE = 50
FINDINGS_PAGE_SIZE = 100
#: Windows in a fleet row's score trend.
TREND_WINDOWS = 30
#: Findings listed per rule and change kind on the Diff page (the rest are counted).
DIFF_ROWS_PER_RULE = 200

SORT_KEYS = ("instance", "db_type", "window", "overall", "delta", "state", *(d.lower() for d in DIMENSIONS))


def score_band(score: float | None) -> str:
    """The report's colour bands: good >= 90, fair >= 70, poor below, none without a score."""
    if score is None:
        return "none"
    return "good" if score >= 90 else "fair" if score >= 70 else "poor"


def window_label(key: str) -> str:
    """``20261121T020000Z_20261122T020000Z`` -> ``2026-11-21 02:00 → 2026-11-22 02:00``."""
    try:
        start, end = (dt.datetime.strptime(part, "%Y%m%dT%H%M%SZ") for part in key.split("_", 1))
    except ValueError:
        return key
    fmt = "%Y-%m-%d %H:%M" if (start.second, end.second) == (0, 0) else "%Y-%m-%d %H:%M:%S"
    return f"{start.strftime(fmt)} → {end.strftime(fmt)}"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _delta(now: Any, then: Any) -> float | None:
    a, b = _number(now), _number(then)
    return round(a - b, 3) if a is not None and b is not None else None


def stored_change_counts(summary: Mapping[str, Any] | None) -> dict[str, int] | None:
    """New/fixed counts the export wrote into its summary (``changes.counts`` or ``changes``), if any."""
    changes = (summary or {}).get("changes")
    if not isinstance(changes, Mapping):
        return None
    counts = changes.get("counts") if isinstance(changes.get("counts"), Mapping) else changes
    if not isinstance(counts.get("new"), int) or not isinstance(counts.get("fixed"), int):
        return None
    return {"new": counts["new"], "fixed": counts["fixed"],
            "baseline": bool(counts.get("baseline", changes.get("baseline", True)))}


# ------------------------------------------------------------------------------------------ fleet


@dataclass
class FleetQuery:
    db_type: str = ""
    tag: str = ""
    q: str = ""
    sort: str = "instance"
    desc: bool = False
    page: int = 1
    page_size: int = FLEET_PAGE_SIZE

    def normalised(self) -> "FleetQuery":
        sort = self.sort if self.sort in SORT_KEYS else "instance"
        return FleetQuery(self.db_type, self.tag, self.q.strip(), sort, self.desc, max(1, self.page),
                          max(1, min(self.page_size, 500)))


@dataclass
class FleetPage:
    rows: list[dict[str, Any]]
    total: int  # instances after filtering
    configured: int  # instances the user may see, before filtering
    page: int
    pages: int
    query: FleetQuery
    db_types: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def window_summaries(store: Store, instance_ids: Iterable[str], latest: int | None = None,
                     ) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """instance -> [(window key, the export's summary)], oldest first (one ``read_kind`` query);
    ``latest``: only each instance's latest windows."""
    out: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for key, summary in store.read_kind(instance_ids, "report", latest=latest):
        windows = out[key.instance]
        if not windows or windows[-1][0] != key.window:  # a partition holds one summary; keep the first
            windows.append((key.window, summary))
    return out


def fleet_row(instance: InstanceConfig, windows: list[tuple[str, dict[str, Any]]],
              run: Mapping[str, Any] | None) -> dict[str, Any]:
    """One Fleet row from an instance's window summaries (oldest first) and its latest DAG run."""
    latest = windows[-1][1] if windows else {}
    previous = windows[-2][1] if len(windows) > 1 else None
    scores = dict(latest.get("scores") or {})
    overall = _number(latest.get("overall_score"))
    trend = [(w, _number(s.get("overall_score"))) for w, s in windows[-TREND_WINDOWS:]]
    return {
        "id": instance.id, "dag_id": instance.dag_id, "db_type": instance.db_type,
        "tags": list(instance.tags), "description": instance.description,
        "windows": len(windows), "window": windows[-1][0] if windows else None,
        "previous_window": windows[-2][0] if previous is not None else None,
        "run_id": latest.get("run_id"), "overall": overall, "band": score_band(overall),
        "scores": {d: _number(scores.get(d)) for d in DIMENSIONS},
        "bands": {d: score_band(_number(scores.get(d))) for d in DIMENSIONS},
        "delta": _delta(overall, previous.get("overall_score")) if previous else None,
        "changes": stored_change_counts(latest),
        "trend": trend,
        "state": (run or {}).get("state"), "state_run_id": (run or {}).get("run_id"),
    }


def _sort_value(row: dict[str, Any], sort: str) -> Any:
    if sort == "instance":
        return row["id"].lower()
    if sort == "db_type":
        return (row["db_type"], row["id"].lower())
    if sort == "window":
        return row["window"] or ""
    if sort == "overall":
        return row["overall"]
    if sort == "delta":
        return row["delta"]
    if sort == "state":
        return row["state"] or ""
    return row["scores"].get(sort.upper())


def sort_rows(rows: list[dict[str, Any]], sort: str, desc: bool) -> list[dict[str, Any]]:
    """Sorted by ``sort``; rows without a value (no score yet) always last, ties by instance id."""
    present = [r for r in rows if _sort_value(r, sort) is not None]
    absent = [r for r in rows if _sort_value(r, sort) is None]
    present.sort(key=lambda r: r["id"].lower())
    present.sort(key=lambda r: _sort_value(r, sort), reverse=desc)
    absent.sort(key=lambda r: r["id"].lower())
    return present + absent


def fleet_page(store: Store, instances: list[InstanceConfig], query: FleetQuery,
               run_states: Any = None) -> FleetPage:
    """The Fleet: ``instances`` (those the user may read), filtered, sorted and cut to one page.

    ``run_states(dag_ids) -> {dag_id: {"state", "run_id"}}`` gives the latest DAG run of each
    instance (Airflow's metadata database; None: unknown). New/fixed counts come from the export's
    summary when it has them, else they are worked out here for the rows of this page only.
    """
    query = query.normalised()
    db_types = sorted({i.db_type for i in instances})
    tags = sorted({t for i in instances for t in i.tags})
    chosen = [i for i in instances
              if (not query.db_type or i.db_type == query.db_type)
              and (not query.tag or query.tag in i.tags)
              and (not query.q or query.q.lower() in i.id.lower())]
    # Sorting and filtering need each instance's latest two windows; the trend only the rows shown.
    summaries = window_summaries(store, [i.id for i in chosen], latest=2)
    states = run_states([i.dag_id for i in chosen]) if run_states else {}
    rows = sort_rows([fleet_row(i, summaries.get(i.id, []), states.get(i.dag_id)) for i in chosen],
                     query.sort, query.desc)
    pages = max(1, math.ceil(len(rows) / query.page_size))
    page = min(query.page, pages)
    shown = rows[(page - 1) * query.page_size: page * query.page_size]
    by_id = {i.id: i for i in chosen}
    history = window_summaries(store, [row["id"] for row in shown], latest=TREND_WINDOWS)
    for index, row in enumerate(shown):
        shown[index] = row = {**fleet_row(by_id[row["id"]], history.get(row["id"], []), states.get(row["dag_id"])),
                              "changes": row["changes"]}
        if row["changes"] is None and row["previous_window"]:
            row["changes"] = window_change_counts(store, row["id"], row["previous_window"], row["window"],
                                                  (row["run_id"], history[row["id"]][-2][1].get("run_id")))
    return FleetPage(shown, len(rows), len(instances), page, pages, query, db_types, tags)


_change_counts: dict[tuple[Any, ...], dict[str, Any]] = {}


def window_change_counts(store: Store, instance_id: str, previous: str, current: str,
                         run_ids: tuple[Any, Any] | None = None) -> dict[str, Any]:
    """New/fixed between two windows from their stored findings, for summaries written before the
    export kept these counts; remembered per (instance, windows, export run ids) in this process."""
    cache_key = (getattr(store, "path", id(store)), instance_id, previous, current, run_ids)
    if run_ids is not None and cache_key in _change_counts:
        return _change_counts[cache_key]
    compared = change_detection.compare(change_detection.stored_dimensions(store, instance_id, previous),
                                        change_detection.stored_dimensions(store, instance_id, current))
    counts = change_detection.summary(compared)
    result = {"new": counts["new"], "fixed": counts["fixed"], "baseline": counts["baseline"]}
    if run_ids is not None:
        if len(_change_counts) > 20_000:
            _change_counts.clear()
        _change_counts[cache_key] = result
    return result


# --------------------------------------------------------------------------------------- instance


def instance_windows(store: Store, instance: InstanceConfig) -> list[dict[str, Any]]:
    """Every audited window of the instance, oldest first: its scores (from the export's summary,
    else from the stored dimension results), run id and change since the window before."""
    summaries = dict(window_summaries(store, [instance.id]).get(instance.id, []))
    keys = sorted(set(summaries) | set(change_detection.audited_windows(store, instance.id)))
    out: list[dict[str, Any]] = []
    for index, key in enumerate(keys):
        summary = summaries.get(key)
        if summary is None:
            scored = change_detection.window_scores(store, instance.id, key)
            summary = {"overall_score": scored["overall_score"], "scores": scored["scores"], "run_id": None}
        overall = _number(summary.get("overall_score"))
        scores = {d: _number((summary.get("scores") or {}).get(d)) for d in DIMENSIONS}
        previous = out[-1] if out else None
        out.append({
            "window": key, "label": window_label(key), "run_id": summary.get("run_id"), "overall": overall,
            "band": score_band(overall), "scores": scores, "bands": {d: score_band(s) for d, s in scores.items()},
            "delta": _delta(overall, previous["overall"]) if previous else None,
            "previous_window": keys[index - 1] if index else None,
            "changes": stored_change_counts(summary), "exported": key in summaries,
            "missing": list(summary.get("missing") or []),
        })
    return out


def window_of_run(store: Store, instance_id: str, run_id: str) -> str | None:
    """The window a DAG run audited: from the export's summary, else from the stored results' run ids."""
    for key, summary in store.read_kind([instance_id], "report"):
        if summary.get("run_id") == run_id:
            return key.window
    for key in reversed(store.keys(instance_id, kind_prefix=change_detection.FINDINGS_PREFIX)):
        if ((store.info(key) or {}).get("meta") or {}).get("run_id") == run_id:
            return key.window
    return None


def window_exists(store: Store, instance_id: str, window: str) -> bool:
    return bool(store.keys(instance_id, window=window, kind_prefix=change_detection.FINDINGS_PREFIX)) \
        or store.info(PartitionKey(instance_id, window, "report")) is not None


# ---------------------------------------------------------------------------------------- findings


def findings_page(store: Store, instance_id: str, window: str, rule_id: str | None, page: int,
                  page_size: int = FINDINGS_PAGE_SIZE) -> dict[str, Any]:
    """One page of a rule's findings (default: the rule with the most), with every rule's counts and
    whether each finding is new since the previous audited window."""
    dimensions = change_detection.stored_dimensions(store, instance_id, window)
    rules = [{"dimension": d.get("dimension"), "id": r.get("id"), "summary": r.get("summary"),
              "status": r.get("status"), "count": len(r.get("findings") or ()), "total": r.get("findings_count", 0),
              "excluded": r.get("excluded_count", 0), "rule": r}
             for d in dimensions for r in d.get("rules") or () if r.get("status") == "ran"]
    if rule_id is None and rules:
        rule_id = max(rules, key=lambda r: (r["count"], r["id"] or ""))["id"]
    chosen = next((r for r in rules if r["id"] == rule_id), None)
    result: dict[str, Any] = {"rules": rules, "rule": chosen, "rows": [], "page": 1, "pages": 1, "columns": []}
    if chosen is None:
        return result
    findings = list(chosen["rule"].get("findings") or ())
    previous = change_detection.previous_window(store, instance_id, window)
    new_keys: set[str] | None = None
    if previous:
        compared = change_detection.compare(change_detection.stored_dimensions(store, instance_id, previous),
                                            [d for d in dimensions if d.get("dimension") == chosen["dimension"]])
        if chosen["id"] in compared["rules"]:
            new_keys = {e["key"] for e in compared["new"] if e["rule"] == chosen["id"]}
    pages = max(1, math.ceil(len(findings) / page_size))
    page = min(max(1, page), pages)
    columns = list(chosen["rule"].get("columns") or [{"name": "object", "title": "Object"}])
    rows = []
    for offset, finding in enumerate(findings[(page - 1) * page_size: page * page_size]):
        values = finding.get("values") or {}
        key = change_detection.finding_key(chosen["dimension"], chosen["id"], finding)
        rows.append({"n": (page - 1) * page_size + offset + 1, "object": finding.get("object"),
                     "checksum": finding.get("checksum"),
                     "cells": [values.get(c["name"], finding.get(c["name"])) for c in columns],
                     "change": None if new_keys is None else ("new" if key in new_keys else "persisting")})
    result.update(rows=rows, page=page, pages=pages, columns=columns, total=len(findings),
                  previous_window=previous, compared=new_keys is not None)
    return result


# -------------------------------------------------------------------------------------------- diff


def diff(store: Store, instance_id: str, before: str, after: str) -> dict[str, Any]:
    """Two windows side by side: scores, and per rule the findings new, fixed and persisting."""
    old = change_detection.stored_dimensions(store, instance_id, before)
    new = change_detection.stored_dimensions(store, instance_id, after)
    compared = change_detection.compare(old, new)
    old_scores = {d.get("dimension"): (d.get("score") if d.get("status") == "ok" else None) for d in old}
    new_scores = {d.get("dimension"): (d.get("score") if d.get("status") == "ok" else None) for d in new}
    from themis.rules.scoring import overall_score

    overall = (overall_score(old) if old else None, overall_score(new) if new else None)
    scores = [{"dimension": d, "before": _number(old_scores.get(d)), "after": _number(new_scores.get(d)),
               "delta": _delta(new_scores.get(d), old_scores.get(d))} for d in DIMENSIONS]
    rules = []
    for rule_id, counts in sorted(compared["rules"].items(),
                                  key=lambda item: (-item[1]["new"], -item[1]["fixed"], item[0])):
        entries = {kind: [e for e in compared[kind] if e["rule"] == rule_id] for kind in ("new", "fixed", "persisting")}
        rules.append({"id": rule_id, **counts,
                      **{f"{kind}_rows": rows[:DIFF_ROWS_PER_RULE] for kind, rows in entries.items()},
                      **{f"{kind}_hidden": max(0, len(rows) - DIFF_ROWS_PER_RULE) for kind, rows in entries.items()}})
    return {"before": before, "after": after, "before_label": window_label(before), "after_label": window_label(after),
            "overall": {"before": _number(overall[0]), "after": _number(overall[1]),
                        "delta": _delta(overall[1], overall[0])},
            "scores": scores, "rules": rules, "counts": change_detection.summary(compared),
            "not_compared": compared["not_compared"],
            "missing": [w for w, dims in ((before, old), (after, new)) if not dims]}


# ------------------------------------------------------------------------------------------- rules


def rules_table(catalog: Any, instance: InstanceConfig | None, db_type: str | None,
                instances: list[InstanceConfig]) -> list[dict[str, Any]]:
    """The catalogue's rules (of one db type, or all), each with its defaults and, for ``instance``,
    its effective status, weight and params; otherwise the ids of the ``instances`` overriding it."""
    from themis.rules.engine import EffectiveRule

    rows = []
    for rule in sorted(catalog, key=lambda r: (r.db_type, DIMENSIONS.index(r.dimension) if r.dimension in DIMENSIONS
                                                else 99, r.id)):
        if instance is not None and not rule.applies_to(instance.db_type):
            continue
        if instance is None and db_type and not rule.applies_to(db_type):
            continue
        row = {"id": rule.id, "db_type": rule.db_type, "dimension": rule.dimension, "summary": rule.summary,
               "status": rule.status, "weight": rule.weight, "max_score": rule.max_score,
               "params": rule.param_values(), "overridden": False, "effective": None, "overridden_by": []}
        if instance is not None:
            override = instance.rules.get(rule.id)
            effective = EffectiveRule.build(rule, override)
            row["effective"] = {"status": effective.status, "weight": effective.weight,
                                "max_score": effective.max_score, "params": effective.params}
            row["overridden"] = override is not None
        else:
            row["overridden_by"] = [i.id for i in instances if rule.id in i.rules and rule.applies_to(i.db_type)]
        rows.append(row)
    return rows
