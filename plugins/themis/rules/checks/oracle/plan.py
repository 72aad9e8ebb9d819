"""Oracle SQLPLAN checks: the 14 plan rules of the original over the captured plan trees.

Every check walks the trees of :mod:`.plan_tree` (built once per snapshot) and yields at most one
finding per (SQL_ID, PLAN_HASH_VALUE): object and checksum are the statement's ``SQL_ID:PHV``, so
a statement counts once per rule however many of its lines offend, and an exclusion can name the
SQL_ID or the pair. The finding lists the offending line ids (``lines``) so the report can mark them
in the plan, with the objects they read and their cost.

The original ran these rules as MongoDB server-side JavaScript over flat plan lines; where that
code read something a DBA would not (every NESTED LOOPS line as a level of nesting, "the line
after" a PARTITION line as the scanned object, a regex that could never match) the check does
what the rule's text in ``include/rules/oracle/sqlplan.yaml`` says, and that text says how.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Iterator

from themis.rules.checks import CheckFunction, oracle_register
from themis.rules.checks.oracle.plan_tree import (KEY_PARTITION_OPERATIONS, MB, Extent, ObjectFacts, PlanNode,
                                                   PlanTree, label, missing_plans, object_facts, plan_trees,
                                                   scan_extent, size_mb, statement_values)
from themis.rules.checks.sqltext import number
from themis.rules.snapshot import Finding, Note, Snapshot

PLAN = ("sql.plan",)
TABLE_READS = ("sql.plan", "obj.table")
INDEX_READS = ("sql.plan", "obj.index")
#: TABLE ACCESS options that read every block of the table (or of the partitions visited).
_FULL_SCAN = re.compile(r"^(STORAGE |INMEMORY )?FULL( FIRST ROWS)?$")
#: An implicit conversion as Oracle prints it: a conversion function applied to a bare column.
_CONVERSION = re.compile(r'\b(SYS_OP_C2C|INTERNAL_FUNCTION|TO_NUMBER|TO_CHAR|TO_NCHAR|TO_DATE|TO_TIMESTAMP(?:_TZ)?|'
                         r'TO_BINARY_DOUBLE|TO_BINARY_FLOAT)\(\s*("[^"]+"(?:\."[^"]+")?)\s*\)')
_ENCLOSING_CALL = re.compile(r"\b(TO_[A-Z_]+)\(\s*$")
_WRITTEN_CALL = re.compile(r"\b(TO_[A-Z_]+)\s*\(", re.IGNORECASE)


def register(name: str, params: tuple[str, ...] = (),
             reads: tuple[str, ...] = PLAN) -> Callable[[CheckFunction], CheckFunction]:
    return oracle_register(name, "SQLPLAN", params=params, reads=reads)


# ------------------------------------------------------------------------------ shared


#: A plan rule's test: the report values of a plan's offending lines, or None when it has none.
PlanTest = Callable[[PlanTree, ObjectFacts, dict[str, Any]], dict[str, Any] | None]


def plan_findings(snapshot: Snapshot, params: dict[str, Any], test: PlanTest) -> Iterator[Finding | Note]:
    """One finding per plan ``test`` reports (its values: offending ``lines`` and what they read)."""
    facts = object_facts(snapshot)
    for tree in plan_trees(snapshot):
        values = test(tree, facts, params)
        if values is not None:
            yield Finding(tree.checksum, {**statement_values(tree), **values}, checksum=tree.checksum)
    missing = missing_plans(snapshot)
    if missing:
        yield Note(f"{missing} statement(s) of the window have no plan in AWR or the cursor cache: not judged")


def hit_values(hits: list[PlanNode], **extra: Any) -> dict[str, Any] | None:
    """Report values of a plan's offending lines; None (no finding) without any."""
    if not hits:
        return None
    costs = [c for c in (n.cost for n in hits) if c is not None]
    objects = list(dict.fromkeys(n.object_label for n in hits if n.object_label))
    return {"lines": sorted({n.id for n in hits}), "objects": ", ".join(objects),
            "cost": max(costs) if costs else None, **extra}


def is_full_table_scan(node: PlanNode) -> bool:
    return node.is_table_access and bool(_FULL_SCAN.match(node.options))


