"""Oracle dictionary rows into snapshot records (``docs/oracle-records.md``), whichever door read them.

Pure: rows in (lower-case keys, plain values, as :mod:`themis.capture.oracle.door` yields them),
records out. Both doors share it, so the export fixtures test the live path's shaping too. Here
the original's capture defects are fixed: a table's size is the sum of all its TABLE, TABLE
PARTITION and TABLE SUBPARTITION segments (LOB segments apart; an IOT's rows are in its index
segment), column counts are columns, a view keeps every dependency, a subpartition or partition
without a segment (deferred segment creation) has size 0, and nothing from the recycle bin.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any, Iterable, Iterator

Row = dict[str, Any]
MB = 1024 * 1024

TABLE_SEGMENTS = frozenset({"TABLE", "TABLE PARTITION", "TABLE SUBPARTITION"})
INDEX_SEGMENTS = frozenset({"INDEX", "INDEX PARTITION", "INDEX SUBPARTITION"})
LOB_SEGMENTS = frozenset({"LOBSEGMENT", "LOB PARTITION", "LOB SUBPARTITION", "LOBINDEX"})


def flag(value: Any) -> bool | None:
    """Oracle's YES/NO, Y/N and ENABLED/DISABLED flags as booleans (None stays None)."""
    if value is None:
        return None
    text = str(value).strip().upper()
    if text in ("YES", "Y", "ENABLED", "TRUE"):
        return True
    if text in ("NO", "N", "DISABLED", "FALSE", ""):
        return False
    return None


def degree(value: Any) -> int | str | None:
    """``DEGREE``/``INSTANCES`` are left-padded strings: ``'         1'`` -> 1, ``'   DEFAULT'`` -> 'DEFAULT'."""
    if value is None:
        return None
    text = str(value).strip()
    return int(text) if text.isdigit() else (text.upper() or None)


def mb(size: int | float) -> float:
    return round((size or 0) / MB, 2)


def text(value: Any) -> str | None:
    """A CHAR/VARCHAR2 value without the padding CHAR columns carry."""
    return None if value is None else str(value).strip()


class Segments:
    """Segment bytes by object, from ``segments.sql`` (one row per segment)."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.by_name: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.by_part: dict[tuple[str, str, str], int] = defaultdict(int)
        for row in rows:
            owner, name, kind = row["owner"], row["segment_name"], text(row["segment_type"]) or ""
            size = int(row.get("bytes") or 0)
            self.by_name[(owner, name)][kind] += size
            if row.get("partition_name"):
                self.by_part[(owner, name, row["partition_name"])] += size

    def bytes_of(self, owner: str, name: str | None, kinds: frozenset[str]) -> tuple[int, bool]:
        """(bytes, has a segment) of the named object's segments of ``kinds``."""
        found = self.by_name.get((owner, name or ""), {})
        sizes = [size for kind, size in found.items() if kind in kinds]
        return sum(sizes), bool(sizes)

    def part_bytes(self, owner: str, name: str, partition: str) -> tuple[int, bool]:
        key = (owner, name, partition)
        return self.by_part.get(key, 0), key in self.by_part


def grouped(rows: Iterable[Row], *keys: str) -> Iterator[tuple[tuple[Any, ...], list[Row]]]:
    """Consecutive rows with the same ``keys`` (the SQL orders them so)."""
    for key, group in itertools.groupby(rows, key=lambda row: tuple(row[k] for k in keys)):
        yield key, list(group)


# ------------------------------------------------------------------------------------ objects


def partitioning(part_tables: Iterable[Row], part_keys: Iterable[Row]) -> dict[tuple[str, str], Row]:
    """(owner, table) -> partitioning type, counts and key columns."""
    keys: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in part_keys:
        keys[(row["owner"], row["name"], row["key_level"])].append(row["column_name"])
    out: dict[tuple[str, str], Row] = {}
    for row in part_tables:
        owner, table = row["owner"], row["table_name"]
        sub = text(row.get("subpartitioning_type"))
        out[(owner, table)] = {
            "partitioning_type": text(row.get("partitioning_type")),
            "subpartitioning_type": None if sub in (None, "NONE") else sub,
            "partition_count": row.get("partition_count"),
            "partition_keys": keys.get((owner, table, "PARTITION"), []),
            "subpartition_keys": keys.get((owner, table, "SUBPARTITION"), []),
        }
    return out


