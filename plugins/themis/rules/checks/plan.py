"""SQLPLAN checks: rules on normalised plan nodes (see themis.capture.plan).

One finding per statement whose plan has at least one offending node, so the count is the
number of distinct statements, as in the original.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from themis.rules.checks import register
from themis.rules.checks.sqltext import sql_values
from themis.rules.snapshot import Finding, Snapshot

NodeTest = Callable[[dict[str, Any], dict[str, Any]], bool]


def explained_plans(snapshot: Snapshot) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(plan, statement) pairs for every statement that has a usable plan."""
    statements = {s.get("checksum"): s for s in snapshot.statements}
    for plan in snapshot.plans:
        if plan.get("status") == "explained":
            yield plan, statements.get(plan.get("checksum"), {})


def plan_findings(snapshot: Snapshot, params: dict[str, Any], test: NodeTest) -> Iterable[Finding]:
    for plan, statement in explained_plans(snapshot):
        hits = [node for node in plan.get("nodes") or [] if test(node, params)]
        if hits:
            checksum = str(plan.get("checksum"))
            values = sql_values(checksum, statement)
            values["tables"] = ", ".join(sorted({str(n.get("table")) for n in hits if n.get("table")}))
            values["rows"] = max((n.get("rows") or 0 for n in hits), default=0)
            yield Finding(checksum, values, checksum=checksum)


def _full_scan(node: dict[str, Any], params: dict[str, Any]) -> bool:
    return (node.get("access_type") == "ALL" and (node.get("rows") or 0) > int(params["rows"])
            and not node.get("materialized_from_subquery"))


@register("plan_full_table_scan", "SQLPLAN", params=("rows",))
def plan_full_table_scan(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return plan_findings(snapshot, params, _full_scan)


@register("plan_filesort", "SQLPLAN")
def plan_filesort(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return plan_findings(snapshot, params, lambda node, _: bool(node.get("using_filesort")))


@register("plan_temporary_table", "SQLPLAN")
def plan_temporary_table(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return plan_findings(snapshot, params, lambda node, _: bool(node.get("using_temporary_table")))
