"""Run one dimension's rules on a snapshot: effective rules, exclusions, findings, scores.

Pure: the snapshot comes in, a plain-JSON result goes out, so a rule change can be re-run on any
past capture and the whole engine is testable without a database.
"""

from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass
from typing import Any, Iterable

from themis.config import Exclusion, RuleOverride
from themis.rules.catalog import Catalog, Rule
from themis.rules.checks import registry
from themis.rules.checks.sqltext import parsed_statements
from themis.rules.scoring import dimension_score, rule_deduction
from themis.rules.snapshot import Finding, Note, NotEvaluated, Snapshot

log = logging.getLogger(__name__)

DIMENSION_TITLES = {"OBJ": "Schema objects", "TEXT": "SQL text", "SQLPLAN": "Execution plans",
                    "SQLSTAT": "Execution statistics"}


@dataclass(frozen=True)
class EffectiveRule:
    """A catalogue rule with an instance's overrides applied."""

    rule: Rule
    status: str
    weight: float
    max_score: float
    params: dict[str, Any]

    @classmethod
    def build(cls, rule: Rule, override: RuleOverride | None) -> "EffectiveRule":
        params = rule.param_values()
        if override is None:
            return cls(rule, rule.status, rule.weight, rule.max_score, params)
        return cls(rule, override.status or rule.status,
                   rule.weight if override.weight is None else override.weight,
                   rule.max_score if override.max_score is None else override.max_score,
                   {**params, **override.params})


def effective_rules(catalog: Catalog, db_type: str, dimension: str,
                    overrides: dict[str, RuleOverride] | None = None) -> list[EffectiveRule]:
    overrides = overrides or {}
    return [EffectiveRule.build(rule, overrides.get(rule.id)) for rule in catalog.for_dimension(db_type, dimension)]


def checksum_keys(checksum: str | None) -> set[str]:
    """The exclusion keys a finding's checksum answers to: itself, and for an Oracle statement
    (``SQL_ID:PLAN_HASH_VALUE``) its bare SQL_ID too, which excludes every plan of the statement."""
    if not checksum:
        return set()
    upper = checksum.upper()
    return {upper, upper.split(":", 1)[0]} if ":" in upper else {upper}


def is_excluded(rule_id: str, finding: Finding, exclusions: Iterable[Exclusion]) -> Exclusion | None:
    keys = checksum_keys(finding.checksum)
    for exclusion in exclusions:
        if "*" not in exclusion.rules and rule_id not in exclusion.rules:
            continue
        if keys & {c.upper() for c in exclusion.checksums}:
            return exclusion
        target = finding.object.lower()
        if any(fnmatch.fnmatchcase(target, pattern.lower()) or target.startswith(pattern.lower() + ".")
               for pattern in exclusion.objects):
            return exclusion
    return None


def run_rule(rule: EffectiveRule, snapshot: Snapshot, exclusions: list[Exclusion]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": rule.rule.id, "summary": rule.rule.summary, "description": rule.rule.description,
        "status": "off", "error": None, "not_evaluated": None, "weight": rule.weight, "max_score": rule.max_score,
        "params": rule.params, "solution": list(rule.rule.solution),
        "columns": [c.model_dump() for c in rule.rule.columns],
        "findings_count": 0, "excluded_count": 0, "deduction": 0.0, "findings": [], "excluded": [], "notes": []}
    if rule.status != "ON":
        return result
    check = registry.get(rule.rule.check)
    for kind in (check.reads if check else ()):
        gap = snapshot.unavailable(kind)
        if gap is not None:
            result.update(status="not_evaluated", not_evaluated={"reason": gap.get("reason"), "fix": gap.get("fix")})
            return result
    try:
        findings = check(snapshot, rule.params) if check else []
    except NotEvaluated as exc:
        result.update(status="not_evaluated", not_evaluated={"reason": exc.reason, "fix": exc.fix})
        return result
    except Exception as exc:  # one broken rule must not hide the other rules' results
        log.exception("rule %s failed", rule.rule.id)
        result.update(status="error", error=f"{type(exc).__name__}: {exc}")
        return result
    notes = [f.text for f in findings if isinstance(f, Note)]
    kept, excluded = [], []
    seen: set[str] = set()
    for finding in findings:
        if isinstance(finding, Note):
            continue
        if finding.object in seen:
            continue  # one finding per object: the original reported duplicates (issue #5)
        seen.add(finding.object)
        exclusion = is_excluded(rule.rule.id, finding, exclusions)
        if exclusion is None:
            kept.append(finding.as_dict())
        else:
            excluded.append({**finding.as_dict(), "reason": exclusion.reason})
    result.update(status="ran", findings=kept, excluded=excluded, notes=notes, findings_count=len(kept),
                  excluded_count=len(excluded), deduction=rule_deduction(len(kept), rule.weight, rule.max_score))
    return result


def run_dimension(rules: list[EffectiveRule], snapshot: Snapshot, dimension: str,
                  exclusions: list[Exclusion] | None = None) -> dict[str, Any]:
    """Every rule of the dimension on one snapshot, with the dimension's score."""
    exclusions = exclusions or []
    results = [run_rule(rule, snapshot, exclusions) for rule in rules]
    score, total, deducted = dimension_score(results)
    outcome: dict[str, Any] = {
        "dimension": dimension, "title": DIMENSION_TITLES.get(dimension, dimension), "status": "ok",
        "reason": None, "score": score, "max_total": total, "deduction_total": deducted, "rules": results,
        "rules_ran": sum(1 for r in results if r["status"] == "ran"),
        "rules_off": sum(1 for r in results if r["status"] == "off"),
        "rules_failed": sum(1 for r in results if r["status"] == "error"),
        "rules_not_evaluated": sum(1 for r in results if r["status"] == "not_evaluated")}
    if dimension == "TEXT":
        analysed = parsed_statements(snapshot)  # Oracle: one per SQL_ID, whatever its number of plans
        outcome["unparsable"] = [
            {"checksum": s.checksum, "sql": s.finding_values()["sql"], "error": s.error} for s in analysed if s.error]
        outcome["statements"] = len(analysed)
    if not rules:
        outcome.update(status="not_available", reason=f"not yet available for {snapshot.db_type}: the catalogue "
                                                      f"has no {dimension} rules for it")
    elif score is None and not outcome["rules_ran"]:
        outcome["reason"] = "no rule ran"
    return outcome


