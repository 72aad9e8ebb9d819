"""Oracle execution plans as trees, and the object facts the plan rules join them with.

A ``sql.plan`` record holds the flat lines of one (SQL_ID, PLAN_HASH_VALUE) as Oracle stores them
(``DBA_HIST_SQL_PLAN`` / ``V$SQL_PLAN``): ``id``, ``parent_id``, operation, options, object. What a
DBA reads in a plan is its shape — what runs once per row of what, which scan sits under which
partition iterator — so the lines are linked into a tree once per snapshot (``snapshot.cache``) and
every SQLPLAN rule walks the same trees. Object facts (table sizes and row counts, index sizes, the
schema's views, partitions) come from the OBJ records of the same window, indexed once as well.

Walks are iterative: a plan is at most a few hundred lines, but a corrupt PARENT_ID chain must not
recurse without bound, and a line whose parent is not in the plan becomes a root rather than lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from themis.rules.checks.sqltext import number, short_sql
from themis.rules.snapshot import Snapshot

MB = 1024**2
Key = tuple[str, str]

#: Names Oracle gives to row sources that are not objects of the schema: PX table queues
#: (``SYS.:TQ10000``), temporary tables of materialised WITH clauses and star transformations
#: (``SYS_TEMP_0FD9D6…``), and its own views (``VW_NSO_1``, ``VW_SQ_1``, ``VW_ST_5BC3A4AD``,
#: ``index$_join$_001``). Checked only for names the dictionary does not know, so a schema's own
#: view called ``VW_ORDERS`` stays a view.
INTERNAL_NAME = re.compile(r"^(:TQ|SYS_TEMP_|VW_[A-Z]+_|INDEX\$_JOIN\$)", re.IGNORECASE)
TABLE_OPERATIONS = frozenset({"TABLE ACCESS", "MAT_VIEW ACCESS", "MAT_VIEW REWRITE ACCESS"})
INDEX_OPERATIONS = frozenset({"INDEX", "BITMAP INDEX", "DOMAIN INDEX"})
#: Partition iterators whose pruning follows the partition key's values (not HASH: scanning every
#: hash partition is what a query not naming the key is expected to do).
KEY_PARTITION_OPERATIONS = frozenset({"PARTITION RANGE", "PARTITION LIST"})


@dataclass(eq=False)
class PlanNode:
    """One plan line with its place in the tree. The fields every rule tests are read once here
    (a window of 5,000 plans of 40 lines is walked by 14 rules)."""

    line: dict[str, Any]
    parent: PlanNode | None = None
    children: list[PlanNode] = field(default_factory=list)
    id: int = field(init=False)
    operation: str = field(init=False)
    options: str = field(init=False)
    #: (owner, name) of the line's object, as the dictionary spells them; None without one
    object_key: Key | None = field(init=False)

    def __post_init__(self) -> None:
        self.id = int(self.line["id"])
        self.operation = str(self.line.get("operation") or "").upper().strip()
        self.options = str(self.line.get("options") or "").upper().strip()
        name = self.line.get("object_name")
        self.object_key = (str(self.line.get("object_owner") or ""), str(name)) if name else None

    @property
    def cost(self) -> float | None:
        return number(self.line.get("cost"))

    @property
    def cardinality(self) -> float | None:
        return number(self.line.get("cardinality"))

    def is_op(self, operation: str, *options: str) -> bool:
        """This line is ``operation`` (and, when given, one of ``options``)."""
        return self.operation == operation and (not options or self.options in options)

    @property
    def object_label(self) -> str:
        key = self.object_key
        if key is None:
            return ""
        return f"{key[0]}.{key[1]}" if key[0] else key[1]

    @property
    def is_internal_object(self) -> bool:
        """A row source Oracle made up (PX queue, WITH temp table, VW_* / index-join view)."""
        key = self.object_key
        return key is not None and bool(INTERNAL_NAME.match(key[1]))

    @property
    def is_table_access(self) -> bool:
        return self.operation in TABLE_OPERATIONS

    @property
    def is_index_access(self) -> bool:
        return self.operation in INDEX_OPERATIONS

    @property
    def predicates(self) -> list[str]:
        """The line's access and filter predicates (Oracle's text, as DBMS_XPLAN prints them)."""
        return [str(self.line[name]) for name in ("access_predicates", "filter_predicates") if self.line.get(name)]

    def walk(self, *, stop_at: frozenset[str] = frozenset()) -> Iterator[PlanNode]:
        """This line and every line below it, in plan order (preorder); lines whose operation is in
        ``stop_at`` are yielded but not entered (e.g. a BUFFER SORT reads its input once)."""
        stack: list[PlanNode] = [self]
        while stack:
            node = stack.pop()
            yield node
            if node.operation not in stop_at:
                stack.extend(reversed(node.children))


@dataclass
class PlanTree:
    """The plan of one (SQL_ID, PLAN_HASH_VALUE) with its statement record (``{}`` when absent)."""

    checksum: str
    record: dict[str, Any]
    statement: dict[str, Any]
    roots: list[PlanNode]
    #: every line reachable from a root, in plan order (preorder), listed once at build time
    nodes: list[PlanNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.nodes:
            self.nodes = [node for root in self.roots for node in root.walk()]

    def walk(self) -> Iterator[PlanNode]:
        return iter(self.nodes)

    def lines(self, operation: str, *options: str) -> list[PlanNode]:
        return [node for node in self.walk() if node.is_op(operation, *options)]


def build_tree(plan: dict[str, Any], statement: dict[str, Any]) -> PlanTree:
    """Link a plan's lines by PARENT_ID; siblings in ID order (Oracle's execution order of children)."""
    nodes: dict[int, PlanNode] = {}
    for line in plan.get("lines") or []:
        if isinstance(line, dict) and number(line.get("id")) is not None:
            nodes.setdefault(int(line["id"]), PlanNode(line))
    roots: list[PlanNode] = []
    for node_id in sorted(nodes):
        node = nodes[node_id]
        parent_id = number(node.line.get("parent_id"))
        parent = nodes.get(int(parent_id)) if parent_id is not None else None
        if parent is None or parent is node:
            roots.append(node)
        else:
            node.parent = parent
            parent.children.append(node)
    return PlanTree(str(plan.get("checksum")), plan, statement, roots)


def plan_trees(snapshot: Snapshot) -> list[PlanTree]:
    """Trees of every captured plan of the window, built once per snapshot."""
    if "oracle.plan.trees" not in snapshot.cache:
        statements = {s.get("checksum"): s for s in snapshot.statements}
        snapshot.cache["oracle.plan.trees"] = [
            build_tree(plan, statements.get(plan.get("checksum")) or {})
            for plan in snapshot.plans if plan.get("status", "captured") == "captured" and plan.get("lines")]
    return snapshot.cache["oracle.plan.trees"]


def missing_plans(snapshot: Snapshot) -> int:
    """Statements of the window whose plan AWR and the cursor cache no longer had. PLAN_HASH_VALUE 0
    is a statement without a plan (a PL/SQL block, DDL): nothing is missing there."""
    return sum(1 for plan in snapshot.plans
               if (plan.get("status") == "missing" or not plan.get("lines"))
               and str(plan.get("plan_hash_value", "")) != "0" and not str(plan.get("checksum")).endswith(":0"))


# ------------------------------------------------------------------------------ object facts


@dataclass
class ObjectFacts:
    """The OBJ records a plan line can name, by (owner, name)."""

    tables: dict[Key, dict[str, Any]]
    indexes: dict[Key, dict[str, Any]]
    views: dict[Key, dict[str, Any]]
    partitions: dict[Key, list[dict[str, Any]]]

    def table_of(self, node: PlanNode) -> Key | None:
        """The table a line reads: its own object for a table access (captured or not), the
        index's table for an index access of a captured index; None for internal row sources."""
        key = node.object_key
        if key is None:
            return None
        if key in self.tables:
            return key
        index = self.indexes.get(key)
        if index is not None:
            return str(index.get("table_owner") or index["schema"]), str(index["table"])
        if node.is_internal_object:
            return None
        object_type = str(node.line.get("object_type") or "").upper()
        if node.is_table_access or object_type.startswith("TABLE"):
            return key
        return None


