"""Parsing statement samples once per analysis run, shared by every TEXT check.

TEXT rules work on sqlglot syntax trees (MySQL or Oracle dialect), so keywords inside string
literals, comments or identifiers never trigger a rule, and CTEs and window functions parse.

Sixteen rules look at the same statements, so each statement is parsed once per run and each tree
is walked once (:class:`SqlTree`): the walk indexes the nodes by type and notes which predicate
clause (WHERE, HAVING, a join's ON, Oracle's START WITH / CONNECT BY) each node belongs to. Rules
then ask the index instead of walking the tree again, which is what keeps the TEXT analysis above
500 statements a second.

Oracle texts are what applications send (docs/oracle-records.md): binds ``:1``, ``:B1``, ``:name``,
``:"SYS_B_0"``, hints in comments, ``:`` inside literals and format masks, PL/SQL blocks. Before
parsing, every bind is rewritten to the quoted form ``:"1"`` that sqlglot's Oracle dialect reads
(it rejects ``:1`` and keywords such as ``:date``), leaving literals, quoted identifiers and comments
untouched; PL/SQL blocks are reported as unparsable, never judged as SQL. Several ``sql.statement``
records share a SQL_ID when it has several plans: its text is parsed once and judged once.
"""

from __future__ import annotations

import gc
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from themis.rules.snapshot import Snapshot

DIALECTS = {"mysql": "mysql", "oracle": "oracle"}
SAMPLE_CHARS = 200

#: Clause names a node can belong to; "where" also covers the WHERE of an UPDATE or DELETE (also in a
#: MERGE branch), "on" a MERGE's ON; "start with" and "connect by" are Oracle's hierarchical query.
PREDICATE_CLAUSES = frozenset({"where", "having", "on", "start with", "connect by"})
#: Oracle pseudo-columns and functions without parentheses that sqlglot reads as columns: values the
#: database supplies, so a function of them does not hide an indexed column (``NEXTVAL`` / ``CURRVAL``
#: are ``sequence.NEXTVAL``).
ORACLE_PSEUDO_COLUMNS = frozenset({"ROWNUM", "LEVEL", "USER", "UID", "SYSDATE", "SYSTIMESTAMP", "CURRENT_DATE",
                                   "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "SESSIONTIMEZONE", "DBTIMEZONE",
                                   "CONNECT_BY_ISLEAF", "CONNECT_BY_ISCYCLE", "ORA_ROWSCN", "NEXTVAL", "CURRVAL"})
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
    dialect: str = "mysql"
    _nodes: list[exp.Expression] = field(default_factory=list, repr=False)
    _by_type: dict[type, list[exp.Expression]] = field(default_factory=dict, repr=False)
    _clause: dict[int, str] = field(default_factory=dict, repr=False)
    _found: dict[tuple[type, ...], list[exp.Expression]] = field(default_factory=dict, repr=False)
    _position: dict[int, int] | None = field(default=None, repr=False)
    _subqueries: list[tuple[str, exp.Query]] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, root: exp.Expression, dialect: str = "mysql") -> "SqlTree":
        """Index ``root``. Oracle folds unquoted identifiers to upper case, and so does the walk (in
        place, before anything hashes the tree), so ``sales.customers`` equals ``SALES.CUSTOMERS``.

        The walk is the TEXT analysis' own main cost once sqlglot has parsed, so it is kept tight:
        how a node type passes clauses to its children is looked up once per type (_clause_rule).
        """
        tree = cls(root, dialect)
        nodes, by_type, clauses = tree._nodes, tree._by_type, tree._clause
        fold = dialect == "oracle"
        expression, identifier = exp.Expression, exp.Identifier
        stack: list[tuple[exp.Expression, str | None]] = [(root, None)]
        while stack:  # iterative pre-order walk: deep trees cannot exhaust the Python stack here
            node, clause = stack.pop()
            kind = type(node)
            if fold and kind is identifier and not node.args.get("quoted"):
                node.args["this"] = str(node.args["this"]).upper()
            nodes.append(node)
            same_kind = by_type.get(kind)
            if same_kind is None:
                by_type[kind] = [node]
            else:
                same_kind.append(node)
            if clause is not None:
                clauses[id(node)] = clause
            special, default = _CLAUSE_RULES.get(kind) or _clause_rule(kind)
            inherited = clause if default is _INHERIT else default
            children: list[tuple[exp.Expression, str | None]] = []
            for key, value in node.args.items():
                if isinstance(value, expression):
                    children.append((value, special.get(key, inherited) if special else inherited))
                elif type(value) is list:
                    child_clause = special.get(key, inherited) if special else inherited
                    children.extend((child, child_clause) for child in value if isinstance(child, expression))
            if children:
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

    def is_pseudo_column(self, node: exp.Expression) -> bool:
        """An Oracle pseudo-column (ROWNUM, LEVEL, SYSDATE, seq.NEXTVAL ...), not a column of a table.
        In MySQL every column is a column: ``level`` or ``user`` may well be one."""
        return self.dialect == "oracle" and isinstance(node, exp.Column) and node.name.upper() in ORACLE_PSEUDO_COLUMNS

    def _order(self, node: exp.Expression) -> int:
        if self._position is None:
            self._position = {id(n): i for i, n in enumerate(self._nodes)}
        return self._position[id(node)]


