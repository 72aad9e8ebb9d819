"""TEXT checks: rules on the SQL text, evaluated on sqlglot syntax trees.

One finding per offending statement (the rule's violation count is the number of statements,
as in the original; for Oracle one per SQL_ID, whatever its number of plans). Statements sqlglot
cannot parse are not skipped silently: the engine lists them in the dimension result as unparsable.

The rules both databases share run the same detectors on both; what differs is only syntax that one
dialect has: Oracle's ``(+)`` outer joins, ROWNUM row limits, pseudo-columns, START WITH / CONNECT BY
conditions and MERGE branches, which the detectors read where they matter.

Each detector reads one :class:`~themis.rules.checks.sqltext.SqlTree` and returns a short detail for
the report (what it saw) or None. They only read the tree, never assume an argument is present, and
never recurse, so an odd tree cannot make a rule fail. The original's regexes matched keywords in
string literals and comments and missed the constructs they were named after; the notes in
``include/rules/mysql/text.yaml`` say where a detector deliberately differs from them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterable, Iterator

from sqlglot import exp

from themis.rules.checks import oracle_register, register
from themis.rules.checks.sqltext import ParsedStatement, SqlTree, parsed_statements
from themis.rules.snapshot import Finding, Snapshot

Detector = Callable[[SqlTree, dict[str, Any]], str | None]
DETAIL_CHARS = 120
DETAIL_DEPTH = 12
OUTER_SIDES = ("LEFT", "RIGHT", "FULL")
#: Nodes that can say "not": NOT ..., != / <>, and the ones sqlglot negates with a flag (NOT LIKE).
NEGATABLE = (exp.Not, exp.NEQ, exp.Like, exp.ILike, exp.Is)
#: sqlglot Func subclasses that are operators rather than a function applied to a value: AND / OR /
#: XOR, EXISTS and the pattern and containment predicates (a REGEXP b), and MATCH ... AGAINST, which
#: is how a full-text index is used, not a way to defeat one.
NOT_FUNCTIONS = (exp.Connector, exp.Predicate, exp.MatchAgainst)
#: Conditions a function on a column defeats an index in: filters, join conditions (ON, a MERGE's ON,
#: Oracle's CONNECT BY) and the START WITH of a hierarchical query. HAVING filters groups, not rows.
ROW_CONDITIONS = frozenset({"where", "on", "start with", "connect by"})
#: Statements that change rows in place; the order of the rows they read is never kept.
CHANGING_DML = (exp.Update, exp.Delete, exp.Merge)
#: Window functions that number rows: the select list of a top-N or per-group pick.
RANKING = (exp.RowNumber, exp.Rank, exp.DenseRank)


# ----------------------------------------------------------------------------- plumbing


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
    return Finding(statement.key, values, checksum=statement.checksum)


def _sql(node: exp.Expression, dialect: str = "mysql") -> str:
    """A node as short text in the statement's dialect for the report's detail column.

    Rendered from a copy cut at nested queries (shown as "…") and at DETAIL_DEPTH levels: sqlglot's
    generator deep-copies and recurses through what it renders, which made details cost more than all
    the rules together on large statements and could exhaust the stack on a 3,000-term OR chain. The
    column shows DETAIL_CHARS characters, so the cut parts would not be seen anyway.
    """
    text = " ".join(_shallow_copy(node).sql(dialect=dialect, comments=False, copy=False).split())
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"


def _shallow_copy(node: exp.Expression) -> exp.Expression:
    """A copy of ``node`` down to DETAIL_DEPTH levels, without nested queries (the copy is ours to render)."""

    def copy(value: Any, depth: int) -> Any:
        if isinstance(value, list):
            return [copy(item, depth) for item in value]
        if not isinstance(value, exp.Expression):
            return value
        if value is not node and isinstance(value, exp.Query):
            return exp.Var(this="(…)" if isinstance(value, exp.Subquery) else "…")
        if depth >= DETAIL_DEPTH:
            return exp.Var(this="…")
        return type(value)(**{key: copy(child, depth + 1) for key, child in value.args.items()})

    return copy(node, 0)


def _tables(query: exp.Expression) -> str:
    """The tables a (sub)query reads, for a detail that names them without printing the query."""
    return ", ".join(sorted({table.name for table in query.find_all(exp.Table) if table.name})) or "no table"


def _inside(node: exp.Expression, kind: type) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, kind):
            return True
        parent = parent.parent
    return False


def _outside_subqueries(node: exp.Expression) -> Iterator[exp.Expression]:
    """``node`` and its descendants, not entering nested queries (they are judged on their own)."""
    return node.dfs(prune=lambda child: child is not node and isinstance(child, exp.Query))


def _unwrap(node: exp.Expression | None) -> exp.Expression | None:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


# ----------------------------------------------------------------------------- detectors


def _select_star(tree: SqlTree, params: dict[str, Any]) -> str | None:
    for select in tree.find(exp.Select):
        if _inside(select, exp.Exists):
            continue  # EXISTS (SELECT * ...) reads no columns
        for projection in select.expressions:
            if _is_star(projection):
                return _sql(projection, tree.dialect)
    return None


def _is_star(projection: exp.Expression) -> bool:
    """``*`` or ``alias.*``."""
    return isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star))


def _dml_without_where(tree: SqlTree, params: dict[str, Any]) -> str | None:
    """Only a WHERE bounds the rows an UPDATE or DELETE changes. A join's ON condition does not: a
    multi-table UPDATE ... JOIN ... SET or DELETE t FROM ... JOIN on a foreign key changes every
    row of the target that has a partner, i.e. usually all of them. An Oracle DELETE from an
    inline view is bounded by that view's own WHERE, and the UPDATE / DELETE branches of a MERGE by
    its ON condition (they change matched rows only)."""
    for node in tree.find(exp.Update, exp.Delete):
        if isinstance(node.parent, exp.When):
            continue
        if node.args.get("where") is None and not _view_with_where(node.this):
            return f"{node.key.upper()} without WHERE"
    return None


def _view_with_where(target: exp.Expression | None) -> bool:
    """``DELETE FROM (SELECT ... WHERE ...)``: the target is a query that has its own WHERE."""
    query = target.this if isinstance(target, exp.Subquery) else None
    return isinstance(query, exp.Select) and query.args.get("where") is not None


def _dml_sort(tree: SqlTree, params: dict[str, Any]) -> str | None:
    """An ORDER BY whose order an UPDATE, DELETE or MERGE throws away: the DML's own (MySQL), or one in
    a query nested in the DML (a subquery, a MERGE's USING) that does not pick rows for a row limit.
    Oracle has no ORDER BY on UPDATE / DELETE, so on Oracle only the second kind occurs."""
    for node in tree.find(exp.Update, exp.Delete):
        order = node.args.get("order")
        if order is not None:
            return f"{node.key.upper()} ... {_sql(order, tree.dialect)}"
    if not tree.find(*CHANGING_DML):
        return None
    for query in tree.find(exp.Select, exp.SetOperation):
        if query.args.get("order") is None or _row_limited(query, tree):
            continue
        dml = _enclosing(query, CHANGING_DML)
        if dml is not None:
            order = _sql(query.args["order"], tree.dialect)
            return f"{order} in a query inside {dml.key.upper()}: the order is not kept"
    return None


def _enclosing(node: exp.Expression, kinds: tuple[type, ...]) -> exp.Expression | None:
    """The nearest ancestor of ``node`` of one of ``kinds``."""
    parent = node.parent
    while parent is not None and not isinstance(parent, kinds):
        parent = parent.parent
    return parent


def _row_limited(query: exp.Expression, tree: SqlTree) -> bool:
    """Whether ``query`` numbers or cuts its rows, or is read by a query that does: its own LIMIT /
    FETCH FIRST or ROWNUM filter, ROWNUM or a ranking function (ROW_NUMBER, RANK, DENSE_RANK) in its
    select list, or - as a derived table - a LIMIT / FETCH / ROWNUM filter of the query reading it.
    That is how a top-N or a page is written (Oracle before 12c: only with ROWNUM over an ordered
    inline view), so its ORDER BY and its inline view are needed."""
    if _limits_rows(query, tree):
        return True
    for projection in query.expressions if isinstance(query, exp.Select) else ():
        value = projection.this if isinstance(projection, exp.Alias) else projection
        if _is_rownum(value, tree) or (isinstance(value, exp.Window) and isinstance(value.this, RANKING)):
            return True
    holder = query.parent
    if isinstance(holder, exp.Subquery) and isinstance(holder.parent, (exp.From, exp.Join)):
        reader = holder.parent.parent
        return isinstance(reader, exp.Select) and _limits_rows(reader, tree)
    return False


def _limits_rows(query: exp.Expression, tree: SqlTree) -> bool:
    """LIMIT / FETCH FIRST, or ROWNUM in the query's own WHERE."""
    if query.args.get("limit") is not None or query.args.get("fetch") is not None:
        return True
    where = query.args.get("where")
    return where is not None and any(_is_rownum(node, tree) for node in _outside_subqueries(where))


def _is_rownum(node: exp.Expression, tree: SqlTree) -> bool:
    return tree.is_pseudo_column(node) and node.name.upper() == "ROWNUM"


def _leading_wildcard(pattern: exp.Expression | None) -> bool:
    """True for '%x' and for CONCAT('%', ...), the usual way applications build the same pattern."""
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        return str(pattern.this).startswith(("%", "_"))
    first: exp.Expression | None = None
    if isinstance(pattern, exp.ConcatWs):
        first = pattern.expressions[1] if len(pattern.expressions) > 1 else None  # [0] is the separator
    elif isinstance(pattern, exp.Concat):
        first = pattern.expressions[0] if pattern.expressions else None
    elif isinstance(pattern, exp.DPipe):
        first = pattern.this
    return first is not None and _leading_wildcard(first)


def _like_leading_wildcard(tree: SqlTree, params: dict[str, Any]) -> str | None:
    for like in tree.find(exp.Like, exp.ILike):
        if _leading_wildcard(like.expression):
            return _sql(like, tree.dialect)
    return None


def _long_in_list(tree: SqlTree, params: dict[str, Any]) -> str | None:
    limit = int(params["in_list_num"])
    for node in tree.find(exp.In):
        if node.args.get("query") is None and len(node.expressions) > limit:
            return f"IN list of {len(node.expressions)} values (limit {limit})"
    return None


def _join_name(join: exp.Join) -> str:
    target = join.this
    return str(target.alias_or_name) if isinstance(target, exp.Expression) else ""


def _linked_by_equality(join: exp.Join) -> bool:
    """Whether a column equality in the same query's WHERE or ON conditions ties ``join``'s table to
    another one. An unqualified column could belong to either table: the benefit of the doubt."""
    query = join.parent
    while query is not None and not isinstance(query, (exp.Query, exp.Update, exp.Delete)):
        query = query.parent  # UPDATE/DELETE: the join hangs from the target table
    if query is None:
        return False
    name = _join_name(join).lower()
    conditions = [query.args.get("where")] + [j.args.get("on") for j in query.find_all(exp.Join)]
    for condition in filter(None, conditions):
        for node in _outside_subqueries(condition):
            if isinstance(node, (exp.EQ, exp.NullSafeEQ)) and isinstance(node.this, exp.Column) \
                    and isinstance(node.expression, exp.Column):
                tables = {node.this.table.lower(), node.expression.table.lower()}
                if "" in tables or (name in tables and len(tables) == 2):
                    return True
    return False


def _correlated_target(join: exp.Join) -> bool:
    """The joined thing reads the other tables itself: a LATERAL / APPLY subquery, or a table function
    of their columns (Oracle's ``TABLE(t.items)``). Its condition is inside, not in ON or WHERE."""
    target = join.this
    if isinstance(target, exp.Lateral):
        return True
    function = target.this if isinstance(target, exp.Table) else None
    return isinstance(function, exp.Func) and function.find(exp.Column) is not None


def _join_defect(join: exp.Join) -> str | None:
    side, kind = str(join.side or "").upper(), str(join.kind or "").upper()
    if side in OUTER_SIDES:
        return f"{side} OUTER JOIN"
    if isinstance(join.this, exp.Lateral) and join.this.args.get("cross_apply") is False:
        return "OUTER APPLY (an outer join)"
    if kind == "CROSS":
        return "CROSS JOIN"
    if join.args.get("on") is None and not join.args.get("using") and not join.method and kind != "STRAIGHT_JOIN" \
            and not _correlated_target(join) and not _linked_by_equality(join):
        return "Cartesian product (no join condition)"
    return None


def _bad_join(tree: SqlTree, params: dict[str, Any]) -> str | None:
    """ANSI outer, cross and condition-less joins, and Oracle's ``(+)`` outer joins (a column marked
    ``(+)`` in a condition is the outer-joined side, whatever the FROM clause looks like)."""
    for join in tree.find(exp.Join):
        defect = _join_defect(join)
        if defect is not None:
            return f"{defect}: {_join_name(join)}"
    for column in tree.find(exp.Column):
        if column.args.get("join_mark"):
            return f"outer join (+): {column.table or column.name}"
    return None


def _subquery_detector(clause: str) -> Detector:
    """A subquery in ``clause``. A derived table that numbers or limits rows (a top-N or a page, see
    :func:`_row_limited`) is not reported in FROM: it cannot be written as a join."""

    def detect(tree: SqlTree, params: dict[str, Any]) -> str | None:
        found = next((query for where, query in tree.subqueries()
                      if where == clause and not (clause == "from" and _row_limited(query, tree))), None)
        return None if found is None else f"subquery in {clause.upper()} reading {_tables(found)}"

    detect.__name__ = f"_subquery_in_{clause}"
    return detect


def _repeated_subquery(tree: SqlTree, params: dict[str, Any]) -> str | None:
    """Two subqueries are the same when their trees are equal: same structure, identifiers and values;
    keyword case, whitespace and comments are not in the tree. (sqlglot hashes trees without copying
    them, which matters: rendering every subquery as text cost more than all the other rules.)"""
    subqueries = tree.subqueries()
    if len(subqueries) < 2:
        return None
    query, count = Counter(query for _, query in subqueries).most_common(1)[0]
    return f"{count} × the same subquery reading {_tables(query)}" if count > 1 else None


def _too_many_or(tree: SqlTree, params: dict[str, Any]) -> str | None:
    limit = int(params["or_num"])
    count = sum(1 for _ in tree.in_predicates(exp.Or))
    return f"{count} ORs in WHERE/HAVING/ON conditions (limit {limit})" if count > limit else None


def _plain_union(tree: SqlTree, params: dict[str, Any]) -> str | None:
    for union in tree.find(exp.Union):
        if union.args.get("distinct") is not False:
            return "UNION (without ALL) removes duplicates with a temporary table"
    return None


def _wraps_column(function: exp.Expression, tree: SqlTree) -> bool:
    """A column of a table inside the function (Oracle's ROWNUM, LEVEL, SYSDATE ... are not)."""
    return any(isinstance(node, exp.Column) and not tree.is_pseudo_column(node)
               for node in _outside_subqueries(function))


def _function_on_column(tree: SqlTree, params: dict[str, Any]) -> str | None:
    for function in tree.in_predicates(exp.Func, clauses=ROW_CONDITIONS):
        if not isinstance(function, NOT_FUNCTIONS) and _wraps_column(function, tree):
            return f"{tree.clause(function).upper()}: {_sql(function, tree.dialect)}"
    return None


def _negative(node: exp.Expression) -> bool:
    """!=, <>, NOT ..., NOT IN, NOT EXISTS, NOT LIKE, NOT BETWEEN; IS NOT NULL is an ordinary range."""
    if isinstance(node, exp.NEQ) or node.args.get("negate") is True:
        return True
    if isinstance(node, exp.Not):
        inner = _unwrap(node.this)
        return not (isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null))
    return False


