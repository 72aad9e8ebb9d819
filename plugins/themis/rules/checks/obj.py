"""OBJ checks: schema objects from information_schema / the data dictionary.

Only tables count as tables: information_schema.TABLES also lists views (which the original
reported as "tables without a primary key") and MariaDB sequences; MariaDB's system-versioned
tables are tables. Partitioned tables are judged partition by partition where a rule is about
the size of one storage unit, as the original did.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from themis.rules.checks import mysql_register as register
from themis.rules.checks.mysql_types import data_type, key_bytes, record_bytes
from themis.rules.checks.value_types import DATE, DATETIME, verdict
from themis.rules.snapshot import Finding, Note, Snapshot

TABLE_TYPES = frozenset({"BASE TABLE", "SYSTEM VERSIONED"})
#: BLOB and TEXT of every size; JSON (MySQL's binary JSON is a LONGBLOB underneath; MariaDB's is LONGTEXT).
LOB_TYPES = frozenset({"tinyblob", "blob", "mediumblob", "longblob", "tinytext", "text", "mediumtext", "longtext",
                       "json"})
TEXT_TYPES = frozenset({"char", "varchar"})
INTEGER_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "integer", "bigint"})
TIMESTAMP_TYPES = frozenset({"datetime", "timestamp", "date"})
MAX_NOTES = 20  # a report row, not a log: the first tables that could not be sampled, then a count
UNINDEXABLE_SELECTIVITY = frozenset({"FULLTEXT", "SPATIAL"})
GB = 1024**3


def base_tables(snapshot: Snapshot) -> Iterator[dict[str, Any]]:
    return (t for t in snapshot.tables if t.get("table_type", "BASE TABLE") in TABLE_TYPES)


def table_name(record: dict[str, Any]) -> str:
    return f"{record['schema']}.{record['table']}"


def _base_table_names(snapshot: Snapshot) -> set[str]:
    return {table_name(t) for t in base_tables(snapshot)}


def columns_by_table(snapshot: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Columns grouped by ``schema.table``, in capture order; built once per snapshot (100k columns)."""
    if "obj.columns_by_table" not in snapshot.cache:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for column in snapshot.columns:
            grouped[table_name(column)].append(column)
        snapshot.cache["obj.columns_by_table"] = dict(grouped)
    return snapshot.cache["obj.columns_by_table"]


def _column(snapshot: Snapshot, table: str, name: str) -> dict[str, Any] | None:
    """The column record of ``schema.table`` named ``name`` (an index built once per snapshot)."""
    if "obj.column_by_name" not in snapshot.cache:
        snapshot.cache["obj.column_by_name"] = {(table_name(c), c["column"]): c for c in snapshot.columns}
    return snapshot.cache["obj.column_by_name"].get((table, name))


def _declared(column: dict[str, Any]) -> str:
    return str(column.get("column_type") or column.get("data_type") or "")


# ------------------------------------------------------------------------------ keys and structure


