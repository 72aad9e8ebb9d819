"""Parsing statement samples once per analysis run, shared by every TEXT check.

TEXT rules work on sqlglot syntax trees (MySQL or Oracle dialect), so keywords inside string
literals, comments or identifiers never trigger a rule, and CTEs and window functions parse.

Sixteen rules look at the same statements, so each statement is parsed once per run and each tree
is walked once (:class:`SqlTree`): the walk indexes the nodes by type and notes which predicate
clause (WHERE, HAVING, a join's ON) each node belongs to. Rules then ask the index instead of walking
the tree again, which is what keeps the TEXT analysis above 500 statements a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from themis.rules.snapshot import Snapshot

DIALECTS = {"mysql": "mysql", "oracle": "oracle"}
SAMPLE_CHARS = 200

#: Clause names a node can belong to; "where" also covers the WHERE of an UPDATE or DELETE.
PREDICATE_CLAUSES = frozenset({"where", "having", "on"})
#: Where a subquery sits in the query holding it, by the argument of that query it hangs from.
_SELECT_CLAUSES = {"expressions": "select", "from_": "from", "joins": "from", "laterals": "from", "where": "where",
                   "having": "having", "group": "group", "order": "order", "qualify": "where"}
_DML_CLAUSES = {"this": "from", "from_": "from", "using": "from", "tables": "from", "where": "where",
                "expressions": "set", "order": "order"}


@dataclass
class SqlTree:
    """One statement's syntax tree, walked once: nodes by type and the predicate clause of each node.

    ``clause(node)`` is ``where`` / ``having`` / ``on`` for a node inside that predicate of its own
    query, and None elsewhere (select list, FROM, GROUP BY ...). A subquery starts afresh: the select
    list of a subquery inside a WHERE is not part of the WHERE, but the subquery's own WHERE is.
    """

    root: exp.Expression
    _nodes: list[exp.Expression] = field(default_factory=list, repr=False)
    _by_type: dict[type, list[exp.Expression]] = field(default_factory=dict, repr=False)
    _clause: dict[int, str] = field(default_factory=dict, repr=False)
    _found: dict[tuple[type, ...], list[exp.Expression]] = field(default_factory=dict, repr=False)
    _position: dict[int, int] | None = field(default=None, repr=False)
    _subqueries: list[tuple[str, exp.Query]] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, root: exp.Expression) -> "SqlTree":
        tree = cls(root)
        nodes, by_type, clauses = tree._nodes, tree._by_type, tree._clause
        stack: list[tuple[exp.Expression, str | None]] = [(root, None)]
        while stack:  # iterative pre-order walk: deep trees cannot exhaust the Python stack here
            node, clause = stack.pop()
            nodes.append(node)
            by_type.setdefault(type(node), []).append(node)
            if clause is not None:
                clauses[id(node)] = clause
            children: list[tuple[exp.Expression, str | None]] = []
            for key, value in node.args.items():
                if isinstance(value, exp.Expression):
                    children.append((value, _child_clause(node, key, clause)))
                elif isinstance(value, list):
                    child_clause = _child_clause(node, key, clause)
                    children.extend((child, child_clause) for child in value if isinstance(child, exp.Expression))
            stack.extend(reversed(children))
        return tree

    def find(self, *types: type) -> list[exp.Expression]:
        """Every node that is an instance of one of ``types``, in source order."""
        found = self._found.get(types)
        if found is None:
            lists = [nodes for kind, nodes in self._by_type.items() if issubclass(kind, types)]
            found = lists[0] if len(lists) == 1 else sorted((n for ns in lists for n in ns), key=self._order)
            self._found[types] = found
        return found

    def clause(self, node: exp.Expression) -> str | None:
        return self._clause.get(id(node))

    def in_predicates(self, *types: type, clauses: frozenset[str] = PREDICATE_CLAUSES) -> Iterator[exp.Expression]:
        """Nodes of ``types`` that belong to one of ``clauses`` (see the class docstring)."""
        return (node for node in self.find(*types) if self._clause.get(id(node)) in clauses)

    def subqueries(self) -> list[tuple[str, exp.Query]]:
        """``(clause, query)`` for every subquery: ``from`` (derived table), ``select``, ``where``
        (a join's ON counts as a filter too), ``having``, ``set`` (UPDATE ... SET), ``group``,
        ``order`` or ``other``. CTE bodies and the branches of a UNION are not subqueries."""
        if self._subqueries is None:
            self._subqueries = [(subquery_clause(query), query) for query in self._subquery_nodes()]
        return self._subqueries

    def _subquery_nodes(self) -> Iterator[exp.Query]:
        for node in self.find(exp.Subquery, exp.SubqueryPredicate):
            query = node.this
            if isinstance(node, exp.Subquery) and isinstance(node.parent, exp.SetOperation):
                continue  # (SELECT ...) UNION (SELECT ...): parenthesised branches
            if isinstance(query, (exp.Select, exp.SetOperation)):  # not Subquery(Subquery), not EXISTS(subquery)
                yield query

    def _order(self, node: exp.Expression) -> int:
        if self._position is None:
            self._position = {id(n): i for i, n in enumerate(self._nodes)}
        return self._position[id(node)]


def _child_clause(node: exp.Expression, key: str, clause: str | None) -> str | None:
    """The predicate clause of ``node``'s children under argument ``key``."""
    if key in ("where", "having") and isinstance(node, (exp.Select, exp.Update, exp.Delete)):
        return key
    if key == "on" and isinstance(node, exp.Join):
        return "on"
    if isinstance(node, exp.Query):  # a (sub)query's other parts are not its parent's predicate
        return None
    return clause


def subquery_clause(query: exp.Expression) -> str:
    """Which clause of the enclosing statement ``query`` (a nested query) sits in."""
    child, parent = query, query.parent
    while parent is not None:
        if isinstance(parent, exp.Join) and child.arg_key == "on":
            return "where"
        if isinstance(parent, exp.CTE):
            return "with"
        if isinstance(parent, exp.Select):
            return _SELECT_CLAUSES.get(child.arg_key, "other")
        if isinstance(parent, (exp.Update, exp.Delete)):
            return _DML_CLAUSES.get(child.arg_key, "other")
        child, parent = parent, parent.parent
    return "other"


@dataclass
class ParsedStatement:
    record: dict[str, Any]
    trees: list[SqlTree]
    error: str | None

    @property
    def checksum(self) -> str:
        return str(self.record.get("checksum", ""))

    @property
    def text(self) -> str:
        return str(self.record.get("sample") or "")

    def finding_values(self) -> dict[str, Any]:
        return sql_values(self.checksum, self.record)


def sql_values(checksum: str, statement: dict[str, Any]) -> dict[str, Any]:
    """The columns every SQL finding shows: which statement, how often, how slow."""
    stats = statement.get("stats") or {}
    return {"checksum": checksum, "sql": short_sql(statement.get("sample") or ""), "db": statement.get("db"),
            "executions": stats.get("executions", stats.get("ts_cnt")), "query_time_avg": stats.get("query_time_avg")}


def number(value: Any) -> float | None:
    """A figure of a statement, plan or statistics record as a float; None when absent or not a
    number (records are data: a hand-written fixture or an old capture must not make a rule fail)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def parse_sql(sql: str, db_type: str) -> tuple[list[exp.Expression], str | None]:
    """Trees of every statement in ``sql``, or why there are none.

    A statement sqlglot only reads as an opaque ``Command`` (CALL, LOCK TABLES, syntax it does not
    know) counts as unparsable: no rule can look inside it, and the report must say so.
    """
    try:
        trees = [tree for tree in sqlglot.parse(sql, read=DIALECTS.get(db_type, "mysql")) if tree is not None]
    except SqlglotError as exc:
        return [], str(exc).splitlines()[0][:300]
    except (RecursionError, ValueError) as exc:  # pathological input must not stop the run
        return [], f"{type(exc).__name__}: {exc}"[:300]
    if not trees:
        return [], "empty statement"
    opaque = next((tree for tree in trees if isinstance(tree, exp.Command)), None)
    if opaque is not None:
        return [], f"not analysed: sqlglot reads '{opaque.name}' statements only as opaque commands"
    return trees, None


def parse_statement(record: dict[str, Any], db_type: str) -> ParsedStatement:
    trees, error = parse_sql(record.get("sample") or "", db_type)
    try:
        indexed = [SqlTree.build(tree) for tree in trees]
    except RecursionError as exc:  # a tree sqlglot built but Python cannot hash or walk
        return ParsedStatement(record, [], f"RecursionError: {exc}"[:300])
    return ParsedStatement(record, indexed, error)


def parsed_statements(snapshot: Snapshot) -> list[ParsedStatement]:
    cached = snapshot.cache.get("parsed_statements")
    if cached is None:
        cached = [parse_statement(record, snapshot.db_type) for record in snapshot.statements]
        snapshot.cache["parsed_statements"] = cached
    return cached


def short_sql(sql: str) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= SAMPLE_CHARS else sql[: SAMPLE_CHARS - 1] + "…"