def iot_indexes(index_rows: Iterable[Row]) -> dict[tuple[str, str], str]:
    """(table owner, table) -> the index segment that holds an IOT's rows (``IOT - TOP``)."""
    return {(r["table_owner"], r["table_name"]): r["index_name"] for r in index_rows
            if text(r.get("index_type")) == "IOT - TOP"}


def tables(rows: Iterable[Row], segments: Segments, parts: dict[tuple[str, str], Row],
           lob_segments: dict[tuple[str, str], list[str]], iot_top: dict[tuple[str, str], str]) -> Iterator[Row]:
    for row in rows:
        owner, table = row["owner"], row["table_name"]
        partitioned, temporary = bool(flag(row.get("partitioned"))), bool(flag(row.get("temporary")))
        iot = text(row.get("iot_type"))
        size, has_segment = segments.bytes_of(owner, table, TABLE_SEGMENTS)
        if iot and (owner, table) in iot_top:
            size, has_segment = segments.bytes_of(owner, iot_top[(owner, table)], INDEX_SEGMENTS)
        lob_bytes = sum(segments.bytes_of(owner, name, LOB_SEGMENTS)[0] for name in lob_segments.get((owner, table), []))
        record: Row = {
            "schema": owner, "table": table, "table_rows": row.get("num_rows"), "num_rows": row.get("num_rows"),
            "blocks": row.get("blocks"), "avg_row_len": row.get("avg_row_len"), "chain_cnt": row.get("chain_cnt"),
            "degree": degree(row.get("degree")), "partitioned": partitioned, "temporary": temporary,
            "iot_type": iot, "table_type": "PART" if partitioned else "TEMP" if temporary else "IOT" if iot else "NORMAL",
            "compression": text(row.get("compression")), "last_analyzed": row.get("last_analyzed"),
            "last_ddl_time": row.get("last_ddl_time"), "created": row.get("created"), "status": text(row.get("status")),
            "size_bytes": size, "size_mb": mb(size), "lob_bytes": lob_bytes, "segment_created": has_segment,
            "partitioning_type": None, "subpartitioning_type": None, "partition_count": None,
            "partition_keys": [], "subpartition_keys": [],
        }
        record.update(parts.get((owner, table), {}))
        yield record


