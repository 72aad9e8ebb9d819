"""Write an Oracle dictionary export (the format of ``oracle-export.md``) without an Oracle server.

Why: no Oracle can run on our machines, yet the capture SQL, the loader and the 30 OBJ rules must be
tested on data shaped like a real 19c dictionary. This script writes such an export: one CSV per view
of ``include/sql/oracle/views.yaml`` (header = the documented columns, UTF-8, RFC 4180, strings quoted
as SQLcl's ``SET MARKUP CSV ON QUOTE ON`` does, an empty unquoted field = NULL, dates
``YYYY-MM-DD HH24:MI:SS``, AWR timestamps with ``.FF3``) plus ``export.json``.

Two profiles, both deterministic for a given ``--seed`` and offline:

* ``sample``: two audited schemas (SALES, HR) holding, for every OBJ rule of the inventory, at least
  one object the rule must report and one near-miss it must not (``tests/data/oracle/
  sample_expected_obj.yaml`` says which), a LOCKED owner with segments (LEGACY), an open owner
  without segments (REPORTING), Oracle-maintained users (SYSTEM with a segment, SYS, ...), and one day
  of AWR (2026-11-20, database time +08:00) on a two-instance RAC whose statements give every SQLPLAN
  and SQLSTAT rule one statement to report and a near-miss (``tests/data/oracle/
  sample_expected_awr.yaml``). The demo's input, ``include/demo/oracle-export/``, is this profile.
* ``scale``: N synthetic tables with M columns and K indexes each (and S statements x T snapshots
  x L plan lines), streamed row by row to the CSVs, for benchmarks.

    python scripts/make_oracle_export.py --profile sample --out include/demo/oracle-export
    python scripts/make_oracle_export.py --profile scale --tables 20000 --columns-per-table 20 \\
        --indexes-per-table 2 --out /tmp/big-export
"""

# (no `from __future__ import annotations`: the tests import this file without sys.modules, and
# dataclasses then cannot resolve string annotations)

import argparse
import datetime as dt
import hashlib
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

import yaml

ROOT = Path(__file__).resolve().parents[1]
VIEWS_YAML = ROOT / "include" / "sql" / "oracle" / "views.yaml"
FORMAT_VERSION = "1"
BLOCK = 8192
DBID = 1394417289
DB_NAME = "ORCLPRD"
VERSION = "19.21.0.0.0"
DB_TIMEZONE = "+08:00"          # DBTIMEZONE of the sample database (no DST: same as Asia/Shanghai)
WINDOW_START = dt.datetime(2026, 11, 20)   # database local time
WINDOW_END = dt.datetime(2026, 11, 21)
INSTANCES = (1, 2)
FIRST_SNAP = 48201
CREATED = dt.datetime(2024, 3, 11, 9, 12, 44)
ANALYZED = dt.datetime(2026, 11, 18, 22, 3, 17)


# --------------------------------------------------------------------------------------------------
# Values as Oracle's export writes them

def date(value: dt.datetime | None) -> str | None:
    """DATE as the export's NLS_DATE_FORMAT writes it."""
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def ts3(value: dt.datetime) -> str:
    """AWR's TIMESTAMP(3), database local time without zone."""
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond // 1000:03d}"


def ts3tz(value: dt.datetime) -> str:
    """TIMESTAMP(3) WITH TIME ZONE (NLS_TIMESTAMP_TZ_FORMAT 'YYYY-MM-DD HH24:MI:SS.FF3TZH:TZM')."""
    return ts3(value) + DB_TIMEZONE


def degree(value: int | str) -> str:
    """DEGREE/INSTANCES: a VARCHAR2(10) left-padded with blanks ('         1', '   DEFAULT')."""
    return str(value).rjust(10)


def oracle_hash(*parts: Any, digits: int = 10) -> int:
    """A stable pseudo hash value (PLAN_HASH_VALUE, signatures) of the given parts."""
    raw = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(raw[:8], "big") % (10 ** digits)


def bin_name(original: str) -> str:
    """A recycle-bin name (``BIN$`` + 24 base64 characters + ``$0``) for a dropped object."""
    import base64
    return "BIN$" + base64.b64encode(hashlib.md5(original.encode()).digest()[:16]).decode()[:22] + "==$0"


SQL_ID_ALPHABET = "0123456789abcdfghjkmnpqrstuvwxyz"


def sql_id(text: str) -> str:
    """A 13-character SQL_ID-shaped identifier (Oracle's base-32 alphabet) for a statement text."""
    number = int.from_bytes(hashlib.md5(text.encode()).digest()[8:], "big")
    chars = []
    for _ in range(13):
        number, rest = divmod(number, 32)
        chars.append(SQL_ID_ALPHABET[rest])
    return "".join(reversed(chars))


def _field(value: Any) -> str:
    """One CSV field: NULL is empty and unquoted, strings quoted (doubled quotes inside), numbers bare."""
    kind = type(value)
    if value is None:
        return ""
    if kind is str:
        return '"' + value.replace('"', '""') + '"'
    if kind is int:
        return str(value)
    if kind is float:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text or "0"
    if kind is bool:
        raise TypeError("Oracle has no boolean columns: write 'YES'/'NO' or 'Y'/'N'")
    return str(value)


# --------------------------------------------------------------------------------------------------
# The writer: one CSV per view, rows streamed

