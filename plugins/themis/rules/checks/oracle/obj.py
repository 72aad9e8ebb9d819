"""Oracle OBJ checks: the data dictionary (``DBA_*``) as captured in ``obj.*`` records.

The records are described in ``docs/oracle-records.md``. ``schema`` is always the owner of the
object a record is about, so an index's table is ``table_owner.table`` and the index itself is
``schema.index``. Recycle-bin objects are never captured, so no check filters ``BIN$`` names again
except where a record could still carry one (index usage comes from plans).

Where the original counted or matched something a DBA would not (any column in two indexes as a
"duplicate", hidden columns as columns, DATE-only timestamps, ...) the check does what the rule's
text in ``include/rules/oracle/obj.yaml`` says, and that text says how it differs.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any, Callable, Iterable, Iterator

from themis.rules.checks import oracle_register as register
from themis.rules.checks.obj import sampling_failures
from themis.rules.checks.value_types import DATE, DATETIME, DECIMAL, INTEGER, verdict
from themis.rules.snapshot import Finding, Note, Snapshot

MB = 1024**2
GB = 1024**3
#: Character types whose values can be classified (dates or numbers kept as text).
TEXT_TYPES = frozenset({"CHAR", "VARCHAR2", "VARCHAR", "NCHAR", "NVARCHAR2"})
#: Types whose DATA_LENGTH says nothing about a row's defined width (stored out of line or unbounded).
UNSIZED_TYPES = frozenset({"CLOB", "NCLOB", "BLOB", "BFILE", "LONG", "LONG RAW", "XMLTYPE", "ROWID", "UROWID"})
TIMESTAMP_PREFIXES = ("CREATE", "UPDATE")
#: Index types that are not the author's: Oracle creates them for LOB columns.
LOB_INDEX = "LOB"
IOT_TOP = "IOT - TOP"
_PLAIN_COLUMN = re.compile(r'^\s*"?[A-Za-z_][A-Za-z0-9_$#]*"?\s*$')


# ------------------------------------------------------------------------------ shared helpers


def table_name(record: dict[str, Any]) -> str:
    """``OWNER.TABLE`` of a table-level record (table, column, constraint, partition, lob, ...)."""
    return f"{record['schema']}.{record['table']}"


def index_table(index: dict[str, Any]) -> str:
    """``OWNER.TABLE`` of an index's table (its owner may differ from the index owner)."""
    return f"{index.get('table_owner') or index['schema']}.{index['table']}"


def index_name(index: dict[str, Any]) -> str:
    return f"{index['schema']}.{index['index']}"


def size_gb(size_bytes: Any) -> float:
    return round(int(size_bytes or 0) / GB, 2)


def size_mb(size_bytes: Any) -> float:
    return round(int(size_bytes or 0) / MB, 2)


def is_parallel(degree: Any) -> bool:
    """DEGREE as captured: an int, or ``DEFAULT`` (the instance's default degree: parallel).

    The original compared the padded string with ``> 1`` and failed with ORA-01722 on DEFAULT.
    """
    if degree is None:
        return False
    text = str(degree).strip().upper()
    if text == "DEFAULT":
        return True
    return text.isdigit() and int(text) > 1