def _negative_predicate(tree: SqlTree, params: dict[str, Any]) -> str | None:
    for node in tree.in_predicates(*NEGATABLE):
        if _negative(node):
            return f"{tree.clause(node).upper()}: {_sql(node, tree.dialect)}"
    return None


# ----------------------------------------------------------------------------- registered checks


def _text_check(name: str, detector: Detector, params: tuple[str, ...] = ()) -> None:
    """Register a TEXT check that runs ``detector`` on every parsed statement."""
    register(name, "TEXT", params=params)(lambda snapshot, values: statement_findings(snapshot, values, detector))


for _name, _detector, _params in (
    ("select_star", _select_star, ()),
    ("dml_without_where", _dml_without_where, ()),
    ("dml_sort", _dml_sort, ()),
    ("like_leading_wildcard", _like_leading_wildcard, ()),
    ("long_in_list", _long_in_list, ("in_list_num",)),
    ("bad_join", _bad_join, ()),
    ("subquery_in_from", _subquery_detector("from"), ()),
    ("subquery_in_having", _subquery_detector("having"), ()),
    ("subquery_in_select", _subquery_detector("select"), ()),
    ("subquery_in_where", _subquery_detector("where"), ()),
    ("repeated_subquery", _repeated_subquery, ()),
    ("too_many_or", _too_many_or, ("or_num",)),
    ("plain_union", _plain_union, ()),
    ("function_on_column", _function_on_column, ()),
    ("negative_predicate", _negative_predicate, ()),
):
    _text_check(_name, _detector, _params)


@register("long_text", "TEXT", params=("char_num",))
def long_text(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """The statement's length in characters, whitespace runs counted as one (indentation is not
    complexity). Read from the text, so it also judges statements sqlglot cannot parse."""
    limit = int(params["char_num"])
    for statement in parsed_statements(snapshot):
        length = len(" ".join(statement.text.split()))
        if length > limit:
            yield _finding(statement, f"{length} characters (limit {limit})")


@oracle_register("too_many_binds", "TEXT", params=("num_of_bound_var",))
def too_many_binds(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Distinct bind variables in the text (``:1``, ``:B1``, ``:name``, ``:"SYS_B_0"``), counted
    outside literals and comments while the text is prepared for parsing, so PL/SQL blocks, which are
    not parsed, are judged too. The original counted every ':' character, format masks included."""
    limit = int(params["num_of_bound_var"])
    for statement in parsed_statements(snapshot):
        if statement.binds is not None and statement.binds > limit:
            yield _finding(statement, f"{statement.binds} bind variables (limit {limit})")
