"""Everything pure about MySQL execution plans: which text to EXPLAIN, and how to read the answer.

No I/O here (``capture/mysql.py`` talks to the server), so all of it is unit-tested on recorded plans.

Two parts:

* **Statement preparation.** Slow-log samples are attacker-controlled text with prefixes (``use db;``,
  ``SET timestamp=...;``, ``EXPLAIN``, comments). :func:`explainable_statement` cuts everything before
  the first SELECT / INSERT / UPDATE / DELETE / REPLACE / WITH keyword (outside comments and quotes) and
  refuses text that still holds a second statement. :func:`select_equivalent` turns UPDATE / DELETE /
  INSERT ... SELECT into the SELECT that reads the same rows, because a read-only audit user (or a
  ``READ ONLY`` transaction) may not EXPLAIN the DML itself.
* **Plan normalisation.** MySQL 5.7, MySQL 8.0 and MariaDB 10.x write EXPLAIN FORMAT=JSON as different
  trees. :func:`normalise_plan` and :func:`normalise_traditional` turn a JSON tree or classic EXPLAIN rows
  into the same flat list of nodes, one per table access, which is what the SQLPLAN rules read.

Node fields: ``select_id, table, access_type, key, possible_keys (list), key_length (str), ref (list),
rows (int|None), filtered (float|None), using_filesort, using_temporary_table, dependent,
cacheable (bool|None), materialized_from_subquery, in_nested_loop, nested_loop_size,
attached_condition (str|None), path``.

* ``using_filesort`` / ``using_temporary_table``: set by the node itself or by anything above it in the
  same SELECT (MySQL ``ordering_operation`` / ``grouping_operation`` / ``duplicates_removal`` /
  ``windowing``; MariaDB ``filesort`` / ``temporary_table`` / window ``sorts``). Reading a derived or
  materialised subquery (``<derivedN>``, ``<subqueryN>``) or a UNION result is a temporary-table access.
  In classic EXPLAIN the Extra flags are shown on one row only; they are applied to every table of that
  select, as the JSON tree does.
* ``dependent`` / ``cacheable``: of the subquery the table is read in (MySQL's ``dependent`` /
  ``cacheable``; MariaDB wraps correlated subqueries in an ``expression_cache`` and says no more, so
  :func:`merge_select_types` completes them from classic EXPLAIN's select_type); ``cacheable`` is None
  for the outermost query.
* ``materialized_from_subquery``: the node reads a materialised subquery (derived table, CTE, semi-join
  or IN-subquery materialisation); the tables inside that subquery are nodes of their own. MariaDB does
  not show the table reading a materialised IN subquery: a ``<subqueryN>`` node without access type or
  select id stands for it (see :func:`_materialized_result`), in JSON and classic plans alike.
* ``key``: for ``index_merge`` the merged indexes as classic EXPLAIN lists them (``a,b``), whether the
  JSON said ``sort_union(a,b)`` (MySQL) or only described them in an ``index_merge`` object (MariaDB).
* ``nested_loop_size``: how many tables the join (the outermost ``nested_loop`` of the SELECT) holding
  the table reads, counting those inside wrappers (``block-nl-join``, a semi-join's
  ``duplicates_removal``) but not those of subqueries; 0 when the table is not joined;
  ``in_nested_loop`` is ``nested_loop_size > 1``. A semi-join's duplicate weedout (JSON
  ``duplicates_removal``, classic "Start temporary") counts as a temporary table.
* ``path``: where the node sits in the JSON tree, list positions 1-based
  (``query_block/nested_loop[2]/table``), or ``explain[N]`` for the N-th classic EXPLAIN row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Mapping, NamedTuple

# ----------------------------------------------------------------------------- statements

EXPLAINABLE_KEYWORDS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"})

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>--(?=\s|$)[^\n]*|\#[^\n]*|/\*.*?(?:\*/|\Z))
    | (?P<string>'(?:[^'\\]|\\.|'')*(?:'|\Z)|"(?:[^"\\]|\\.|"")*(?:"|\Z))
    | (?P<ident>`(?:[^`]|``)*(?:`|\Z))
    | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):
    kind: str  # ws | comment | string | ident | number | word | other
    text: str
    start: int
    depth: int  # parenthesis depth before the token

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else ""

    @property
    def significant(self) -> bool:
        return self.kind not in ("ws", "comment")


def tokenize(sql: str) -> list[Token]:
    """Split SQL text into tokens, tracking parenthesis depth (quotes and comments are one token)."""
    tokens: list[Token] = []
    depth = 0
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "other"
        text = match.group()
        tokens.append(Token(kind, text, match.start(), depth))
        if kind == "other":
            depth += {"(": 1, ")": -1}.get(text, 0)
    return tokens


def explainable_statement(sql: str) -> tuple[str | None, str | None]:
    """``(statement, None)`` ready for EXPLAIN, or ``(None, reason)`` when it cannot be explained.

    Cuts everything before the first explainable keyword (keeping opening parentheses right before
    it, for ``(SELECT ...) UNION (SELECT ...)``) and the trailing semicolons; text that still holds
    another statement after a semicolon is refused rather than sent to the server.
    """
    tokens = tokenize(sql or "")
    first = next((i for i, t in enumerate(tokens) if t.upper in EXPLAINABLE_KEYWORDS), None)
    if first is None:
        return None, "not a SELECT/INSERT/UPDATE/DELETE/REPLACE/WITH statement"
    begin = first
    for i in range(first - 1, -1, -1):  # keep "(" (and comments between them) right before the keyword
        if tokens[i].text == "(":
            begin = i
        elif tokens[i].significant:
            break
    body = tokens[begin:]
    semicolons = [i for i, t in enumerate(body) if t.text == ";" and t.kind == "other"]
    if semicolons:
        cut = semicolons[0]
        if any(t.significant and t.text != ";" for t in body[cut:]):
            return None, "more than one statement in the text"
        body = body[:cut]
    text = "".join(t.text for t in body).strip()
    return text, None


def _first_word_index(tokens: list[Token], words: Iterable[str], start: int = 0, depth: int | None = 0) -> int | None:
    wanted = set(words)
    for i in range(start, len(tokens)):
        token = tokens[i]
        if token.upper in wanted and (depth is None or token.depth == depth):
            return i
    return None


def _joined(tokens: list[Token]) -> str:
    return "".join(t.text for t in tokens).strip()


def select_equivalent(statement: str) -> str | None:
    """The SELECT reading the rows a DML statement would touch, or None when there is none.

    ``UPDATE refs SET ... [WHERE|ORDER BY|LIMIT ...]`` -> ``SELECT * FROM refs [WHERE ...]``;
    ``DELETE [t,..] FROM refs [USING refs] [WHERE ...]`` -> ``SELECT * FROM refs [WHERE ...]``;
    ``INSERT|REPLACE ... SELECT ...`` -> that SELECT (without ``ON DUPLICATE KEY UPDATE``).
    INSERT ... VALUES, SELECT and WITH return None. Works on the output of :func:`explainable_statement`.
    """
    tokens = tokenize(statement)
    head = next((i for i, t in enumerate(tokens) if t.significant), None)
    if head is None:
        return None
    verb = tokens[head].upper
    if verb == "UPDATE":
        set_at = _first_word_index(tokens, ["SET"], head + 1)
        if set_at is None:
            return None
        refs = [t for t in tokens[head + 1 : set_at] if t.upper not in ("LOW_PRIORITY", "IGNORE")]
        tail_at = _first_word_index(tokens, ["WHERE", "ORDER", "LIMIT"], set_at + 1)
        tail = tokens[tail_at:] if tail_at is not None else []
        return f"SELECT * FROM {_joined(refs)} {_joined(tail)}".strip()
    if verb == "DELETE":
        from_at = _first_word_index(tokens, ["FROM"], head + 1)
        if from_at is None:
            return None
        using_at = _first_word_index(tokens, ["USING"], from_at + 1)
        rest = tokens[(using_at if using_at is not None else from_at) + 1 :]
        returning = _first_word_index(rest, ["RETURNING"])
        return f"SELECT * FROM {_joined(rest[:returning])}"
    if verb in ("INSERT", "REPLACE"):
        select_at = _first_word_index(tokens, ["SELECT", "WITH"], head + 1)
        if select_at is None:
            return None
        rest = tokens[select_at:]
        end = next(
            (
                i
                for i, t in enumerate(rest)
                if t.depth == 0
                and (t.upper == "RETURNING" or (t.upper == "ON" and _next_word(rest, i) == "DUPLICATE"))
            ),
            None,
        )
        return _joined(rest[:end])
    return None


def _next_word(tokens: list[Token], index: int) -> str:
    return next((t.upper for t in tokens[index + 1 :] if t.significant), "")


def with_select_hint(statement: str, hint: str) -> str:
    """Add ``/*+ hint */`` after the leading SELECT (MySQL optimizer hints); unchanged otherwise.

    Only a statement that starts with SELECT and carries no hint block yet gets one: MySQL honours
    the first hint block after the keyword only, and hints elsewhere would be ignored anyway.
    """
    tokens = tokenize(statement)
    significant = [i for i, t in enumerate(tokens) if t.significant]
    if not significant or tokens[significant[0]].upper != "SELECT":
        return statement
    after = tokens[significant[0] + 1 :]
    if any(t.kind == "comment" and t.text.startswith("/*+") for t in after[:2]):
        return statement
    cut = tokens[significant[0]].start + len("SELECT")
    return f"{statement[:cut]} /*+ {hint} */{statement[cut:]}"


# ----------------------------------------------------------------------------- JSON plans

# Keys under which MySQL/MariaDB put a table access, and the ones that read a subquery's result.
_TABLE_KEYS = frozenset({"table", "union_result"})
_MATERIALIZED_KEYS = ("materialized_from_subquery", "materialized")
# Lists of sort/window descriptors that are siblings of (not parents of) the rows they sort.
_SORT_LISTS = ("sorts", "windows")
# Index names inside MySQL's index_merge key: ``sort_union(a,intersect(b,c))`` -> a, b, c.
_MERGED_NAME = re.compile(r"([^(),]+)(?=[,)])")


@dataclass(frozen=True)
class _Scope:
    """What the ancestors of a JSON object say about the tables beneath it."""

    path: str
    select_id: int | None = None
    using_filesort: bool = False
    using_temporary_table: bool = False
    dependent: bool = False
    cacheable: bool | None = None
    nested_loop_size: int = 0


def normalise_plan(explain_json: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One node per table access of an EXPLAIN FORMAT=JSON tree (MySQL 5.7/8.0, MariaDB 10.x)."""
    if not isinstance(explain_json, Mapping):
        return []
    nodes: list[dict[str, Any]] = []
    for key, value in explain_json.items():
        nodes.extend(_walk(value, key, _Scope(path=key)))
    return nodes