def load_views(path: Path = VIEWS_YAML) -> dict[str, list[str]]:
    """view -> documented columns in order (``views.yaml``)."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {view: list(spec["columns"]) for view, spec in document.items()}


#: Values most rows of a view share (what Oracle shows for a default-created object). A row's own
#: values override them; every other column is NULL.
DEFAULTS: dict[str, dict[str, Any]] = {
    "DBA_TABLES": {
        "STATUS": "VALID", "PCT_FREE": 10, "INI_TRANS": 1, "MAX_TRANS": 255, "INITIAL_EXTENT": 65536,
        "NEXT_EXTENT": 1048576, "MIN_EXTENTS": 1, "MAX_EXTENTS": 2147483645, "FREELISTS": None,
        "LOGGING": "YES", "BACKED_UP": "N", "EMPTY_BLOCKS": 0, "AVG_SPACE": 0, "CHAIN_CNT": 0,
        "AVG_SPACE_FREELIST_BLOCKS": 0, "NUM_FREELIST_BLOCKS": 0, "DEGREE": degree(1),
        "INSTANCES": degree(1), "CACHE": "    N", "TABLE_LOCK": "ENABLED", "PARTITIONED": "NO",
        "TEMPORARY": "N", "SECONDARY": "N", "NESTED": "NO", "BUFFER_POOL": "DEFAULT",
        "FLASH_CACHE": "DEFAULT", "CELL_FLASH_CACHE": "DEFAULT", "ROW_MOVEMENT": "DISABLED",
        "GLOBAL_STATS": "YES", "USER_STATS": "NO", "SKIP_CORRUPT": "DISABLED", "MONITORING": "YES",
        "DEPENDENCIES": "DISABLED", "COMPRESSION": "DISABLED", "DROPPED": "NO", "READ_ONLY": "NO",
        "SEGMENT_CREATED": "YES", "RESULT_CACHE": "DEFAULT", "CLUSTERING": "NO", "HAS_IDENTITY": "NO",
        "CONTAINER_DATA": "NO", "INMEMORY": "DISABLED", "DEFAULT_COLLATION": "USING_NLS_COMP",
        "DUPLICATED": "N", "SHARDED": "N", "EXTERNAL": "NO", "HYBRID": "NO", "CONTAINERS_DEFAULT": "NO",
        "CONTAINER_MAP": "NO", "EXTENDED_DATA_LINK": "NO", "EXTENDED_DATA_LINK_MAP": "NO",
        "CONTAINER_MAP_OBJECT": "NO", "MEMOPTIMIZE_READ": "DISABLED", "MEMOPTIMIZE_WRITE": "DISABLED",
        "HAS_SENSITIVE_COLUMN": "NO", "ADMIT_NULL": "NO", "DATA_LINK_DML_ENABLED": "NO",
        "LOGICAL_REPLICATION": "ENABLED",
    },
    "DBA_OBJECTS": {
        "STATUS": "VALID", "TEMPORARY": "N", "GENERATED": "N", "SECONDARY": "N", "NAMESPACE": 1,
        "SHARING": "NONE", "ORACLE_MAINTAINED": "N", "APPLICATION": "N", "DUPLICATED": "N", "SHARDED": "N",
    },
    "DBA_TAB_COLS": {
        "NULLABLE": "Y", "DENSITY": None, "NUM_BUCKETS": 1, "GLOBAL_STATS": "YES", "USER_STATS": "NO",
        "V80_FMT_IMAGE": "NO", "DATA_UPGRADED": "YES", "HIDDEN_COLUMN": "NO", "VIRTUAL_COLUMN": "NO",
        "HISTOGRAM": "NONE", "USER_GENERATED": "YES", "DEFAULT_ON_NULL": "NO", "IDENTITY_COLUMN": "NO",
    },
    "DBA_INDEXES": {
        "TABLE_TYPE": "TABLE", "COMPRESSION": "DISABLED", "INI_TRANS": 2, "MAX_TRANS": 255,
        "INITIAL_EXTENT": 65536, "NEXT_EXTENT": 1048576, "MIN_EXTENTS": 1, "MAX_EXTENTS": 2147483645,
        "PCT_FREE": 10, "LOGGING": "YES", "STATUS": "VALID", "DEGREE": degree(1), "INSTANCES": degree(1),
        "PARTITIONED": "NO", "TEMPORARY": "N", "GENERATED": "N", "SECONDARY": "N", "BUFFER_POOL": "DEFAULT",
        "FLASH_CACHE": "DEFAULT", "CELL_FLASH_CACHE": "DEFAULT", "USER_STATS": "NO", "GLOBAL_STATS": "YES",
        "JOIN_INDEX": "NO", "IOT_REDUNDANT_PKEY_ELIM": "NO", "DROPPED": "NO", "VISIBILITY": "VISIBLE",
        "SEGMENT_CREATED": "YES", "ORPHANED_ENTRIES": "NO", "INDEXING": "FULL", "AUTO": "NO",
        "CONSTRAINT_INDEX": "NO",
    },
    "DBA_SEGMENTS": {
        "HEADER_FILE": 7, "INITIAL_EXTENT": 65536, "NEXT_EXTENT": 1048576, "MIN_EXTENTS": 1,
        "MAX_EXTENTS": 2147483645, "MAX_SIZE": 2147483645, "BUFFER_POOL": "DEFAULT", "FLASH_CACHE": "DEFAULT",
        "CELL_FLASH_CACHE": "DEFAULT", "INMEMORY": "DISABLED", "RELATIVE_FNO": 7, "SEGMENT_SUBTYPE": "ASSM",
    },
    "DBA_CONSTRAINTS": {
        "STATUS": "ENABLED", "DEFERRABLE": "NOT DEFERRABLE", "DEFERRED": "IMMEDIATE",
        "VALIDATED": "VALIDATED", "GENERATED": "USER NAME", "ORIGIN_CON_ID": "0",
    },
    "DBA_TAB_PARTITIONS": {
        "COMPOSITE": "NO", "SUBPARTITION_COUNT": 0, "PCT_FREE": 10, "INI_TRANS": 1, "MAX_TRANS": 255,
        "LOGGING": "YES", "COMPRESSION": "DISABLED", "BUFFER_POOL": "DEFAULT", "FLASH_CACHE": "DEFAULT",
        "CELL_FLASH_CACHE": "DEFAULT", "GLOBAL_STATS": "YES", "USER_STATS": "NO", "IS_NESTED": "NO",
        "INTERVAL": "NO", "SEGMENT_CREATED": "YES", "INDEXING": "ON", "READ_ONLY": "NO",
        "INMEMORY": "DISABLED", "MEMOPTIMIZE_READ": "DISABLED", "MEMOPTIMIZE_WRITE": "DISABLED",
    },
    "DBA_TAB_SUBPARTITIONS": {
        "PCT_FREE": 10, "INI_TRANS": 1, "MAX_TRANS": 255, "LOGGING": "YES", "COMPRESSION": "DISABLED",
        "BUFFER_POOL": "DEFAULT", "FLASH_CACHE": "DEFAULT", "CELL_FLASH_CACHE": "DEFAULT",
        "GLOBAL_STATS": "NO", "USER_STATS": "NO", "INTERVAL": "NO", "SEGMENT_CREATED": "NO",
        "INDEXING": "ON", "READ_ONLY": "NO", "INMEMORY": "DISABLED", "MEMOPTIMIZE_READ": "DISABLED",
        "MEMOPTIMIZE_WRITE": "DISABLED",
    },
    "DBA_HIST_SQL_PLAN": {"DBID": DBID, "CON_DBID": DBID, "CON_ID": 0},
    "DBA_HIST_SQLSTAT": {"DBID": DBID, "CON_DBID": DBID, "CON_ID": 0, "OPTIMIZER_MODE": "ALL_ROWS",
                         "LOADED_VERSIONS": 1, "FLAG": 0, "OBSOLETE_COUNT": 0},
}


class ExportWriter:
    """Streams rows to ``<VIEW>.csv`` files; each file gets the view's documented header first.

    A row is a dict of column -> value; a column the view does not document raises (a typo in a
    fixture must not silently become a NULL)."""

    def __init__(self, out: Path, views: dict[str, list[str]]) -> None:
        self.out = out
        self.views = views
        self.counts: dict[str, int] = {view: 0 for view in views}
        self.object_ids: dict[tuple[str, str], int] = {}
        self._files: dict[str, TextIO] = {}
        self._index = {view: {name: i for i, name in enumerate(cols)} for view, cols in views.items()}
        self._blank: dict[str, list[str]] = {}
        for view, cols in views.items():
            defaults = DEFAULTS.get(view, {})
            self._blank[view] = [_field(defaults.get(name)) for name in cols]
        out.mkdir(parents=True, exist_ok=True)

    def _file(self, view: str) -> TextIO:
        handle = self._files.get(view)
        if handle is None:
            handle = open(self.out / f"{view}.csv", "w", encoding="utf-8", newline="")
            handle.write(",".join(self.views[view]) + "\r\n")
            self._files[view] = handle
        return handle

    def row(self, view: str, values: dict[str, Any]) -> None:
        fields = self._blank[view][:]
        index = self._index[view]
        for name, value in values.items():
            try:
                fields[index[name]] = _field(value)
            except KeyError:
                raise KeyError(f"{view} has no documented column {name}") from None
        self._file(view).write(",".join(fields) + "\r\n")
        self.counts[view] += 1

    def close(self) -> None:
        """Every view gets its file (a header alone when it has no rows)."""
        for view in self.views:
            self._file(view)
        for handle in self._files.values():
            handle.close()
        self._files.clear()


# --------------------------------------------------------------------------------------------------
# A small model of schema objects; emit() turns it into dictionary rows

@dataclass
class Column:
    name: str
    data_type: str                 # NUMBER, VARCHAR2, CHAR, DATE, TIMESTAMP(6), CLOB, BLOB
    length: int = 22               # DATA_LENGTH, bytes
    precision: int | None = None
    scale: int | None = None
    char_length: int = 0           # CHAR_LENGTH, characters (character types only)
    char_used: str | None = None   # B / C
    nullable: bool = True
    num_distinct: int | None = None
    num_nulls: int = 0
    avg_col_len: int | None = None
    hidden: bool = False
    virtual: bool = False
    user_generated: bool = True
    default: str | None = None


def col(spec: str) -> Column:
    """A column from a compact spec ``NAME TYPE [NN]``: N, N12, N12.2, V40 (VARCHAR2(40 BYTE)),
    V40C (CHAR semantics, AL32UTF8: 4 bytes a character), C1, D, TS6, CLOB, BLOB."""
    parts = spec.split()
    name, kind = parts[0], parts[1]
    nullable = "NN" not in parts[2:]
    if kind.startswith("N"):
        precision, scale = None, None
        if len(kind) > 1:
            digits = kind[1:].split(".")
            precision, scale = int(digits[0]), int(digits[1]) if len(digits) > 1 else 0
        return Column(name, "NUMBER", 22, precision, scale, nullable=nullable)
    if kind.startswith("V") or (kind.startswith("C") and kind[1:2].isdigit()):
        chars = kind.endswith("C") and kind.startswith("V")
        size = int(kind[1:-1] if chars else kind[1:])
        data_type = "VARCHAR2" if kind.startswith("V") else "CHAR"
        return Column(name, data_type, size * 4 if chars else size, char_length=size,
                      char_used="C" if chars else "B", nullable=nullable)
    if kind == "D":
        return Column(name, "DATE", 7, nullable=nullable)
    if kind.startswith("TS"):
        return Column(name, f"TIMESTAMP({kind[2:]})", 11, scale=int(kind[2:]), nullable=nullable)
    if kind in ("CLOB", "BLOB"):
        return Column(name, kind, 4000, nullable=nullable)
    raise ValueError(f"column spec {spec!r}")


@dataclass
class Partition:
    name: str
    high_value: str
    num_rows: int = 0
    blocks: int = 0
    segment: bool = True           # False: deferred segment creation, no DBA_SEGMENTS row
    subpartitions: list[tuple[str, int, bool]] = field(default_factory=list)   # (name, rows, segment)


@dataclass
class Table:
    owner: str
    name: str
    columns: list[Column]
    num_rows: int = 0
    blocks: int = 0
    avg_row_len: int = 0
    pk: tuple[str, ...] = ()
    pk_name: str | None = None      # None: system-generated SYS_C00nnnnn (and its index)
    uniques: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    fks: list[tuple[str, tuple[str, ...], str, str]] = field(default_factory=list)  # (name, cols, r_owner, r_constraint)
    degree: int | str = 1
    partitioning: str | None = None       # RANGE / LIST / HASH
    subpartitioning: str | None = None
    part_keys: tuple[str, ...] = ()
    subpart_keys: tuple[str, ...] = ()
    partitions: list[Partition] = field(default_factory=list)
    interval: str | None = None
    iot: bool = False
    temporary: bool = False
    segment: bool = True                  # False: deferred segment creation
    dropped: bool = False                 # in the recycle bin (name BIN$...)
    extra_bytes: int = 0                  # segment size beyond BLOCKS (whole blocks allocated)
    lob_bytes: dict[str, int] = field(default_factory=dict)
    last_analyzed: dt.datetime | None = ANALYZED
    compression: str = "DISABLED"


@dataclass
class Index:
    owner: str
    name: str
    table: str
    columns: tuple[str, ...]              # 'COL' or 'COL DESC'; expressions as 'UPPER("EMAIL")'
    index_type: str = "NORMAL"
    unique: bool = False
    blevel: int = 1
    leaf_blocks: int = 10
    distinct_keys: int = 100
    clustering_factor: int | None = 10
    num_rows: int | None = None
    degree: int | str = 1
    locality: str | None = None           # LOCAL / GLOBAL for partitioned indexes
    partitioning: str | None = None
    partitions: int = 0
    generated: bool = False
    segment: bool = True
    size_blocks: int | None = None
    dropped: bool = False
    last_analyzed: dt.datetime | None = ANALYZED


class Ids:
    """OBJECT_IDs in creation order, and system-generated constraint numbers."""

    def __init__(self, first_object: int = 74001, first_constraint: int = 12301) -> None:
        self._object = first_object
        self._constraint = first_constraint

    def object(self) -> int:
        self._object += 1
        return self._object

    def constraint(self) -> str:
        self._constraint += 1
        return f"SYS_C{self._constraint:07d}"


def _obj(w: ExportWriter, owner: str, name: str, object_type: str, object_id: int, *, sub: str | None = None,
         data_object: bool = True, created: dt.datetime = CREATED, generated: bool = False,
         temporary: bool = False, status: str = "VALID", maintained: bool = False, namespace: int = 1) -> None:
    if sub is None:
        w.object_ids[(owner, name)] = object_id
    w.row("DBA_OBJECTS", {
        "OWNER": owner, "OBJECT_NAME": name, "SUBOBJECT_NAME": sub, "OBJECT_ID": object_id,
        "DATA_OBJECT_ID": object_id if data_object else None, "OBJECT_TYPE": object_type,
        "CREATED": date(created), "LAST_DDL_TIME": date(created + dt.timedelta(days=30)),
        "TIMESTAMP": created.strftime("%Y-%m-%d:%H:%M:%S"), "STATUS": status,
        "TEMPORARY": "Y" if temporary else "N", "GENERATED": "Y" if generated else "N",
        "NAMESPACE": namespace, "EDITIONABLE": "Y" if object_type in ("FUNCTION", "PROCEDURE", "PACKAGE",
                                                                      "PACKAGE BODY", "TRIGGER", "VIEW") else None,
        "ORACLE_MAINTAINED": "Y" if maintained else "N",
        "DEFAULT_COLLATION": "USING_NLS_COMP" if object_type in ("TABLE", "VIEW", "FUNCTION", "PROCEDURE",
                                                                 "PACKAGE") else None,
    })


def _segment(w: ExportWriter, owner: str, name: str, seg_type: str, blocks: int, *, partition: str | None = None,
             tablespace: str = "SALES_DATA", subtype: str = "ASSM") -> None:
    """A segment: bytes are whole blocks, extents as autoallocate would make them."""
    blocks = max(blocks, 8)
    extents = 1 if blocks <= 8 else min(16, blocks // 8) + max(0, (blocks - 128) // 128)
    w.row("DBA_SEGMENTS", {
        "OWNER": owner, "SEGMENT_NAME": name, "PARTITION_NAME": partition, "SEGMENT_TYPE": seg_type,
        "SEGMENT_SUBTYPE": subtype, "TABLESPACE_NAME": tablespace, "HEADER_BLOCK": 130 + blocks % 997,
        "BYTES": blocks * BLOCK, "BLOCKS": blocks, "EXTENTS": extents,
        "RETENTION": "MIN" if subtype == "SECUREFILE" else None,
    })


def emit_table(w: ExportWriter, t: Table, ids: Ids, tablespace: str = "SALES_DATA") -> dict[str, str]:
    """DBA_OBJECTS/TABLES/TAB_COLS/TAB_COLUMNS/SEGMENTS/LOBS/CONSTRAINTS/CONS_COLUMNS/PART_* rows of
    a table; returns {constraint kind or name: constraint name} for its PK/UK (their indexes)."""
    table_id = ids.object()
    partitioned = bool(t.partitioning)
    created = CREATED + dt.timedelta(days=table_id % 200)
    _obj(w, t.owner, t.name, "TABLE", table_id, data_object=not partitioned and not t.iot, created=created,
         temporary=t.temporary)
    has_segment = t.segment and not partitioned and not t.temporary and not t.iot
    w.row("DBA_TABLES", {
        "OWNER": t.owner, "TABLE_NAME": t.name,
        "TABLESPACE_NAME": None if (partitioned or t.temporary or t.iot) else tablespace,
        "PCT_FREE": None if partitioned or t.iot else 10, "PCT_USED": None if partitioned or t.iot else 40,
        "INI_TRANS": None if partitioned else 1, "MAX_TRANS": None if partitioned else 255,
        "INITIAL_EXTENT": None if partitioned else 65536, "NEXT_EXTENT": None if partitioned else 1048576,
        "MIN_EXTENTS": None if partitioned else 1, "MAX_EXTENTS": None if partitioned else 2147483645,
        "PCT_INCREASE": None, "FREELIST_GROUPS": None, "LOGGING": None if partitioned else "YES",
        "NUM_ROWS": t.num_rows if t.last_analyzed else None, "BLOCKS": None if t.iot or not t.last_analyzed else t.blocks,
        "AVG_ROW_LEN": t.avg_row_len if t.last_analyzed else None,
        "SAMPLE_SIZE": t.num_rows if t.last_analyzed else None, "LAST_ANALYZED": date(t.last_analyzed),
        "DEGREE": degree(t.degree), "PARTITIONED": "YES" if partitioned else "NO",
        "IOT_TYPE": "IOT" if t.iot else None, "TEMPORARY": "Y" if t.temporary else "N",
        "DURATION": "SYS$SESSION" if t.temporary else None, "COMPRESSION": None if partitioned else t.compression,
        "DROPPED": "YES" if t.dropped else "NO", "READ_ONLY": "N/A" if partitioned else "NO",
        "SEGMENT_CREATED": "N/A" if partitioned else ("YES" if has_segment or t.iot else "NO"),
        "INMEMORY": None if partitioned else "DISABLED",
    })
    hidden_serial = 0
    for position, c in enumerate(t.columns, start=1):
        if c.hidden:
            hidden_serial += 1
        visible_id = None if c.hidden else position - hidden_serial
        analyzed = t.last_analyzed and t.num_rows
        distinct = c.num_distinct if c.num_distinct is not None else (min(t.num_rows, 1000) if analyzed else None)
        row = {
            "OWNER": t.owner, "TABLE_NAME": t.name, "COLUMN_NAME": c.name, "DATA_TYPE": c.data_type,
            "DATA_LENGTH": c.length, "DATA_PRECISION": c.precision, "DATA_SCALE": c.scale,
            "NULLABLE": "Y" if c.nullable else "N", "COLUMN_ID": visible_id,
            "DEFAULT_LENGTH": len(c.default) if c.default else None, "DATA_DEFAULT": c.default,
            "NUM_DISTINCT": distinct if analyzed else None,
            "DENSITY": round(1 / distinct, 8) if analyzed and distinct else None,
            "NUM_NULLS": c.num_nulls if analyzed else None, "NUM_BUCKETS": 1 if analyzed else None,
            "LAST_ANALYZED": date(t.last_analyzed) if analyzed else None,
            "SAMPLE_SIZE": t.num_rows if analyzed else None,
            "CHARACTER_SET_NAME": "CHAR_CS" if c.data_type in ("VARCHAR2", "CHAR", "CLOB") else None,
            "CHAR_COL_DECL_LENGTH": c.length if c.data_type in ("VARCHAR2", "CHAR") else None,
            "GLOBAL_STATS": "YES" if analyzed else "NO",
            "AVG_COL_LEN": (c.avg_col_len or max(2, min(c.length, 12))) if analyzed else None,
            "CHAR_LENGTH": c.char_length, "CHAR_USED": c.char_used,
            "HISTOGRAM": "NONE",
            "COLLATION": "USING_NLS_COMP" if c.data_type in ("VARCHAR2", "CHAR", "CLOB") else None,
        }
        w.row("DBA_TAB_COLS", {**row, "HIDDEN_COLUMN": "YES" if c.hidden else "NO",
                               "VIRTUAL_COLUMN": "YES" if c.virtual else "NO",
                               "SEGMENT_COLUMN_ID": None if c.virtual else position,
                               "INTERNAL_COLUMN_ID": position, "QUALIFIED_COL_NAME": c.name,
                               "USER_GENERATED": "YES" if c.user_generated else "NO"})
        if not c.hidden:
            w.row("DBA_TAB_COLUMNS", {**row, "V80_FMT_IMAGE": "NO", "DATA_UPGRADED": "YES",
                                      "DEFAULT_ON_NULL": "NO", "IDENTITY_COLUMN": "NO"})
        if c.data_type in ("CLOB", "BLOB"):
            lob_seg = f"SYS_LOB{table_id:010d}C{position:05d}$$"
            lob_idx = f"SYS_IL{table_id:010d}C{position:05d}$$"
            if t.dropped:  # DROP TABLE renames the table's dependents into the recycle bin too
                lob_seg, lob_idx = bin_name(lob_seg), bin_name(lob_idx)
            lob_id = ids.object()
            _obj(w, t.owner, lob_seg, "LOB", lob_id, created=created, generated=True, namespace=8)
            lob_blocks = t.lob_bytes.get(c.name, 0) // BLOCK
            w.row("DBA_LOBS", {
                "OWNER": t.owner, "TABLE_NAME": t.name, "COLUMN_NAME": c.name, "SEGMENT_NAME": lob_seg,
                "TABLESPACE_NAME": tablespace, "INDEX_NAME": lob_idx, "CHUNK": BLOCK, "PCTVERSION": None,
                "RETENTION": None, "FREEPOOLS": None, "CACHE": "NO", "LOGGING": "YES", "ENCRYPT": "NO",
                "COMPRESSION": "NO", "DEDUPLICATION": "NO", "IN_ROW": "YES", "FORMAT": "ENDIAN NEUTRAL",
                "PARTITIONED": "NO", "SECUREFILE": "YES", "SEGMENT_CREATED": "YES" if has_segment else "NO",
                "RETENTION_TYPE": "DEFAULT", "RETENTION_VALUE": None,
            })
            w.row("DBA_INDEXES", {
                "OWNER": t.owner, "INDEX_NAME": lob_idx, "INDEX_TYPE": "LOB", "TABLE_OWNER": t.owner,
                "TABLE_NAME": t.name, "UNIQUENESS": "UNIQUE", "TABLESPACE_NAME": tablespace, "BLEVEL": None,
                "LEAF_BLOCKS": None, "DISTINCT_KEYS": None, "CLUSTERING_FACTOR": None, "NUM_ROWS": None,
                "GENERATED": "Y", "DEGREE": degree(0), "INSTANCES": degree(0), "GLOBAL_STATS": "NO",
                "DROPPED": "YES" if t.dropped else "NO",
                "SEGMENT_CREATED": "YES" if has_segment else "NO",
            })
            if has_segment:
                _segment(w, t.owner, lob_seg, "LOBSEGMENT", max(lob_blocks, 16), tablespace=tablespace,
                         subtype="SECUREFILE")
                _segment(w, t.owner, lob_idx, "LOBINDEX", 8, tablespace=tablespace)
    if has_segment:
        _segment(w, t.owner, t.name, "TABLE", t.blocks + t.extra_bytes // BLOCK + 8, tablespace=tablespace)
    if partitioned:
        emit_partitions(w, t, ids, tablespace)
    constraints: dict[str, str] = {}
    for c in t.columns:
        if not c.nullable and not c.hidden:
            name = ids.constraint()
            w.row("DBA_CONSTRAINTS", {"OWNER": t.owner, "CONSTRAINT_NAME": name, "CONSTRAINT_TYPE": "C",
                                      "TABLE_NAME": t.name, "SEARCH_CONDITION": f'"{c.name}" IS NOT NULL',
                                      "SEARCH_CONDITION_VC": f'"{c.name}" IS NOT NULL',
                                      "GENERATED": "GENERATED NAME", "LAST_CHANGE": date(created)})
            w.row("DBA_CONS_COLUMNS", {"OWNER": t.owner, "CONSTRAINT_NAME": name, "TABLE_NAME": t.name,
                                       "COLUMN_NAME": c.name, "POSITION": None})
    keys: list[tuple[str, str, tuple[str, ...], bool]] = []
    if t.pk:
        generated = t.pk_name is None or t.pk_name.startswith("SYS_C")
        keys.append(("P", t.pk_name or ids.constraint(), t.pk, generated))
    keys += [("U", name, cols, False) for name, cols in t.uniques]
    for kind, name, cols, generated in keys:
        index_name = f"SYS_IOT_TOP_{table_id}" if t.iot and kind == "P" else name
        w.row("DBA_CONSTRAINTS", {"OWNER": t.owner, "CONSTRAINT_NAME": name, "CONSTRAINT_TYPE": kind,
                                  "TABLE_NAME": t.name, "GENERATED": "GENERATED NAME" if generated else "USER NAME",
                                  "LAST_CHANGE": date(created), "INDEX_OWNER": t.owner, "INDEX_NAME": index_name})
        for position, column in enumerate(cols, start=1):
            w.row("DBA_CONS_COLUMNS", {"OWNER": t.owner, "CONSTRAINT_NAME": name, "TABLE_NAME": t.name,
                                       "COLUMN_NAME": column, "POSITION": position})
        constraints[kind if kind == "P" else name] = name
    for name, cols, r_owner, r_constraint in t.fks:
        w.row("DBA_CONSTRAINTS", {"OWNER": t.owner, "CONSTRAINT_NAME": name, "CONSTRAINT_TYPE": "R",
                                  "TABLE_NAME": t.name, "R_OWNER": r_owner, "R_CONSTRAINT_NAME": r_constraint,
                                  "DELETE_RULE": "NO ACTION", "LAST_CHANGE": date(created)})
        for position, column in enumerate(cols, start=1):
            w.row("DBA_CONS_COLUMNS", {"OWNER": t.owner, "CONSTRAINT_NAME": name, "TABLE_NAME": t.name,
                                       "COLUMN_NAME": column, "POSITION": position})
    constraints["_table_id"] = str(table_id)
    return constraints


def emit_partitions(w: ExportWriter, t: Table, ids: Ids, tablespace: str) -> None:
    """DBA_PART_TABLES, PART_KEY_COLUMNS, TAB_PARTITIONS, TAB_SUBPARTITIONS and their segments."""
    composite = bool(t.subpartitioning)
    w.row("DBA_PART_TABLES", {
        "OWNER": t.owner, "TABLE_NAME": t.name, "PARTITIONING_TYPE": t.partitioning,
        "SUBPARTITIONING_TYPE": t.subpartitioning or "NONE",
        "PARTITION_COUNT": 1048575 if t.interval else len(t.partitions),
        "DEF_SUBPARTITION_COUNT": len(t.partitions[0].subpartitions) if composite else 0,
        "PARTITIONING_KEY_COUNT": len(t.part_keys), "SUBPARTITIONING_KEY_COUNT": len(t.subpart_keys),
        "STATUS": "VALID", "DEF_TABLESPACE_NAME": tablespace, "DEF_PCT_FREE": 10, "DEF_PCT_USED": 40,
        "DEF_INI_TRANS": 1, "DEF_MAX_TRANS": 255, "DEF_INITIAL_EXTENT": "DEFAULT",
        "DEF_NEXT_EXTENT": "DEFAULT", "DEF_MIN_EXTENTS": "DEFAULT", "DEF_MAX_EXTENTS": "DEFAULT",
        "DEF_MAX_SIZE": "DEFAULT", "DEF_PCT_INCREASE": "DEFAULT", "DEF_FREELISTS": 0,
        "DEF_FREELIST_GROUPS": 0, "DEF_LOGGING": "NONE", "DEF_COMPRESSION": "NONE",
        "DEF_BUFFER_POOL": "DEFAULT", "DEF_FLASH_CACHE": "DEFAULT", "DEF_CELL_FLASH_CACHE": "DEFAULT",
        "INTERVAL": t.interval, "AUTOLIST": "NO", "AUTOLIST_SUBPARTITION": "NO", "IS_NESTED": "NO",
        "DEF_SEGMENT_CREATION": "NONE", "DEF_INDEXING": "ON", "DEF_INMEMORY": "NONE", "DEF_READ_ONLY": "NO",
    })
    for keys, view in ((t.part_keys, "DBA_PART_KEY_COLUMNS"), (t.subpart_keys, "DBA_SUBPART_KEY_COLUMNS")):
        for position, column in enumerate(keys, start=1):
            w.row(view, {"OWNER": t.owner, "NAME": t.name, "OBJECT_TYPE": "TABLE", "COLUMN_NAME": column,
                         "COLUMN_POSITION": position})
    for position, p in enumerate(t.partitions, start=1):
        part_id = ids.object()
        _obj(w, t.owner, t.name, "TABLE PARTITION", part_id, sub=p.name, data_object=not composite)
        analyzed = t.last_analyzed
        w.row("DBA_TAB_PARTITIONS", {
            "TABLE_OWNER": t.owner, "TABLE_NAME": t.name, "COMPOSITE": "YES" if composite else "NO",
            "PARTITION_NAME": p.name, "SUBPARTITION_COUNT": len(p.subpartitions), "HIGH_VALUE": p.high_value,
            "HIGH_VALUE_LENGTH": len(p.high_value), "PARTITION_POSITION": position,
            "TABLESPACE_NAME": tablespace, "PCT_USED": 40, "INITIAL_EXTENT": 8388608,
            "NEXT_EXTENT": 1048576, "MIN_EXTENT": 1, "MAX_EXTENT": 2147483645, "MAX_SIZE": 2147483645,
            "NUM_ROWS": p.num_rows if analyzed else None, "BLOCKS": p.blocks if analyzed else None,
            "EMPTY_BLOCKS": 0, "AVG_SPACE": 0, "CHAIN_CNT": 0,
            "AVG_ROW_LEN": t.avg_row_len if analyzed and p.num_rows else 0,
            "SAMPLE_SIZE": p.num_rows if analyzed else None, "LAST_ANALYZED": date(analyzed),
            "INTERVAL": "YES" if t.interval and position > 1 else "NO",
            "SEGMENT_CREATED": "NONE" if composite else ("YES" if p.segment else "NO"),
        })
        if not composite and p.segment:
            _segment(w, t.owner, t.name, "TABLE PARTITION", p.blocks + 8, partition=p.name, tablespace=tablespace)
        for sub_position, (sub_name, rows, segment) in enumerate(p.subpartitions, start=1):
            sub_id = ids.object()
            _obj(w, t.owner, t.name, "TABLE SUBPARTITION", sub_id, sub=sub_name)
            blocks = rows // 60 if rows else 0
            w.row("DBA_TAB_SUBPARTITIONS", {
                "TABLE_OWNER": t.owner, "TABLE_NAME": t.name, "PARTITION_NAME": p.name,
                "SUBPARTITION_NAME": sub_name, "HIGH_VALUE": None, "HIGH_VALUE_LENGTH": 0,
                "PARTITION_POSITION": position, "SUBPARTITION_POSITION": sub_position,
                "TABLESPACE_NAME": tablespace, "NUM_ROWS": rows, "BLOCKS": blocks, "EMPTY_BLOCKS": 0,
                "AVG_SPACE": 0, "CHAIN_CNT": 0, "AVG_ROW_LEN": t.avg_row_len if rows else 0,
                "SAMPLE_SIZE": rows, "LAST_ANALYZED": date(analyzed), "SEGMENT_CREATED": "YES" if segment else "NO",
            })
            if segment:
                _segment(w, t.owner, t.name, "TABLE SUBPARTITION", blocks + 8, partition=sub_name,
                         tablespace=tablespace)


def emit_index(w: ExportWriter, ix: Index, ids: Ids, table: Table, tablespace: str = "SALES_DATA",
               hidden: dict[str, str] | None = None) -> None:
    """DBA_OBJECTS/INDEXES/IND_COLUMNS/IND_EXPRESSIONS/SEGMENTS (and PART_INDEXES/IND_PARTITIONS) rows.

    ``hidden`` maps an expression (or 'COL DESC') to the SYS_NC column Oracle added for it."""
    index_id = ids.object()
    partitioned = bool(ix.partitioning)
    _obj(w, ix.owner, ix.name, "INDEX", index_id, data_object=not partitioned, generated=ix.generated,
         namespace=4, temporary=table.temporary)
    function_based = any("(" in c or c.endswith(" DESC") for c in ix.columns)
    index_type = ix.index_type
    if function_based and index_type == "NORMAL":
        index_type = "FUNCTION-BASED NORMAL"
    size = ix.size_blocks if ix.size_blocks is not None else ix.leaf_blocks + 8
    w.row("DBA_INDEXES", {
        "OWNER": ix.owner, "INDEX_NAME": ix.name, "INDEX_TYPE": index_type, "TABLE_OWNER": table.owner,
        "TABLE_NAME": ix.table, "UNIQUENESS": "UNIQUE" if ix.unique else "NONUNIQUE",
        "TABLESPACE_NAME": None if partitioned or table.temporary else tablespace,
        "PCT_THRESHOLD": 50 if index_type == "IOT - TOP" else None,
        "BLEVEL": ix.blevel if ix.last_analyzed else None,
        "LEAF_BLOCKS": ix.leaf_blocks if ix.last_analyzed else None,
        "DISTINCT_KEYS": ix.distinct_keys if ix.last_analyzed else None,
        "AVG_LEAF_BLOCKS_PER_KEY": 1 if ix.last_analyzed else None,
        "AVG_DATA_BLOCKS_PER_KEY": 1 if ix.last_analyzed else None,
        "CLUSTERING_FACTOR": ix.clustering_factor if ix.last_analyzed else None,
        "STATUS": "N/A" if partitioned else "VALID",
        "NUM_ROWS": (ix.num_rows if ix.num_rows is not None else table.num_rows) if ix.last_analyzed else None,
        "SAMPLE_SIZE": table.num_rows if ix.last_analyzed else None, "LAST_ANALYZED": date(ix.last_analyzed),
        "DEGREE": degree(ix.degree), "PARTITIONED": "YES" if partitioned else "NO",
        "TEMPORARY": "Y" if table.temporary else "N", "GENERATED": "Y" if ix.generated else "N",
        "GLOBAL_STATS": "YES" if ix.last_analyzed else "NO",
        "FUNCIDX_STATUS": "ENABLED" if function_based else None, "DROPPED": "YES" if ix.dropped else "NO",
        "SEGMENT_CREATED": "N/A" if partitioned else ("YES" if ix.segment else "NO"),
        "CONSTRAINT_INDEX": "YES" if ix.unique and (ix.generated or ix.name.endswith(("_PK", "_UK"))) else "NO",
    })
    for position, spec in enumerate(ix.columns, start=1):
        descending = spec.endswith(" DESC")
        column = spec[:-5] if descending else spec
        stored = (hidden or {}).get(spec, column)
        w.row("DBA_IND_COLUMNS", {
            "INDEX_OWNER": ix.owner, "INDEX_NAME": ix.name, "TABLE_OWNER": table.owner, "TABLE_NAME": ix.table,
            "COLUMN_NAME": stored, "COLUMN_POSITION": position, "COLUMN_LENGTH": 22,
            "CHAR_LENGTH": 0, "DESCEND": "DESC" if descending else "ASC",
        })
        if "(" in spec or descending:
            w.row("DBA_IND_EXPRESSIONS", {
                "INDEX_OWNER": ix.owner, "INDEX_NAME": ix.name, "TABLE_OWNER": table.owner,
                "TABLE_NAME": ix.table, "COLUMN_EXPRESSION": f'"{column}"' if descending else spec,
                "COLUMN_POSITION": position,
            })
    if partitioned:
        w.row("DBA_PART_INDEXES", {
            "OWNER": ix.owner, "INDEX_NAME": ix.name, "TABLE_NAME": ix.table,
            "PARTITIONING_TYPE": ix.partitioning, "SUBPARTITIONING_TYPE": "NONE",
            "PARTITION_COUNT": ix.partitions, "DEF_SUBPARTITION_COUNT": 0,
            "PARTITIONING_KEY_COUNT": 1, "SUBPARTITIONING_KEY_COUNT": 0, "LOCALITY": ix.locality,
            "ALIGNMENT": "PREFIXED" if ix.locality == "GLOBAL" or ix.columns[0] in table.part_keys
            else "NON_PREFIXED",
            "DEF_TABLESPACE_NAME": None, "DEF_PCT_FREE": 10, "DEF_INI_TRANS": 2, "DEF_MAX_TRANS": 255,
            "DEF_INITIAL_EXTENT": "DEFAULT", "DEF_NEXT_EXTENT": "DEFAULT", "DEF_MIN_EXTENTS": "DEFAULT",
            "DEF_MAX_EXTENTS": "DEFAULT", "DEF_MAX_SIZE": "DEFAULT", "DEF_PCT_INCREASE": "DEFAULT",
            "DEF_FREELISTS": 0, "DEF_FREELIST_GROUPS": 0, "DEF_LOGGING": "NONE", "DEF_BUFFER_POOL": "DEFAULT",
            "DEF_FLASH_CACHE": "DEFAULT", "DEF_CELL_FLASH_CACHE": "DEFAULT", "INTERVAL": table.interval,
            "AUTOLIST": "NO", "AUTOLIST_SUBPARTITION": "NO",
        })
        keys = table.part_keys if ix.locality == "LOCAL" else ix.columns[:1]
        for position, column in enumerate(keys, start=1):
            w.row("DBA_PART_KEY_COLUMNS", {"OWNER": ix.owner, "NAME": ix.name, "OBJECT_TYPE": "INDEX",
                                           "COLUMN_NAME": column, "COLUMN_POSITION": position})
        names = ([p.name for p in table.partitions] if ix.locality == "LOCAL"
                 else [f"SYS_P{index_id % 10000 + i}" for i in range(1, ix.partitions + 1)])
        segments = ([p.segment or bool(p.subpartitions) for p in table.partitions] if ix.locality == "LOCAL"
                    else [True] * len(names))
        for position, (name, has_segment) in enumerate(zip(names, segments), start=1):
            _obj(w, ix.owner, ix.name, "INDEX PARTITION", ids.object(), sub=name, namespace=4)
            high = table.partitions[position - 1].high_value if ix.locality == "LOCAL" else None
            leaf = max(1, ix.leaf_blocks // max(1, len(names)))
            w.row("DBA_IND_PARTITIONS", {
                "INDEX_OWNER": ix.owner, "INDEX_NAME": ix.name, "COMPOSITE": "NO", "PARTITION_NAME": name,
                "SUBPARTITION_COUNT": 0, "HIGH_VALUE": high, "HIGH_VALUE_LENGTH": len(high or ""),
                "PARTITION_POSITION": position, "STATUS": "USABLE", "TABLESPACE_NAME": tablespace,
                "PCT_FREE": 10, "INI_TRANS": 2, "MAX_TRANS": 255, "LOGGING": "YES", "COMPRESSION": "DISABLED",
                "BLEVEL": ix.blevel, "LEAF_BLOCKS": leaf, "DISTINCT_KEYS": max(1, ix.distinct_keys // len(names)),
                "AVG_LEAF_BLOCKS_PER_KEY": 1, "AVG_DATA_BLOCKS_PER_KEY": 1,
                "CLUSTERING_FACTOR": max(1, (ix.clustering_factor or 0) // len(names)),
                "NUM_ROWS": max(0, table.num_rows // len(names)), "SAMPLE_SIZE": table.num_rows // len(names),
                "LAST_ANALYZED": date(ix.last_analyzed), "BUFFER_POOL": "DEFAULT", "USER_STATS": "NO",
                "GLOBAL_STATS": "YES", "INTERVAL": "NO", "SEGMENT_CREATED": "YES" if has_segment else "NO",
                "ORPHANED_ENTRIES": "NO",
            })
            if has_segment:
                _segment(w, ix.owner, ix.name, "INDEX PARTITION", leaf + 8, partition=name, tablespace=tablespace)
    elif ix.segment and not table.temporary:
        _segment(w, ix.owner, ix.name, "INDEX", size, tablespace=tablespace)


# --------------------------------------------------------------------------------------------------
# Users, routines, triggers, views: rows with few columns, written directly

@dataclass
class User:
    name: str
    user_id: int
    status: str = "OPEN"
    tablespace: str = "USERS"
    maintained: bool = False


def emit_user(w: ExportWriter, u: User) -> None:
    locked = "LOCKED" in u.status
    w.row("DBA_USERS", {
        "USERNAME": u.name, "USER_ID": u.user_id, "ACCOUNT_STATUS": u.status,
        "LOCK_DATE": date(dt.datetime(2025, 2, 3, 10, 0, 0)) if locked else None,
        "EXPIRY_DATE": date(dt.datetime(2027, 5, 1, 9, 0, 0)) if not u.maintained else None,
        "DEFAULT_TABLESPACE": u.tablespace, "TEMPORARY_TABLESPACE": "TEMP", "LOCAL_TEMP_TABLESPACE": "TEMP",
        "CREATED": date(dt.datetime(2019, 4, 17, 4, 51, 7) if u.maintained else CREATED),
        "PROFILE": "DEFAULT", "INITIAL_RSRC_CONSUMER_GROUP": "SYS_GROUP" if u.name in ("SYS", "SYSTEM")
        else "DEFAULT_CONSUMER_GROUP", "PASSWORD_VERSIONS": "11G 12C", "EDITIONS_ENABLED": "N",
        "AUTHENTICATION_TYPE": "PASSWORD" if not (u.maintained and locked) else "NONE",
        "PROXY_ONLY_CONNECT": "N", "COMMON": "NO",
        "LAST_LOGIN": None if locked else "2026-11-20 23:41:09.000000+08:00",
        "ORACLE_MAINTAINED": "Y" if u.maintained else "N", "INHERITED": "NO",
        "DEFAULT_COLLATION": "USING_NLS_COMP", "IMPLICIT": "NO", "ALL_SHARD": "NO", "EXTERNAL_SHARD": "NO",
        "PASSWORD_CHANGE_DATE": None if locked else date(dt.datetime(2026, 6, 1, 8, 30, 0)),
    })


def emit_routine(w: ExportWriter, ids: Ids, owner: str, name: str, kind: str,
                 subprograms: Iterable[tuple[str, str]] = ()) -> None:
    """A standalone FUNCTION/PROCEDURE (one DBA_PROCEDURES row, SUBPROGRAM_ID 1) or a PACKAGE (a row
    for the package, SUBPROGRAM_ID 0, and one per subprogram with OBJECT_TYPE 'PACKAGE')."""
    object_id = ids.object()
    _obj(w, owner, name, kind, object_id, data_object=False)
    if kind == "PACKAGE":
        _obj(w, owner, name, "PACKAGE BODY", ids.object(), data_object=False, namespace=2)
    w.row("DBA_PROCEDURES", {"OWNER": owner, "OBJECT_NAME": name, "OBJECT_ID": object_id,
                             "SUBPROGRAM_ID": 0 if kind == "PACKAGE" else 1, "OBJECT_TYPE": kind,
                             "AGGREGATE": "NO", "PIPELINED": "NO", "PARALLEL": "NO", "INTERFACE": "NO",
                             "DETERMINISTIC": "NO", "AUTHID": "DEFINER", "RESULT_CACHE": "NO",
                             "ORIGIN_CON_ID": "0", "POLYMORPHIC": None})
    for number, (sub, _sub_kind) in enumerate(subprograms, start=1):
        w.row("DBA_PROCEDURES", {"OWNER": owner, "OBJECT_NAME": name, "PROCEDURE_NAME": sub,
                                 "OBJECT_ID": object_id, "SUBPROGRAM_ID": number, "OBJECT_TYPE": "PACKAGE",
                                 "AGGREGATE": "NO", "PIPELINED": "NO", "PARALLEL": "NO", "INTERFACE": "NO",
                                 "DETERMINISTIC": "NO", "AUTHID": "DEFINER", "RESULT_CACHE": "NO",
                                 "ORIGIN_CON_ID": "0"})


def emit_trigger(w: ExportWriter, ids: Ids, owner: str, name: str, table: str, trigger_type: str,
                 event: str, status: str = "ENABLED", body: str = "BEGIN NULL; END;") -> None:
    object_id = ids.object()
    _obj(w, owner, name, "TRIGGER", object_id, data_object=False, namespace=3)
    row = "ROW" in trigger_type
    w.row("DBA_TRIGGERS", {
        "OWNER": owner, "TRIGGER_NAME": name, "TRIGGER_TYPE": trigger_type, "TRIGGERING_EVENT": event,
        "TABLE_OWNER": owner, "BASE_OBJECT_TYPE": "TABLE", "TABLE_NAME": table,
        "REFERENCING_NAMES": "REFERENCING NEW AS NEW OLD AS OLD", "STATUS": status,
        "DESCRIPTION": f"{name}\n  {trigger_type.split()[0].lower()} {event.lower()} ON {table}\n",
        "ACTION_TYPE": "PL/SQL     ", "TRIGGER_BODY": body, "CROSSEDITION": "NO",
        "BEFORE_STATEMENT": "YES" if trigger_type == "BEFORE STATEMENT" else "NO",
        "BEFORE_ROW": "YES" if trigger_type == "BEFORE EACH ROW" else "NO",
        "AFTER_ROW": "YES" if trigger_type == "AFTER EACH ROW" else "NO",
        "AFTER_STATEMENT": "YES" if trigger_type == "AFTER STATEMENT" else "NO",
        "INSTEAD_OF_ROW": "NO", "FIRE_ONCE": "YES", "APPLY_SERVER_ONLY": "NO",
    })
    w.row("DBA_PROCEDURES", {"OWNER": owner, "OBJECT_NAME": name, "OBJECT_ID": object_id, "SUBPROGRAM_ID": 1,
                             "OBJECT_TYPE": "TRIGGER", "AGGREGATE": "NO", "PIPELINED": "NO", "PARALLEL": "NO",
                             "INTERFACE": "NO", "DETERMINISTIC": "NO", "AUTHID": "DEFINER",
                             "RESULT_CACHE": "NO", "ORIGIN_CON_ID": "0"})
    _depends(w, owner, name, "TRIGGER", [(owner, table, "TABLE")])
    del row


def _depends(w: ExportWriter, owner: str, name: str, kind: str, refs: Iterable[tuple[str, str, str]]) -> None:
    for ref_owner, ref_name, ref_type in refs:
        w.row("DBA_DEPENDENCIES", {"OWNER": owner, "NAME": name, "TYPE": kind, "REFERENCED_OWNER": ref_owner,
                                   "REFERENCED_NAME": ref_name, "REFERENCED_TYPE": ref_type,
                                   "DEPENDENCY_TYPE": "HARD"})


def emit_view(w: ExportWriter, ids: Ids, owner: str, name: str, text: str,
              refs: Iterable[tuple[str, str, str]]) -> None:
    _obj(w, owner, name, "VIEW", ids.object(), data_object=False)
    w.row("DBA_VIEWS", {"OWNER": owner, "VIEW_NAME": name, "TEXT_LENGTH": len(text.encode()), "TEXT": text,
                        "TEXT_VC": text[:4000], "EDITIONING_VIEW": "N", "READ_ONLY": "N",
                        "CONTAINER_DATA": "N", "BEQUEATH": "DEFINER", "ORIGIN_CON_ID": "0",
                        "DEFAULT_COLLATION": "USING_NLS_COMP", "CONTAINERS_DEFAULT": "NO",
                        "CONTAINER_MAP": "NO", "EXTENDED_DATA_LINK": "NO", "EXTENDED_DATA_LINK_MAP": "NO",
                        "HAS_SENSITIVE_COLUMN": "NO", "ADMIT_NULL": "NO", "PDB_LOCAL_ONLY": "NO"})
    _depends(w, owner, name, "VIEW", refs)


def emit_sequence(w: ExportWriter, ids: Ids, owner: str, name: str, cache: int, last: int) -> None:
    _obj(w, owner, name, "SEQUENCE", ids.object(), data_object=False)
    w.row("DBA_SEQUENCES", {"SEQUENCE_OWNER": owner, "SEQUENCE_NAME": name, "MIN_VALUE": 1,
                            "MAX_VALUE": int("9" * 28), "INCREMENT_BY": 1, "CYCLE_FLAG": "N", "ORDER_FLAG": "N",
                            "CACHE_SIZE": cache, "LAST_NUMBER": last, "SCALE_FLAG": "N", "EXTEND_FLAG": "N",
                            "SHARDED_FLAG": "N", "SESSION_FLAG": "N", "KEEP_VALUE": "N"})


def emit_db_link(w: ExportWriter, ids: Ids, owner: str, name: str, username: str, host: str) -> None:
    _obj(w, owner, name, "DATABASE LINK", ids.object(), data_object=False, namespace=0)
    w.row("DBA_DB_LINKS", {"OWNER": owner, "DB_LINK": name, "USERNAME": username, "HOST": host,
                           "CREATED": date(CREATED), "HIDDEN": "NO", "SHARD_INTERNAL": "NO", "VALID": "YES",
                           "INTRA_CDB": "NO"})


def emit_database(w: ExportWriter, instances: Iterable[int]) -> None:
    """V$DATABASE, V$INSTANCE (the exporting instance), NLS_DATABASE_PARAMETERS, V$PARAMETER."""
    w.row("V$DATABASE", {"DBID": DBID, "NAME": DB_NAME, "CREATED": date(dt.datetime(2019, 4, 17, 4, 49, 12)),
                         "LOG_MODE": "ARCHIVELOG", "CONTROLFILE_TYPE": "CURRENT", "OPEN_MODE": "READ WRITE",
                         "PROTECTION_MODE": "MAXIMUM PERFORMANCE", "DATABASE_ROLE": "PRIMARY",
                         "FORCE_LOGGING": "YES", "PLATFORM_ID": 13, "PLATFORM_NAME": "Linux x86 64-bit",
                         "FLASHBACK_ON": "NO", "DB_UNIQUE_NAME": DB_NAME, "CDB": "NO", "CON_ID": 0,
                         "CON_DBID": DBID})
    first = min(instances)
    w.row("V$INSTANCE", {"INSTANCE_NUMBER": first, "INSTANCE_NAME": f"{DB_NAME.lower()}{first}",
                         "HOST_NAME": f"dbnode{first:02d}", "VERSION": "19.0.0.0.0", "VERSION_LEGACY": "19.0.0.0.0",
                         "VERSION_FULL": VERSION, "STARTUP_TIME": date(dt.datetime(2026, 10, 2, 3, 14, 7)),
                         "STATUS": "OPEN", "PARALLEL": "YES", "THREAD#": first, "ARCHIVER": "STARTED",
                         "LOGINS": "ALLOWED", "SHUTDOWN_PENDING": "NO", "DATABASE_STATUS": "ACTIVE",
                         "INSTANCE_ROLE": "PRIMARY_INSTANCE", "ACTIVE_STATE": "NORMAL", "BLOCKED": "NO",
                         "CON_ID": 0, "INSTANCE_MODE": "REGULAR", "EDITION": "EE", "DATABASE_TYPE": "RAC"})
    for parameter, value in (("NLS_LANGUAGE", "AMERICAN"), ("NLS_TERRITORY", "AMERICA"),
                             ("NLS_CHARACTERSET", "AL32UTF8"), ("NLS_NCHAR_CHARACTERSET", "AL16UTF16"),
                             ("NLS_DATE_FORMAT", "DD-MON-RR"), ("NLS_LENGTH_SEMANTICS", "BYTE"),
                             ("NLS_RDBMS_VERSION", VERSION)):
        w.row("NLS_DATABASE_PARAMETERS", {"PARAMETER": parameter, "VALUE": value})
    for number, (name, value) in enumerate((("db_block_size", str(BLOCK)), ("cursor_sharing", "EXACT"),
                                            ("cluster_database", "TRUE"), ("compatible", "19.0.0"),
                                            ("deferred_segment_creation", "TRUE")), start=1):
        w.row("V$PARAMETER", {"NUM": 100 + number, "NAME": name, "TYPE": 2 if name != "db_block_size" else 3,
                              "VALUE": value, "DISPLAY_VALUE": value, "ISDEFAULT": "FALSE",
                              "ISSES_MODIFIABLE": "FALSE", "ISSYS_MODIFIABLE": "FALSE",
                              "ISPDB_MODIFIABLE": "FALSE", "ISINSTANCE_MODIFIABLE": "FALSE",
                              "ISMODIFIED": "FALSE", "ISADJUSTED": "FALSE", "ISDEPRECATED": "FALSE",
                              "ISBASIC": "TRUE" if name in ("db_block_size", "compatible") else "FALSE",
                              "HASH": oracle_hash(name), "CON_ID": 0})


def snapshot_times(rng: random.Random, instances: Iterable[int], start: dt.datetime, count: int
                   ) -> dict[int, list[tuple[int, dt.datetime, dt.datetime]]]:
    """Hourly AWR snapshots per instance: (snap_id, begin, end). On RAC every instance takes the same
    SNAP_ID a few seconds apart, so END_INTERVAL_TIME differs by seconds between instances."""
    result: dict[int, list[tuple[int, dt.datetime, dt.datetime]]] = {}
    for instance in instances:
        rows = []
        previous = start - dt.timedelta(hours=1) + dt.timedelta(seconds=2 + instance, milliseconds=211 * instance)
        for i in range(count):
            end = start + dt.timedelta(hours=i, seconds=2 + 2 * instance + rng.randint(0, 3),
                                       milliseconds=rng.randint(0, 999))
            rows.append((FIRST_SNAP + i, previous, end))
            previous = end
        result[instance] = rows
    return result


def emit_snapshots(w: ExportWriter, snaps: dict[int, list[tuple[int, dt.datetime, dt.datetime]]]) -> None:
    startup = dt.datetime(2026, 10, 2, 3, 14, 7, 118000)
    for instance, rows in snaps.items():
        for snap_id, begin, end in rows:
            w.row("DBA_HIST_SNAPSHOT", {
                "SNAP_ID": snap_id, "DBID": DBID, "INSTANCE_NUMBER": instance,
                "STARTUP_TIME": ts3(startup + dt.timedelta(seconds=41 * (instance - 1))),
                "BEGIN_INTERVAL_TIME": ts3(begin), "END_INTERVAL_TIME": ts3(end),
                "FLUSH_ELAPSED": f"+00000 00:00:0{1 + snap_id % 4}.{snap_id % 10}", "SNAP_LEVEL": 1,
                "ERROR_COUNT": 0, "SNAP_FLAG": 0, "SNAP_TIMEZONE": f"+0 {DB_TIMEZONE[1:]}:00",
                "BEGIN_INTERVAL_TIME_TZ": ts3tz(begin), "END_INTERVAL_TIME_TZ": ts3tz(end), "CON_ID": 0,
            })


# --------------------------------------------------------------------------------------------------
# Statements: texts, plans, AWR statistics, cursor cache

#: A plan line: (depth, operation, options, object 'OWNER.NAME' or None, extras for that line).
PlanLine = tuple[int, str, str | None, str | None, dict[str, Any]]


@dataclass
class Statement:
    text: str
    schema: str
    command_type: int                    # 3 SELECT, 2 INSERT, 6 UPDATE, 189 MERGE, 47 PL/SQL EXECUTE
    plan: list[PlanLine]
    executions: int                      # per hour and instance, on average
    elapsed_us: int                      # per execution
    gets: int                            # buffer gets per execution
    rows: int = 1                        # rows per execution
    reads: int = 0                       # disk reads per execution
    version_count: int = 1
    signature: int | None = None         # FORCE_MATCHING_SIGNATURE (literal variants share one)
    module: str = "JDBC Thin Client"
    hours: tuple[int, ...] = tuple(range(1, 24, 3))   # snapshots (by hour) where AWR kept it (top-N)
    instances: tuple[int, ...] = INSTANCES
    predicates: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)  # V$SQL_PLAN only
    cached: bool = True                  # still in the cursor cache (V$SQL / V$SQL_PLAN / V$SQLSTATS)
    reload_at: tuple[int, int] | None = None   # (instance, hour): cursor reloaded, *_TOTAL restart
    cpu_pct: tuple[int, int] = (55, 90)  # CPU time as a share (%) of elapsed time, per snapshot
    direct_writes: int = 0               # direct-path writes (blocks) per execution: sorts/hash joins spilling

    @property
    def sql_id(self) -> str:
        return sql_id(self.text)

    @property
    def plan_hash(self) -> int:
        return 0 if not self.plan else oracle_hash(*(line[:4] for line in self.plan)) % 4294967295

    @property
    def force_signature(self) -> int:
        if self.signature is not None:
            return self.signature
        return int.from_bytes(hashlib.sha256(("fms" + self.text).encode()).digest()[:8], "big")


def plan_rows(stmt: Statement, w: ExportWriter, index_names: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """The plan lines of a statement as DBA_HIST_SQL_PLAN rows (predicates NULL, as AWR stores them
    on 19c): IDs in order, PARENT_ID from the depth, POSITION among siblings (line 0: the cost)."""
    rows: list[dict[str, Any]] = []
    stack: list[int] = []
    children: dict[int, int] = {}
    total = len(stmt.plan)
    base_cost = stmt.plan[0][4].get("cost", 3 + oracle_hash(stmt.text, digits=4) % 2000) if stmt.plan else 0
    for line_id, (depth, operation, options, obj, extra) in enumerate(stmt.plan):
        del stack[depth:]
        parent = stack[-1] if stack else None
        stack.append(line_id)
        children[parent if parent is not None else -1] = children.get(parent if parent is not None else -1, 0) + 1
        owner, name = obj.split(".", 1) if obj else (None, None)
        object_type = extra.get("object_type")
        if object_type is None and obj:
            if (owner, name) in index_names:
                object_type = "INDEX (UNIQUE)" if extra.get("unique") else "INDEX"
            elif name.startswith(":TQ"):
                object_type = None
            else:
                object_type = "TABLE"
        cost = extra.get("cost", max(1, base_cost * (total - line_id) // total))
        rows.append({
            "DBID": DBID, "SQL_ID": stmt.sql_id, "PLAN_HASH_VALUE": stmt.plan_hash, "ID": line_id,
            "OPERATION": operation, "OPTIONS": options, "OBJECT_NODE": extra.get("node"),
            "OBJECT#": w.object_ids.get((owner, name)) if obj else None, "OBJECT_OWNER": owner,
            "OBJECT_NAME": name, "OBJECT_ALIAS": extra.get("alias"), "OBJECT_TYPE": object_type,
            "OPTIMIZER": "ALL_ROWS" if line_id == 0 else ("ANALYZED" if obj and object_type else None),
            "PARENT_ID": parent, "DEPTH": depth,
            "POSITION": base_cost if line_id == 0 else children[parent if parent is not None else -1],
            "SEARCH_COLUMNS": extra.get("search"), "COST": base_cost if line_id == 0 else cost,
            "CARDINALITY": None if line_id == 0 else extra.get("card", 1 + oracle_hash(stmt.text, line_id) % 5000),
            # BYTES = rows x the row width the line projects (given, or from the estimated rows)
            "BYTES": None if line_id == 0 else extra.get("bytes", extra["card"] * (9 + oracle_hash(line_id, stmt.text) % 60)
                                                         if extra.get("card") is not None
                                                         else 40 + oracle_hash(line_id, stmt.text) % 90000),
            "OTHER_TAG": extra.get("other_tag"), "PARTITION_START": extra.get("pstart"),
            "PARTITION_STOP": extra.get("pstop"), "PARTITION_ID": extra.get("pid"),
            "DISTRIBUTION": extra.get("distribution"),
            "CPU_COST": None if line_id == 0 or cost is None else cost * 7919 + 121,
            "IO_COST": None if line_id == 0 or cost is None else max(1, cost - 1), "TEMP_SPACE": extra.get("temp"),
            "TIME": None if line_id == 0 or cost is None else 1 + cost // 1000, "QBLOCK_NAME": extra.get("qblock", "SEL$1" if obj else None),
            "TIMESTAMP": date(dt.datetime(2026, 11, 19, 7, 12, 33)),
            "OTHER_XML": ('<other_xml><info type="db_version">19.0.0.0</info><info type="parse_schema">'
                          f'<![CDATA["{stmt.schema}"]]></info><info type="plan_hash_full">'
                          f'{oracle_hash(stmt.plan_hash, digits=10)}</info></other_xml>') if line_id == 1 else None,
        })
    return rows


def emit_awr(w: ExportWriter, statements: list[Statement], snaps: dict[int, list[tuple[int, dt.datetime, dt.datetime]]],
             rng: random.Random, index_names: set[tuple[str, str]]) -> None:
    """DBA_HIST_SQLTEXT, SQL_PLAN, SQLSTAT and the cursor cache (V$SQL, V$SQL_PLAN, V$SQLSTATS)."""
    seen: set[tuple[str, int]] = set()
    for stmt in statements:
        in_awr = bool(stmt.instances and stmt.hours)
        lines = plan_rows(stmt, w, index_names)
        if in_awr and stmt.sql_id not in {key[0] for key in seen}:
            w.row("DBA_HIST_SQLTEXT", {"DBID": DBID, "SQL_ID": stmt.sql_id, "SQL_TEXT": stmt.text,
                                       "COMMAND_TYPE": stmt.command_type, "CON_DBID": DBID, "CON_ID": 0})
        if in_awr and (stmt.sql_id, stmt.plan_hash) not in seen:
            for row in lines:
                w.row("DBA_HIST_SQL_PLAN", row)
            seen.add((stmt.sql_id, stmt.plan_hash))
        if not in_awr:
            # Parsed and cached after the last snapshot: the cursor cache alone knows it.
            executions = max(1, stmt.executions)
            totals = {key: 0 for key in ("FETCHES", "PARSE_CALLS", "DISK_READS", "CCWAIT", "CLWAIT", "IOWAIT",
                                         "PLSEXEC_TIME", "PX_SERVERS_EXECS", "END_OF_FETCH_COUNT")}
            totals.update(EXECUTIONS=executions, PARSE_CALLS=executions, FETCHES=executions,
                          END_OF_FETCH_COUNT=executions, BUFFER_GETS=stmt.gets * executions,
                          ROWS_PROCESSED=stmt.rows * executions, ELAPSED_TIME=stmt.elapsed_us * executions,
                          CPU_TIME=stmt.elapsed_us * executions * 8 // 10)
            emit_cursor_cache(w, stmt, totals, lines)
            continue
        totals_by_instance = {}
        for instance in stmt.instances:
            # Counters since the cursor was loaded on this instance (before the window): never summed.
            totals = {"EXECUTIONS": 0, "ELAPSED_TIME": 0, "CPU_TIME": 0, "BUFFER_GETS": 0, "DISK_READS": 0,
                      "ROWS_PROCESSED": 0, "FETCHES": 0, "END_OF_FETCH_COUNT": 0, "PARSE_CALLS": 0,
                      "SORTS": 0, "LOADS": 1, "INVALIDATIONS": 0, "PX_SERVERS_EXECS": 0, "DIRECT_WRITES": 0,
                      "IOWAIT": 0, "CLWAIT": 0, "APWAIT": 0, "CCWAIT": 0, "PLSEXEC_TIME": 0, "JAVEXEC_TIME": 0}
            warm = rng.randint(3, 40)
            for key in ("EXECUTIONS", "PARSE_CALLS", "FETCHES", "END_OF_FETCH_COUNT"):
                totals[key] = stmt.executions * warm
            totals["ELAPSED_TIME"] = stmt.elapsed_us * totals["EXECUTIONS"]
            totals["CPU_TIME"] = totals["ELAPSED_TIME"] * 7 // 10
            totals["BUFFER_GETS"] = stmt.gets * totals["EXECUTIONS"]
            totals["ROWS_PROCESSED"] = stmt.rows * totals["EXECUTIONS"]
            totals["DISK_READS"] = stmt.reads * totals["EXECUTIONS"]
            totals["DIRECT_WRITES"] = stmt.direct_writes * totals["EXECUTIONS"]
            for hour, (snap_id, _begin, _end) in enumerate(snaps[instance]):
                if hour not in stmt.hours:
                    continue
                executions = max(0, int(stmt.executions * rng.uniform(0.4, 1.6))) if stmt.executions else 0
                if stmt.command_type == 3 and executions == 0 and stmt.executions:
                    executions = 1
                spread = rng.uniform(0.7, 1.4)   # this snapshot's executions ran slower or faster
                delta = {
                    "EXECUTIONS": executions, "PARSE_CALLS": max(executions // 3, 1 if executions else 0),
                    "FETCHES": executions * (1 + stmt.rows // 100), "END_OF_FETCH_COUNT": executions,
                    "ELAPSED_TIME": int(stmt.elapsed_us * executions * spread) + rng.randint(0, 900),
                    "BUFFER_GETS": int(stmt.gets * executions * rng.uniform(0.9, 1.1)),
                    "DISK_READS": int(stmt.reads * executions * rng.uniform(0.5, 1.5)),
                    "ROWS_PROCESSED": stmt.rows * executions, "SORTS": executions if "SORT" in str(stmt.plan) else 0,
                    "LOADS": 0, "INVALIDATIONS": 0,
                    "PX_SERVERS_EXECS": executions * 16 if any(l[1].startswith("PX") for l in stmt.plan) else 0,
                    "DIRECT_WRITES": int(stmt.direct_writes * executions * spread),
                    "CLWAIT": rng.randint(0, 3000) * executions // 10,
                    "APWAIT": 0, "CCWAIT": rng.randint(0, 50) * executions, "PLSEXEC_TIME": 0, "JAVEXEC_TIME": 0,
                }
                if stmt.command_type == 47:
                    delta["PLSEXEC_TIME"] = delta["ELAPSED_TIME"] // 3
                delta["CPU_TIME"] = delta["ELAPSED_TIME"] * rng.randint(*stmt.cpu_pct) // 100
                delta["IOWAIT"] = delta["DISK_READS"] * rng.randint(150, 900)
                if stmt.reload_at == (instance, hour):
                    # Aged out and reloaded: the cumulative counters start again from this delta.
                    totals = {key: 0 for key in totals}
                    delta["LOADS"] = 1
                    delta["INVALIDATIONS"] = 1
                for key, value in delta.items():
                    totals[key] += value
                version_count = stmt.version_count if instance == 1 else max(1, stmt.version_count // 3)
                w.row("DBA_HIST_SQLSTAT", {
                    "SNAP_ID": snap_id, "INSTANCE_NUMBER": instance, "SQL_ID": stmt.sql_id,
                    "PLAN_HASH_VALUE": stmt.plan_hash, "OPTIMIZER_COST": lines[0]["COST"] if lines else 0,
                    "OPTIMIZER_ENV_HASH_VALUE": 3934215453, "SHARABLE_MEM": 23456 + 8192 * version_count,
                    "VERSION_COUNT": version_count, "MODULE": stmt.module, "ACTION": None,
                    "FORCE_MATCHING_SIGNATURE": stmt.force_signature,
                    "PARSING_SCHEMA_ID": PARSING_IDS.get(stmt.schema, 0), "PARSING_SCHEMA_NAME": stmt.schema,
                    "PARSING_USER_ID": PARSING_IDS.get(stmt.schema, 0),
                    **{f"{key}_TOTAL": totals[key] for key in totals}, **{f"{key}_DELTA": delta[key] for key in delta},
                    "PHYSICAL_READ_REQUESTS_TOTAL": totals["DISK_READS"], "PHYSICAL_READ_REQUESTS_DELTA": delta["DISK_READS"],
                    "PHYSICAL_READ_BYTES_TOTAL": totals["DISK_READS"] * BLOCK,
                    "PHYSICAL_READ_BYTES_DELTA": delta["DISK_READS"] * BLOCK,
                    # direct writes go out in multiblock requests of up to 128 KB (16 blocks)
                    "PHYSICAL_WRITE_REQUESTS_TOTAL": -(-totals["DIRECT_WRITES"] // 16),
                    "PHYSICAL_WRITE_REQUESTS_DELTA": -(-delta["DIRECT_WRITES"] // 16),
                    "PHYSICAL_WRITE_BYTES_TOTAL": totals["DIRECT_WRITES"] * BLOCK,
                    "PHYSICAL_WRITE_BYTES_DELTA": delta["DIRECT_WRITES"] * BLOCK,
                    "IO_INTERCONNECT_BYTES_TOTAL": (totals["DISK_READS"] + totals["DIRECT_WRITES"]) * BLOCK,
                    "IO_INTERCONNECT_BYTES_DELTA": (delta["DISK_READS"] + delta["DIRECT_WRITES"]) * BLOCK,
                    "IO_OFFLOAD_ELIG_BYTES_TOTAL": 0, "IO_OFFLOAD_ELIG_BYTES_DELTA": 0,
                    "OPTIMIZED_PHYSICAL_READS_TOTAL": 0, "OPTIMIZED_PHYSICAL_READS_DELTA": 0,
                    "CELL_UNCOMPRESSED_BYTES_TOTAL": 0, "CELL_UNCOMPRESSED_BYTES_DELTA": 0,
                    "IO_OFFLOAD_RETURN_BYTES_TOTAL": 0, "IO_OFFLOAD_RETURN_BYTES_DELTA": 0,
                })
            totals_by_instance[instance] = totals
        if stmt.cached and 1 in totals_by_instance:
            emit_cursor_cache(w, stmt, totals_by_instance[1], lines)


#: PARSING_SCHEMA_ID / USER_ID of the sample's users (DBA_USERS.USER_ID).
PARSING_IDS = {"SYS": 0, "SYSTEM": 9, "SALES": 112, "HR": 113, "LEGACY": 114, "REPORTING": 115}


def emit_cursor_cache(w: ExportWriter, stmt: Statement, totals: dict[str, int], lines: list[dict[str, Any]]) -> None:
    """The statement as instance 1's cursor cache shows it now: V$SQL (one row per child cursor),
    V$SQLSTATS (per SQL_ID and plan), V$SQL_PLAN (child 0, with predicates)."""
    address = f"{oracle_hash(stmt.sql_id, 'a', digits=12):016X}"
    children = min(stmt.version_count, 3)
    for child in range(children):
        share = totals["EXECUTIONS"] // children
        w.row("V$SQL", {
            "SQL_TEXT": stmt.text[:1000], "SQL_FULLTEXT": stmt.text, "SQL_ID": stmt.sql_id,
            "SHARABLE_MEM": 23456, "PERSISTENT_MEM": 5128, "RUNTIME_MEM": 4256, "SORTS": 0,
            "LOADED_VERSIONS": 1, "OPEN_VERSIONS": 1 if child == 0 else 0, "USERS_OPENING": 0,
            "FETCHES": totals["FETCHES"] // children, "EXECUTIONS": share, "PX_SERVERS_EXECUTIONS": 0,
            "END_OF_FETCH_COUNT": share, "USERS_EXECUTING": 0, "LOADS": 1,
            "FIRST_LOAD_TIME": "2026-11-19/07:12:33", "INVALIDATIONS": 0,
            "PARSE_CALLS": totals["PARSE_CALLS"] // children, "DISK_READS": totals["DISK_READS"] // children,
            "DIRECT_WRITES": totals.get("DIRECT_WRITES", 0) // children, "DIRECT_READS": 0,
            "BUFFER_GETS": totals["BUFFER_GETS"] // children,
            "APPLICATION_WAIT_TIME": 0, "CONCURRENCY_WAIT_TIME": totals["CCWAIT"] // children,
            "CLUSTER_WAIT_TIME": totals["CLWAIT"] // children, "USER_IO_WAIT_TIME": totals["IOWAIT"] // children,
            "PLSQL_EXEC_TIME": totals["PLSEXEC_TIME"] // children, "JAVA_EXEC_TIME": 0,
            "ROWS_PROCESSED": totals["ROWS_PROCESSED"] // children, "COMMAND_TYPE": stmt.command_type,
            "OPTIMIZER_MODE": "ALL_ROWS", "OPTIMIZER_COST": lines[0]["COST"] if lines else 0,
            "OPTIMIZER_ENV_HASH_VALUE": 3934215453, "PARSING_USER_ID": PARSING_IDS.get(stmt.schema, 0),
            "PARSING_SCHEMA_ID": PARSING_IDS.get(stmt.schema, 0), "PARSING_SCHEMA_NAME": stmt.schema,
            "KEPT_VERSIONS": 0, "ADDRESS": address, "TYPE_CHK_HEAP": "00", "HASH_VALUE": oracle_hash(stmt.sql_id, digits=9),
            "OLD_HASH_VALUE": oracle_hash(stmt.sql_id, "old", digits=9), "PLAN_HASH_VALUE": stmt.plan_hash,
            "FULL_PLAN_HASH_VALUE": oracle_hash(stmt.plan_hash, digits=10), "CHILD_NUMBER": child,
            "SERVICE": f"{DB_NAME.lower()}_app", "SERVICE_HASH": 2310961751, "MODULE": stmt.module,
            "MODULE_HASH": oracle_hash(stmt.module, digits=9), "ACTION_HASH": 0, "SERIALIZABLE_ABORTS": 0,
            "CPU_TIME": totals["CPU_TIME"] // children, "ELAPSED_TIME": totals["ELAPSED_TIME"] // children,
            "CHILD_ADDRESS": f"{oracle_hash(stmt.sql_id, child, digits=12):016X}", "SQLTYPE": 6, "REMOTE": "N",
            "OBJECT_STATUS": "VALID", "LITERAL_HASH_VALUE": 0, "LAST_LOAD_TIME": "2026-11-19/07:12:33",
            "IS_OBSOLETE": "N", "IS_BIND_SENSITIVE": "Y" if ":" in stmt.text else "N", "IS_BIND_AWARE": "N",
            "IS_SHAREABLE": "Y" if child == children - 1 else "N", "CHILD_LATCH": child,
            "PROGRAM_ID": 0, "PROGRAM_LINE#": 0,
            "EXACT_MATCHING_SIGNATURE": int.from_bytes(hashlib.sha256(("ems" + stmt.text).encode()).digest()[:8], "big"),
            "FORCE_MATCHING_SIGNATURE": stmt.force_signature,
            "LAST_ACTIVE_TIME": date(dt.datetime(2026, 11, 21, 9, 14, 2)), "TYPECHECK_MEM": 0,
            "IO_CELL_OFFLOAD_ELIGIBLE_BYTES": 0, "IO_INTERCONNECT_BYTES": totals["DISK_READS"] * BLOCK // children,
            "PHYSICAL_READ_REQUESTS": totals["DISK_READS"] // children,
            "PHYSICAL_READ_BYTES": totals["DISK_READS"] * BLOCK // children,
            "PHYSICAL_WRITE_REQUESTS": -(-totals.get("DIRECT_WRITES", 0) // 16) // children,
            "PHYSICAL_WRITE_BYTES": totals.get("DIRECT_WRITES", 0) * BLOCK // children,
            "OPTIMIZED_PHY_READ_REQUESTS": 0, "LOCKED_TOTAL": 1 + child,
            "PINNED_TOTAL": 2 + child, "IO_CELL_UNCOMPRESSED_BYTES": 0, "IO_CELL_OFFLOAD_RETURNED_BYTES": 0,
            "CON_ID": 0, "IS_REOPTIMIZABLE": "N", "IS_RESOLVED_ADAPTIVE_PLAN": None, "IM_SCANS": 0,
            "IM_SCAN_BYTES_UNCOMPRESSED": 0, "IM_SCAN_BYTES_INMEMORY": 0, "DDL_NO_INVALIDATE": "N",
            "IS_ROLLING_INVALID": "N", "IS_ROLLING_REFRESH_INVALID": "N", "RESULT_CACHE": "N",
            "AVOIDED_EXECUTIONS": 0,
        })
    w.row("V$SQLSTATS", {
        "SQL_TEXT": stmt.text[:1000], "SQL_FULLTEXT": stmt.text, "SQL_ID": stmt.sql_id,
        "LAST_ACTIVE_TIME": date(dt.datetime(2026, 11, 21, 9, 14, 2)), "LAST_ACTIVE_CHILD_ADDRESS": address,
        "PLAN_HASH_VALUE": stmt.plan_hash, "PARSE_CALLS": totals["PARSE_CALLS"], "DISK_READS": totals["DISK_READS"],
        "DIRECT_WRITES": totals.get("DIRECT_WRITES", 0), "DIRECT_READS": 0, "BUFFER_GETS": totals["BUFFER_GETS"],
        "ROWS_PROCESSED": totals["ROWS_PROCESSED"], "SERIALIZABLE_ABORTS": 0, "FETCHES": totals["FETCHES"],
        "EXECUTIONS": totals["EXECUTIONS"], "END_OF_FETCH_COUNT": totals["END_OF_FETCH_COUNT"], "LOADS": 1,
        "VERSION_COUNT": stmt.version_count, "INVALIDATIONS": 0, "PX_SERVERS_EXECUTIONS": totals["PX_SERVERS_EXECS"],
        "CPU_TIME": totals["CPU_TIME"], "ELAPSED_TIME": totals["ELAPSED_TIME"], "AVG_HARD_PARSE_TIME": 4182,
        "APPLICATION_WAIT_TIME": 0, "CONCURRENCY_WAIT_TIME": totals["CCWAIT"], "CLUSTER_WAIT_TIME": totals["CLWAIT"],
        "USER_IO_WAIT_TIME": totals["IOWAIT"], "PLSQL_EXEC_TIME": totals["PLSEXEC_TIME"], "JAVA_EXEC_TIME": 0,
        "SORTS": 0, "SHARABLE_MEM": 23456, "TOTAL_SHARABLE_MEM": 23456 * children, "TYPECHECK_MEM": 0,
        "EXACT_MATCHING_SIGNATURE": int.from_bytes(hashlib.sha256(("ems" + stmt.text).encode()).digest()[:8], "big"),
        "FORCE_MATCHING_SIGNATURE": stmt.force_signature, "CON_ID": 0, "CON_DBID": DBID, "OBSOLETE_COUNT": 0,
        "AVOIDED_EXECUTIONS": 0,
    })
    for row in lines:
        access, filter_ = stmt.predicates.get(row["ID"], (None, None))
        w.row("V$SQL_PLAN", {
            **{k: v for k, v in row.items() if k not in ("DBID", "CON_DBID")},
            "ADDRESS": address, "HASH_VALUE": oracle_hash(stmt.sql_id, digits=9),
            "FULL_PLAN_HASH_VALUE": oracle_hash(stmt.plan_hash, digits=10),
            "CHILD_ADDRESS": f"{oracle_hash(stmt.sql_id, 0, digits=12):016X}", "CHILD_NUMBER": 0,
            "ACCESS_PREDICATES": access, "FILTER_PREDICATES": filter_, "CON_ID": 0,
        })


# --------------------------------------------------------------------------------------------------
# The sample profile: what tests/data/oracle/sample_expected_obj.yaml describes

BIN_TABLE = "BIN$S2V5b3JkOGRYZ1UwSUJBQQ==$0"      # ORDERS_OLD, dropped into the recycle bin
BIN_INDEX = "BIN$U0lYQUJDRGVGZ0hJSktMTQ==$0"
BIN_TRIGGER = "BIN$VFJHX09MRF9BVURJVA==$0"
PRODUCTS_PK = "SYS_C0012290"                      # created without a name: system-generated


def cols(*specs: str) -> list[Column]:
    return [col(spec) for spec in specs]


def hidden(name: str, data_type: str = "VARCHAR2", length: int = 320) -> Column:
    """A hidden virtual column Oracle adds for a function-based or descending index."""
    return Column(name, data_type, length, char_length=length if data_type == "VARCHAR2" else 0,
                  char_used="B" if data_type == "VARCHAR2" else None, hidden=True, virtual=True,
                  user_generated=False)


def monthly(names_rows: list[tuple[str, int]], avg_row_len: int) -> list[Partition]:
    parts = []
    for name, rows in names_rows:
        year, month = int(name[1:5]), int(name[6:8])
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        parts.append(Partition(name, f"TO_DATE(' {nxt:%Y-%m-%d} 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', "
                                     "'NLS_CALENDAR=GREGORIAN')", rows, rows * avg_row_len // 7000))
    return parts


def sample_tables() -> tuple[list[Table], list[Index]]:
    """SALES and HR (audited), LEGACY (locked owner) and SYSTEM (Oracle-maintained)."""
    S, H = "SALES", "HR"
    t: list[Table] = []
    ix: list[Index] = []

    customers = Table(S, "CUSTOMERS", cols(
        "CUSTOMER_ID N12 NN", "CUSTOMER_NO V20 NN", "NAME V200C", "EMAIL V320", "PHONE V30", "SEGMENT V20",
        "REGION V30", "COUNTRY_CODE C2", "CITY V100C", "ADDRESS_LINE1 V200C", "ADDRESS_LINE2 V200C",
        "POSTAL_CODE V20", "BIRTH_DATE D", "GENDER C1", "STATUS V10", "CREDIT_LIMIT N12.2", "BALANCE N12.2",
        "LOYALTY_TIER V10", "REFERRER_ID N12", "LANGUAGE V10", "CURRENCY C3", "TAX_ID V40",
        "MARKETING_OPT_IN C1", "SOURCE_CHANNEL V30", "LAST_ORDER_DATE D", "NOTES V2000", "CREATE_TIME D NN",
        "UPDATE_TIME TS6", "VERSION_NO N10") + [
        hidden("SYS_NC00030$"),
        Column("SYS_C00031_26111910:23:45$", "VARCHAR2", 50, char_length=50, char_used="B", hidden=True,
               user_generated=False)],
        num_rows=2_400_000, blocks=92_000, avg_row_len=260, pk=("CUSTOMER_ID",), pk_name="CUSTOMERS_PK",
        uniques=[("CUST_EMAIL_UK", ("EMAIL",))], fks=[("CUST_REFERRER_FK", ("REFERRER_ID",), S, "CUSTOMERS_PK")])
    t.append(customers)
    ix += [Index(S, "CUSTOMERS_PK", "CUSTOMERS", ("CUSTOMER_ID",), unique=True, blevel=2, leaf_blocks=5_300,
                 distinct_keys=2_400_000, clustering_factor=93_100),
           Index(S, "CUST_EMAIL_UK", "CUSTOMERS", ("EMAIL",), unique=True, blevel=2, leaf_blocks=14_800,
                 distinct_keys=2_400_000, clustering_factor=95_500),
           Index(S, "CUST_SEGMENT_BIX", "CUSTOMERS", ("SEGMENT",), index_type="BITMAP", blevel=1, leaf_blocks=120,
                 distinct_keys=5, clustering_factor=480, num_rows=480),
           Index(S, "CUST_SEG_REGION_IX", "CUSTOMERS", ("SEGMENT", "REGION"), blevel=2, leaf_blocks=7_100,
                 distinct_keys=140, clustering_factor=101_000),
           Index(S, "CUST_UPPER_EMAIL_FIX", "CUSTOMERS", ('UPPER("EMAIL")',), blevel=2, leaf_blocks=15_200,
                 distinct_keys=2_399_000, clustering_factor=98_000)]

    orders = Table(S, "ORDERS", cols(
        "ORDER_ID N12 NN", "ORDER_NO V20 NN", "CUSTOMER_ID N12 NN", "ORDER_DATE D NN", "STATUS V10",
        "CHANNEL V20", "TOTAL_AMOUNT N14.2", "CURRENCY C3", "SALES_REP_ID N6", "SHIP_ADDRESS V400",
        "CREATE_TIME D", "UPDATE_TIME D") + [hidden("SYS_NC00013$", "RAW", 7)],
        num_rows=8_000_000, blocks=100_000, avg_row_len=96, pk=("ORDER_ID",), pk_name="ORDERS_PK",
        uniques=[("ORD_NO_UK", ("ORDER_NO",))],
        fks=[("ORD_CUST_FK", ("CUSTOMER_ID",), S, "CUSTOMERS_PK"), ("ORD_REP_FK", ("SALES_REP_ID",), H, "EMP_EMP_ID_PK")])
    t.append(orders)
    ix += [Index(S, "ORDERS_PK", "ORDERS", ("ORDER_ID",), unique=True, blevel=2, leaf_blocks=17_800,
                 distinct_keys=8_000_000, clustering_factor=100_900),
           Index(S, "ORD_NO_UK", "ORDERS", ("ORDER_NO",), unique=True, blevel=2, leaf_blocks=26_000,
                 distinct_keys=8_000_000, clustering_factor=104_000),
           Index(S, "ORD_CUST_DATE_IX", "ORDERS", ("CUSTOMER_ID", "ORDER_DATE"), blevel=2, leaf_blocks=24_000,
                 distinct_keys=7_900_000, clustering_factor=131_000),
           Index(S, "ORD_CUST_IX", "ORDERS", ("CUSTOMER_ID",), blevel=2, leaf_blocks=17_900,
                 distinct_keys=2_300_000, clustering_factor=129_000),
           Index(S, "ORD_DATE_DESC_IX", "ORDERS", ("ORDER_DATE DESC",), blevel=2, leaf_blocks=21_000,
                 distinct_keys=690_000, clustering_factor=100_400),
           Index(S, "ORD_STATUS_IX", "ORDERS", ("STATUS",), blevel=2, leaf_blocks=15_600, distinct_keys=6,
                 clustering_factor=112_000)]

    t.append(Table(S, "ORDER_ITEMS", cols(
        "ORDER_ID N12 NN", "LINE_NO N4 NN", "PRODUCT_ID N12 NN", "QTY N8", "UNIT_PRICE N12.2", "DISCOUNT N5.2",
        "CREATE_TIME D"), num_rows=42_000_000, blocks=440_000, avg_row_len=84, pk=("ORDER_ID", "LINE_NO"),
        pk_name="ORDER_ITEMS_PK", fks=[("OI_ORDER_FK", ("ORDER_ID",), S, "ORDERS_PK"),
                                       ("OI_PROD_FK", ("PRODUCT_ID",), S, PRODUCTS_PK)]))
    ix += [Index(S, "ORDER_ITEMS_PK", "ORDER_ITEMS", ("ORDER_ID", "LINE_NO"), unique=True, blevel=3,
                 leaf_blocks=118_000, distinct_keys=42_000_000, clustering_factor=452_000),
           Index(S, "OI_PROD_IX", "ORDER_ITEMS", ("PRODUCT_ID",), blevel=3, leaf_blocks=93_000,
                 distinct_keys=49_000, clustering_factor=39_800_000),
           Index(S, "OI_ORDER_PROD_IX", "ORDER_ITEMS", ("ORDER_ID", "PRODUCT_ID"), blevel=4, leaf_blocks=131_000,
                 distinct_keys=41_900_000, clustering_factor=455_000, degree=8)]

    t.append(Table(S, "PRODUCTS", cols(
        "PRODUCT_ID N12 NN", "SKU V40 NN", "NAME V200C", "CATEGORY_ID N6", "PRICE N12.2", "DESCRIPTION CLOB",
        "CREATE_TIME D", "UPDATE_TIME D"), num_rows=50_000, blocks=1_400, avg_row_len=180, pk=("PRODUCT_ID",),
        pk_name=PRODUCTS_PK, uniques=[("PROD_SKU_UK", ("SKU",))], lob_bytes={"DESCRIPTION": 300 * 2**20}))
    ix += [Index(S, PRODUCTS_PK, "PRODUCTS", ("PRODUCT_ID",), unique=True, generated=True, blevel=1,
                 leaf_blocks=110, distinct_keys=50_000, clustering_factor=1_420),
           Index(S, "PROD_SKU_UK", "PRODUCTS", ("SKU",), unique=True, blevel=1, leaf_blocks=240,
                 distinct_keys=50_000, clustering_factor=1_460),
           Index(S, "PROD_CAT_IX", "PRODUCTS", ("CATEGORY_ID",), blevel=1, leaf_blocks=100, distinct_keys=310,
                 clustering_factor=1_900)]

    t.append(Table(S, "DOCUMENTS", cols(
        "DOC_ID N12 NN", "ORDER_ID N12", "DOC_TYPE V20", "FILE_NAME V255", "BODY BLOB", "CREATED D"),
        num_rows=60_000, blocks=25_600, avg_row_len=3_200, pk=("DOC_ID",), pk_name="DOCUMENTS_PK",
        fks=[("DOC_ORDER_FK", ("ORDER_ID",), S, "ORDERS_PK")], lob_bytes={"BODY": 4_400 * 2**20}))
    ix += [Index(S, "DOCUMENTS_PK", "DOCUMENTS", ("DOC_ID",), unique=True, blevel=1, leaf_blocks=130,
                 distinct_keys=60_000, clustering_factor=25_700),
           Index(S, "DOC_ORDER_IX", "DOCUMENTS", ("ORDER_ID",), blevel=1, leaf_blocks=150, distinct_keys=59_000,
                 clustering_factor=26_900),
           Index(S, "DOC_TYPE_IX", "DOCUMENTS", ("DOC_TYPE",), blevel=1, leaf_blocks=160, distinct_keys=12,
                 clustering_factor=27_400)]

    t.append(Table(S, "EVENTS_LOG", cols(
        "EVENT_ID N18 NN", "EVENT_TYPE V30", "SOURCE V50", "PAYLOAD V4000", "EVENT_TIME TS6"),
        num_rows=8_000_000, blocks=320_000, avg_row_len=120, degree=4))
    ix.append(Index(S, "EVT_TYPE_IX", "EVENTS_LOG", ("EVENT_TYPE",), blevel=2, leaf_blocks=21_000,
                    distinct_keys=40, clustering_factor=333_000, degree="DEFAULT"))

    fact = Table(S, "SALES_FACT", cols(
        "SALE_ID N18 NN", "SALE_DATE D NN", "CUSTOMER_ID N12", "PRODUCT_ID N12", "ORDER_ID N12", "QTY N8",
        "AMOUNT N14.2", "CREATE_TIME D"), avg_row_len=90, degree="DEFAULT", partitioning="RANGE",
        part_keys=("SALE_DATE",), partitions=monthly(
            [("P2025_12", 7_100_000), ("P2026_01", 6_400_000), ("P2026_02", 6_000_000), ("P2026_03", 6_900_000),
             ("P2026_04", 7_200_000), ("P2026_05", 7_700_000), ("P2026_06", 8_100_000), ("P2026_07", 8_300_000),
             ("P2026_08", 8_800_000), ("P2026_09", 9_600_000), ("P2026_10", 12_400_000),
             ("P2026_11", 10_000_000)], 90))
    fact.num_rows = sum(p.num_rows for p in fact.partitions)
    fact.blocks = sum(p.blocks for p in fact.partitions)
    t.append(fact)
    ix += [Index(S, "SF_DATE_LIX", "SALES_FACT", ("SALE_DATE",), blevel=2, leaf_blocks=260_000,
                 distinct_keys=360, clustering_factor=fact.blocks + 9_000, locality="LOCAL", partitioning="RANGE",
                 partitions=12),
           Index(S, "SF_CUST_GIX", "SALES_FACT", ("CUSTOMER_ID",), blevel=3, leaf_blocks=230_000,
                 distinct_keys=2_300_000, clustering_factor=fact.blocks * 11 // 10, locality="GLOBAL",
                 partitioning="HASH", partitions=8),
           Index(S, "SF_ORDER_IX", "SALES_FACT", ("ORDER_ID",), blevel=3, leaf_blocks=250_000,
                 distinct_keys=8_000_000, clustering_factor=fact.blocks * 21 // 20)]

    subparts_10 = [(f"P2026_10_SP{i:03d}", 133_000, True) for i in range(1, 25)]
    subparts_11 = [(f"P2026_11_SP{i:03d}", 27_500 if i <= 40 else 0, i <= 40) for i in range(1, 225)]
    t.append(Table(S, "CLICKSTREAM", cols(
        "CLICK_ID N18 NN", "CLICK_TIME D NN", "SESSION_ID V64", "URL V2000", "REFERRER V2000",
        "USER_AGENT V400", "CREATE_TIME D"), num_rows=4_300_000, blocks=71_000, avg_row_len=350,
        partitioning="RANGE", subpartitioning="HASH", part_keys=("CLICK_TIME",), subpart_keys=("SESSION_ID",),
        partitions=[Partition("P2026_10", "TO_DATE(' 2026-11-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', "
                                          "'NLS_CALENDAR=GREGORIAN')", 3_200_000, 53_000, subpartitions=subparts_10),
                    Partition("P2026_11", "TO_DATE(' 2026-12-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', "
                                          "'NLS_CALENDAR=GREGORIAN')", 1_100_000, 18_000, subpartitions=subparts_11)]))

    day0 = dt.date(2026, 4, 25)
    session_parts = [Partition("P_INITIAL", "TO_DATE(' 2026-04-25 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', "
                                            "'NLS_CALENDAR=GREGORIAN')", 0, 0, segment=False)]
    for i in range(1, 201):
        high = day0 + dt.timedelta(days=i)
        session_parts.append(Partition(f"SYS_P{4100 + i}", f"TO_DATE(' {high:%Y-%m-%d} 00:00:00', "
                                       "'SYYYY-MM-DD HH24:MI:SS', 'NLS_CALENDAR=GREGORIAN')", 20_000, 240))
    t.append(Table(S, "SESSION_LOG", cols(
        "SESSION_ID V64 NN", "USER_ID N12", "LOGIN_TIME D NN", "LOGOUT_TIME D", "IP_ADDRESS V45", "CREATE_TIME D"),
        num_rows=20_000 * 200, blocks=240 * 200, avg_row_len=95, pk=("SESSION_ID", "LOGIN_TIME"),
        pk_name="SESSION_LOG_PK", partitioning="RANGE", part_keys=("LOGIN_TIME",), partitions=session_parts,
        interval="NUMTODSINTERVAL(1,'DAY')"))
    ix.append(Index(S, "SESSION_LOG_PK", "SESSION_LOG", ("SESSION_ID", "LOGIN_TIME"), unique=True, blevel=2,
                    leaf_blocks=21_000, distinct_keys=4_180_000, clustering_factor=2_900_000))

    cart_parts = [Partition(f"SYS_P{5200 + i}", f"TO_DATE(' {dt.date(2026, 10, 22) + dt.timedelta(days=i):%Y-%m-%d} "
                            "00:00:00', 'SYYYY-MM-DD HH24:MI:SS', 'NLS_CALENDAR=GREGORIAN')",
                            0 if i % 7 == 3 else 9_000, 0 if i % 7 == 3 else 60, segment=i % 7 != 3)
                  for i in range(30)]
    t.append(Table(S, "CART_EVENTS", cols("CART_ID N12 NN", "EVENT_TIME D NN", "PRODUCT_ID N12", "QTY N6",
                                          "CREATE_TIME D"),
                   num_rows=sum(p.num_rows for p in cart_parts), blocks=sum(p.blocks for p in cart_parts),
                   avg_row_len=49, pk=("CART_ID", "EVENT_TIME"), pk_name="CART_EVENTS_PK", partitioning="RANGE",
                   part_keys=("EVENT_TIME",), partitions=cart_parts, interval="NUMTODSINTERVAL(1,'DAY')"))
    ix.append(Index(S, "CART_EVENTS_PK", "CART_EVENTS", ("CART_ID", "EVENT_TIME"), unique=True, blevel=1,
                    leaf_blocks=700, distinct_keys=225_000, clustering_factor=1_500))

    def quarters(rows: int) -> list[Partition]:
        return [Partition(f"P2026_Q{q}", f"TIMESTAMP' 2026-{3 * q + 1:02d}-01 00:00:00'" if q < 4 else "MAXVALUE",
                          rows, rows // 120) for q in range(1, 5)]
    t.append(Table(S, "INVOICES", cols("INVOICE_ID N12 NN", "ORDER_ID N12 NN", "AMOUNT N12.2", "STATUS V10",
                                       "CREATED_TS TS6 NN"),
                   num_rows=2_400_000, blocks=20_000, avg_row_len=54, pk=("INVOICE_ID",), pk_name="INVOICES_PK",
                   fks=[("INV_ORDER_FK", ("ORDER_ID",), S, "ORDERS_PK")], partitioning="RANGE",
                   part_keys=("CREATED_TS",), partitions=quarters(600_000)))
    ix += [Index(S, "INVOICES_PK", "INVOICES", ("INVOICE_ID",), unique=True, blevel=2, leaf_blocks=5_300,
                 distinct_keys=2_400_000, clustering_factor=20_400),
           Index(S, "INV_ORDER_IX", "INVOICES", ("ORDER_ID",), blevel=2, leaf_blocks=5_600, distinct_keys=2_390_000,
                 clustering_factor=21_000, locality="LOCAL", partitioning="RANGE", partitions=4)]

    t.append(Table(S, "PAYMENTS", cols("PAYMENT_ID N12 NN", "ORDER_ID N12 NN", "METHOD V10 NN", "ACCT_NO V34",
                                       "AMOUNT N12.2", "PAID_AT D"),
                   num_rows=3_000_000, blocks=29_000, avg_row_len=71, pk=("PAYMENT_ID",), pk_name="PAYMENTS_PK",
                   fks=[("PAY_ORDER_FK", ("ORDER_ID",), S, "ORDERS_PK")], partitioning="LIST", part_keys=("METHOD",),
                   partitions=[Partition("P_CARD", "'CARD'", 2_100_000, 20_300),
                               Partition("P_BANK", "'BANK'", 800_000, 7_700),
                               Partition("P_CASH", "'CASH'", 100_000, 1_000),
                               Partition("P_OTHER", "DEFAULT", 0, 0, segment=False)]))
    ix += [Index(S, "PAYMENTS_PK", "PAYMENTS", ("PAYMENT_ID",), unique=True, blevel=2, leaf_blocks=6_600,
                 distinct_keys=3_000_000, clustering_factor=29_300),
           Index(S, "PAY_METHOD_ORDER_IX", "PAYMENTS", ("METHOD", "ORDER_ID"), blevel=2, leaf_blocks=8_900,
                 distinct_keys=3_000_000, clustering_factor=31_000)]

    t.append(Table(S, "SHIPMENTS", cols("SHIPMENT_ID N12 NN", "ORDER_ID N12 NN", "LINE_NO N4 NN", "CARRIER V30",
                                        "SHIPPED_AT D", "CREATE_TIME D"),
                   num_rows=5_000_000, blocks=45_000, avg_row_len=67, pk=("SHIPMENT_ID",), pk_name="SHIPMENTS_PK",
                   fks=[("SHIP_ITEM_FK", ("ORDER_ID", "LINE_NO"), S, "ORDER_ITEMS_PK")], partitioning="HASH",
                   part_keys=("SHIPMENT_ID",),
                   partitions=[Partition(f"SYS_P{6100 + i}", "", 1_250_000, 11_250) for i in range(4)]))
    ix += [Index(S, "SHIPMENTS_PK", "SHIPMENTS", ("SHIPMENT_ID",), unique=True, blevel=2, leaf_blocks=11_000,
                 distinct_keys=5_000_000, clustering_factor=47_000),
           Index(S, "SHIP_LINE_IX", "SHIPMENTS", ("LINE_NO", "ORDER_ID"), blevel=2, leaf_blocks=14_000,
                 distinct_keys=5_000_000, clustering_factor=52_000)]

    t.append(Table(S, "RETURNS_LOG", cols("RETURN_ID N12 NN", "ORDER_ID N12", "REASON V200", "RETURN_DATE D",
                                          "CREATE_DATE_STR V19"),
                   num_rows=300_000, blocks=2_600, avg_row_len=60, pk=("RETURN_ID",), pk_name="RETURNS_LOG_PK",
                   partitioning="RANGE", part_keys=("RETURN_DATE",),
                   partitions=[Partition("P2025", "TO_DATE(' 2026-01-01 00:00:00', 'SYYYY-MM-DD HH24:MI:SS', "
                                                  "'NLS_CALENDAR=GREGORIAN')", 180_000, 1_560),
                               Partition("P2026", "MAXVALUE", 120_000, 1_040)]))
    ix.append(Index(S, "RETURNS_LOG_PK", "RETURNS_LOG", ("RETURN_ID",), unique=True, blevel=1, leaf_blocks=660,
                    distinct_keys=300_000, clustering_factor=2_650))

    t.append(Table(S, "INVENTORY_SNAP", cols("SNAP_DATE D NN", "WAREHOUSE V10 NN", "PRODUCT_ID N12 NN",
                                             "ON_HAND N10", "UPDATE_TIME D"),
                   num_rows=900_000, blocks=5_200, avg_row_len=42, pk=("SNAP_DATE", "WAREHOUSE", "PRODUCT_ID"),
                   pk_name="INVENTORY_SNAP_PK", partitioning="LIST", part_keys=("WAREHOUSE",),
                   partitions=[Partition(f"P_{w_}", f"'{w_}'", 300_000, 1_730) for w_ in ("SHA", "PEK", "CAN")]))
    ix.append(Index(S, "INVENTORY_SNAP_PK", "INVENTORY_SNAP", ("SNAP_DATE", "WAREHOUSE", "PRODUCT_ID"),
                    unique=True, blevel=2, leaf_blocks=3_300, distinct_keys=900_000, clustering_factor=5_300))

    t.append(Table(S, "PRICE_HISTORY", cols("PRODUCT_ID N12 NN", "VALID_FROM D NN", "PRICE N12.2", "CREATE_TIME D"),
                   num_rows=600_000, blocks=2_900, avg_row_len=36, pk=("PRODUCT_ID", "VALID_FROM"),
                   pk_name="PRICE_HISTORY_PK", partitioning="RANGE", part_keys=("VALID_FROM",),
                   partitions=monthly([("P2026_09", 200_000), ("P2026_10", 200_000), ("P2026_11", 200_000)], 36)))
    ix.append(Index(S, "PRICE_HISTORY_PK", "PRICE_HISTORY", ("PRODUCT_ID", "VALID_FROM"), unique=True, blevel=2,
                    leaf_blocks=1_900, distinct_keys=600_000, clustering_factor=2_950))

    t.append(Table(S, "PROMO_USAGE", cols("PROMO_ID N12 NN", "ORDER_ID N12", "PROMO_CODE V20", "USED_AT D",
                                          "CREATE_TIME D"),
                   pk=("PROMO_ID",), pk_name="PROMO_USAGE_PK", partitioning="HASH", part_keys=("PROMO_ID",),
                   partitions=[Partition(f"SYS_P{6300 + i}", "", 0, 0, segment=False) for i in range(4)],
                   last_analyzed=None))
    ix += [Index(S, "PROMO_USAGE_PK", "PROMO_USAGE", ("PROMO_ID",), unique=True, segment=False, last_analyzed=None),
           Index(S, "PROMO_CODE_IX", "PROMO_USAGE", ("PROMO_CODE",), segment=False, last_analyzed=None)]

    t.append(Table(S, "CUSTOMER_PROFILE", cols("CUSTOMER_ID N12 NN", *(f"PREF_{i:02d} C1" for i in range(1, 31)),
                                               "SCORE N5", "CREATE_TIME D", "UPDATE_TIME D"),
                   num_rows=2_000_000, blocks=14_000, avg_row_len=55, pk=("CUSTOMER_ID",),
                   pk_name="CUSTOMER_PROFILE_PK", fks=[("CPROF_CUST_FK", ("CUSTOMER_ID",), S, "CUSTOMERS_PK")]))
    ix.append(Index(S, "CUSTOMER_PROFILE_PK", "CUSTOMER_PROFILE", ("CUSTOMER_ID",), unique=True, blevel=2,
                    leaf_blocks=4_400, distinct_keys=2_000_000, clustering_factor=14_100))

    t.append(Table(S, "STAGING_ORDERS", cols("ORDER_NO V20 NN", "PAYLOAD V1000", "LOADED_AT D"),
                   num_rows=40_000, blocks=1_600, avg_row_len=300, uniques=[("STG_ORDER_UK", ("ORDER_NO",))]))
    ix.append(Index(S, "STG_ORDER_UK", "STAGING_ORDERS", ("ORDER_NO",), unique=True, blevel=1, leaf_blocks=150,
                    distinct_keys=40_000, clustering_factor=1_620))

    t.append(Table(S, "COUNTRY_CODES", cols("CODE C2 NN", "NAME V80", "CREATE_TIME D"), num_rows=250, blocks=0,
                   avg_row_len=56, pk=("CODE",), pk_name=None, iot=True))
    ix.append(Index(S, "@IOT_TOP", "COUNTRY_CODES", ("CODE",), index_type="IOT - TOP", unique=True,
                    generated=True, blevel=0, leaf_blocks=3, distinct_keys=250, clustering_factor=0))

    t.append(Table(S, "TMP_CART", cols("CART_ID N12 NN", "PRODUCT_ID N12", "QTY N6", "CREATE_TIME D"),
                   pk=("CART_ID",), pk_name="TMP_CART_PK", temporary=True, last_analyzed=None))
    ix.append(Index(S, "TMP_CART_PK", "TMP_CART", ("CART_ID",), unique=True, segment=False, last_analyzed=None))

    t.append(Table(S, BIN_TABLE, cols("ORDER_ID N12 NN", "CUSTOMER_ID N12", "ORDER_DATE D", "STATUS V10",
                                      "NOTES CLOB", "AMOUNT N12.2"),
                   num_rows=9_000_000, blocks=320_000, avg_row_len=70, degree=8, dropped=True,
                   lob_bytes={"NOTES": 64 * 2**20}))
    ix.append(Index(S, BIN_INDEX, BIN_TABLE, ("CUSTOMER_ID",), blevel=2, leaf_blocks=20_000, distinct_keys=2_000_000,
                    clustering_factor=8_500_000, degree=4, dropped=True))

    # HR: the schema's author kept its tables in USERS (the original skipped such owners).
    t.append(Table(H, "EMPLOYEES", cols(
        "EMPLOYEE_ID N6 NN", "FIRST_NAME V20", "LAST_NAME V25 NN", "EMAIL V25 NN", "PHONE_NUMBER V20",
        "HIRE_DATE D NN", "JOB_ID V10 NN", "SALARY N8.2", "COMMISSION_PCT N2.2", "MANAGER_ID N6",
        "DEPARTMENT_ID N4", "CREATE_TIME D", "UPDATE_TIME D"),
        num_rows=52_000, blocks=1_100, avg_row_len=140, pk=("EMPLOYEE_ID",), pk_name="EMP_EMP_ID_PK",
        uniques=[("EMP_EMAIL_UK", ("EMAIL",))],
        fks=[("EMP_DEPT_FK", ("DEPARTMENT_ID",), H, "DEPT_ID_PK"), ("EMP_JOB_FK", ("JOB_ID",), H, "JOB_ID_PK"),
             ("EMP_MANAGER_FK", ("MANAGER_ID",), H, "EMP_EMP_ID_PK")]))
    ix += [Index(H, "EMP_EMP_ID_PK", "EMPLOYEES", ("EMPLOYEE_ID",), unique=True, blevel=1, leaf_blocks=110,
                 distinct_keys=52_000, clustering_factor=1_130),
           Index(H, "EMP_EMAIL_UK", "EMPLOYEES", ("EMAIL",), unique=True, blevel=1, leaf_blocks=190,
                 distinct_keys=52_000, clustering_factor=1_300),
           Index(H, "EMP_DEPARTMENT_IX", "EMPLOYEES", ("DEPARTMENT_ID", "EMPLOYEE_ID"), blevel=1, leaf_blocks=150,
                 distinct_keys=52_000, clustering_factor=1_250),
           Index(H, "EMP_JOB_IX", "EMPLOYEES", ("JOB_ID", "HIRE_DATE"), blevel=1, leaf_blocks=170,
                 distinct_keys=40_000, clustering_factor=1_280),
           Index(H, "EMP_MANAGER_IX", "EMPLOYEES", ("MANAGER_ID",), blevel=1, leaf_blocks=105,
                 distinct_keys=2_100, clustering_factor=1_210),
           Index(H, "EMP_NAME_IX", "EMPLOYEES", ("LAST_NAME", "FIRST_NAME"), blevel=1, leaf_blocks=230,
                 distinct_keys=51_000, clustering_factor=1_290)]
    t.append(Table(H, "DEPARTMENTS", cols("DEPARTMENT_ID N4 NN", "DEPARTMENT_NAME V30 NN", "MANAGER_ID N6",
                                          "LOCATION_ID N4", "CREATE_TIME D"),
                   num_rows=2_700, blocks=40, avg_row_len=63, pk=("DEPARTMENT_ID",), pk_name="DEPT_ID_PK",
                   fks=[("DEPT_MGR_FK", ("MANAGER_ID",), H, "EMP_EMP_ID_PK")]))
    ix += [Index(H, "DEPT_ID_PK", "DEPARTMENTS", ("DEPARTMENT_ID",), unique=True, blevel=1, leaf_blocks=6,
                 distinct_keys=2_700, clustering_factor=40),
           Index(H, "DEPT_LOCATION_IX", "DEPARTMENTS", ("LOCATION_ID",), blevel=1, leaf_blocks=6,
                 distinct_keys=23, clustering_factor=44)]
    t.append(Table(H, "JOBS", cols("JOB_ID V10 NN", "JOB_TITLE V35 NN", "MIN_SALARY N6", "MAX_SALARY N6"),
                   num_rows=190, blocks=5, avg_row_len=55, pk=("JOB_ID",), pk_name="JOB_ID_PK"))
    ix.append(Index(H, "JOB_ID_PK", "JOBS", ("JOB_ID",), unique=True, blevel=0, leaf_blocks=1, distinct_keys=190,
                    clustering_factor=5))
    t.append(Table(H, "PAYROLL_HISTORY", cols("PAY_ID N12 NN", "EMPLOYEE_ID N6 NN", "PAY_DATE D NN", "GROSS N12.2",
                                              "NET N12.2", "TAX N12.2", "CREATE_TIME D"),
                   num_rows=30_000_000, blocks=290_000, avg_row_len=76, pk=("PAY_ID",), pk_name="PAYROLL_HISTORY_PK",
                   fks=[("PAY_EMP_FK", ("EMPLOYEE_ID",), H, "EMP_EMP_ID_PK")]))
    ix += [Index(H, "PAYROLL_HISTORY_PK", "PAYROLL_HISTORY", ("PAY_ID",), unique=True, blevel=2,
                 leaf_blocks=66_000, distinct_keys=30_000_000, clustering_factor=291_000),
           Index(H, "PAY_EMP_IX", "PAYROLL_HISTORY", ("EMPLOYEE_ID", "PAY_DATE"), blevel=2, leaf_blocks=88_000,
                 distinct_keys=30_000_000, clustering_factor=330_000)]
    t.append(Table(H, "ATTENDANCE_LOG", cols("ATT_ID N12 NN", "EMPLOYEE_ID N6 NN", "CLOCK_IN D", "CLOCK_OUT D",
                                             "CREATE_TIME D"),
                   num_rows=20_000_000, blocks=270_000, avg_row_len=40, pk=("ATT_ID",), pk_name="ATTENDANCE_LOG_PK",
                   fks=[("ATT_EMP_FK", ("EMPLOYEE_ID",), H, "EMP_EMP_ID_PK")]))
    ix += [Index(H, "ATTENDANCE_LOG_PK", "ATTENDANCE_LOG", ("ATT_ID",), unique=True, blevel=2, leaf_blocks=44_000,
                 distinct_keys=20_000_000, clustering_factor=271_000),
           Index(H, "ATT_EMP_IX", "ATTENDANCE_LOG", ("EMPLOYEE_ID", "CLOCK_IN"), blevel=2, leaf_blocks=60_000,
                 distinct_keys=19_900_000, clustering_factor=18_900_000)]
    t.append(Table(H, "EMPLOYEE_PHOTOS", cols("EMPLOYEE_ID N6 NN", "PHOTO BLOB", "UPDATE_TIME D"),
                   num_rows=50_000, blocks=24_000, avg_row_len=3_900, pk=("EMPLOYEE_ID",),
                   pk_name="EMPLOYEE_PHOTOS_PK", fks=[("PHOTO_EMP_FK", ("EMPLOYEE_ID",), H, "EMP_EMP_ID_PK")],
                   lob_bytes={"PHOTO": 900 * 2**20}))
    ix.append(Index(H, "EMPLOYEE_PHOTOS_PK", "EMPLOYEE_PHOTOS", ("EMPLOYEE_ID",), unique=True, blevel=1,
                    leaf_blocks=110, distinct_keys=50_000, clustering_factor=24_100))

    # LEGACY: locked, owns segments; never audited, so nothing here is reported.
    t.append(Table("LEGACY", "OLD_CUSTOMERS", cols("CUST_NO V20", "NAME V400", "MEMO CLOB", "LAST_CHANGE D"),
                   num_rows=35_000_000, blocks=300_000, avg_row_len=70, degree=4, lob_bytes={"MEMO": 20 * 2**20}))
    ix.append(Index("LEGACY", "OLD_CUST_NAME_IX", "OLD_CUSTOMERS", ("NAME",), index_type="BITMAP", blevel=4,
                    leaf_blocks=9_000, distinct_keys=30_000_000, clustering_factor=34_000_000, degree=2))
    # SYSTEM: Oracle-maintained (ORACLE_MAINTAINED = 'Y'), open, owns a segment.
    t.append(Table("SYSTEM", "HELP", cols("TOPIC V50 NN", "SEQ N NN", "INFO V80"), num_rows=919, blocks=13,
                   avg_row_len=32))
    ix.append(Index("SYSTEM", "HELP_TOPIC_SEQ", "HELP", ("TOPIC", "SEQ"), unique=True, blevel=1, leaf_blocks=4,
                    distinct_keys=919, clustering_factor=13))
    return t, ix


TABLESPACES = {"SALES": "SALES_DATA", "HR": "USERS", "LEGACY": "LEGACY_DATA", "SYSTEM": "SYSTEM"}


def emit_sample_schema(w: ExportWriter, ids: Ids) -> set[tuple[str, str]]:
    """The sample's objects; returns the (owner, index) names (plans type their lines by them)."""
    tables, indexes = sample_tables()
    by_name = {(t.owner, t.name): t for t in tables}
    generated: dict[tuple[str, str], str] = {}
    for table in tables:
        names = emit_table(w, table, ids, TABLESPACES[table.owner])
        if table.pk and table.pk_name is None:
            generated[(table.owner, table.name)] = f"SYS_IOT_TOP_{names['_table_id']}"
    index_names: set[tuple[str, str]] = set()
    for index in indexes:
        table = by_name[(index.owner, index.table)]
        if index.name.startswith("@"):
            index.name = generated[(index.owner, index.table)]
        index_names.add((index.owner, index.name))
        extra_hidden = {'UPPER("EMAIL")': "SYS_NC00030$", "ORDER_DATE DESC": "SYS_NC00013$"}
        emit_index(w, index, ids, table, TABLESPACES[index.owner], extra_hidden)
    return index_names


