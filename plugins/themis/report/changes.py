"""What changed between two audits of one instance: pure functions over stored dimension results.

The export task, ``themis report``, the alerts and the UI plugin (Diff and Fleet pages) all use
these, so "new", "fixed" and "persisting" mean the same thing everywhere.

Identity of a finding (:func:`finding_key`): ``<dimension>:<rule id>:<identity>`` where identity is

* ``sql:<CHECKSUM>`` for a finding on a statement (it has a ``checksum``): the MySQL digest checksum,
  upper-cased; for Oracle the **bare SQL_ID** - ``SQL_ID:PLAN_HASH_VALUE`` loses its plan hash.
  A statement that was flagged under one plan and is flagged again under a new plan is the same
  problem in the same SQL (the DBA fixes the statement or its indexes, not "the plan"), so it is
  *persisting*, not new + fixed; the change is reported on the persisting entry as ``plan_changed``
  with the previous and current checksums. This matches exclusions, where a bare SQL_ID excludes
  every plan of the statement (``rules.engine.checksum_keys``).
* ``obj:<object>`` otherwise: ``schema.table``, ``schema.table.column``, ... exactly as the rule
  reported it (the rule engine already keeps one finding per object).

Only rules that ran in both windows are compared. A rule that was off, failed, could not be evaluated
or whose dimension did not produce a result in either window is listed in ``not_compared`` - its
findings are neither "fixed" (the analysis failing fixes nothing) nor "new".
"""

from __future__ import annotations

from typing import Any, Iterable

FINDINGS_PREFIX = "findings."


def statement_identity(checksum: str) -> str:
    """The part of a statement checksum that identifies the statement: an Oracle ``SQL_ID:PLAN_HASH``
    becomes its SQL_ID; anything else is kept (upper-cased, as exclusions compare it)."""
    return checksum.strip().upper().split(":", 1)[0]


def finding_key(dimension: str, rule_id: str, finding: dict[str, Any]) -> str:
    """The stable identity of one finding across windows (see the module docstring)."""
    checksum = finding.get("checksum")
    if checksum:
        identity = "sql:" + statement_identity(str(checksum))
    else:
        identity = "obj:" + str(finding.get("object", ""))
    return f"{dimension}:{rule_id}:{identity}"


def _rule_index(dimensions: Iterable[dict[str, Any]]) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:
    """(dimension, rule id) -> (dimension result, rule result)."""
    index: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for dimension in dimensions or ():
        for rule in dimension.get("rules") or ():
            index[(dimension.get("dimension", "?"), rule.get("id", "?"))] = (dimension, rule)
    return index


def _comparable(entry: tuple[dict[str, Any], dict[str, Any]] | None, dimension_status: str | None) -> str | None:
    """Why a rule of one window cannot be compared, or None when it can."""
    if entry is None:  # a dimension that failed or was skipped lists no rules
        return f"dimension {dimension_status}" if dimension_status not in (None, "ok") else "absent"
    dimension, rule = entry
    if dimension.get("status") != "ok":
        return f"dimension {dimension.get('status') or 'missing'}"
    if rule.get("status") != "ran":
        return f"rule {rule.get('status') or 'missing'}"
    return None