def authored_columns(columns: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Columns the schema's author created: not the hidden ``SYS_NC…$`` columns of function-based
    indexes, not columns set UNUSED (``user_generated`` false). Invisible and virtual columns the
    author declared do count."""
    out = []
    for column in columns:
        generated = column.get("user_generated")
        if generated is False or (generated is None and column.get("hidden")):
            continue
        out.append(column)
    return out


def _grouped(snapshot: Snapshot, kind: str, key: Callable[[dict[str, Any]], str]) -> dict[str, list[dict[str, Any]]]:
    """``kind``'s records grouped by ``key``, in capture order; built once per snapshot and shared
    by the checks of one run (an export of 20,000 tables has 400,000 columns)."""
    cache_key = f"oracle.{kind}.by.{key.__name__}"
    if cache_key not in snapshot.cache:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in snapshot.of(kind):
            grouped[key(record)].append(record)
        snapshot.cache[cache_key] = dict(grouped)
    return snapshot.cache[cache_key]


def columns_by_table(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    return _grouped(snapshot, "obj.column", table_name)


def indexes_by_table(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    return _grouped(snapshot, "obj.index", index_table)


def index_keys(index: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """An index's key, position by position: the expression where the position has one (a
    function-based or descending index names a hidden ``SYS_NC…$`` column), else the column; with
    its ASC/DESC."""
    expressions = {int(e["position"]): _unquoted(str(e["expression"])) for e in index.get("expressions") or []}
    parts = sorted(index.get("columns") or [], key=lambda c: int(c.get("position") or 0))
    return tuple((expressions.get(int(c.get("position") or 0), c["column"]), str(c.get("descend") or "ASC"))
                 for c in parts)


def _unquoted(expression: str) -> str:
    """``"COL"`` (a descending index's expression) as ``COL``; real expressions unchanged."""
    text = expression.strip()
    return text.strip('"') if _PLAIN_COLUMN.match(text) else text


def column_list(index: dict[str, Any]) -> str:
    return ", ".join(key if order == "ASC" else f"{key} DESC" for key, order in index_keys(index))


def serves_foreign_key(index: dict[str, Any], foreign_keys: list[list[str]]) -> bool:
    """True when the index's leading columns, in any order, are the columns of one of the table's
    foreign keys: such an index spares the child table a lock on every parent delete/key update."""
    leading = [c["column"] for c in sorted(index.get("columns") or [], key=lambda c: int(c.get("position") or 0))]
    return any(columns and set(leading[:len(columns)]) == set(columns) for columns in foreign_keys)


def foreign_keys_by_table(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    return _grouped(snapshot, "obj.foreign_key", table_name)


def _schema(record: dict[str, Any]) -> str:
    return str(record["schema"])


def tables_by_schema(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    return _grouped(snapshot, "obj.table", _schema)


# ------------------------------------------------------------------------------ size and rows


@register("oracle_big_table", "OBJ", params=("tab_phy_size",))
def big_table(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Non-partitioned tables above ``tab_phy_size`` GB: a partitioned one can already be
    maintained piece by piece. LOB segments are reported apart (``lob_bytes``), not counted."""
    limit = float(params["tab_phy_size"])
    for table in snapshot.tables:
        if not table.get("partitioned") and int(table.get("size_bytes") or 0) / GB > limit:
            yield Finding(table_name(table), {"table": table_name(table), "size_gb": size_gb(table["size_bytes"])})


@register("oracle_big_table_count", "OBJ", params=("tab_phy_size", "big_table_percent"))
def big_table_count(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Every big table of a schema where big tables (``size_bytes`` ≥ ``tab_phy_size`` MB) are at
    least ``big_table_percent`` % of all its tables; nothing elsewhere.

    One finding per big table, so the standard score grows with the number of big tables.
    """
    limit, percent = float(params["tab_phy_size"]) * MB, float(params["big_table_percent"])
    for schema, tables in sorted(tables_by_schema(snapshot).items()):
        big = [t for t in tables if int(t.get("size_bytes") or 0) >= limit]
        ratio = 100.0 * len(big) / len(tables)
        if big and ratio >= percent:
            for table in big:
                yield Finding(table_name(table), {
                    "table": table_name(table), "size_mb": size_mb(table["size_bytes"]), "big_tables": len(big),
                    "all_tables": len(tables), "big_table_percent": round(ratio, 2)})


@register("oracle_count_record_tab", "OBJ", params=("record_count",))
def count_record_tab(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """NUM_ROWS (optimizer statistics) of each non-partitioned table and of each partition."""
    limit = int(params["record_count"])
    for table in snapshot.tables:
        if not table.get("partitioned") and int(table.get("num_rows") or 0) > limit:
            yield Finding(table_name(table), {"table": table_name(table), "partition": "",
                                              "num_rows": table["num_rows"]})
    for part in snapshot.partitions:
        if int(part.get("num_rows") or 0) > limit:
            yield Finding(f"{table_name(part)}.{part['partition']}", {
                "table": table_name(part), "partition": part["partition"], "num_rows": part["num_rows"]})


@register("oracle_long_column_tab", "OBJ", params=("data_len_ratio",))
def long_column_tab(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Tables whose AVG_ROW_LEN is under ``data_len_ratio`` × their defined row length.

    Defined length per column: CHAR_LENGTH for character-semantics columns (a character takes at
    least one byte in every character set), DATA_LENGTH (bytes) otherwise; LOB, LONG and ROWID
    types are left out (their DATA_LENGTH is no declared width), and so are virtual columns (not
    stored in the row). Tables without statistics, or empty, are not judged: AVG_ROW_LEN 0 says
    nothing.
    """
    ratio_limit = float(params["data_len_ratio"])
    columns = columns_by_table(snapshot)
    for table in snapshot.tables:
        name, avg = table_name(table), table.get("avg_row_len")
        if not avg or not table.get("num_rows"):
            continue
        defined = sum(defined_bytes(c) for c in authored_columns(columns.get(name, [])))
        if defined and avg / defined < ratio_limit:
            yield Finding(name, {"table": name, "defined_bytes": defined, "avg_row_len": avg,
                                 "ratio": round(avg / defined, 2)})


def defined_bytes(column: dict[str, Any]) -> int:
    """A column's declared width in bytes, independent of the database character set."""
    base = str(column.get("data_type") or "").split("(")[0].upper()
    if base in UNSIZED_TYPES or column.get("virtual"):
        return 0
    if column.get("char_used") == "C" and column.get("char_length"):
        return int(column["char_length"])
    return int(column.get("data_length") or 0)


# ------------------------------------------------------------------------------ partitions


def _partition_counts(snapshot: Snapshot) -> Counter[str]:
    return Counter(table_name(p) for p in snapshot.partitions)


@register("oracle_count_subpart_tab", "OBJ", params=("subpart_tab_num",))
def count_subpart_tab(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Partitions with at least ``subpart_tab_num`` subpartitions (their count, else the
    captured subpartitions)."""
    limit = int(params["subpart_tab_num"])
    counted = Counter((table_name(s), s["partition"]) for s in snapshot.of("obj.subpartition"))
    for part in snapshot.partitions:
        count = part.get("subpartition_count")
        count = int(count) if count is not None else counted[(table_name(part), part["partition"])]
        if count >= limit:
            yield Finding(f"{table_name(part)}.{part['partition']}", {
                "table": table_name(part), "partition": part["partition"], "subpartition_count": count})


@register("oracle_count_sumpart_full_tab", "OBJ", params=("part_tab_num",))
def count_sumpart_full_tab(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Every partitioned table of a schema that has more than ``part_tab_num`` of them."""
    limit = int(params["part_tab_num"])
    for schema, tables in sorted(tables_by_schema(snapshot).items()):
        partitioned = [t for t in tables if t.get("partitioned")]
        if len(partitioned) > limit:
            for table in partitioned:
                yield Finding(table_name(table), {
                    "table": table_name(table), "partitioning_type": table.get("partitioning_type") or "",
                    "partitioned_tables": len(partitioned)})


@register("oracle_count_sumpart_single_tab", "OBJ", params=("part_tab_num",))
def count_sumpart_single_tab(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Tables with at least ``part_tab_num`` partitions: the partitions that exist (DBA_TAB_PARTITIONS), not
    DBA_PART_TABLES.PARTITION_COUNT, which is 1048575 for every interval-partitioned table."""
    limit = int(params["part_tab_num"])
    counted = _partition_counts(snapshot)
    for table in snapshot.tables:
        if not table.get("partitioned"):
            continue
        count = counted[table_name(table)]
        if count >= limit:
            yield Finding(table_name(table), {"table": table_name(table), "partition_count": count})


# ------------------------------------------------------------------------------ tables and columns


@register("oracle_table_col_num", "OBJ", params=("column_count",))
def table_col_num(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    limit = int(params["column_count"])
    columns = columns_by_table(snapshot)
    for table in snapshot.tables:
        count = len(authored_columns(columns.get(table_name(table), [])))
        if count > limit:
            yield Finding(table_name(table), {"table": table_name(table), "column_count": count})


@register("oracle_table_lob", "OBJ")
def table_lob(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for lob in snapshot.of("obj.lob"):
        yield Finding(f"{table_name(lob)}.{lob['column']}", {
            "table": table_name(lob), "column": lob["column"], "size_mb": size_mb(lob.get("size_bytes"))})


@register("oracle_table_mis_pk", "OBJ")
def table_mis_pk(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Tables with no primary-key constraint: a unique constraint allows NULLs and is not one."""
    with_pk = {table_name(c) for c in snapshot.constraints if c.get("constraint_type") == "P"}
    for table in snapshot.tables:
        if table_name(table) not in with_pk:
            yield Finding(table_name(table), {"table": table_name(table), "table_type": table.get("table_type") or ""})


def _is_timestamp_column(column: dict[str, Any]) -> bool:
    data_type = str(column.get("data_type") or "").upper()
    name = str(column.get("column") or "").upper()
    return (data_type == "DATE" or data_type.startswith("TIMESTAMP")) and name.startswith(TIMESTAMP_PREFIXES)


@register("oracle_timestamp", "OBJ")
def timestamp(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Tables without a DATE or TIMESTAMP column named CREATE%/UPDATE% (the original: DATE only)."""
    columns = columns_by_table(snapshot)
    for table in snapshot.tables:
        if not any(_is_timestamp_column(c) for c in authored_columns(columns.get(table_name(table), []))):
            yield Finding(table_name(table), {"table": table_name(table)})


@register("oracle_tab_parallel_on", "OBJ")
def tab_parallel_on(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for table in snapshot.tables:
        if is_parallel(table.get("degree")):
            yield Finding(table_name(table), {"table": table_name(table), "table_type": table.get("table_type") or "",
                                              "degree": table["degree"]})


# ------------------------------------------------------------------------------ constraints


@register("oracle_tab_exists_fk", "OBJ")
def tab_exists_fk(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """One finding per foreign-key constraint (a composite key once; the original: once per column)."""
    for fk in snapshot.foreign_keys:
        referenced = f"{fk.get('referenced_schema')}.{fk.get('referenced_table')}"
        yield Finding(f"{table_name(fk)}.{fk['constraint']}", {
            "table": table_name(fk), "constraint": fk["constraint"], "columns": ", ".join(fk.get("columns") or []),
            "referenced_table": referenced, "referenced_constraint": fk.get("referenced_constraint") or ""})


@register("oracle_table_fk_noind", "OBJ")
def table_fk_noind(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """One finding per column of each foreign key no index serves (see ``serves_foreign_key``)."""
    indexes = indexes_by_table(snapshot)
    for fk in snapshot.foreign_keys:
        name, columns = table_name(fk), list(fk.get("columns") or [])
        if any(serves_foreign_key(index, [columns]) for index in indexes.get(name, [])):
            continue
        for column in columns:
            yield Finding(f"{name}.{column}", {"table": name, "column": column, "constraint": fk["constraint"]})


# ------------------------------------------------------------------------------ indexes


@register("oracle_singletable_index_num", "OBJ", params=("idx_count",))
def singletable_index_num(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Indexes per table, LOB indexes (Oracle's, one per LOB column) not counted."""
    limit = int(params["idx_count"])
    for name, indexes in sorted(indexes_by_table(snapshot).items()):
        count = sum(1 for index in indexes if index.get("index_type") != LOB_INDEX)
        if count > limit:
            yield Finding(name, {"table": name, "index_count": count})


def _covers(other: dict[str, Any], other_keys: tuple, index: dict[str, Any], keys: tuple) -> bool:
    """Whether ``other`` makes ``index`` redundant: same type, ``keys`` a leading prefix of its keys,
    and it is longer, or enforces something, or (an identical twin) comes first by name."""
    if other is index or other.get("index_type") != index.get("index_type") or other_keys[:len(keys)] != keys:
        return False
    return (len(other_keys) > len(keys) or bool(other.get("unique") or other.get("constraint"))
            or other["index"] < index["index"])


@register("oracle_duplicate_index", "OBJ")
def duplicate_index(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Non-unique indexes whose key is a leading prefix (same order, same ASC/DESC) of another index
    of the same type on the same table, reported with the first index (by name) that covers them.
    Unique and constraint-backing indexes are never reported: they enforce something."""
    for name, indexes in sorted(indexes_by_table(snapshot).items()):
        keyed = sorted(((index_keys(i), i) for i in indexes if i.get("index_type") != LOB_INDEX),
                       key=lambda pair: pair[1]["index"])
        for keys, index in keyed:
            if index.get("unique") or index.get("constraint") or not keys:
                continue
            cover = next((other for other_keys, other in keyed if _covers(other, other_keys, index, keys)), None)
            if cover is not None:
                yield Finding(index_name(index), {
                    "table": name, "index": index_name(index), "columns": column_list(index),
                    "covered_by": index_name(cover), "covering_columns": column_list(cover)})


@register("oracle_global_part_index", "OBJ")
def global_part_index(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for index in snapshot.indexes:
        if index.get("partitioned") and str(index.get("locality") or "").upper() == "GLOBAL":
            yield Finding(index_name(index), {"index": index_name(index), "table": index_table(index)})


@register("oracle_idx_bitmap", "OBJ")
def idx_bitmap(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Bitmap indexes, function-based ones too (``FUNCTION-BASED BITMAP``)."""
    for index in snapshot.indexes:
        if "BITMAP" in str(index.get("index_type") or "").upper():
            yield Finding(index_name(index), {"index": index_name(index), "index_type": index["index_type"],
                                              "table": index_table(index), "columns": column_list(index)})


@register("oracle_idx_blevel", "OBJ", params=("idx_level",))
def idx_blevel(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    limit = int(params["idx_level"])
    for index in snapshot.indexes:
        if index.get("blevel") is not None and int(index["blevel"]) > limit:
            yield Finding(index_name(index), {"index": index_name(index), "index_type": index.get("index_type") or "",
                                              "blevel": index["blevel"], "table": index_table(index)})


@register("oracle_idx_clustering_factor", "OBJ", params=("cf_position", "min_blocks"))
def idx_clustering_factor(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """B-tree indexes whose clustering factor lies more than ``cf_position`` % of the way from the
    table's BLOCKS (rows stored in key order: one block visit per block) to its NUM_ROWS (a block
    visit per row). Bitmap indexes (their CF counts bitmap pieces), tables under ``min_blocks``
    blocks and tables without statistics or with at most one row per block are not judged."""
    limit, min_blocks = float(params["cf_position"]), int(params["min_blocks"])
    tables = {table_name(t): t for t in snapshot.tables}
    for index in snapshot.indexes:
        table = tables.get(index_table(index))
        cf = index.get("clustering_factor")
        if table is None or cf is None or "BITMAP" in str(index.get("index_type") or "").upper():
            continue
        blocks, rows = int(table.get("blocks") or 0), int(table.get("num_rows") or 0)
        if blocks < max(min_blocks, 1) or rows <= blocks:
            continue
        position = 100.0 * (int(cf) - blocks) / (rows - blocks)
        if position > limit:
            yield Finding(index_name(index), {
                "index": index_name(index), "index_type": index.get("index_type") or "", "table": index_table(index),
                "clustering_factor": cf, "table_blocks": blocks, "table_rows": rows,
                "cf_position": round(position, 2)})


def real_expressions(index: dict[str, Any]) -> list[str]:
    """The index's expressions that are more than a column name: a descending index is typed
    FUNCTION-BASED NORMAL and lists its column (``"COL"``) as an expression, but has no function."""
    return [str(e["expression"]).strip() for e in index.get("expressions") or []
            if not _PLAIN_COLUMN.match(str(e.get("expression") or ""))]


@register("oracle_idx_func", "OBJ")
def idx_func(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for index in snapshot.indexes:
        expressions = real_expressions(index)
        if "FUNCTION-BASED" in str(index.get("index_type") or "").upper() and expressions:
            yield Finding(index_name(index), {"index": index_name(index), "index_type": index["index_type"],
                                              "table": index_table(index), "expressions": ", ".join(expressions)})


@register("oracle_idx_parallel_on", "OBJ")
def idx_parallel_on(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for index in snapshot.indexes:
        if is_parallel(index.get("degree")):
            yield Finding(index_name(index), {"index": index_name(index), "index_type": index.get("index_type") or "",
                                              "degree": index["degree"], "table": index_table(index)})


def _droppable(index: dict[str, Any]) -> bool:
    """Whether dropping the index is the author's choice: not one enforcing a primary key or
    uniqueness, not Oracle's LOB or IOT top index, not a recycle-bin object."""
    return not (index.get("constraint") or index.get("constraint_type") in ("P", "U") or index.get("unique")
                or index.get("index_type") in (LOB_INDEX, IOT_TOP) or str(index["index"]).startswith("BIN$"))


@register("oracle_invalid_index", "OBJ", reads=("obj.index_usage",))
def invalid_index(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Indexes no plan of the window uses. Indexes that serve a foreign key are kept: they are
    used by the parent's deletes and key updates (no plan line shows it) — TABLE_FK_NOIND asks
    for them."""
    used = {(u["schema"], u["index"]) for u in snapshot.of("obj.index_usage")}
    foreign_keys = {name: [list(fk.get("columns") or []) for fk in fks]
                    for name, fks in foreign_keys_by_table(snapshot).items()}
    for index in snapshot.indexes:
        if ((index["schema"], index["index"]) in used or not _droppable(index)
                or serves_foreign_key(index, foreign_keys.get(index_table(index), []))):
            continue
        yield Finding(index_name(index), {"index": index_name(index), "table": index_table(index),
                                          "index_type": index.get("index_type") or "",
                                          "size_mb": size_mb(index.get("size_bytes"))})


@register("oracle_combined_index_percent", "OBJ", params=("com_idx_percent",))
def combined_index_percent(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """One finding per schema whose composite indexes (more than one key column) are more than
    ``com_idx_percent`` % of its indexes, or which has tables and no index at all. LOB indexes do
    not count."""
    limit = float(params["com_idx_percent"])
    by_schema: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for index in snapshot.indexes:
        if index.get("index_type") != LOB_INDEX:
            by_schema[index["schema"]].append(index)
    for schema in sorted(set(by_schema) | set(tables_by_schema(snapshot))):
        indexes = by_schema.get(schema, [])
        composite = sum(1 for index in indexes if len(index.get("columns") or []) > 1)
        percent = 100.0 * composite / len(indexes) if indexes else None
        if percent is None or percent > limit:
            yield Finding(schema, {"schema": schema, "composite_indexes": composite, "indexes": len(indexes),
                                   "composite_percent": None if percent is None else round(percent, 2)})


# ------------------------------------------------------------------------------ other objects


@register("oracle_seq_cachesize", "OBJ", params=("cache_size",))
def seq_cachesize(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    limit = int(params["cache_size"])
    for sequence in snapshot.of("obj.sequence"):
        name = f"{sequence['schema']}.{sequence['sequence']}"
        if int(sequence.get("cache_size") or 0) < limit:
            yield Finding(name, {"sequence": name, "cache_size": sequence.get("cache_size") or 0})


@register("oracle_dblinks", "OBJ")
def dblinks(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for link in snapshot.of("obj.db_link"):
        yield Finding(f"{link['schema']}.{link['db_link']}", {
            "db_link": f"{link['schema']}.{link['db_link']}", "username": link.get("username") or "",
            "host": link.get("host") or ""})


@register("oracle_triggers", "OBJ")
def triggers(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for trigger in snapshot.triggers:
        owner = trigger.get("table_owner") or trigger["schema"]
        table = f"{owner}.{trigger['table']}" if trigger.get("table") else ""
        yield Finding(f"{trigger['schema']}.{trigger['name']}", {
            "trigger": f"{trigger['schema']}.{trigger['name']}", "table": table,
            "trigger_type": " ".join(str(trigger.get(k) or "") for k in ("trigger_type", "triggering_event")).strip()})


def _routines(snapshot: Snapshot, routine_type: str) -> Iterator[Finding]:
    for routine in snapshot.routines:
        if str(routine.get("routine_type") or "").upper() == routine_type:
            name = f"{routine['schema']}.{routine['name']}"
            yield Finding(name, {"name": name, "routine_type": routine_type, "status": routine.get("status") or ""})


@register("oracle_use_function", "OBJ")
def use_function(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return _routines(snapshot, "FUNCTION")


@register("oracle_use_procedure", "OBJ")
def use_procedure(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    return _routines(snapshot, "PROCEDURE")


# ------------------------------------------------------------------------------ sampled content


def oracle_type(kind: str, suggested: str) -> str | None:
    """The Oracle declaration for a verdict of ``value_types`` (which names MySQL types)."""
    if kind == DATE:
        return "DATE"
    if kind == DATETIME:
        fraction = re.search(r"\((\d)\)", suggested)
        return f"TIMESTAMP({fraction[1]})" if fraction else "DATE"
    if kind == INTEGER:
        return "NUMBER"
    if kind == DECIMAL:
        return suggested.replace("DECIMAL", "NUMBER")
    return None  # times of day: Oracle has no TIME type to suggest


def _base_type(column: dict[str, Any]) -> str:
    return str(column.get("data_type") or "").split("(")[0].upper()


def declared_type(column: dict[str, Any]) -> str:
    """The column's type as written in DDL: ``VARCHAR2(20 CHAR)``, ``NUMBER(8)``."""
    data_type = str(column.get("data_type") or "")
    if "(" in data_type:
        return data_type
    if _base_type(column) in TEXT_TYPES and column.get("char_length"):
        return f"{data_type}({column['char_length']}{' CHAR' if column.get('char_used') == 'C' else ''})"
    if data_type.upper() == "NUMBER" and column.get("data_precision") is not None:
        scale = column.get("data_scale")
        return f"NUMBER({column['data_precision']}{f',{scale}' if scale else ''})"
    return data_type


@register("oracle_col_wrong_type", "OBJ", params=("unrepeat_threshold", "match_percent"),
          reads=("obj.column_sample",))
def col_wrong_type(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """Character columns whose sampled values are dates or numbers, NUMBER columns holding
    YYYYMMDD dates; a note per table that could not be sampled (e.g. no SELECT on it)."""
    yield from sampling_failures(snapshot)
    samples = snapshot.of("obj.column_sample")
    by_name = {(table_name(c), c["column"]): c for c in snapshot.columns} if samples else {}
    for sample in samples:
        column = by_name.get((table_name(sample), sample["column"]))
        if column is None or sample.get("error"):
            continue
        found = verdict(sample.get("values") or [], min_distinct=int(params["unrepeat_threshold"]),
                        match_percent=float(params["match_percent"]))
        suggested = found and oracle_type(found.kind, found.suggested_type)
        declared = _base_type(column)
        if suggested and (declared in TEXT_TYPES or (declared == "NUMBER" and found.kind in (DATE, DATETIME))):
            yield Finding(f"{table_name(sample)}.{sample['column']}", {
                "table": table_name(sample), "column": sample["column"], "declared_type": declared_type(column),
                "suggested_type": suggested, "matching": f"{found.percent:g}% of {found.distinct}",
                "examples": ", ".join(found.examples)})