def _walk(value: Any, key: str, scope: _Scope) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        size = scope.nested_loop_size
        if key == "nested_loop" and not size:  # the outermost join of this SELECT
            members = _join_members(value, key)
            size = members if members > 1 else 0
        for position, item in enumerate(value, 1):
            yield from _walk(item, key, replace(scope, path=f"{scope.path}[{position}]", nested_loop_size=size))
        return
    if not isinstance(value, Mapping):
        return
    scope = _enter(value, key, scope)
    if _is_table(value, key):
        yield _json_node(value, key, scope)
    elif key == "materialization" and isinstance(value.get("query_block"), Mapping):
        yield _materialized_result(value["query_block"].get("select_id"), scope.path)
    for child_key, child in value.items():
        if isinstance(child, (Mapping, list)):
            yield from _walk(child, child_key, replace(scope, path=f"{scope.path}/{child_key}"))


def _is_table(value: Mapping[str, Any], key: str) -> bool:
    return key in _TABLE_KEYS and ("table_name" in value or "access_type" in value)


def _join_members(value: Any, key: str) -> int:
    """Tables joined by one SELECT's nested loop, wrappers included (MariaDB ``block-nl-join``,
    ``duplicates_removal``; MySQL ``duplicates_removal`` with its own inner ``nested_loop``), but not the
    tables of subqueries or of materialised derived tables: those are other SELECTs."""
    if isinstance(value, list):
        return sum(_join_members(item, key) for item in value)
    if not isinstance(value, Mapping) or key == "query_block":
        return 0
    own = 1 if key == "table" and _is_table(value, key) else 0
    return own + sum(_join_members(child, child_key) for child_key, child in value.items())