LITERAL_SIGNATURE = 14721380453227563921   # > 2^63: shared by the literal-only variants below


def long_report_text() -> str:
    """A reporting statement far longer than 4,000 characters (DBA_HIST_SQLTEXT.SQL_TEXT is a CLOB)."""
    branches = "\n".join(
        f"       SUM(CASE WHEN p.PREF_{i:02d} = 'Y' AND c.SEGMENT = :{i} THEN 1 ELSE 0 END) AS PREF_{i:02d}_YES,"
        f" /* preference {i:02d}: opted in within the segment bound by :{i} */"
        for i in range(1, 31))
    return ("SELECT /*+ FULL(p) USE_HASH(c) */ c.REGION,\n" + branches +
            "\n       COUNT(*) AS CUSTOMERS\n  FROM SALES.CUSTOMER_PROFILE p\n"
            "  JOIN SALES.CUSTOMERS c ON c.CUSTOMER_ID = p.CUSTOMER_ID\n GROUP BY c.REGION\n ORDER BY c.REGION")


def sample_statements() -> list[Statement]:
    """The window's workload: what applications send (JDBC :1, PL/SQL :B1, :"SYS_B_0", hints, literal
    variants, a PL/SQL block, MERGE, CONNECT BY, (+) joins, a CLOB-long text) with plans shaped like
    Oracle's (nested loops with an inner full scan, partition iterators with KEY bounds, PX with
    SYS.:TQ10000, VW_NSO_1, hash joins, MERGE JOIN CARTESIAN, skip and fast full scans)."""
    S = "SALES"
    statements = [
        Statement("SELECT o.ORDER_ID, o.ORDER_DATE, o.TOTAL_AMOUNT, c.NAME FROM SALES.ORDERS o "
                  "JOIN SALES.CUSTOMERS c ON c.CUSTOMER_ID = o.CUSTOMER_ID "
                  "WHERE o.CUSTOMER_ID = :1 AND o.ORDER_DATE >= :2 ORDER BY o.ORDER_DATE DESC", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "SORT", "ORDER BY", None, {}),
                      (2, "NESTED LOOPS", None, None, {}),
                      (3, "TABLE ACCESS", "BY INDEX ROWID", "SALES.CUSTOMERS", {"alias": "C@SEL$1"}),
                      (4, "INDEX", "UNIQUE SCAN", "SALES.CUSTOMERS_PK", {"unique": True, "search": 1}),
                      (3, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.ORDERS", {"alias": "O@SEL$1"}),
                      (4, "INDEX", "RANGE SCAN", "SALES.ORD_CUST_DATE_IX", {"search": 2})],
                  executions=5_200, elapsed_us=850, gets=12, rows=6, version_count=2, hours=tuple(range(24)),
                  predicates={4: ('"C"."CUSTOMER_ID"=:1', None),
                              6: ('"O"."CUSTOMER_ID"=:1 AND "O"."ORDER_DATE">=:2 AND "O"."ORDER_DATE" IS NOT NULL',
                                  None)}),
        Statement("SELECT oi.ORDER_ID, oi.PRODUCT_ID, pu.PROMO_CODE FROM SALES.ORDER_ITEMS oi, SALES.PROMO_USAGE pu "
                  "WHERE oi.ORDER_ID = :1 AND pu.ORDER_ID = oi.ORDER_ID", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "NESTED LOOPS", None, None, {}),
                      (2, "INDEX", "RANGE SCAN", "SALES.OI_ORDER_PROD_IX", {"search": 1}),
                      (2, "PARTITION HASH", "ALL", None, {"pstart": "1", "pstop": "4", "pid": 3}),
                      (3, "TABLE ACCESS", "FULL", "SALES.PROMO_USAGE", {"pstart": "1", "pstop": "4", "pid": 3})],
                  executions=900, elapsed_us=3_100, gets=40, rows=3),
        Statement("SELECT PAYMENT_ID, AMOUNT FROM SALES.PAYMENTS WHERE ACCT_NO = :B1", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "PARTITION LIST", "ALL", None, {"pstart": "1", "pstop": "4", "pid": 1}),
                      (2, "TABLE ACCESS", "FULL", "SALES.PAYMENTS", {"pstart": "1", "pstop": "4", "pid": 1})],
                  executions=60, elapsed_us=1_900_000, gets=29_500, rows=1, reads=2_000,
                  module="SALES.PKG_BILLING", reload_at=(2, 14), hours=tuple(range(0, 24, 2)),
                  predicates={2: (None, 'TO_NUMBER("ACCT_NO")=:B1')}),
        Statement("SELECT /*+ PARALLEL(f 8) */ f.PRODUCT_ID, SUM(f.AMOUNT) FROM SALES.SALES_FACT f "
                  "GROUP BY f.PRODUCT_ID", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "PX COORDINATOR", None, None, {}),
                      (2, "PX SEND", "QC (RANDOM)", "SYS.:TQ10001", {"node": ":Q1001", "other_tag": "PARALLEL_TO_SERIAL",
                                                                      "distribution": "QC (RANDOM)"}),
                      (3, "HASH", "GROUP BY", None, {"node": ":Q1001", "other_tag": "PARALLEL_COMBINED_WITH_PARENT"}),
                      (4, "PX RECEIVE", None, None, {"node": ":Q1001", "other_tag": "PARALLEL_COMBINED_WITH_PARENT"}),
                      (5, "PX SEND", "HASH", "SYS.:TQ10000", {"node": ":Q1000", "other_tag": "PARALLEL_TO_PARALLEL",
                                                               "distribution": "HASH"}),
                      (6, "HASH", "GROUP BY", None, {"node": ":Q1000", "other_tag": "PARALLEL_COMBINED_WITH_PARENT"}),
                      (7, "PX BLOCK", "ITERATOR", None, {"node": ":Q1000", "pstart": "1", "pstop": "12", "pid": 7,
                                                          "other_tag": "PARALLEL_COMBINED_WITH_CHILD"}),
                      (8, "TABLE ACCESS", "FULL", "SALES.SALES_FACT", {"node": ":Q1000", "pstart": "1", "pstop": "12",
                                                                        "pid": 7, "other_tag": "PARALLEL_COMBINED_WITH_PARENT"})],
                  executions=2, elapsed_us=95_000_000, gets=1_200_000, rows=49_000, reads=1_150_000,
                  module="SQL*Plus", hours=(1, 2, 13)),
        Statement("SELECT SALE_ID, AMOUNT FROM SALES.SALES_FACT WHERE SALE_DATE BETWEEN :1 AND :2 AND CUSTOMER_ID = :3",
                  S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "FILTER", None, None, {}),
                      (2, "PARTITION RANGE", "ITERATOR", None, {"pstart": "KEY", "pstop": "KEY", "pid": 2}),
                      (3, "TABLE ACCESS", "BY LOCAL INDEX ROWID BATCHED", "SALES.SALES_FACT",
                       {"pstart": "KEY", "pstop": "KEY", "pid": 2}),
                      (4, "INDEX", "RANGE SCAN", "SALES.SF_DATE_LIX", {"pstart": "KEY", "pstop": "KEY", "pid": 2,
                                                                       "search": 1})],
                  executions=300, elapsed_us=42_000, gets=900, rows=14,
                  predicates={1: (None, "TO_DATE(:2)>=TO_DATE(:1)"),
                              3: (None, '"CUSTOMER_ID"=:3'),
                              4: ('INTERNAL_FUNCTION("SALE_DATE")>=:1 AND INTERNAL_FUNCTION("SALE_DATE")<=:2', None)}),
        Statement("SELECT c.CUSTOMER_ID, c.NAME FROM SALES.CUSTOMERS c WHERE c.CUSTOMER_ID IN "
                  "(SELECT o.CUSTOMER_ID FROM SALES.ORDERS o WHERE o.STATUS = 'OPEN')", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "HASH JOIN", None, None, {}),
                      (2, "VIEW", None, "SALES.VW_NSO_1", {"object_type": "VIEW", "qblock": "SEL$683B0107"}),
                      (3, "HASH", "UNIQUE", None, {}),
                      (4, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.ORDERS", {"alias": "O@SEL$2"}),
                      (5, "INDEX", "RANGE SCAN", "SALES.ORD_STATUS_IX", {"search": 1}),
                      (2, "TABLE ACCESS", "FULL", "SALES.CUSTOMERS", {"alias": "C@SEL$1"})],
                  executions=24, elapsed_us=4_800_000, gets=96_000, rows=51_000, reads=11_000),
        Statement("SELECT d.DEPARTMENT_NAME, j.JOB_TITLE FROM HR.DEPARTMENTS d, HR.JOBS j "
                  "WHERE d.LOCATION_ID = :1 AND j.MIN_SALARY > :2", "HR", 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "MERGE JOIN", "CARTESIAN", None, {}),
                      (2, "TABLE ACCESS", "FULL", "HR.DEPARTMENTS", {"alias": "D@SEL$1"}),
                      (2, "BUFFER", "SORT", None, {}),
                      (3, "TABLE ACCESS", "FULL", "HR.JOBS", {"alias": "J@SEL$1"})],
                  executions=40, elapsed_us=15_000, gets=60, rows=400, module="hr_portal@app01 (TNS V1-V3)"),
        Statement("SELECT CUSTOMER_ID, NAME FROM SALES.CUSTOMERS WHERE REGION = :1", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.CUSTOMERS", {}),
                      (2, "INDEX", "SKIP SCAN", "SALES.CUST_SEG_REGION_IX", {"search": 2})],
                  executions=120, elapsed_us=220_000, gets=4_100, rows=900,
                  predicates={2: ('"REGION"=:1', '"REGION"=:1')}),
        Statement("SELECT COUNT(*) FROM SALES.ORDER_ITEMS", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "SORT", "AGGREGATE", None, {}),
                      (2, "INDEX", "FAST FULL SCAN", "SALES.ORDER_ITEMS_PK", {"unique": True})],
                  executions=1, elapsed_us=21_000_000, gets=119_000, rows=1, reads=118_000, hours=(3,),
                  module="SQL Developer"),
        Statement('SELECT /* ORD_AUDIT */ SKU, NAME, PRICE FROM SALES.PRODUCTS WHERE NAME <> \'qty: 2\' '
                  'AND ROWNUM <= :"SYS_B_0" AND SKU = :"SYS_B_1"', S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "COUNT", "STOPKEY", None, {}),
                      (2, "TABLE ACCESS", "BY INDEX ROWID", "SALES.PRODUCTS", {}),
                      (3, "INDEX", "UNIQUE SCAN", "SALES.PROD_SKU_UK", {"unique": True, "search": 1})],
                  executions=700, elapsed_us=300, gets=4, rows=1, version_count=45),
        Statement('SELECT EVENT_ID, PAYLOAD FROM SALES.EVENTS_LOG WHERE EVENT_TYPE = :"SYS_B_0" '
                  'AND EVENT_TIME > SYSTIMESTAMP - :"SYS_B_1"', S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.EVENTS_LOG", {}),
                      (2, "INDEX", "RANGE SCAN", "SALES.EVT_TYPE_IX", {"search": 1})],
                  executions=80, elapsed_us=640_000, gets=21_000, rows=300, reads=900),
        Statement("BEGIN SALES.PKG_BILLING.POST_INVOICE(:B1, :B2); END;", S, 47, [],
                  executions=1_500, elapsed_us=4_200, gets=35, rows=1, module="SALES.PKG_BILLING"),
        Statement("MERGE INTO SALES.INVENTORY_SNAP t USING (SELECT :1 AS SNAP_DATE, :2 AS WAREHOUSE, :3 AS "
                  "PRODUCT_ID, :4 AS ON_HAND FROM DUAL) s ON (t.SNAP_DATE = s.SNAP_DATE AND t.WAREHOUSE = "
                  "s.WAREHOUSE AND t.PRODUCT_ID = s.PRODUCT_ID) WHEN MATCHED THEN UPDATE SET t.ON_HAND = s.ON_HAND, "
                  "t.UPDATE_TIME = SYSDATE WHEN NOT MATCHED THEN INSERT (SNAP_DATE, WAREHOUSE, PRODUCT_ID, ON_HAND, "
                  "UPDATE_TIME) VALUES (s.SNAP_DATE, s.WAREHOUSE, s.PRODUCT_ID, s.ON_HAND, SYSDATE)", S, 189, [
                      (0, "MERGE STATEMENT", None, None, {}),
                      (1, "MERGE", None, "SALES.INVENTORY_SNAP", {}),
                      (2, "VIEW", None, None, {}),
                      (3, "NESTED LOOPS", "OUTER", None, {}),
                      (4, "FAST DUAL", None, None, {}),
                      (4, "PARTITION LIST", "SINGLE", None, {"pstart": "KEY", "pstop": "KEY", "pid": 5}),
                      (5, "TABLE ACCESS", "BY LOCAL INDEX ROWID", "SALES.INVENTORY_SNAP",
                       {"pstart": "KEY", "pstop": "KEY", "pid": 5}),
                      (6, "INDEX", "UNIQUE SCAN", "SALES.INVENTORY_SNAP_PK", {"unique": True, "search": 3})],
                  executions=2_400, elapsed_us=900, gets=9, rows=1, module="inventory-sync"),
        Statement("SELECT LPAD(' ', 2 * LEVEL) || LAST_NAME AS NAME, EMPLOYEE_ID FROM HR.EMPLOYEES "
                  "START WITH MANAGER_ID IS NULL CONNECT BY PRIOR EMPLOYEE_ID = MANAGER_ID", "HR", 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "CONNECT BY", "WITH FILTERING", None, {}),
                      (2, "TABLE ACCESS", "FULL", "HR.EMPLOYEES", {}),
                      (2, "NESTED LOOPS", None, None, {}),
                      (3, "CONNECT BY PUMP", None, None, {}),
                      (3, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "HR.EMPLOYEES", {}),
                      (4, "INDEX", "RANGE SCAN", "HR.EMP_MANAGER_IX", {"search": 1})],
                  executions=12, elapsed_us=380_000, gets=3_500, rows=52_000, module="hr_portal@app01 (TNS V1-V3)"),
        Statement("SELECT e.LAST_NAME, d.DEPARTMENT_NAME FROM HR.EMPLOYEES e, HR.DEPARTMENTS d "
                  "WHERE e.DEPARTMENT_ID = d.DEPARTMENT_ID(+) AND e.HIRE_DATE > TO_DATE(:B1, 'YYYY-MM-DD HH24:MI:SS')",
                  "HR", 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "HASH JOIN", "OUTER", None, {}),
                      (2, "TABLE ACCESS", "FULL", "HR.EMPLOYEES", {}),
                      (2, "TABLE ACCESS", "FULL", "HR.DEPARTMENTS", {})],
                  executions=30, elapsed_us=60_000, gets=1_150, rows=800),
        Statement(long_report_text(), S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "SORT", "GROUP BY", None, {"temp": 412_000_000}),
                      (2, "HASH JOIN", None, None, {"temp": 96_000_000}),
                      (3, "TABLE ACCESS", "FULL", "SALES.CUSTOMERS", {}),
                      (3, "TABLE ACCESS", "FULL", "SALES.CUSTOMER_PROFILE", {})],
                  executions=1, elapsed_us=48_000_000, gets=108_000, rows=12, reads=104_000, hours=(6,),
                  module="Discoverer"),
        Statement("SELECT /*+ INDEX(oi OI_PROD_IX) */ oi.ORDER_ID, oi.QTY FROM SALES.ORDER_ITEMS oi "
                  "WHERE oi.PRODUCT_ID = :1 AND TO_CHAR(oi.CREATE_TIME, 'YYYY-MM-DD HH24:MI:SS') > '2026-11-19 10:00:00'",
                  S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.ORDER_ITEMS", {}),
                      (2, "INDEX", "RANGE SCAN", "SALES.OI_PROD_IX", {"search": 1})],
                  executions=200, elapsed_us=2_600_000, gets=8_400, rows=850, reads=7_900,
                  predicates={1: (None, "TO_CHAR(INTERNAL_FUNCTION(\"OI\".\"CREATE_TIME\"),'YYYY-MM-DD HH24:MI:SS')"
                                        ">'2026-11-19 10:00:00'"),
                              2: ('"OI"."PRODUCT_ID"=TO_NUMBER(:1)', None)}),
        Statement("SELECT DOC_ID, FILE_NAME FROM SALES.DOCUMENTS WHERE ORDER_ID = :1", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {}),
                      (1, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.DOCUMENTS", {}),
                      (2, "INDEX", "RANGE SCAN", "SALES.DOC_ORDER_IX", {"search": 1})],
                  executions=400, elapsed_us=700, gets=5, rows=1),
    ]
    # Literal-only variants: three SQL_IDs, one FORCE_MATCHING_SIGNATURE, one plan.
    for sku in ("AB-1001", "AB-1002", "ZX-0042"):
        statements.append(Statement(
            f"SELECT SKU, NAME, PRICE FROM SALES.PRODUCTS WHERE SKU = '{sku}'", S, 3, [
                (0, "SELECT STATEMENT", None, None, {}),
                (1, "TABLE ACCESS", "BY INDEX ROWID", "SALES.PRODUCTS", {}),
                (2, "INDEX", "UNIQUE SCAN", "SALES.PROD_SKU_UK", {"unique": True, "search": 1})],
            executions=3, elapsed_us=9_000, gets=4, rows=1, signature=LITERAL_SIGNATURE, hours=(9, 10, 11, 15),
            module="legacy-report.exe", cached=sku != "ZX-0042"))
    # Only in the cursor cache: a plan AWR did not keep (not used by any AWR plan of the window).
    statements.append(Statement("SELECT COUNT(*) FROM SALES.DOCUMENTS WHERE DOC_TYPE = :1", S, 3, [
        (0, "SELECT STATEMENT", None, None, {}),
        (1, "SORT", "AGGREGATE", None, {}),
        (2, "INDEX", "RANGE SCAN", "SALES.DOC_TYPE_IX", {"search": 1})],
        executions=2, elapsed_us=1_000, gets=30, rows=1, hours=(), instances=()))
    statements += awr_rule_statements()
    return statements


