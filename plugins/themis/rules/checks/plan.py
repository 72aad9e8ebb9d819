"""SQLPLAN checks: rules on normalised plan nodes (see themis.capture.plan).

One finding per statement whose plan has at least one offending node, so the count is the
number of distinct statements, as in the original. Node tests only read the normalised fields
(``access_type``, ``dependent``, ``nested_loop_size`` ...), which come out the same from MySQL 5.7,
MySQL 8.0, MariaDB and classic EXPLAIN, so no rule needs to know which server wrote the plan.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from themis.rules.checks import mysql_register as register
from themis.rules.checks.sqltext import number, sql_values
from themis.rules.snapshot import Finding, Snapshot

NodeTest = Callable[[dict[str, Any], dict[str, Any]], bool]


def _statements(snapshot: Snapshot) -> dict[Any, dict[str, Any]]:
    return {s.get("checksum"): s for s in snapshot.statements}


def plans_with_status(snapshot: Snapshot, status: str) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(plan, statement) pairs for every plan record with ``status`` (explained | failed | skipped)."""
    statements = _statements(snapshot)
    for plan in snapshot.plans:
        if plan.get("status") == status:
            yield plan, statements.get(plan.get("checksum"), {})


def plan_findings(snapshot: Snapshot, params: dict[str, Any], test: NodeTest) -> Iterable[Finding]:
    for plan, statement in plans_with_status(snapshot, "explained"):
        hits = [node for node in plan.get("nodes") or [] if isinstance(node, dict) and test(node, params)]
        if hits:
            checksum = str(plan.get("checksum"))
            values = sql_values(checksum, statement)
            values["tables"] = ", ".join(sorted({str(n.get("table")) for n in hits if n.get("table")}))
            values["rows"] = max((_count(n.get("rows")) for n in hits), default=0)
            yield Finding(checksum, values, checksum=checksum)


def _count(value: Any) -> int:
    """A row estimate or loop size as an int, 0 when absent."""
    return int(number(value) or 0)


def _access(kind: str) -> NodeTest:
    """A node read with access type ``kind`` (EXPLAIN's ``type`` column)."""
    return lambda node, params: str(node.get("access_type") or "").lower() == kind


def _full_scan(node: dict[str, Any], params: dict[str, Any]) -> bool:
    return (node.get("access_type") == "ALL" and _count(node.get("rows")) > int(params["rows"])
            and not node.get("materialized_from_subquery"))


def _uncacheable(node: dict[str, Any], params: dict[str, Any]) -> bool:
    """A subquery re-evaluated for every outer row (RAND(), user variables, non-deterministic functions).
    MySQL's JSON also says cacheable=false of every dependent subquery: DEPENDENT reports those."""
    return node.get("cacheable") is False and not node.get("dependent")


def _large_join(node: dict[str, Any], params: dict[str, Any]) -> bool:
    return _count(node.get("nested_loop_size")) >= int(params["table_num"])


def _node_check(name: str, test: NodeTest, params: tuple[str, ...] = ()) -> None:
    """Register a SQLPLAN check reporting the statements whose plan has a node passing ``test``."""
    register(name, "SQLPLAN", params=params)(lambda snapshot, values: plan_findings(snapshot, values, test))


for _name, _test, _params in (
    ("plan_full_table_scan", _full_scan, ("rows",)),
    ("plan_filesort", lambda node, _: bool(node.get("using_filesort")), ()),
    ("plan_temporary_table", lambda node, _: bool(node.get("using_temporary_table")), ()),
    ("plan_uncacheable_subquery", _uncacheable, ()),
    ("plan_dependent_subquery", lambda node, _: bool(node.get("dependent")), ()),
    ("plan_materialized_subquery", lambda node, _: bool(node.get("materialized_from_subquery")), ()),
    ("plan_multi_table_join", _large_join, ("table_num",)),
    ("plan_fulltext", _access("fulltext"), ()),
    ("plan_index_merge", _access("index_merge"), ()),
    ("plan_unique_subquery", _access("unique_subquery"), ()),
):
    _node_check(_name, _test, _params)


@register("plan_explain_failed", "SQLPLAN")
def plan_explain_failed(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Statements the server could not EXPLAIN (error or time limit), with its reason. Statements
    capture chose not to explain (not a SELECT/DML, INSERT ... VALUES) are ``skipped``, not failed."""
    for plan, statement in plans_with_status(snapshot, "failed"):
        checksum = str(plan.get("checksum"))
        values = sql_values(checksum, statement)
        values["error"] = str(plan.get("error") or "EXPLAIN failed")
        yield Finding(checksum, values, checksum=checksum)