def columns(rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        hidden = bool(flag(row.get("hidden_column")))
        generated = flag(row.get("user_generated"))
        if generated is None:  # 11g has no USER_GENERATED: hidden system columns are SYS_...
            generated = not (hidden and str(row["column_name"]).startswith("SYS_"))
        yield {
            "schema": row["owner"], "table": row["table_name"], "column": row["column_name"],
            "column_id": row.get("column_id"), "data_type": row.get("data_type"),
            "data_length": row.get("data_length"), "data_precision": row.get("data_precision"),
            "data_scale": row.get("data_scale"), "char_length": row.get("char_length"),
            "char_used": text(row.get("char_used")) or None, "is_nullable": flag(row.get("nullable")) is not False,
            "num_distinct": row.get("num_distinct"), "num_nulls": row.get("num_nulls"),
            "avg_col_len": row.get("avg_col_len"), "hidden": hidden,
            "virtual": bool(flag(row.get("virtual_column"))), "user_generated": generated,
        }


def indexes(rows: Iterable[Row], column_rows: Iterable[Row], expression_rows: Iterable[Row],
            segments: Segments) -> Iterator[Row]:
    index_columns: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in column_rows:
        index_columns[(row["index_owner"], row["index_name"])].append(
            {"column": row["column_name"], "position": row["column_position"], "descend": text(row.get("descend"))})
    expressions: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in expression_rows:
        expressions[(row["index_owner"], row["index_name"])].append(
            {"position": row["column_position"], "expression": row.get("column_expression")})
    for (owner, name), group in grouped(rows, "owner", "index_name"):
        row = group[0]  # an index backing both a PK and a UK: the PK (P sorts first)
        size, _ = segments.bytes_of(owner, name, INDEX_SEGMENTS)
        yield {
            "schema": owner, "index": name, "table_owner": row.get("table_owner"), "table": row.get("table_name"),
            "table_type": text(row.get("table_type")), "index_type": text(row.get("index_type")),
            "unique": text(row.get("uniqueness")) == "UNIQUE", "status": text(row.get("status")),
            "blevel": row.get("blevel"), "leaf_blocks": row.get("leaf_blocks"),
            "distinct_keys": row.get("distinct_keys"), "clustering_factor": row.get("clustering_factor"),
            "num_rows": row.get("num_rows"), "degree": degree(row.get("degree")),
            "partitioned": bool(flag(row.get("partitioned"))), "locality": text(row.get("locality")),
            "alignment": text(row.get("alignment")), "partitioning_type": text(row.get("partitioning_type")),
            "partition_count": row.get("partition_count"), "temporary": bool(flag(row.get("temporary"))),
            "generated": bool(flag(row.get("generated"))), "compression": text(row.get("compression")),
            "last_analyzed": row.get("last_analyzed"), "size_bytes": size, "size_mb": mb(size),
            "constraint": row.get("constraint_name"), "constraint_type": text(row.get("constraint_type")),
            "columns": index_columns.get((owner, name), []), "expressions": expressions.get((owner, name), []),
        }


def constraints(rows: Iterable[Row], referenced_rows: Iterable[Row]) -> tuple[list[Row], list[Row]]:
    """(obj.constraint records, obj.foreign_key records)."""
    referenced: dict[tuple[str, str], Row] = {}
    for (owner, name), group in grouped(referenced_rows, "owner", "constraint_name"):
        referenced[(owner, name)] = {"table": group[0]["table_name"], "columns": [r["column_name"] for r in group]}
    found, foreign = [], []
    for (owner, table, name), group in grouped(rows, "owner", "table_name", "constraint_name"):
        row = group[0]
        kind = text(row.get("constraint_type"))
        record = {"schema": owner, "table": table, "constraint": name, "constraint_type": kind,
                  "status": text(row.get("status")), "validated": text(row.get("validated")),
                  "generated": text(row.get("generated")), "index": row.get("index_name"),
                  "columns": [r["column_name"] for r in group if r.get("column_name") is not None],
                  "r_owner": row.get("r_owner"), "r_constraint": row.get("r_constraint_name")}
        found.append(record)
        if kind == "R":
            target = referenced.get((row.get("r_owner"), row.get("r_constraint_name")), {})
            foreign.append({"schema": owner, "table": table, "constraint": name, "columns": record["columns"],
                            "referenced_schema": row.get("r_owner"), "referenced_table": target.get("table"),
                            "referenced_constraint": row.get("r_constraint_name"),
                            "referenced_columns": target.get("columns", []),
                            "delete_rule": text(row.get("delete_rule")), "status": record["status"]})
    return found, foreign


def partitions(rows: Iterable[Row], subpartition_records: list[Row], segments: Segments) -> Iterator[Row]:
    sub_bytes: dict[tuple[str, str, str], int] = defaultdict(int)
    for sub in subpartition_records:
        sub_bytes[(sub["schema"], sub["table"], sub["partition"])] += sub["size_bytes"]
    for row in rows:
        owner, table, name = row["owner"], row["table_name"], row["partition_name"]
        own, has_segment = segments.part_bytes(owner, table, name)
        size = own + sub_bytes.get((owner, table, name), 0)
        yield {"schema": owner, "table": table, "partition": name, "position": row.get("partition_position"),
               "subpartition_count": row.get("subpartition_count"), "num_rows": row.get("num_rows"),
               "blocks": row.get("blocks"), "avg_row_len": row.get("avg_row_len"),
               "compression": text(row.get("compression")), "last_analyzed": row.get("last_analyzed"),
               "size_bytes": size, "size_mb": mb(size),
               "segment_created": has_segment or sub_bytes.get((owner, table, name), 0) > 0}


def subpartitions(rows: Iterable[Row], segments: Segments) -> Iterator[Row]:
    for row in rows:
        owner, table, name = row["owner"], row["table_name"], row["subpartition_name"]
        size, has_segment = segments.part_bytes(owner, table, name)
        yield {"schema": owner, "table": table, "partition": row["partition_name"], "subpartition": name,
               "position": row.get("subpartition_position"), "num_rows": row.get("num_rows"),
               "blocks": row.get("blocks"), "size_bytes": size, "size_mb": mb(size), "segment_created": has_segment}


def lobs(rows: Iterable[Row], segments: Segments) -> Iterator[Row]:
    for row in rows:
        owner = row["owner"]
        size = segments.bytes_of(owner, row.get("segment_name"), LOB_SEGMENTS)[0] \
            + segments.bytes_of(owner, row.get("index_name"), LOB_SEGMENTS)[0]
        yield {"schema": owner, "table": row["table_name"], "column": row["column_name"],
               "segment_name": row.get("segment_name"), "index_name": row.get("index_name"),
               "securefile": flag(row.get("securefile")), "in_row": flag(row.get("in_row")),
               "size_bytes": size, "size_mb": mb(size)}


def lob_segment_names(lob_records: Iterable[Row]) -> dict[tuple[str, str], list[str]]:
    """(owner, table) -> its LOB segment and LOB index names (for the table's ``lob_bytes``)."""
    names: dict[tuple[str, str], list[str]] = defaultdict(list)
    for lob in lob_records:
        names[(lob["schema"], lob["table"])] += [n for n in (lob.get("segment_name"), lob.get("index_name")) if n]
    return names


def sequences(rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        yield {"schema": row["owner"], "sequence": row["sequence_name"], "cache_size": row.get("cache_size"),
               "increment_by": row.get("increment_by"), "min_value": row.get("min_value"),
               "max_value": row.get("max_value"), "cycle_flag": flag(row.get("cycle_flag")),
               "order_flag": flag(row.get("order_flag")), "last_number": row.get("last_number")}


def db_links(rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        yield {"schema": row["owner"], "db_link": row["db_link"], "username": row.get("username"),
               "host": row.get("host"), "created": row.get("created")}


def triggers(rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        yield {"schema": row["owner"], "name": row["trigger_name"], "table": row.get("table_name"),
               "table_owner": row.get("table_owner"), "base_object_type": text(row.get("base_object_type")),
               "trigger_type": text(row.get("trigger_type")), "triggering_event": text(row.get("triggering_event")),
               "status": text(row.get("status"))}


def routines(rows: Iterable[Row]) -> Iterator[Row]:
    for row in rows:
        yield {"schema": row["owner"], "name": row["object_name"], "routine_type": text(row.get("object_type")),
               "status": text(row.get("status")), "last_ddl_time": row.get("last_ddl_time")}


def views(rows: Iterable[Row], dependency_rows: Iterable[Row]) -> Iterator[Row]:
    references: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in dependency_rows:
        references[(row["owner"], row["view_name"])].append(
            {"owner": row.get("referenced_owner"), "name": row.get("referenced_name"),
             "type": text(row.get("referenced_type"))})
    for row in rows:
        key = (row["owner"], row["view_name"])
        yield {"schema": key[0], "view": key[1], "text_length": row.get("text_length"),
               "references": references.get(key, [])}


def index_usage(rows: Iterable[Row], source: str) -> Iterator[Row]:
    for row in rows:
        yield {"schema": row["owner"], "index": row["index_name"], "sql_ids": row.get("sql_ids"), "source": source}