def _by_key(dimension: str, rule: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for finding in rule.get("findings") or ():
        grouped.setdefault(finding_key(dimension, rule.get("id", "?"), finding), []).append(finding)
    return grouped


def _entry(key: str, dimension: str, rule: dict[str, Any], findings: list[dict[str, Any]]) -> dict[str, Any]:
    first = findings[0]
    return {"key": key, "dimension": dimension, "rule": rule.get("id"), "summary": rule.get("summary"),
            "weight": rule.get("weight"), "object": first.get("object"), "checksum": first.get("checksum"),
            "values": first.get("values") or {}}


def compare(previous_dimensions: Iterable[dict[str, Any]] | None,
            current_dimensions: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """New, fixed and persisting findings between two windows' dimension results.

    Returns ``{"new": [...], "fixed": [...], "persisting": [...], "rules": {rule id: {"dimension",
    "summary", "weight", "new", "fixed", "persisting"}}, "not_compared": [{"dimension", "rule",
    "reason"}], "baseline": bool}``. Each entry is ``{"key", "dimension", "rule", "summary", "weight",
    "object", "checksum", "values"}`` (a fixed entry carries the previous window's finding); a
    persisting entry adds ``plan_changed`` and ``previous_checksums``/``checksums`` when an Oracle
    statement's plan hash changed. ``previous_dimensions=None`` (no previous window) compares
    nothing: ``baseline`` is False and every list is empty.
    """
    out: dict[str, Any] = {"new": [], "fixed": [], "persisting": [], "rules": {}, "not_compared": [],
                           "baseline": previous_dimensions is not None}
    if previous_dimensions is None:
        return out
    previous_dimensions, current_dimensions = list(previous_dimensions), list(current_dimensions)
    before, after = _rule_index(previous_dimensions), _rule_index(current_dimensions)
    status_before = {d.get("dimension"): d.get("status") or "missing" for d in previous_dimensions}
    status_after = {d.get("dimension"): d.get("status") or "missing" for d in current_dimensions}
    for dim_rule in sorted(set(before) | set(after)):
        dimension, rule_id = dim_rule
        was_why = _comparable(before.get(dim_rule), status_before.get(dimension))
        now_why = _comparable(after.get(dim_rule), status_after.get(dimension))
        if was_why or now_why:
            if not (was_why and now_why):  # ran in one window only: say why it is not compared
                why = f"previous window: {was_why}" if was_why else f"this window: {now_why}"
                out["not_compared"].append({"dimension": dimension, "rule": rule_id, "reason": why})
            continue
        old_rule, new_rule = before[dim_rule][1], after[dim_rule][1]
        old, new = _by_key(dimension, old_rule), _by_key(dimension, new_rule)
        counts = {"dimension": dimension, "summary": new_rule.get("summary"), "weight": new_rule.get("weight"),
                  "new": 0, "fixed": 0, "persisting": 0}
        for key, findings in new.items():
            entry = _entry(key, dimension, new_rule, findings)
            if key in old:
                was = sorted({str(f.get("checksum")) for f in old[key] if f.get("checksum")})
                now = sorted({str(f.get("checksum")) for f in findings if f.get("checksum")})
                entry["plan_changed"] = bool(was and now and was != now)
                if entry["plan_changed"]:
                    entry.update(previous_checksums=was, checksums=now)
                out["persisting"].append(entry)
                counts["persisting"] += 1
            else:
                out["new"].append(entry)
                counts["new"] += 1
        for key, findings in old.items():
            if key not in new:
                out["fixed"].append(_entry(key, dimension, old_rule, findings))
                counts["fixed"] += 1
        out["rules"][rule_id] = counts
    return out


def summary(changes: dict[str, Any]) -> dict[str, Any]:
    """Counts only (for XComs, fleet rows and alert subjects)."""
    return {"baseline": changes.get("baseline", False), "new": len(changes.get("new") or ()),
            "fixed": len(changes.get("fixed") or ()), "persisting": len(changes.get("persisting") or ()),
            "not_compared": len(changes.get("not_compared") or ())}


# ------------------------------------------------------------------------------------ store access


def audited_windows(store: Any, instance_id: str) -> list[str]:
    """Window keys of the instance that hold at least one stored dimension result, oldest first.

    Window keys (``<start>_<end>``, compact UTC ISO) sort chronologically as strings.
    """
    return sorted({key.window for key in store.keys(instance_id, kind_prefix=FINDINGS_PREFIX)})


def previous_window(store: Any, instance_id: str, window_key: str,
                    windows: list[str] | None = None) -> str | None:
    """The latest audited window of the instance before ``window_key`` (None for the first audit).

    ``windows`` (from :func:`audited_windows`) saves a store query when the caller has it already.
    """
    earlier = [w for w in (windows if windows is not None else audited_windows(store, instance_id)) if w < window_key]
    return earlier[-1] if earlier else None


def stored_dimensions(store: Any, instance_id: str, window_key: str) -> list[dict[str, Any]]:
    """The stored dimension results of one window (each dimension's latest result), in key order."""
    from themis.store import PartitionKey

    out = []
    for key in sorted(store.keys(instance_id, window=window_key, kind_prefix=FINDINGS_PREFIX)):
        records = store.read_all(PartitionKey(key.instance, key.window, key.kind))
        if records:
            out.append(records[0])
    return out


def window_scores(store: Any, instance_id: str, window_key: str) -> dict[str, Any]:
    """``{"window", "overall_score", "scores": {dimension: score}}`` of one stored window: from the
    export's ``report`` partition when there is one, else computed from the stored dimension results."""
    from themis.rules.scoring import overall_score
    from themis.store import PartitionKey

    saved = store.read_all(PartitionKey(instance_id, window_key, "report"))
    if saved and "overall_score" in saved[0]:
        return {"window": window_key, "overall_score": saved[0].get("overall_score"),
                "scores": dict(saved[0].get("scores") or {})}
    dimensions = stored_dimensions(store, instance_id, window_key)
    return {"window": window_key, "overall_score": overall_score(dimensions),
            "scores": {d.get("dimension"): d.get("score") for d in dimensions}}


def score_trend(store: Any, instance_id: str, window_key: str, last: int = 10,
                windows: list[str] | None = None) -> list[dict[str, Any]]:
    """Scores of the last ``last`` audited windows up to and including ``window_key``, oldest first."""
    known = windows if windows is not None else audited_windows(store, instance_id)
    chosen = [w for w in known if w <= window_key][-max(1, last):]
    return [window_scores(store, instance_id, w) for w in chosen]