def big_scans(nodes: Iterable[PlanNode], facts: ObjectFacts, params: dict[str, Any]) -> list[tuple[PlanNode, Extent]]:
    """Full scans reading more than ``table_row_num`` rows or ``table_phy_size`` MB (tables the OBJ
    capture does not know cannot be judged and are left out)."""
    max_rows, max_bytes = int(params["table_row_num"]), float(params["table_phy_size"]) * MB
    out = []
    for node in nodes:
        table = facts.tables.get(node.object_key) if is_full_table_scan(node) and node.object_key else None
        if table is not None:
            extent = scan_extent(node, table, facts)
            if extent.rows > max_rows or extent.size_bytes > max_bytes:
                out.append((node, extent))
    return out


def scan_values(scans: list[tuple[PlanNode, Extent]]) -> dict[str, Any] | None:
    return hit_values([node for node, _ in scans],
                      num_rows=max((e.rows for _, e in scans), default=None),
                      size_mb=max((size_mb(e.size_bytes) for _, e in scans), default=None),
                      partitions=", ".join(dict.fromkeys(e.partitions for _, e in scans)))


def big_index_scans(tree: PlanTree, facts: ObjectFacts, limit_mb: float,
                    accepts: Callable[[PlanNode], bool]) -> dict[str, Any] | None:
    hits = [node for node in tree.walk() if node.is_index_access and accepts(node)
            and node.object_key in facts.indexes
            and (number(facts.indexes[node.object_key].get("size_bytes")) or 0) > limit_mb * MB]
    return hit_values(hits, size_mb=max((size_mb(facts.indexes[n.object_key].get("size_bytes")) for n in hits),
                                        default=None))


# ------------------------------------------------------------------------------ full scans


