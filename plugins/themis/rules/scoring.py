"""Scores (design §3 "Score").

Per rule ``min(findings × weight, max_score)``; per dimension
``100 × (Σ max_score − Σ deduction) / Σ max_score`` over the rules that ran. Unlike the original,
switched-off rules do not inflate the denominator and plan/statistics rules are capped too.
The overall score is the mean of the dimensions that produced a score, so each dimension
counts the same whatever its number of rules.
"""

from __future__ import annotations

from typing import Any, Iterable


def rule_deduction(findings: int, weight: float, max_score: float) -> float:
    return round(min(findings * weight, max_score), 4)


def dimension_score(rule_results: Iterable[dict[str, Any]]) -> tuple[float | None, float, float]:
    """(score, Σ max_score, Σ deduction) over the rules with status ``ran``; score None if none ran."""
    ran = [r for r in rule_results if r["status"] == "ran"]
    total = sum(r["max_score"] for r in ran)
    deducted = sum(r["deduction"] for r in ran)
    if total <= 0:
        return None, 0.0, 0.0
    return round(100.0 * (total - deducted) / total, 3), round(total, 4), round(deducted, 4)


def overall_score(dimension_results: Iterable[dict[str, Any]]) -> float | None:
    scores = [d["score"] for d in dimension_results if d.get("status") == "ok" and d.get("score") is not None]
    return round(sum(scores) / len(scores), 3) if scores else None