def _enter(obj: Mapping[str, Any], key: str, scope: _Scope) -> _Scope:
    """The scope for ``obj`` and everything beneath it."""
    if key == "query_block":  # a new SELECT: sort/temporary/join flags of the outer one stop here
        scope = replace(
            scope,
            select_id=_int(obj.get("select_id")),
            using_filesort=False,
            using_temporary_table=False,
            nested_loop_size=0,
        )
    if "query_block" in obj and ("dependent" in obj or "cacheable" in obj):  # MySQL subquery spec
        scope = replace(
            scope,
            dependent=bool(obj.get("dependent", scope.dependent)),
            cacheable=obj["cacheable"] if isinstance(obj.get("cacheable"), bool) else scope.cacheable,
        )
    if key == "expression_cache":  # MariaDB caches correlated subqueries only; MySQL calls them uncacheable
        scope = replace(scope, dependent=True, cacheable=False)
    sorts = [item for name in _SORT_LISTS for item in obj.get(name) or () if isinstance(item, Mapping)]
    filesort = (
        key == "filesort"
        or obj.get("using_filesort") is True
        or any(item.get("using_filesort") is True or "filesort" in item for item in sorts)
    )
    temporary = (
        key in ("temporary_table", "duplicates_removal")  # semi-join duplicate weedout keeps a temporary table
        or obj.get("using_temporary_table") is True
        or any(_uses_temporary(item) for item in sorts)
    )
    if filesort or temporary:
        scope = replace(
            scope,
            using_filesort=scope.using_filesort or filesort,
            using_temporary_table=scope.using_temporary_table or temporary,
        )
    return scope


