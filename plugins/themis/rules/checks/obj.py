"""OBJ checks: schema objects from information_schema / the data dictionary.

Only base tables count as tables: information_schema.TABLES also lists views, which the
original reported as "tables without a primary key".
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Iterator

from themis.rules.checks import register
from themis.rules.snapshot import Finding, Snapshot

LOB_TYPES = frozenset({"tinyblob", "blob", "mediumblob", "longblob", "tinytext", "text", "mediumtext", "longtext"})


def base_tables(snapshot: Snapshot) -> Iterator[dict[str, Any]]:
    return (t for t in snapshot.tables if t.get("table_type", "BASE TABLE") == "BASE TABLE")


def table_name(record: dict[str, Any]) -> str:
    return f"{record['schema']}.{record['table']}"


def _base_table_names(snapshot: Snapshot) -> set[str]:
    return {table_name(t) for t in base_tables(snapshot)}


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
        if name in tables and str(column.get("data_type", "")).lower() in LOB_TYPES:
            yield Finding(f"{name}.{column['column']}", {
                "table": name, "column": column["column"], "data_type": column.get("column_type") or column["data_type"]})


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