#: FORCE_MATCHING_SIGNATURE of the order-lookup literal variants (more of them than SQL_NO_BIND allows).
ORDER_LOOKUP_SIGNATURE = 9386217405517742318
ORDER_LOOKUP_VARIANTS = 104


def awr_rule_statements() -> list[Statement]:
    """The rest of the window's workload: for every SQLPLAN and SQLSTAT rule, a statement it must report
    and a near-miss it must not (``tests/data/oracle/sample_expected_awr.yaml`` says which). Appended
    after the statements above so that their figures (drawn from the same random sequence) stay put."""
    S, H = "SALES", "HR"
    statements = [
        # A nested loop probing PAYMENTS by ORDER_ID, which no index leads (TABLE_FK_NOIND): every
        # list partition is full-scanned once per outer row (LOOP_IN_TAB_FULL_SCAN, PARTITION LIST ALL).
        Statement("SELECT o.ORDER_ID, o.STATUS, p.PAYMENT_ID, p.METHOD, p.AMOUNT, p.PAID_AT FROM SALES.ORDERS o "
                  "JOIN SALES.PAYMENTS p ON p.ORDER_ID = o.ORDER_ID WHERE o.ORDER_NO = :1", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 8_012}),
                      (1, "NESTED LOOPS", None, None, {"cost": 8_012, "card": 1, "bytes": 71}),
                      (2, "TABLE ACCESS", "BY INDEX ROWID", "SALES.ORDERS",
                       {"alias": "O@SEL$1", "cost": 3, "card": 1, "bytes": 32}),
                      (3, "INDEX", "UNIQUE SCAN", "SALES.ORD_NO_UK", {"unique": True, "search": 1, "cost": 2, "card": 1}),
                      (2, "PARTITION LIST", "ALL", None, {"pstart": "1", "pstop": "4", "pid": 4, "cost": 8_009, "card": 1}),
                      (3, "TABLE ACCESS", "FULL", "SALES.PAYMENTS", {"alias": "P@SEL$1", "pstart": "1", "pstop": "4",
                                                                      "pid": 4, "cost": 8_009, "card": 1, "bytes": 39})],
                  executions=40, elapsed_us=1_400_000, gets=29_400, rows=1, reads=650, module="order-service",
                  predicates={3: ('"O"."ORDER_NO"=:1', None), 5: (None, '"P"."ORDER_ID"="O"."ORDER_ID"')}),
        # Four nested-loop joins on one path (SQL_LOOP_NUM), five table reads of four distinct tables
        # (CUSTOMERS twice: not SQL_TAB_REL_NUM), a big table full-scanned only on the outer side
        # (not LOOP_IN_TAB_FULL_SCAN), and STAGING_ORDERS below SQL_TABLE_FULL_SCAN's 100,000 rows.
        Statement("SELECT st.ORDER_NO, o.ORDER_ID, c.NAME, r.NAME AS REFERRER_NAME, oi.PRODUCT_ID, oi.QTY "
                  "FROM SALES.STAGING_ORDERS st JOIN SALES.ORDERS o ON o.ORDER_NO = st.ORDER_NO "
                  "JOIN SALES.CUSTOMERS c ON c.CUSTOMER_ID = o.CUSTOMER_ID "
                  "JOIN SALES.CUSTOMERS r ON r.CUSTOMER_ID = c.REFERRER_ID "
                  "JOIN SALES.ORDER_ITEMS oi ON oi.ORDER_ID = o.ORDER_ID WHERE st.LOADED_AT >= :1", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 4_870}),
                      (1, "NESTED LOOPS", None, None, {"cost": 4_870, "card": 2_600}),
                      (2, "NESTED LOOPS", None, None, {"cost": 3_010, "card": 500}),
                      (3, "NESTED LOOPS", None, None, {"cost": 2_510, "card": 500}),
                      (4, "NESTED LOOPS", None, None, {"cost": 2_010, "card": 500}),
                      (5, "TABLE ACCESS", "FULL", "SALES.STAGING_ORDERS", {"alias": "ST@SEL$1", "cost": 445, "card": 500}),
                      (5, "TABLE ACCESS", "BY INDEX ROWID", "SALES.ORDERS", {"alias": "O@SEL$1", "cost": 3, "card": 1}),
                      (6, "INDEX", "UNIQUE SCAN", "SALES.ORD_NO_UK", {"unique": True, "search": 1, "cost": 2, "card": 1}),
                      (4, "TABLE ACCESS", "BY INDEX ROWID", "SALES.CUSTOMERS", {"alias": "C@SEL$1", "cost": 1, "card": 1}),
                      (5, "INDEX", "UNIQUE SCAN", "SALES.CUSTOMERS_PK", {"unique": True, "search": 1, "cost": 1, "card": 1}),
                      (3, "TABLE ACCESS", "BY INDEX ROWID", "SALES.CUSTOMERS", {"alias": "R@SEL$1", "cost": 1, "card": 1}),
                      (4, "INDEX", "UNIQUE SCAN", "SALES.CUSTOMERS_PK", {"unique": True, "search": 1, "cost": 1, "card": 1}),
                      (2, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.ORDER_ITEMS",
                       {"alias": "OI@SEL$1", "cost": 4, "card": 5}),
                      (3, "INDEX", "RANGE SCAN", "SALES.ORDER_ITEMS_PK", {"search": 1, "cost": 3, "card": 5})],
                  executions=6, elapsed_us=2_300_000, gets=14_800, rows=2_400, reads=900, module="stg-loader",
                  hours=(1, 4, 7, 10, 13, 16, 19, 22), instances=(1,),
                  predicates={5: (None, '"ST"."LOADED_AT">=:1'), 7: ('"O"."ORDER_NO"="ST"."ORDER_NO"', None),
                              9: ('"C"."CUSTOMER_ID"="O"."CUSTOMER_ID"', None),
                              11: ('"R"."CUSTOMER_ID"="C"."REFERRER_ID"', None),
                              13: ('"OI"."ORDER_ID"="O"."ORDER_ID"', None)}),
        # HR's view merged into the query (no VIEW line: not SQL_VIEW_SCAN); 11g+ batched nested loops:
        # four NESTED LOOPS lines, two joins (not SQL_LOOP_NUM).
        Statement("SELECT employee_id, job_id, department_name, job_title FROM hr.emp_details_view "
                  "WHERE manager_id = :1", H, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 31}),
                      (1, "NESTED LOOPS", None, None, {"cost": 31, "card": 25}),
                      (2, "NESTED LOOPS", None, None, {"cost": 31, "card": 25}),
                      (3, "NESTED LOOPS", None, None, {"cost": 28, "card": 25}),
                      (4, "NESTED LOOPS", None, None, {"cost": 28, "card": 25}),
                      (5, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "HR.EMPLOYEES",
                       {"alias": "E@SEL$2", "qblock": "SEL$5C160134", "cost": 3, "card": 25}),
                      (6, "INDEX", "RANGE SCAN", "HR.EMP_MANAGER_IX", {"search": 1, "cost": 1, "card": 25}),
                      (5, "INDEX", "UNIQUE SCAN", "HR.DEPT_ID_PK", {"unique": True, "search": 1, "cost": 0, "card": 1}),
                      (4, "TABLE ACCESS", "BY INDEX ROWID", "HR.DEPARTMENTS", {"alias": "D@SEL$2", "cost": 1, "card": 1}),
                      (3, "INDEX", "UNIQUE SCAN", "HR.JOB_ID_PK", {"unique": True, "search": 1, "cost": 0, "card": 1}),
                      (2, "TABLE ACCESS", "BY INDEX ROWID", "HR.JOBS", {"alias": "J@SEL$2", "cost": 1, "card": 1})],
                  executions=30, elapsed_us=1_800, gets=58, rows=25, module="hr_portal@app01 (TNS V1-V3)",
                  predicates={6: ('"E"."MANAGER_ID"=:1', None), 7: ('"E"."DEPARTMENT_ID"="D"."DEPARTMENT_ID"', None),
                              9: ('"J"."JOB_ID"="E"."JOB_ID"', None)}),
        # Five tables in one plan (SQL_TAB_REL_NUM), hash joins spilling to temp (SQL_DIRECT_WRITES),
        # long but waiting on I/O: SQL_ELAPSED_TIME, not SQL_CPU_TIME. SHIPMENTS' PARTITION HASH ALL
        # is not SQL_PARTITION_RANGE_ALL.
        Statement("SELECT c.REGION, p.CATEGORY_ID, s.CARRIER, SUM(oi.QTY * oi.UNIT_PRICE) AS REVENUE, COUNT(*) AS LINES "
                  "FROM SALES.ORDERS o JOIN SALES.CUSTOMERS c ON c.CUSTOMER_ID = o.CUSTOMER_ID "
                  "JOIN SALES.ORDER_ITEMS oi ON oi.ORDER_ID = o.ORDER_ID "
                  "JOIN SALES.PRODUCTS p ON p.PRODUCT_ID = oi.PRODUCT_ID "
                  "LEFT JOIN SALES.SHIPMENTS s ON s.ORDER_ID = oi.ORDER_ID AND s.LINE_NO = oi.LINE_NO "
                  "WHERE o.ORDER_DATE >= :1 AND o.ORDER_DATE < :2 "
                  "GROUP BY c.REGION, p.CATEGORY_ID, s.CARRIER ORDER BY REVENUE DESC", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 268_400}),
                      (1, "SORT", "ORDER BY", None, {"cost": 268_400, "card": 9_300}),
                      (2, "HASH", "GROUP BY", None, {"cost": 268_400, "card": 9_300, "temp": 2_100_000_000}),
                      (3, "HASH JOIN", "RIGHT OUTER", None, {"cost": 198_700, "card": 4_100_000,
                                                              "temp": 160_000_000}),
                      (4, "PARTITION HASH", "ALL", None, {"pstart": "1", "pstop": "4", "pid": 4, "cost": 12_300,
                                                          "card": 5_000_000}),
                      (5, "TABLE ACCESS", "FULL", "SALES.SHIPMENTS", {"alias": "S@SEL$4", "pstart": "1", "pstop": "4",
                                                                       "pid": 4, "cost": 12_300, "card": 5_000_000}),
                      (4, "HASH JOIN", None, None, {"cost": 171_200, "card": 4_100_000, "temp": 2_400_000}),
                      (5, "TABLE ACCESS", "FULL", "SALES.PRODUCTS", {"alias": "P@SEL$3", "cost": 390, "card": 50_000}),
                      (5, "HASH JOIN", None, None, {"cost": 170_600, "card": 4_100_000, "temp": 52_000_000}),
                      (6, "HASH JOIN", None, None, {"cost": 52_100, "card": 780_000, "temp": 31_000_000}),
                      (7, "TABLE ACCESS", "FULL", "SALES.ORDERS", {"alias": "O@SEL$1", "cost": 27_200, "card": 780_000}),
                      (7, "TABLE ACCESS", "FULL", "SALES.CUSTOMERS", {"alias": "C@SEL$1", "cost": 25_100,
                                                                       "card": 2_400_000}),
                      (6, "TABLE ACCESS", "FULL", "SALES.ORDER_ITEMS", {"alias": "OI@SEL$2", "cost": 119_800,
                                                                         "card": 42_000_000})],
                  executions=1, elapsed_us=140_000_000, gets=580_000, rows=9_300, reads=470_000,
                  direct_writes=36_000, cpu_pct=(24, 38), module="DBMS_SCHEDULER", hours=(2, 8, 14, 20),
                  instances=(2,), cached=False),
        # A view of the schema the optimizer could not merge (GROUP BY): SQL_VIEW_SCAN. Its TOTAL calls
        # FN_ORDER_TOTAL per order line, so the time is CPU: SQL_CPU_TIME and SQL_ELAPSED_TIME.
        Statement("SELECT c.CUSTOMER_NO, c.EMAIL, t.TOTAL FROM SALES.V_TOP_CUSTOMERS t "
                  "JOIN SALES.CUSTOMERS c ON c.NAME = t.NAME WHERE c.SEGMENT = :1 AND t.TOTAL > :2", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 131_900}),
                      (1, "HASH JOIN", None, None, {"cost": 131_900, "card": 4_800}),
                      (2, "TABLE ACCESS", "BY INDEX ROWID BATCHED", "SALES.CUSTOMERS",
                       {"alias": "C@SEL$1", "cost": 9_650, "card": 480_000}),
                      (3, "INDEX", "RANGE SCAN", "SALES.CUST_SEG_REGION_IX", {"search": 1, "cost": 1_420,
                                                                               "card": 480_000}),
                      (2, "VIEW", None, "SALES.V_TOP_CUSTOMERS", {"object_type": "VIEW", "alias": "T@SEL$1",
                                                                   "qblock": "SEL$2", "cost": 122_100, "card": 120_000}),
                      (3, "FILTER", None, None, {"qblock": "SEL$2", "cost": None}),
                      (4, "HASH", "GROUP BY", None, {"qblock": "SEL$2", "cost": 122_100, "card": 120_000,
                                                      "temp": 3_900_000_000}),
                      (5, "HASH JOIN", None, None, {"cost": 61_400, "card": 42_000_000, "temp": 240_000_000}),
                      (6, "TABLE ACCESS", "FULL", "SALES.CUSTOMERS", {"alias": "C@SEL$4", "cost": 25_100,
                                                                       "card": 2_400_000}),
                      (6, "HASH JOIN", None, None, {"cost": 31_900, "card": 42_000_000, "temp": 176_000_000}),
                      (7, "TABLE ACCESS", "FULL", "SALES.ORDERS", {"alias": "O@SEL$4", "cost": 27_200,
                                                                    "card": 8_000_000}),
                      (7, "INDEX", "FAST FULL SCAN", "SALES.ORDER_ITEMS_PK",
                       {"alias": "I@SEL$4", "unique": True, "cost": 4_100, "card": 42_000_000})],
                  executions=1, elapsed_us=170_000_000, gets=260_000, rows=3_100, reads=21_000, cpu_pct=(90, 96),
                  module="crm-reports", hours=(7, 19), instances=(1,),
                  predicates={1: ('"C"."NAME"="T"."NAME"', None), 3: ('"C"."SEGMENT"=:1', None),
                              5: (None, 'SUM("SALES"."FN_ORDER_TOTAL"("O"."ORDER_ID"))>:2'),
                              7: ('"C"."CUSTOMER_ID"="O"."CUSTOMER_ID"', None),
                              9: ('"I"."ORDER_ID"="O"."ORDER_ID"', None)}),
        # IN list on the partition key: PARTITION RANGE INLIST (SQL_PARTITION_RANGE_INLIST_OR); its
        # GROUP BY spills a little (direct writes under SQL_DIRECT_WRITES' 1,000 blocks), reads under
        # SQL_DISK_READS' 1,000 blocks per execution.
        Statement("SELECT SALE_DATE, PRODUCT_ID, SUM(QTY) AS QTY, SUM(AMOUNT) AS AMOUNT FROM SALES.SALES_FACT "
                  "WHERE SALE_DATE IN (:1, :2, :3) GROUP BY SALE_DATE, PRODUCT_ID", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 41_300}),
                      (1, "HASH", "GROUP BY", None, {"cost": 41_300, "card": 49_000, "temp": 38_000_000}),
                      (2, "PARTITION RANGE", "INLIST", None, {"pstart": "KEY(INLIST)", "pstop": "KEY(INLIST)",
                                                              "pid": 2, "cost": 40_900, "card": 930_000}),
                      (3, "TABLE ACCESS", "FULL", "SALES.SALES_FACT", {"pstart": "KEY(INLIST)", "pstop": "KEY(INLIST)",
                                                                        "pid": 2, "cost": 40_900, "card": 930_000})],
                  executions=6, elapsed_us=9_000_000, gets=110_000, rows=12_000, reads=600, direct_writes=600,
                  module="sales-dashboard", hours=(8, 9, 10, 11, 14, 15, 16, 17),
                  predicates={3: (None, '"SALE_DATE"=:1 OR "SALE_DATE"=:2 OR "SALE_DATE"=:3')}),
        # OR of two ranges of the partition key: PARTITION RANGE OR (SQL_PARTITION_RANGE_INLIST_OR).
        Statement("SELECT PRODUCT_ID, VALID_FROM, PRICE FROM SALES.PRICE_HISTORY "
                  "WHERE VALID_FROM < :1 OR VALID_FROM >= :2", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 812}),
                      (1, "PARTITION RANGE", "OR", None, {"pstart": "KEY(OR)", "pstop": "KEY(OR)", "pid": 1,
                                                           "cost": 812, "card": 30_000}),
                      (2, "TABLE ACCESS", "FULL", "SALES.PRICE_HISTORY", {"pstart": "KEY(OR)", "pstop": "KEY(OR)",
                                                                           "pid": 1, "cost": 812, "card": 30_000})],
                  executions=2, elapsed_us=900_000, gets=2_950, rows=30_000, module="pricing-batch",
                  hours=(3, 9, 15, 21),
                  predicates={2: (None, '"VALID_FROM"<:1 OR "VALID_FROM">=:2')}),
        # An IN list probing a local index: INLIST ITERATOR over PARTITION RANGE ITERATOR (reported by
        # SQL_PARTITION_RANGE_ITERATOR, not SQL_PARTITION_RANGE_INLIST_OR); 880 gets per call (under
        # SQL_BUFFER_GETS' 1,000).
        Statement("SELECT SALE_ID, AMOUNT FROM SALES.SALES_FACT WHERE SALE_DATE IN (:1, :2) AND CUSTOMER_ID = :3",
                  S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 612}),
                      (1, "INLIST ITERATOR", None, None, {"cost": 612, "card": 2}),
                      (2, "PARTITION RANGE", "ITERATOR", None, {"pstart": "KEY(INLIST)", "pstop": "KEY(INLIST)",
                                                                "pid": 2, "cost": 612, "card": 2}),
                      (3, "TABLE ACCESS", "BY LOCAL INDEX ROWID BATCHED", "SALES.SALES_FACT",
                       {"pstart": "KEY(INLIST)", "pstop": "KEY(INLIST)", "pid": 2, "cost": 612, "card": 2}),
                      (4, "INDEX", "RANGE SCAN", "SALES.SF_DATE_LIX", {"pstart": "KEY(INLIST)", "pstop": "KEY(INLIST)",
                                                                       "pid": 2, "search": 1, "cost": 38,
                                                                       "card": 270_000})],
                  executions=150, elapsed_us=26_000, gets=880, rows=2, module="sales-dashboard",
                  predicates={3: (None, '"CUSTOMER_ID"=:3'), 4: ('("SALE_DATE"=:1 OR "SALE_DATE"=:2)', None)}),
        # Every leaf block of a 2 GB local index, in key order (SQL_INDEX_FULL_SCAN, PARTITION RANGE ALL);
        # 70 s a call: under SQL_ELAPSED_TIME's 100 s.
        Statement("SELECT SALE_DATE, COUNT(*) AS SALES FROM SALES.SALES_FACT GROUP BY SALE_DATE ORDER BY SALE_DATE",
                  S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 260_900}),
                      (1, "SORT", "GROUP BY NOSORT", None, {"cost": 260_900, "card": 360}),
                      (2, "PARTITION RANGE", "ALL", None, {"pstart": "1", "pstop": "12", "pid": 2, "cost": 260_900,
                                                            "card": 97_600_000}),
                      (3, "INDEX", "FULL SCAN", "SALES.SF_DATE_LIX", {"pstart": "1", "pstop": "12", "pid": 2,
                                                                      "cost": 260_900, "card": 97_600_000})],
                  executions=1, elapsed_us=70_000_000, gets=261_000, rows=360, reads=254_000, module="SQL*Plus",
                  hours=(5,), instances=(1,), cached=False),
        # The latest sale: INDEX FULL SCAN (MIN/MAX) reads one edge of each partition's index, walking
        # the partitions from the last (PARTITION_START 12, STOP 1): not SQL_INDEX_FULL_SCAN.
        Statement("SELECT MAX(SALE_DATE) FROM SALES.SALES_FACT", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 36}),
                      (1, "SORT", "AGGREGATE", None, {"cost": None, "card": 1, "bytes": 8}),
                      (2, "PARTITION RANGE", "ALL", None, {"pstart": "12", "pstop": "1", "pid": 2, "cost": 36,
                                                            "card": 1, "bytes": 8}),
                      (3, "INDEX", "FULL SCAN (MIN/MAX)", "SALES.SF_DATE_LIX", {"pstart": "12", "pstop": "1",
                                                                                "pid": 2, "cost": 36, "card": 1,
                                                                                "bytes": 8})],
                  executions=12, elapsed_us=2_100, gets=38, rows=1, module="sales-dashboard"),
        # A sort-merge join, not cartesian; the full scan of a small index (DEPT_ID_PK, 0.1 MB: not
        # SQL_INDEX_FULL_SCAN) and of EMPLOYEES (52,000 rows: not SQL_TABLE_FULL_SCAN).
        Statement("SELECT d.DEPARTMENT_ID, d.DEPARTMENT_NAME, e.EMPLOYEE_ID, e.LAST_NAME FROM HR.DEPARTMENTS d "
                  "JOIN HR.EMPLOYEES e ON e.DEPARTMENT_ID = d.DEPARTMENT_ID ORDER BY d.DEPARTMENT_ID", H, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 352}),
                      (1, "MERGE JOIN", None, None, {"cost": 352, "card": 51_000}),
                      (2, "TABLE ACCESS", "BY INDEX ROWID", "HR.DEPARTMENTS", {"alias": "D@SEL$1", "cost": 42,
                                                                                "card": 2_700}),
                      (3, "INDEX", "FULL SCAN", "HR.DEPT_ID_PK", {"unique": True, "cost": 7, "card": 2_700}),
                      (2, "SORT", "JOIN", None, {"cost": 310, "card": 51_000, "temp": 1_900_000}),
                      (3, "TABLE ACCESS", "FULL", "HR.EMPLOYEES", {"alias": "E@SEL$1", "cost": 301, "card": 51_000})],
                  executions=4, elapsed_us=95_000, gets=1_150, rows=51_000, module="hr_portal@app01 (TNS V1-V3)",
                  hours=(9, 13, 17),
                  predicates={4: ('"E"."DEPARTMENT_ID"="D"."DEPARTMENT_ID"', '"E"."DEPARTMENT_ID"="D"."DEPARTMENT_ID"')}),
        # A fast full scan of a 41 MB index (not SQL_INDEX_FAST_FULL_SCAN, from 100 MB).
        Statement("SELECT COUNT(*) FROM SALES.INVOICES", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 1_450}),
                      (1, "SORT", "AGGREGATE", None, {"cost": None, "card": 1}),
                      (2, "INDEX", "FAST FULL SCAN", "SALES.INVOICES_PK", {"unique": True, "cost": 1_450,
                                                                           "card": 2_400_000})],
                  executions=1, elapsed_us=1_300_000, gets=5_400, rows=1, reads=5_200, module="billing-close",
                  hours=(0, 23)),
        # ODP.NET binds strings as NVARCHAR2: the VARCHAR2 column is converted (SYS_OP_C2C) and its
        # unique index cannot be used (SQL_TO_CHANGE_TYPE, SQL_TABLE_FULL_SCAN). Bind length changes
        # keep 28 child cursors (under SQL_SUB_CURSOR_COUNT's 30).
        Statement("SELECT CUSTOMER_ID, CUSTOMER_NO, NAME, STATUS FROM SALES.CUSTOMERS WHERE EMAIL = :1", S, 3, [
                      (0, "SELECT STATEMENT", None, None, {"cost": 25_140}),
                      (1, "TABLE ACCESS", "FULL", "SALES.CUSTOMERS", {"alias": "CUSTOMERS@SEL$1", "cost": 25_140,
                                                                       "card": 1, "bytes": 74})],
                  executions=20, elapsed_us=2_100_000, gets=92_400, rows=1, reads=140, version_count=28,
                  module="CustomerPortal.exe", predicates={1: (None, 'SYS_OP_C2C("EMAIL")=:1')}),
    ]
    # A legacy lookup that concatenates the order number into the text: one SQL_ID per order, all with
    # one FORCE_MATCHING_SIGNATURE (SQL_NO_BIND). AWR kept each in the one snapshot it ran in; the
    # shared pool has aged out all but the latest few.
    for k in range(ORDER_LOOKUP_VARIANTS):
        order_no = f"SO{20261120 * 100_000 + 4_100 + 37 * k}"
        statements.append(Statement(
            f"SELECT ORDER_ID, STATUS, TOTAL_AMOUNT FROM SALES.ORDERS WHERE ORDER_NO = '{order_no}'", S, 3, [
                (0, "SELECT STATEMENT", None, None, {"cost": 3}),
                (1, "TABLE ACCESS", "BY INDEX ROWID", "SALES.ORDERS", {"cost": 3, "card": 1, "bytes": 29}),
                (2, "INDEX", "UNIQUE SCAN", "SALES.ORD_NO_UK", {"unique": True, "search": 1, "cost": 2, "card": 1})],
            executions=1, elapsed_us=1_900, gets=4, rows=1, signature=ORDER_LOOKUP_SIGNATURE,
            hours=(k * 24 // ORDER_LOOKUP_VARIANTS,), instances=(1 + k % 2,), module="OrderDesk.exe",
            cached=k >= ORDER_LOOKUP_VARIANTS - 6 and k % 2 == 0))   # the latest three of instance 1
    return statements


def emit_sample(w: ExportWriter, seed: int) -> dict[str, Any]:
    """The sample export; returns the manifest."""
    rng = random.Random(seed)
    ids = Ids()
    users = [User("SYS", 0, tablespace="SYSTEM", maintained=True),
             User("SYSTEM", 9, tablespace="SYSTEM", maintained=True),
             User("OUTLN", 13, "EXPIRED & LOCKED", "SYSTEM", True),
             User("DBSNMP", 71, "OPEN", "SYSAUX", True),
             User("XDB", 79, "EXPIRED & LOCKED", "SYSAUX", True),
             User("SALES", 112, tablespace="SALES_DATA"), User("HR", 113, tablespace="USERS"),
             User("LEGACY", 114, "LOCKED", "LEGACY_DATA"), User("REPORTING", 115, tablespace="REPORTING_DATA")]
    for user in users:
        emit_user(w, user)
    emit_database(w, INSTANCES)
    index_names = emit_sample_schema(w, ids)
    for owner, name, cache, last in (("SALES", "ORDER_SEQ", 0, 8_000_412), ("SALES", "INVOICE_SEQ", 10, 2_400_021),
                                     ("SALES", "CUSTOMER_SEQ", 20, 2_400_101), ("SALES", "EVENT_SEQ", 1000, 8_001_001),
                                     ("HR", "EMPLOYEES_SEQ", 0, 52_207), ("HR", "DEPARTMENTS_SEQ", 20, 2_721),
                                     ("LEGACY", "OLD_SEQ", 0, 35_000_001)):
        emit_sequence(w, ids, owner, name, cache, last)
    emit_db_link(w, ids, "SALES", "DWLINK", "DW_READER", "dwprod.example.com:1521/DWPRD")
    emit_db_link(w, ids, "LEGACY", "OLDCRM", "CRM", "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=crm01)(PORT=1521))"
                                                   "(CONNECT_DATA=(SID=CRM)))")
    emit_routine(w, ids, "SALES", "FN_ORDER_TOTAL", "FUNCTION")
    emit_routine(w, ids, "SALES", "PRC_CLOSE_DAY", "PROCEDURE")
    emit_routine(w, ids, "SALES", "PKG_BILLING", "PACKAGE", [("CALC_TAX", "FUNCTION"), ("POST_INVOICE", "PROCEDURE")])
    emit_routine(w, ids, "HR", "ADD_JOB_HISTORY", "PROCEDURE")
    emit_routine(w, ids, "HR", "SECURE_DML", "PROCEDURE")
    emit_routine(w, ids, "LEGACY", "FN_OLD_RATE", "FUNCTION")
    emit_trigger(w, ids, "SALES", "ORD_AUDIT_TRG", "ORDERS", "AFTER EACH ROW", "INSERT OR UPDATE OR DELETE")
    emit_trigger(w, ids, "SALES", BIN_TRIGGER, BIN_TABLE, "BEFORE EACH ROW", "INSERT")
    emit_trigger(w, ids, "HR", "UPDATE_JOB_HISTORY", "EMPLOYEES", "AFTER EACH ROW", "UPDATE",
                 body="BEGIN\n  add_job_history(:old.employee_id, :old.hire_date, sysdate,\n"
                      "                  :old.job_id, :old.department_id);\nEND;")
    emit_trigger(w, ids, "HR", "SECURE_EMPLOYEES", "EMPLOYEES", "BEFORE STATEMENT", "INSERT OR UPDATE OR DELETE",
                 status="DISABLED", body="BEGIN\n  secure_dml;\nEND secure_employees;")
    emit_trigger(w, ids, "LEGACY", "OLD_CUST_TRG", "OLD_CUSTOMERS", "BEFORE EACH ROW", "UPDATE")
    emit_view(w, ids, "SALES", "V_ORDER_SUMMARY",
              "SELECT o.ORDER_ID, c.NAME, FN_ORDER_TOTAL(o.ORDER_ID) AS TOTAL FROM ORDERS o "
              "JOIN CUSTOMERS c ON c.CUSTOMER_ID = o.CUSTOMER_ID JOIN ORDER_ITEMS i ON i.ORDER_ID = o.ORDER_ID",
              [("SALES", "ORDERS", "TABLE"), ("SALES", "CUSTOMERS", "TABLE"), ("SALES", "ORDER_ITEMS", "TABLE"),
               ("SALES", "FN_ORDER_TOTAL", "FUNCTION"), ("SYS", "STANDARD", "PACKAGE")])
    emit_view(w, ids, "SALES", "V_TOP_CUSTOMERS",
              "SELECT NAME, SUM(TOTAL) AS TOTAL FROM V_ORDER_SUMMARY GROUP BY NAME",
              [("SALES", "V_ORDER_SUMMARY", "VIEW")])
    emit_view(w, ids, "HR", "EMP_DETAILS_VIEW",
              "SELECT e.employee_id, e.job_id, e.manager_id, e.department_id, d.department_name, j.job_title\n"
              "FROM employees e, departments d, jobs j\nWHERE e.department_id = d.department_id\n"
              "  AND j.job_id = e.job_id\nWITH READ ONLY",
              [("HR", "EMPLOYEES", "TABLE"), ("HR", "DEPARTMENTS", "TABLE"), ("HR", "JOBS", "TABLE")])
    _depends(w, "SALES", "PKG_BILLING", "PACKAGE BODY", [("SALES", "INVOICES", "TABLE"), ("SALES", "PAYMENTS", "TABLE"),
                                                         ("SALES", "PKG_BILLING", "PACKAGE")])
    snaps = snapshot_times(rng, INSTANCES, WINDOW_START, 24)
    emit_snapshots(w, snaps)
    emit_awr(w, sample_statements(), snaps, rng, index_names)
    return manifest(["HR", "LEGACY", "REPORTING", "SALES", "SYSTEM"], snaps)


def manifest(owners: list[str], snaps: dict[int, list[tuple[int, dt.datetime, dt.datetime]]] | None) -> dict[str, Any]:
    """``export.json``. The AWR range is the exported snapshots' span in database time: the window
    2026-11-20 00:00 .. 2026-11-21 00:00 (+08:00) for the sample."""
    awr = None
    if snaps:
        ids = [snap_id for rows in snaps.values() for snap_id, _b, _e in rows]
        awr = {"begin_snap": min(ids), "end_snap": max(ids), "begin_time": WINDOW_START.strftime("%Y-%m-%d %H:%M:%S"),
               "end_time": WINDOW_END.strftime("%Y-%m-%d %H:%M:%S")}
    return {"format": FORMAT_VERSION, "dbid": DBID, "db_name": DB_NAME, "instance_numbers": list(INSTANCES),
            "version": VERSION, "nls_characterset": "AL32UTF8", "db_block_size": BLOCK, "db_timezone": DB_TIMEZONE,
            "exported_at": "2026-11-21T01:15:42Z", "owners": owners, "awr": awr,
            "source": "awr" if awr else "cursor_cache"}


# --------------------------------------------------------------------------------------------------
# The scale profile: many plain objects, streamed

def scale_tables(rng: random.Random, tables: int, columns: int, indexes: int, owners: list[str]
                 ) -> Iterator[tuple[Table, list[Index]]]:
    """Synthetic tables, one at a time (nothing is kept): a NUMBER key, then a mix of types."""
    kinds = ("N12", "V40", "V200", "D", "N12.2", "V20", "TS6", "C1")
    for n in range(tables):
        owner = owners[n % len(owners)]
        name = f"T{n:06d}"
        specs = ["ID N12 NN"] + [f"C{j:03d} {kinds[(n + j) % len(kinds)]}" for j in range(1, columns)]
        rows = rng.choice((0, 10, 1_000, 50_000, 2_000_000, 30_000_000))
        blocks = rows // 60
        table = Table(owner, name, cols(*specs), num_rows=rows, blocks=blocks, avg_row_len=40 + (n % 7) * 20,
                      pk=("ID",), pk_name=f"{name}_PK", segment=rows > 0)
        table_indexes = [Index(owner, f"{name}_PK", name, ("ID",), unique=True, blevel=2 if rows > 100_000 else 1,
                               leaf_blocks=max(1, rows // 400), distinct_keys=rows, clustering_factor=blocks,
                               segment=rows > 0)]
        for k in range(1, indexes):
            columns_of = tuple(f"C{1 + (k + i) % max(1, columns - 1):03d}" for i in range(1 + k % 2))
            table_indexes.append(Index(owner, f"{name}_IX{k}", name, columns_of, blevel=1 + (rows > 1_000_000),
                                       leaf_blocks=max(1, rows // 300), distinct_keys=max(1, rows // 3),
                                       clustering_factor=blocks * (1 + k % 3), segment=rows > 0))
        yield table, table_indexes


def scale_statements(owners: list[str], tables: int, count: int, hours: int, lines: int) -> Iterator[Statement]:
    """Statements over the synthetic tables, each with a left-deep hash-join plan of ``lines`` lines."""
    for n in range(count):
        owner = owners[n % len(owners)]
        plan: list[PlanLine] = [(0, "SELECT STATEMENT", None, None, {})]
        depth = 1
        while len(plan) < lines:
            table = f"{owners[(n + len(plan)) % len(owners)]}.T{(n * 7 + len(plan)) % max(1, tables):06d}"
            if len(plan) + 2 <= lines:
                plan.append((depth, "HASH JOIN", None, None, {}))
                plan.append((depth + 1, "TABLE ACCESS", "FULL", table, {}))
                depth += 1
            else:
                plan.append((depth, "TABLE ACCESS", "FULL", table, {}))
        yield Statement(f"SELECT /* scale {n} */ * FROM {owner}.T{n % max(1, tables):06d} WHERE ID = :1", owner, 3,
                        plan, executions=10 + n % 500, elapsed_us=500 + (n * 37) % 90_000, gets=5 + n % 800,
                        hours=tuple(range(hours)), cached=n % 3 == 0)


def emit_scale(w: ExportWriter, seed: int, tables: int, columns: int, indexes: int, sql_ids: int,
               snapshots: int, plan_lines: int) -> dict[str, Any]:
    rng = random.Random(seed)
    ids = Ids()
    owners = ["APP01", "APP02", "APP03", "APP04"]
    for number, owner in enumerate(owners):
        emit_user(w, User(owner, 200 + number, tablespace="APP_DATA"))
        PARSING_IDS[owner] = 200 + number
    emit_user(w, User("SYS", 0, tablespace="SYSTEM", maintained=True))
    emit_user(w, User("SYSTEM", 9, tablespace="SYSTEM", maintained=True))
    emit_database(w, INSTANCES)
    index_names: set[tuple[str, str]] = set()
    for table, table_indexes in scale_tables(rng, tables, columns, indexes, owners):
        emit_table(w, table, ids, "APP_DATA")
        for index in table_indexes:
            emit_index(w, index, ids, table, "APP_DATA")
            if sql_ids:
                index_names.add((index.owner, index.name))
    snaps = snapshot_times(rng, INSTANCES, WINDOW_START, snapshots) if sql_ids and snapshots else None
    if snaps:
        emit_snapshots(w, snaps)
        emit_awr(w, list(scale_statements(owners, tables, sql_ids, snapshots, plan_lines)), snaps, rng, index_names)
    return manifest(owners, snaps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=("sample", "scale"), default="sample")
    parser.add_argument("--out", type=Path, required=True, help="export directory to write (created if missing)")
    parser.add_argument("--seed", type=int, default=20261120)
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--columns-per-table", type=int, default=20)
    parser.add_argument("--indexes-per-table", type=int, default=2)
    parser.add_argument("--sql-ids", type=int, default=0)
    parser.add_argument("--snapshots", type=int, default=24)
    parser.add_argument("--plan-lines", type=int, default=8)
    args = parser.parse_args(argv)
    writer = ExportWriter(args.out, load_views())
    try:
        if args.profile == "sample":
            data = emit_sample(writer, args.seed)
        else:
            data = emit_scale(writer, args.seed, args.tables, args.columns_per_table, args.indexes_per_table,
                              args.sql_ids, args.snapshots, args.plan_lines)
    finally:
        writer.close()
    (args.out / "export.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    total = sum(writer.counts.values())
    print(f"{args.out}: {total} rows in {len(writer.counts)} views", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