def _uses_temporary(descriptor: Mapping[str, Any]) -> bool:
    """A sort or window descriptor that buffers rows (MySQL 8 windows keep a ``frame_buffer``)."""
    frame = descriptor.get("frame_buffer")
    return descriptor.get("using_temporary_table") is True or (
        isinstance(frame, Mapping) and frame.get("using_temporary_table") is True
    )


def _json_node(table: Mapping[str, Any], key: str, scope: _Scope) -> dict[str, Any]:
    materialized = next((table[k] for k in _MATERIALIZED_KEYS if isinstance(table.get(k), Mapping)), None)
    temporary = scope.using_temporary_table or materialized is not None
    if key == "union_result":  # MariaDB does not say it; MySQL says false only when no table is used
        temporary = temporary or table.get("using_temporary_table", True) is not False
    rows = table.get("rows_examined_per_scan", table.get("rows"))
    key = table.get("key")
    if table.get("access_type") == "index_merge":
        key = _merged_indexes(key, table.get("index_merge"))
    return _node(
        select_id=_int(table.get("select_id")) if "select_id" in table else scope.select_id,
        table=table.get("table_name"),
        access_type=table.get("access_type"),
        key=key,
        possible_keys=_names(table.get("possible_keys")),
        key_length=table.get("key_length"),
        ref=_names(table.get("ref")),
        rows=rows,
        filtered=table.get("filtered"),
        using_filesort=scope.using_filesort or table.get("using_filesort") is True,
        using_temporary_table=temporary or table.get("using_temporary_table") is True,
        dependent=scope.dependent,
        cacheable=scope.cacheable,
        materialized_from_subquery=materialized is not None,
        nested_loop_size=scope.nested_loop_size,
        attached_condition=table.get("attached_condition"),
        path=scope.path,
    )