@register("oracle_plan_table_full_scan", params=("table_phy_size", "table_row_num"), reads=TABLE_READS)
def table_full_scan(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """Full scans of big tables: rows or size of what is scanned (the partitions visited)."""
    return plan_findings(snapshot, params, lambda tree, facts, p: scan_values(big_scans(tree.walk(), facts, p)))


def inner_sides(tree: PlanTree) -> Iterator[tuple[PlanNode, PlanNode]]:
    """(loop line, inner child): what a NESTED LOOPS runs once per row of its first child, and
    what a FILTER with subqueries runs per row of its first child (the original's FILTER too)."""
    for node in tree.walk():
        if node.operation == "NESTED LOOPS" or (node.operation == "FILTER" and len(node.children) > 1):
            for child in node.children[1:]:
                yield node, child


@register("oracle_plan_loop_inner_full_scan", params=("table_phy_size", "table_row_num"), reads=TABLE_READS)
def loop_inner_full_scan(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """Full scans of big tables on the inner side of a nested loop: repeated per outer row.
    Below a BUFFER SORT the input is read once and replayed, so those scans are not counted."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        loops: dict[int, PlanNode] = {}
        inner: dict[int, PlanNode] = {}
        for loop, child in inner_sides(tree):
            for node in child.walk(stop_at=frozenset({"BUFFER"})):
                if is_full_table_scan(node):
                    inner.setdefault(node.id, node)
                    loops.setdefault(node.id, loop)
        scans = big_scans(inner.values(), facts, p)
        values = scan_values(scans)
        if values is not None:
            values["loop_lines"] = sorted({loops[n.id].id for n, _ in scans})
        return values

    return plan_findings(snapshot, params, test)


@register("oracle_plan_index_fast_full_scan", params=("ind_phy_size",), reads=INDEX_READS)
def index_fast_full_scan(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """INDEX FAST FULL SCAN (multiblock reads of every index block) of indexes above the size."""
    return plan_findings(snapshot, params, lambda tree, facts, p: big_index_scans(
        tree, facts, float(p["ind_phy_size"]), lambda n: n.options.startswith("FAST FULL SCAN")))


@register("oracle_plan_index_full_scan", params=("ind_phy_size",), reads=INDEX_READS)
def index_full_scan(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """INDEX FULL SCAN (every leaf block, in order) of indexes above the size. FULL SCAN (MIN/MAX)
    reads one edge of the index, not all of it, and is not reported."""
    return plan_findings(snapshot, params, lambda tree, facts, p: big_index_scans(
        tree, facts, float(p["ind_phy_size"]), lambda n: n.options in ("FULL SCAN", "FULL SCAN DESCENDING")))


@register("oracle_plan_index_skip_scan")
def index_skip_scan(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """INDEX SKIP SCAN: the leading column is not in the predicate; the index's columns are shown
    (when captured) because the fix is usually their order."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        hits = [n for n in tree.walk() if n.is_index_access and n.options.startswith("SKIP SCAN")]
        columns = [", ".join(c["column"] for c in sorted(facts.indexes[n.object_key].get("columns") or [],
                                                         key=lambda c: number(c.get("position")) or 0))
                   for n in hits if n.object_key in facts.indexes]
        return hit_values(hits, index_columns="; ".join(columns))

    return plan_findings(snapshot, params, test)


# ------------------------------------------------------------------------------ joins


def is_join_loop(node: PlanNode) -> bool:
    """A NESTED LOOPS that joins a row source. Since 11g Oracle prints a nested-loop join with
    batched rowid fetches as two NESTED LOOPS lines: the outer one's inner child is a childless
    TABLE ACCESS BY ... ROWID fetching the rows the inner loop's index probe found. That half is
    the same join, not another level of nesting."""
    if node.operation != "NESTED LOOPS":
        return False
    inner = node.children[1] if len(node.children) > 1 else None
    return not (inner is not None and inner.is_table_access and "ROWID" in inner.options and not inner.children)


def deepest_loop_chain(tree: PlanTree) -> tuple[PlanNode, ...]:
    """The longest run of nested-loop joins on one root-to-leaf path."""
    best: tuple[PlanNode, ...] = ()
    stack: list[tuple[PlanNode, tuple[PlanNode, ...]]] = [(root, ()) for root in tree.roots]
    while stack:
        node, chain = stack.pop()
        if is_join_loop(node):
            chain = chain + (node,)
            if len(chain) > len(best):
                best = chain
        stack.extend((child, chain) for child in node.children)
    return best


@register("oracle_plan_loop_depth", params=("loop_num",))
def loop_depth(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """Nested loops nested ``loop_num`` deep or more on one path: each level multiplies the work
    of the levels below it by its outer row count."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        chain = deepest_loop_chain(tree)
        if len(chain) < int(p["loop_num"]):
            return None
        tables = {label(t) for n in chain for d in n.walk() if (t := facts.table_of(d))}
        return {**(hit_values(list(chain)) or {}), "objects": ", ".join(sorted(tables)), "depth": len(chain)}

    return plan_findings(snapshot, params, test)


@register("oracle_plan_merge_join_cartesian")
def merge_join_cartesian(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """MERGE JOIN CARTESIAN: every row of one input joined with every row of the other."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        hits = tree.lines("MERGE JOIN", "CARTESIAN")
        tables = dict.fromkeys(label(t) for n in hits for d in n.walk() if (t := facts.table_of(d)))
        estimates = [n.cardinality for n in hits if n.cardinality is not None]
        values = hit_values(hits, cardinality=max(estimates, default=None))
        return None if values is None else {**values, "objects": ", ".join(tables)}

    return plan_findings(snapshot, params, test)


@register("oracle_plan_table_count", params=("tab_num",))
def table_count(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """At least ``tab_num`` distinct tables in one plan: a table read twice (a self-join, a table
    and its index) counts once; PX table queues, WITH temp tables and Oracle's internal views are
    not tables."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        reads = [(node, table) for node in tree.walk() if (table := facts.table_of(node))]
        tables = list(dict.fromkeys(label(t) for _, t in reads))
        if len(tables) < int(p["tab_num"]):
            return None
        return {**(hit_values([n for n, _ in reads]) or {}), "objects": ", ".join(tables), "tables": len(tables)}

    return plan_findings(snapshot, params, test)


@register("oracle_plan_parallel")
def parallel(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """Plans run in parallel (a PX COORDINATOR line); the objects its slaves read."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        hits = tree.lines("PX COORDINATOR")
        read = dict.fromkeys(d.object_label for n in hits for d in n.walk()
                             if d.object_key and not d.is_internal_object)
        values = hit_values(hits)
        return None if values is None else {**values, "objects": ", ".join(read)}

    return plan_findings(snapshot, params, test)


# ------------------------------------------------------------------------------ partitions


def partitioning(key: tuple[str, str], facts: ObjectFacts) -> str:
    """``OWNER.TABLE (RANGE on SALE_DATE, 24 partitions)``; the bare name when the OBJ capture does
    not hold the table."""
    table = facts.tables.get(key) or {}
    kind, keys, count = table.get("partitioning_type"), table.get("partition_keys"), table.get("partition_count")
    parts = [f"{kind or ''} on {', '.join(keys)}".strip() if keys else str(kind or ""),
             f"{count} partitions" if count is not None else ""]
    detail = ", ".join(part for part in parts if part)
    return f"{label(key)} ({detail})" if detail else label(key)


def partition_scan(tree: PlanTree, facts: ObjectFacts, options: tuple[str, ...]) -> dict[str, Any] | None:
    """RANGE/LIST partition iterators with ``options`` and what they iterate over: the table and
    index lines in their subtree (the objects actually scanned partition by partition), with the
    partitioned table's partitioning."""
    iterators = [n for n in tree.walk() if n.operation in KEY_PARTITION_OPERATIONS and n.options in options]
    if not iterators:
        return None
    scanned = list(dict.fromkeys(d for n in iterators for d in n.walk()
                                 if d is not n and d.object_key and not d.is_internal_object))
    tables = dict.fromkeys(t for d in scanned if (t := facts.table_of(d)))
    values = hit_values(iterators + scanned) or {}
    values.update(objects=", ".join(dict.fromkeys(d.object_label for d in scanned)),
                  partitioned_tables="; ".join(partitioning(key, facts) for key in tables),
                  partitions=", ".join(dict.fromkeys(
                      f"{n.line.get('partition_start')}..{n.line.get('partition_stop')}" for n in iterators)))
    return values


def _partition_check(name: str, options: tuple[str, ...]) -> None:
    register(name)(lambda snapshot, params: plan_findings(
        snapshot, params, lambda tree, facts, p: partition_scan(tree, facts, options)))


_partition_check("oracle_plan_partition_all", ("ALL",))
_partition_check("oracle_plan_partition_inlist_or", ("INLIST", "OR"))
_partition_check("oracle_plan_partition_iterator", ("ITERATOR",))


# ------------------------------------------------------------------------------ predicates and views


def written_calls(sql_text: str) -> set[str]:
    """The TO_* functions a statement's own text calls."""
    return {name.upper() for name in _WRITTEN_CALL.findall(sql_text)}


def conversions(node: PlanNode, written: set[str]) -> list[str]:
    """Implicit conversions of columns in a line's access and filter predicates.

    Oracle prints them as a conversion wrapped around a bare column: ``SYS_OP_C2C("NAME")``
    (VARCHAR2 vs NVARCHAR2), ``INTERNAL_FUNCTION("D")`` (a DATE compared with a TIMESTAMP),
    ``TO_NUMBER("CODE")`` (a character column compared with a number). A TO_* function the
    statement's own text calls (``written``) may be the author's, and an INTERNAL_FUNCTION directly inside such
    a call is how Oracle prints its argument (``TO_CHAR(INTERNAL_FUNCTION("D"),'YYYY')``): both are
    left to the TEXT rules on functions over columns.
    """
    found = []
    for predicate in node.predicates:
        for match in _CONVERSION.finditer(predicate):
            function = match.group(1).upper()
            enclosing = _ENCLOSING_CALL.search(predicate[:match.start()].upper())
            if function.startswith("TO_") and function in written:
                continue
            if function == "INTERNAL_FUNCTION" and enclosing and enclosing.group(1) in written:
                continue
            found.append(match.group(0))
    return found


@register("oracle_plan_implicit_conversion")
def implicit_conversion(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """Columns implicitly converted in a plan's predicates (they disable an index on the column)."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        written = written_calls(str(tree.statement.get("sample") or ""))
        found = {node: conversions(node, written) for node in tree.walk() if node.predicates}
        hits = [node for node, items in found.items() if items]
        return hit_values(hits, conversions=", ".join(dict.fromkeys(c for n in hits for c in found[n])))

    return plan_findings(snapshot, params, test)


@register("oracle_plan_view_scan", reads=("sql.plan", "obj.view"))
def view_scan(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """VIEW lines over views of the audited schemas (obj.view): the view could not be merged into
    the query and is evaluated on its own. Oracle's internal views (VW_NSO_1, index$_join$_001)
    and unnamed inline views are not views of the schema and never match."""

    def test(tree: PlanTree, facts: ObjectFacts, p: dict[str, Any]) -> dict[str, Any] | None:
        hits = [n for n in tree.walk() if n.operation == "VIEW" and n.object_key in facts.views]
        referenced = dict.fromkeys(f"{r.get('owner')}.{r.get('name')}" for n in hits
                                   for r in facts.views[n.object_key].get("references") or [])
        return hit_values(hits, references=", ".join(referenced))

    return plan_findings(snapshot, params, test)