@register("table_without_primary_key", "OBJ")
def table_without_primary_key(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    with_pk = {table_name(ix) for ix in snapshot.indexes if ix.get("is_primary")}
    for table in base_tables(snapshot):
        name = table_name(table)
        if name not in with_pk:
            yield Finding(name, {"table": name, "engine": table.get("engine")})


@register("foreign_keys", "OBJ")
def foreign_keys(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    for fk in snapshot.foreign_keys:
        name = table_name(fk)
        referenced = f"{fk.get('referenced_schema')}.{fk.get('referenced_table')}"
        yield Finding(f"{name}.{fk['constraint']}", {
            "table": name, "constraint": fk["constraint"], "columns": ", ".join(fk.get("columns") or []),
            "referenced_table": referenced})


@register("lob_columns", "OBJ")
def lob_columns(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    tables = _base_table_names(snapshot)
    for column in snapshot.columns:
        name = table_name(column)
        if name in tables and data_type(column) in LOB_TYPES:
            yield Finding(f"{name}.{column['column']}", {
                "table": name, "column": column["column"], "data_type": _declared(column)})


@register("too_many_columns", "OBJ", params=("column_num",))
def too_many_columns(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    limit = int(params["column_num"])
    tables = _base_table_names(snapshot)
    counts = Counter(table_name(c) for c in snapshot.columns)
    for name in sorted(tables):
        if counts[name] > limit:
            yield Finding(name, {"table": name, "column_count": counts[name]})


@register("too_many_indexes", "OBJ", params=("index_num",))
def too_many_indexes(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    limit = int(params["index_num"])
    tables = _base_table_names(snapshot)
    counts = Counter(table_name(ix) for ix in snapshot.indexes if not ix.get("is_primary"))
    for name in sorted(tables):
        if counts[name] > limit:
            yield Finding(name, {"table": name, "index_count": counts[name]})


@register("too_many_tables", "OBJ", params=("table_num",))
def too_many_tables(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """One finding per schema with more tables than ``table_num`` (the original always returned one)."""
    limit = int(params["table_num"])
    counts = Counter(t["schema"] for t in base_tables(snapshot))
    for schema, count in sorted(counts.items()):
        if count > limit:
            yield Finding(schema, {"schema": schema, "table_count": count})


@register("routines_and_triggers", "OBJ", reads=("obj.routine", "obj.trigger"))
def routines_and_triggers(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Stored functions, procedures (information_schema.ROUTINES) and triggers.

    Both views list only what the audit user's privileges reach; when capture recorded either as not
    visible, the rule is "not evaluated" rather than a pass (``reads``).

    A function and a procedure may share a name, so a routine's object ends with its kind
    (``shop.f.function``); excluding ``shop.f`` still covers both.
    """
    for routine in snapshot.routines:
        kind = str(routine.get("routine_type") or "ROUTINE").upper()
        name = f"{routine['schema']}.{routine['name']}"
        yield Finding(f"{name}.{kind.lower()}", {"kind": kind, "name": name, "table": ""})
    for trigger in snapshot.triggers:
        table = table_name(trigger)
        yield Finding(f"{table}.{trigger['name']}", {
            "kind": "TRIGGER", "name": f"{trigger['schema']}.{trigger['name']}", "table": table})


# ------------------------------------------------------------------------------ size and rows


@dataclass(frozen=True)
class StorageUnit:
    """A non-partitioned table, or one partition of a partitioned table (its subpartitions summed)."""

    table: str
    partition: str | None
    rows: int
    bytes: int

    @property
    def object(self) -> str:
        return self.table if self.partition is None else f"{self.table}.{self.partition}"

    def values(self) -> dict[str, Any]:
        return {"table": self.table, "partition": self.partition or ""}


def _unit(table: str, partition: str | None, records: Iterable[dict[str, Any]]) -> StorageUnit:
    rows = size = 0
    for record in records:
        rows += int(record.get("table_rows") or 0)
        size += int(record.get("data_length") or 0) + int(record.get("index_length") or 0)
    return StorageUnit(table, partition, rows, size)


def storage_units(snapshot: Snapshot) -> Iterator[StorageUnit]:
    """Every table whose partitions were not captured, and every partition of the others."""
    partitions: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for record in snapshot.partitions:
        partitions[table_name(record)][record["partition"]].append(record)
    for table in base_tables(snapshot):
        name = table_name(table)
        if name in partitions:
            yield from (_unit(name, part, records) for part, records in partitions[name].items())
        else:
            yield _unit(name, None, [table])


@register("big_table_by_rows", "OBJ", params=("row_num",))
def big_table_by_rows(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """TABLE_ROWS is InnoDB's estimate: exact enough for a threshold in the millions."""
    limit = int(params["row_num"])
    for unit in storage_units(snapshot):
        if unit.rows > limit:
            yield Finding(unit.object, {**unit.values(), "table_rows": unit.rows})


@register("big_table_by_size", "OBJ", params=("table_size",))
def big_table_by_size(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Data plus indexes in GB (1024³ bytes) against ``table_size`` GB: the original compared the
    GB threshold with DATA_LENGTH in bytes and so flagged every table."""
    limit = float(params["table_size"])
    for unit in storage_units(snapshot):
        if unit.bytes / GB > limit:
            yield Finding(unit.object, {**unit.values(), "size_gb": round(unit.bytes / GB, 3)})


# ------------------------------------------------------------------------------ indexes


@register("index_selectivity", "OBJ", params=("selectivity", "min_rows"))
def index_selectivity(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Distinct keys of the whole index (its last column's prefix cardinality) per 100 table rows.

    Once per index, not once per column as the original; unique indexes cannot be unselective,
    full-text and spatial ones have no cardinality, and an index without statistics (0 or NULL) is
    not judged. Tables under ``min_rows`` rows are skipped: on them a scan costs nothing.
    """
    threshold, min_rows = float(params["selectivity"]), max(1, int(params["min_rows"]))
    rows = {table_name(t): int(t.get("table_rows") or 0) for t in base_tables(snapshot)}
    for index in snapshot.indexes:
        name, cardinality = table_name(index), index.get("cardinality")
        if (index.get("unique") or index.get("is_primary") or not cardinality or rows.get(name, 0) < min_rows
                or str(index.get("index_type") or "").upper() in UNINDEXABLE_SELECTIVITY):
            continue
        percent = 100.0 * int(cardinality) / rows[name]
        if percent < threshold:
            yield Finding(f"{name}.{index['index']}", {
                "table": name, "index": index["index"],
                "columns": ", ".join(c["column"] for c in index.get("columns") or []),
                "cardinality": cardinality, "table_rows": rows[name], "selectivity": round(percent, 5)})


@register("primary_key_length", "OBJ", params=("primarykey_length",))
def primary_key_length(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Most bytes of the primary key (prefixes and character sets counted): InnoDB copies it into
    every secondary index entry."""
    limit = int(params["primarykey_length"])
    tables = _base_table_names(snapshot)
    for index in snapshot.indexes:
        name = table_name(index)
        if not index.get("is_primary") or name not in tables:
            continue
        parts = [(part, _column(snapshot, name, part["column"])) for part in index.get("columns") or []]
        length = sum((key_bytes(column, part.get("sub_part")) or 0) for part, column in parts if column)
        if length > limit:
            yield Finding(name, {
                "table": name, "columns": ", ".join(part["column"] for part, _ in parts),
                "types": ", ".join(_declared(column) if column else "?" for _, column in parts), "length": length})


# ------------------------------------------------------------------------------ columns


@register("record_length", "OBJ", params=("record_length",))
def record_length(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Defined row length in bytes (every type, character sets, length bytes, NULL flags; off-row
    BLOB/TEXT as their in-row pointer) against ``record_length``; AVG_ROW_LENGTH shown beside it."""
    limit = int(params["record_length"])
    columns = columns_by_table(snapshot)
    for table in base_tables(snapshot):
        name = table_name(table)
        length = record_bytes(columns.get(name, []))
        if length > limit:
            yield Finding(name, {"table": name, "avg_row_length": table.get("avg_row_length"),
                                 "defined_length": length})


@register("table_without_timestamp", "OBJ", params=("column_patterns",))
def table_without_timestamp(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Tables with no DATE/DATETIME/TIMESTAMP column whose name contains one of ``column_patterns``."""
    patterns = [str(p).lower() for p in params["column_patterns"]]
    columns = columns_by_table(snapshot)
    for table in base_tables(snapshot):
        name = table_name(table)
        if not any(data_type(c) in TIMESTAMP_TYPES and any(p in c["column"].lower() for p in patterns)
                   for c in columns.get(name, [])):
            yield Finding(name, {"table": name})


def _wrong_type(column: dict[str, Any], kind: str) -> bool:
    """Text holding dates or numbers; an integer holding YYYYMMDD dates."""
    declared = data_type(column)
    return declared in TEXT_TYPES or (declared in INTEGER_TYPES and kind in (DATE, DATETIME))


def sampling_failures(snapshot: Snapshot) -> Iterator[Note]:
    """One note per table whose values could not be sampled (time limit, privilege), capped at MAX_NOTES:
    the rule looked at those tables' declarations only, and the report must say so."""
    failed: dict[str, str] = {}
    for sample in snapshot.of("obj.column_sample"):
        if sample.get("error"):
            failed.setdefault(table_name(sample), str(sample["error"]))
    for name, error in sorted(failed.items())[:MAX_NOTES]:
        yield Note(f"{name} could not be sampled: {error}")
    if len(failed) > MAX_NOTES:
        yield Note(f"… and {len(failed) - MAX_NOTES} more tables could not be sampled")


@register("column_wrong_type", "OBJ", params=("min_distinct", "match_percent"))
def column_wrong_type(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding | Note]:
    """Columns whose sampled values (``obj.column_sample``) fit a narrower type than declared; a note per
    table that could not be sampled."""
    yield from sampling_failures(snapshot)
    tables = _base_table_names(snapshot)
    for sample in snapshot.of("obj.column_sample"):
        name = table_name(sample)
        column = _column(snapshot, name, sample["column"]) if name in tables else None
        found = column and verdict(sample.get("values") or [], min_distinct=int(params["min_distinct"]),
                                   match_percent=float(params["match_percent"]))
        if found and _wrong_type(column, found.kind):
            yield Finding(f"{name}.{sample['column']}", {
                "table": name, "column": sample["column"], "declared_type": _declared(column),
                "suggested_type": found.suggested_type, "matching": f"{found.percent:g}% of {found.distinct}",
                "examples": ", ".join(found.examples)})