_INHERIT = "inherit"  # a node's children are in its own clause
_CLAUSE_RULES: dict[type, tuple[dict[str, str], str | None]] = {}


def _clause_rule(kind: type) -> tuple[dict[str, str], str | None]:
    """How a node of type ``kind`` places its children: the clause of the children under some argument
    names, and of the others (``_INHERIT``: the node's own clause). A (sub)query's parts other than its
    own WHERE / HAVING are not its parent's predicate."""
    special: dict[str, str] = {}
    if issubclass(kind, (exp.Select, exp.Update, exp.Delete)):
        special.update(where="where", having="having")
    if issubclass(kind, (exp.Join, exp.Merge)):
        special["on"] = "on"
    if issubclass(kind, exp.Connect):
        special.update(start="start with", connect="connect by")
    rule = (special, None if issubclass(kind, exp.Query) else _INHERIT)
    _CLAUSE_RULES[kind] = rule
    return rule


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
    """One statement to judge: its trees (or why there are none) and the records it stands for.

    MySQL: one record per digest class. Oracle: every record of one SQL_ID (one per plan), since a
    TEXT finding is about the text, which the plans share; ``record`` is the most executed of them
    (its checksum links the finding to a statement of the report).
    """

    record: dict[str, Any]
    trees: list[SqlTree]
    error: str | None
    #: Oracle: every record of the SQL_ID (never empty); MySQL: empty.
    records: list[dict[str, Any]] = field(default_factory=list)
    #: Distinct bind variables in the text (Oracle; None for MySQL, whose samples carry values).
    binds: int | None = None

    @property
    def checksum(self) -> str:
        return str(self.record.get("checksum", ""))

    @property
    def key(self) -> str:
        """What a TEXT finding is about: the checksum (MySQL) or the SQL_ID (Oracle)."""
        return sql_id_of(self.record) if self.records else self.checksum

    @property
    def text(self) -> str:
        return str(self.record.get("sample") or "")

    def finding_values(self) -> dict[str, Any]:
        values = sql_values(self.checksum, self.record)
        if self.records:  # Oracle: the SQL_ID, executions of all its plans in the window
            counts = [number((r.get("stats") or {}).get("executions")) for r in self.records]
            known = [c for c in counts if c is not None]
            values.update(sql_id=self.key, plans=len(self.records), db=self.record.get("schema"),
                          executions=int(sum(known)) if known else None)
        return values


def sql_id_of(record: dict[str, Any]) -> str:
    """An Oracle statement record's SQL_ID (a hand-made record may only have ``SQL_ID:PLAN_HASH``)."""
    return str(record.get("sql_id") or str(record.get("checksum", "")).split(":")[0])


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


# ----------------------------------------------------------------------------- Oracle text

#: One pass over an Oracle text: what is kept as it is (q-quoted and plain string literals, quoted
#: identifiers, comments and hints; an unterminated one runs to the end), and the binds between them.
_ORACLE_LEXEME = re.compile(
    r"""(?P<keep>(?<![\w$#])[nN]?[qQ]'(?:\[.*?\]|\{.*?\}|\(.*?\)|<.*?>|(?P<delim>\S).*?(?P=delim))'
              |'(?:[^']|'')*'?
              |"[^"]*"?
              |--[^\n]*
              |/\*.*?(?:\*/|\Z))
       |:(?P<bind>\d+|[A-Za-z][\w$#]*|"[^"]*")""",
    re.S | re.X)
#: An anonymous PL/SQL block, after any leading comments.
_PLSQL_BLOCK = re.compile(r"\A\s*(?:(?:--[^\n]*|/\*.*?\*/)\s*)*(?:BEGIN|DECLARE)\b", re.I | re.S)
PLSQL_ERROR = ("PL/SQL block: not analysed (TEXT rules read SQL statements; the SQL a block runs is "
               "captured under its own SQL_ID)")