def _merged_indexes(key: Any, index_merge: Any) -> str | None:
    """The indexes an index_merge reads, as classic EXPLAIN's ``key`` column lists them (``a,b``).

    MySQL's JSON writes ``sort_union(a,b)`` / ``intersect(a,b)`` (possibly nested); MariaDB's has no
    ``key`` but an ``index_merge`` object whose ``range`` members name each index.
    """
    if isinstance(key, str) and "(" in key:
        return ",".join(name.strip() for name in _MERGED_NAME.findall(key))
    if key is None and isinstance(index_merge, (Mapping, list)):
        names = list(_keys_in(index_merge))
        return ",".join(names) if names else None
    return key


def _keys_in(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _keys_in(item)
    elif isinstance(value, Mapping):
        if isinstance(value.get("key"), str):
            yield value["key"]
        for child in value.values():
            if isinstance(child, (Mapping, list)):
                yield from _keys_in(child)


def _materialized_result(subquery_id: Any, path: str) -> dict[str, Any]:
    """A node standing for the ``<subqueryN>`` temporary table that holds a materialised IN subquery.

    MariaDB materialises an IN subquery it does not turn into a semi-join without showing the table
    that reads the result (JSON: a ``materialization`` key; classic EXPLAIN: ``MATERIALIZED`` rows and
    no ``<subqueryN>`` row), where MySQL shows one with ``materialized_from_subquery``. This node stands
    for it so that both servers report the temporary table; which SELECT reads it is not said, hence
    no select id.
    """
    return _node(table=f"<subquery{_int(subquery_id) or ''}>", using_temporary_table=True,
                 materialized_from_subquery=True, path=path)


_NODE_DEFAULTS: dict[str, Any] = {
    "select_id": None, "table": None, "access_type": None, "key": None, "possible_keys": None, "key_length": None,
    "ref": None, "rows": None, "filtered": None, "using_filesort": False, "using_temporary_table": False,
    "dependent": False, "cacheable": None, "materialized_from_subquery": False, "nested_loop_size": 0,
    "attached_condition": None, "path": None,
}  # fmt: skip


def _node(**given: Any) -> dict[str, Any]:
    """A plan node with every field typed the same way whatever the source format."""
    fields = {**_NODE_DEFAULTS, **given}
    size = int(fields["nested_loop_size"] or 0)
    key_length = fields["key_length"]
    condition = fields["attached_condition"]
    return {
        "select_id": fields["select_id"],
        "table": None if fields["table"] is None else str(fields["table"]),
        "access_type": fields["access_type"],
        "key": fields["key"],
        "possible_keys": fields["possible_keys"],
        "key_length": None if key_length in (None, "") else str(key_length),
        "ref": fields["ref"],
        "rows": _int(fields["rows"]),
        "filtered": _float(fields["filtered"]),
        "using_filesort": bool(fields["using_filesort"]),
        "using_temporary_table": bool(fields["using_temporary_table"]),
        "dependent": bool(fields["dependent"]),
        "cacheable": fields["cacheable"],
        "materialized_from_subquery": bool(fields["materialized_from_subquery"]),
        "in_nested_loop": size > 1,
        "nested_loop_size": size if size > 1 else 0,
        "attached_condition": None if condition is None else str(condition),
        "path": fields["path"],
    }


# ----------------------------------------------------------------------------- classic EXPLAIN


def normalise_traditional(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The nodes of classic (tabular) EXPLAIN rows, shaped like :func:`normalise_plan`'s."""
    lowered = [{str(k).lower(): v for k, v in row.items()} for row in rows]
    by_select: dict[Any, list[dict[str, Any]]] = {}
    for row in lowered:
        if row.get("table") is not None and row.get("id") is not None:
            by_select.setdefault(row.get("id"), []).append(row)
    unread = _unread_materializations(lowered)
    nodes = []
    for position, row in enumerate(lowered, 1):
        if row.get("table") is None:  # "No tables used", "Impossible WHERE", ...
            continue
        if row.get("id") in unread:
            unread.discard(row.get("id"))
            nodes.append(_materialized_result(row.get("id"), f"explain[{position}]"))
        nodes.append(_traditional_node(row, by_select.get(row.get("id"), [row]), position))
    return nodes


def _traditional_node(row: Mapping[str, Any], same_select: list[Mapping[str, Any]], position: int) -> dict[str, Any]:
    """One classic EXPLAIN row; the Extra flags of its SELECT's rows apply to it too."""
    extras = [_extra(other) for other in same_select]
    select_type = str(row.get("select_type") or "").upper()
    table = str(row["table"])
    derived = table.startswith(("<derived", "<subquery"))
    return _node(
        select_id=_int(row.get("id")),
        table=table,
        access_type=row.get("type"),
        key=row.get("key"),
        possible_keys=_names(row.get("possible_keys")),
        key_length=row.get("key_len"),
        ref=_names(row.get("ref")),
        rows=row.get("rows"),
        filtered=row.get("filtered"),
        using_filesort=any("using filesort" in extra for extra in extras),
        # "Start temporary" / "End temporary": a semi-join's duplicate weedout table
        using_temporary_table=derived
        or table.startswith("<union")
        or any("using temporary" in extra or "start temporary" in extra for extra in extras),
        dependent="DEPENDENT" in select_type,
        cacheable=_traditional_cacheable(select_type),
        materialized_from_subquery=derived,
        nested_loop_size=len(same_select),
        path=f"explain[{position}]",
    )


def _unread_materializations(rows: list[dict[str, Any]]) -> set[Any]:
    """Ids of MATERIALIZED selects no ``<subqueryN>`` row reads (see :func:`_materialized_result`)."""
    readers = {str(row.get("table")) for row in rows}
    return {row.get("id") for row in rows if str(row.get("select_type") or "").upper() == "MATERIALIZED"
            and f"<subquery{row.get('id')}>" not in readers}


def merge_select_types(nodes: list[dict[str, Any]], rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Take ``dependent`` / ``cacheable`` from classic EXPLAIN's select_type, by select id.

    MariaDB's JSON marks a correlated subquery only when its expression cache wraps it and never marks
    an uncacheable one; its classic EXPLAIN says both (``DEPENDENT SUBQUERY``, ``UNCACHEABLE SUBQUERY``).
    """
    select_types = {
        _int(row.get("id")): str(row.get("select_type") or "").upper()
        for row in ({str(k).lower(): v for k, v in r.items()} for r in rows)
        if row.get("id") is not None
    }
    for node in nodes:
        select_type = select_types.get(node["select_id"])
        if select_type is not None:
            node["dependent"] = "DEPENDENT" in select_type
            node["cacheable"] = _traditional_cacheable(select_type)
    return nodes


def _extra(row: Mapping[str, Any]) -> str:
    return str(row.get("extra") or "").lower()


def _traditional_cacheable(select_type: str) -> bool | None:
    """As MySQL's JSON says: None for the outer query, False for dependent/uncacheable subqueries."""
    if select_type in ("", "SIMPLE", "PRIMARY", "UNION RESULT"):
        return None
    return not ("DEPENDENT" in select_type or "UNCACHEABLE" in select_type)


# ----------------------------------------------------------------------------- value helpers


def _names(value: Any) -> list[str] | None:
    """possible_keys / ref as a list of names (JSON gives lists, classic EXPLAIN comma-separated text)."""
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _int(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
