"""SQLSTAT checks: rules on per-statement execution statistics of the window.

The statistics are the slow-log digest's aggregates (pt-query-digest history naming). The
original hard-coded both thresholds (10000 rows examined per row sent, 60 s of lock time); here
they are the rules' parameters. A missing or non-numeric figure means "not measured", never an error.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from themis.rules.checks import mysql_register as register
from themis.rules.checks.sqltext import number, sql_values
from themis.rules.snapshot import Finding, Snapshot

Measure = Callable[[dict[str, Any]], float | None]


def stat_findings(snapshot: Snapshot, measure: Measure, threshold: float, label: str) -> Iterable[Finding]:
    for statement in snapshot.statements:
        value = measure(statement.get("stats") or {})
        if value is not None and value > threshold:
            checksum = str(statement.get("checksum"))
            values = sql_values(checksum, statement)
            values[label] = round(value, 6)
            yield Finding(checksum, values, checksum=checksum)


def index_ratio(stats: dict[str, Any]) -> float | None:
    """Rows examined per row sent. A statement that examines rows and sends none (an UPDATE, an
    empty result) divides by one instead of being skipped as the original's NULL ratio was."""
    examined = number(stats.get("Rows_examined_sum"))
    if examined is None:
        return None
    return examined / max(number(stats.get("Rows_sent_sum")) or 0.0, 1.0)


@register("stat_index_ratio", "SQLSTAT", params=("ratio",))
def stat_index_ratio(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return stat_findings(snapshot, index_ratio, float(params["ratio"]), "index_ratio")


@register("stat_lock_time_sum", "SQLSTAT", params=("seconds",))
def stat_lock_time_sum(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return stat_findings(snapshot, lambda s: number(s.get("Lock_time_sum")), float(params["seconds"]), "lock_time_sum")