def oracle_source(sql: str) -> tuple[str, set[str]]:
    """``sql`` with every bind in the quoted form sqlglot's Oracle dialect reads, and the binds' names.

    ``:1`` and ``:B1`` become ``:"1"`` and ``:"B1"``: sqlglot rejects positional binds and binds named
    like keywords (``:date``), and an unreadable bind must not cost the statement its judgement.
    Names are upper-cased unless quoted, as Oracle does. Literals (``'HH24:MI'``, ``q'[a:1]'``),
    quoted identifiers, comments and hints are copied unchanged.
    """
    if ":" not in sql:
        return sql, set()
    names: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        bind = match.group("bind")
        if bind is None:
            return match.group(0)
        if bind.startswith('"'):
            names.add(bind[1:-1])
            return match.group(0)
        names.add(bind.upper())
        return f':"{bind.upper()}"'

    return _ORACLE_LEXEME.sub(rewrite, sql), names


def is_plsql_block(sql: str) -> bool:
    """An anonymous PL/SQL block (BEGIN / DECLARE first, after any comments)."""
    return _PLSQL_BLOCK.match(sql) is not None


def _parse(sql: str, dialect: str) -> tuple[list[exp.Expression], str | None]:
    try:
        trees = [tree for tree in sqlglot.parse(sql, read=dialect) if tree is not None]
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


def parse_sql(sql: str, db_type: str) -> tuple[list[exp.Expression], str | None]:
    """Trees of every statement in ``sql``, or why there are none.

    A statement sqlglot only reads as an opaque ``Command`` (CALL, LOCK TABLES, syntax it does not
    know) counts as unparsable: no rule can look inside it, and the report must say so. So does an
    Oracle PL/SQL block (sqlglot would read ``BEGIN`` as a transaction and drop the rest).
    """
    if db_type == "oracle":
        if is_plsql_block(sql):
            return [], PLSQL_ERROR
        sql = oracle_source(sql)[0]
    return _parse(sql, DIALECTS.get(db_type, "mysql"))


def parse_statement(record: dict[str, Any], db_type: str,
                    records: list[dict[str, Any]] | None = None) -> ParsedStatement:
    sql = record.get("sample") or ""
    binds: int | None = None
    if db_type == "oracle":
        records = records if records else [record]
        source, names = oracle_source(sql)
        binds = len(names)
        trees, error = ([], PLSQL_ERROR) if is_plsql_block(sql) else _parse(source, "oracle")
    else:
        trees, error = parse_sql(sql, db_type)
    dialect = DIALECTS.get(db_type, "mysql")
    try:
        indexed = [SqlTree.build(tree, dialect) for tree in trees]
    except RecursionError as exc:  # a tree sqlglot built but Python cannot hash or walk
        return ParsedStatement(record, [], f"RecursionError: {exc}"[:300], records or [], binds)
    return ParsedStatement(record, indexed, error, records or [], binds)


def parsed_statements(snapshot: Snapshot) -> list[ParsedStatement]:
    """Every statement of the snapshot parsed and indexed, once per snapshot (Oracle: once per SQL_ID)."""
    cached = snapshot.cache.get("parsed_statements")
    if cached is None:
        with collector_paused():
            if snapshot.db_type == "oracle":
                cached = [parse_statement(_most_executed(group), "oracle", group)
                          for group in _by_sql_id(snapshot.statements)]
            else:
                cached = [parse_statement(record, snapshot.db_type) for record in snapshot.statements]
        snapshot.cache["parsed_statements"] = cached
    return cached


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a window's statements are parsed.

    Parsing allocates objects fast enough to trigger collections all the time, and each older-
    generation collection walks every tree parsed so far, which the rules keep until the analysis
    ends: on 2,000 Oracle statements that was 45% of the parse time, for nothing (the trees are
    alive). The cycles a parse leaves (partial trees of a failed parse) are collected when the
    collector is back on; peak memory measured the same on those 2,000 statements.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _by_sql_id(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Oracle statement records grouped by SQL_ID, in the order each SQL_ID first appears."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(sql_id_of(record), []).append(record)
    return list(groups.values())


def _most_executed(group: list[dict[str, Any]]) -> dict[str, Any]:
    """The record of a SQL_ID that stands for it: the plan executed most in the window (the first on a
    tie), with a text (all plans of a SQL_ID share it, but a record may lack it)."""
    with_text = [r for r in group if r.get("sample")] or group
    return max(with_text, key=lambda r: number((r.get("stats") or {}).get("executions")) or 0.0)


def short_sql(sql: str) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= SAMPLE_CHARS else sql[: SAMPLE_CHARS - 1] + "…"
