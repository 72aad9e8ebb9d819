"""TEXT checks: rules on the SQL text, evaluated on sqlglot syntax trees.

One finding per offending statement (the rule's violation count is the number of statements,
as in the original). Statements sqlglot cannot parse are not skipped silently: the engine lists
them in the dimension result as unparsable.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from sqlglot import exp

from themis.rules.checks import register
from themis.rules.checks.sqltext import ParsedStatement, parsed_statements
from themis.rules.snapshot import Finding, Snapshot

Detector = Callable[[exp.Expression, dict[str, Any]], str | None]


def statement_findings(snapshot: Snapshot, params: dict[str, Any], detector: Detector) -> Iterable[Finding]:
    """Run ``detector`` on every parsed statement; it returns a detail string when the rule fires."""
    for statement in parsed_statements(snapshot):
        for tree in statement.trees:
            detail = detector(tree, params)
            if detail is not None:
                yield _finding(statement, detail)
                break


def _finding(statement: ParsedStatement, detail: str) -> Finding:
    values = statement.finding_values()
    values["detail"] = detail
    return Finding(statement.checksum, values, checksum=statement.checksum)


def _inside_exists(node: exp.Expression) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, exp.Exists):
            return True
        parent = parent.parent
    return False


def _select_star(tree: exp.Expression, params: dict[str, Any]) -> str | None:
    for select in tree.find_all(exp.Select):
        if _inside_exists(select):
            continue  # EXISTS (SELECT * ...) reads no columns
        for projection in select.expressions:
            if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)):
                return projection.sql(dialect="mysql")
    return None


def _dml_without_where(tree: exp.Expression, params: dict[str, Any]) -> str | None:
    for node in tree.find_all(exp.Update, exp.Delete):
        if node.args.get("where") is None:
            return f"{node.key.upper()} without WHERE"
    return None


def _leading_wildcard(pattern: exp.Expression) -> bool:
    """True for '%x' and for CONCAT('%', ...), the usual way applications build the same pattern."""
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        return pattern.this.startswith(("%", "_"))
    first: exp.Expression | None = None
    if isinstance(pattern, exp.ConcatWs):
        first = pattern.expressions[1] if len(pattern.expressions) > 1 else None  # [0] is the separator
    elif isinstance(pattern, exp.Concat):
        first = pattern.expressions[0] if pattern.expressions else None
    elif isinstance(pattern, exp.DPipe):
        first = pattern.this
    return first is not None and _leading_wildcard(first)


def _like_leading_wildcard(tree: exp.Expression, params: dict[str, Any]) -> str | None:
    for like in tree.find_all(exp.Like, exp.ILike):
        if _leading_wildcard(like.expression):
            return like.sql(dialect="mysql")
    return None


def _long_in_list(tree: exp.Expression, params: dict[str, Any]) -> str | None:
    limit = int(params["in_list_num"])
    for node in tree.find_all(exp.In):
        if node.args.get("query") is None and len(node.expressions) > limit:
            return f"IN list of {len(node.expressions)} values (limit {limit})"
    return None


@register("select_star", "TEXT")
def select_star(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return statement_findings(snapshot, params, _select_star)


@register("dml_without_where", "TEXT")
def dml_without_where(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return statement_findings(snapshot, params, _dml_without_where)


@register("like_leading_wildcard", "TEXT")
def like_leading_wildcard(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return statement_findings(snapshot, params, _like_leading_wildcard)


@register("long_in_list", "TEXT", params=("in_list_num",))
def long_in_list(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return statement_findings(snapshot, params, _long_in_list)