def object_facts(snapshot: Snapshot) -> ObjectFacts:
    if "oracle.plan.objects" not in snapshot.cache:
        partitions: dict[Key, list[dict[str, Any]]] = {}
        for part in snapshot.partitions:
            partitions.setdefault((str(part["schema"]), str(part["table"])), []).append(part)
        snapshot.cache["oracle.plan.objects"] = ObjectFacts(
            tables={(str(t["schema"]), str(t["table"])): t for t in snapshot.tables},
            indexes={(str(i["schema"]), str(i["index"])): i for i in snapshot.indexes},
            views={(str(v["schema"]), str(v["view"])): v for v in snapshot.views},
            partitions=partitions)
    return snapshot.cache["oracle.plan.objects"]


def label(key: Key) -> str:
    return f"{key[0]}.{key[1]}" if key[0] else key[1]


def size_mb(size_bytes: Any) -> float:
    return round((number(size_bytes) or 0.0) / MB, 2)


@dataclass(frozen=True)
class Extent:
    """What a full scan of a table reads: rows and bytes of the partitions it visits."""

    rows: int
    size_bytes: int
    partitions: str  # "all", "3..5", or "KEY..KEY" (decided at run time: judged as all)


def scan_extent(node: PlanNode, table: dict[str, Any], facts: ObjectFacts) -> Extent:
    """Rows and bytes a full scan on ``node`` reads. A single-level partitioned table scanned
    between literal partition numbers reads those partitions (a full scan of one daily partition
    is the access partitioning is made for); anything else — KEY bounds known only at run time,
    composite partitioning whose line numbers count subpartitions — is judged as the whole table."""
    rows, size = int(number(table.get("num_rows")) or 0), int(number(table.get("size_bytes")) or 0)
    start, stop = node.line.get("partition_start"), node.line.get("partition_stop")
    if not table.get("partitioned") or start is None:
        return Extent(rows, size, "all")
    bounds = f"{start}..{stop}"
    first, last = number(start), number(stop)
    parts = facts.partitions.get((str(table["schema"]), str(table["table"])), [])
    single_level = str(table.get("subpartitioning_type") or "NONE").upper() == "NONE"
    if first is None or last is None or not parts or not single_level:
        return Extent(rows, size, bounds)
    scanned = [p for p in parts if first <= (number(p.get("position")) or 0) <= last]
    if len(scanned) >= len(parts):
        return Extent(rows, size, "all")
    return Extent(sum(int(number(p.get("num_rows")) or 0) for p in scanned),
                  sum(int(number(p.get("size_bytes")) or 0) for p in scanned), bounds)


# ------------------------------------------------------------------------------ report values


def statement_values(tree_or_statement: PlanTree | dict[str, Any]) -> dict[str, Any]:
    """The columns every Oracle statement finding shows: which statement, how often, how slow."""
    if isinstance(tree_or_statement, PlanTree):
        statement, checksum = tree_or_statement.statement, tree_or_statement.checksum
        sql_id = tree_or_statement.record.get("sql_id")
        phv = tree_or_statement.record.get("plan_hash_value")
    else:
        statement, checksum = tree_or_statement, str(tree_or_statement.get("checksum"))
        sql_id, phv = statement.get("sql_id"), statement.get("plan_hash_value")
    stats = statement.get("stats") or {}
    elapsed = number(stats.get("elapsed_time_us_per_exec"))
    return {"checksum": checksum, "sql_id": sql_id or statement.get("sql_id"),
            "plan_hash_value": phv if phv is not None else statement.get("plan_hash_value"),
            "schema": statement.get("schema"), "sql": short_sql(statement.get("sample") or ""),
            "executions": stats.get("executions"),
            "elapsed_s_per_exec": None if elapsed is None else round(elapsed / 1e6, 6)}
