"""The export door: an Oracle dictionary export (``include/sql/oracle/export.sql``) in DuckDB.

An export is a directory with one CSV per view (``DBA_TABLES.csv``, ``V$SQL_PLAN.csv``) and a manifest,
``export.json`` (``docs`` of the format: ``shared/reference/oracle-export.md``). Each CSV becomes a
table named after its view; every column is read as text and cast by the view's documented type
(``include/sql/oracle/views.yaml``) — type sniffing would turn ``YES``/``NO`` into booleans and strip
the padding of ``DEGREE`` — and a documented column the export lacks (an older version) is NULL.
The capture SQL is rendered for Oracle, then transpiled by sqlglot (``read="oracle",
write="duckdb"``): the very text the live door sends is what runs here.
"""

from __future__ import annotations

import datetime as dt
import functools
import glob
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from themis.capture.oracle.door import Door, plain_row, version_major
from themis.capture.sqlfiles import render
from themis.config import load_yaml
from themis.paths import sql_dir

log = logging.getLogger(__name__)

MANIFEST = "export.json"
FETCH_SIZE = 5000
#: Oracle type -> DuckDB type of the cast. NUMBER keeps 28 integer digits exactly (signatures, 10^28 maxima).
CASTS = {
    "NUMBER": "DECIMAL(38,10)", "FLOAT": "DOUBLE", "BINARY_DOUBLE": "DOUBLE", "BINARY_FLOAT": "DOUBLE",
    "DATE": "TIMESTAMP", "TIMESTAMP": "TIMESTAMP", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
    "TIMESTAMP WITH LOCAL TIME ZONE": "TIMESTAMP",
}
#: The views the manifest stands in for when an export has no CSV of them (database facts).
MANIFEST_VIEWS = ("V$DATABASE", "V$INSTANCE", "NLS_DATABASE_PARAMETERS", "V$PARAMETER")


class ExportError(ValueError):
    """An export is missing, malformed or does not cover the window; the message says which and where."""


@functools.lru_cache(maxsize=1)
def view_columns() -> dict[str, dict[str, str]]:
    """view -> {column: Oracle type}, in documented order (``include/sql/oracle/views.yaml``)."""
    document = load_yaml((sql_dir() / "oracle" / "views.yaml").read_text(encoding="utf-8")) or {}
    views: dict[str, dict[str, str]] = {}
    for view, spec in document.items():
        columns = (spec or {}).get("columns") or {}
        views[str(view).upper()] = {str(name).upper(): str(t["type"] if isinstance(t, dict) else t).upper()
                                    for name, t in columns.items()}
    return views


@dataclass(frozen=True)
class Manifest:
    path: Path
    data: dict[str, Any]

    @property
    def awr(self) -> dict[str, Any] | None:
        return self.data.get("awr") or None

    @property
    def exported_at(self) -> str:
        return str(self.data.get("exported_at") or "")

    def awr_range(self) -> tuple[dt.datetime, dt.datetime] | None:
        """The exported snapshot range in the database's local time, if AWR was exported."""
        awr = self.awr
        if not awr or not awr.get("begin_time") or not awr.get("end_time"):
            return None
        return _local(awr["begin_time"]), _local(awr["end_time"])


def _local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text).replace("T", " ")).replace(tzinfo=None)


def read_manifest(directory: Path) -> Manifest:
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{directory}: not an Oracle export (no {MANIFEST})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path}: expected a JSON object")
    for key in ("db_name", "version"):
        if not data.get(key):
            raise ExportError(f"{path}: key '{key}' is missing")
    return Manifest(directory, data)


def list_exports(pattern: str) -> list[Manifest]:
    """The exports under ``pattern`` (a directory or a glob), newest first; at least one."""
    candidates = [Path(p) for p in sorted(glob.glob(pattern))] or [Path(pattern)]
    manifests = [read_manifest(p) for p in candidates if (p / MANIFEST).is_file()]
    if not manifests:
        raise ExportError(f"export path {pattern!r}: no export directory (with {MANIFEST}) found")
    return sorted(manifests, key=lambda m: m.exported_at, reverse=True)


def find_export(pattern: str, window_local: tuple[dt.datetime, dt.datetime] | None) -> Manifest:
    """The newest export under ``pattern`` whose AWR range covers the window (given in the database's
    local time); without a window, the newest export."""
    return covering_export(list_exports(pattern), window_local, pattern)


def covering_export(manifests: list[Manifest], window_local: tuple[dt.datetime, dt.datetime] | None,
                    pattern: str) -> Manifest:
    """The first (newest) of ``manifests`` whose AWR range covers the window; an error naming the
    window and every range found when none does."""
    if window_local is None:
        return manifests[0]
    start, end = window_local
    for manifest in manifests:
        covered = manifest.awr_range()
        if covered and covered[0] <= start and end <= covered[1]:
            return manifest
    found = "; ".join(f"{m.path.name}: " + (f"{r[0]} .. {r[1]}" if (r := m.awr_range()) else "no AWR")
                      for m in manifests)
    raise ExportError(f"no export under {pattern!r} covers the window {start} .. {end} (database time); "
                      f"exports found: {found}")


class ExportDoor(Door):
    """The export of ``manifest`` loaded into an in-memory DuckDB, one table per view."""

    name = "export"

    def __init__(self, manifest: Manifest, *, log_line: Any = None) -> None:
        import duckdb

        self.manifest = manifest
        self._log = log_line or log.info
        self._conn = duckdb.connect(":memory:")
        self._loaded: set[str] = set()
        self._transpiled: dict[str, str] = {}

    # -- loading

    def _ensure_loaded(self, views: set[str]) -> None:
        for view in sorted(views - self._loaded):
            self._load_view(view)
            self._loaded.add(view)

    def _load_view(self, view: str) -> None:
        documented = view_columns().get(view)
        csv_path = self.manifest.path / f"{view}.csv"
        started = time.monotonic()
        if not csv_path.is_file():
            if view in MANIFEST_VIEWS:
                self._manifest_view(view)
                return
            if documented is None:
                raise ExportError(f"{self.manifest.path}: the capture reads {view}, which is neither in the "
                                  "export nor a documented view")
            self._log(f"export: {view}.csv is absent; {view} is read as empty")
            self._create(view, documented, source=None)
            return
        header = self._header(csv_path)
        self._create(view, documented or {name: "VARCHAR2" for name in header}, source=(csv_path, header))
        count = self._conn.execute(f'SELECT COUNT(*) FROM "{view}"').fetchone()[0]
        self._log(f"export: {view}: {count} rows loaded in {time.monotonic() - started:.2f} s")

    @staticmethod
    def _header(csv_path: Path) -> list[str]:
        import csv

        with csv_path.open(encoding="utf-8", newline="") as handle:
            try:
                header = next(csv.reader(handle))
            except StopIteration:
                raise ExportError(f"{csv_path}: empty file (a header row is required)") from None
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ExportError(f"{csv_path}: unreadable header: {exc}") from None
        names = [h.strip().upper() for h in header]
        if not all(names) or len(set(names)) != len(names):
            raise ExportError(f"{csv_path}: header must name each column once, got {header}")
        return names

    def _create(self, view: str, documented: dict[str, str], source: tuple[Path, list[str]] | None) -> None:
        columns = dict(documented)
        present = source[1] if source else []
        for name in present:
            columns.setdefault(name, "VARCHAR2")
        select = []
        for name, oracle_type in columns.items():
            target = CASTS.get(oracle_type.split("(")[0].strip(), "VARCHAR")
            if name in present:
                expr = f'"{name}"' if target == "VARCHAR" else self._strict_cast(name, target)
            else:
                expr = f"CAST(NULL AS {target})"
            select.append(f'{expr} AS "{name}"')
        if source is None:
            self._conn.execute(f'CREATE TABLE "{view}" AS SELECT {", ".join(select)} WHERE FALSE')
            return
        path = str(source[0]).replace("'", "''")
        types = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in present) + "}"
        reader = (f"read_csv('{path}', header = true, columns = {types}, quote = '\"', escape = '\"', "
                  "delim = ',', all_varchar = true, null_padding = false, strict_mode = true)")
        try:
            self._conn.execute(f'CREATE TABLE "{view}" AS SELECT {", ".join(select)} FROM {reader}')
        except Exception as exc:  # duckdb.Error: name the file and the problem
            raise ExportError(f"{source[0]}: cannot be loaded: {str(exc).splitlines()[0]}") from None

    @staticmethod
    def _strict_cast(name: str, target: str) -> str:
        """A cast that fails loudly on a malformed value (the error names the file) and reads an
        empty field as NULL; Oracle's timestamps may carry fractions, dates never have a zone."""
        column = f'NULLIF(TRIM("{name}"), \'\')'
        return f"CAST({column} AS {target})"

    def _manifest_view(self, view: str) -> None:
        data = self.manifest.data
        instances = data.get("instance_numbers") or [1]
        rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {
            "V$DATABASE": (["DBID", "NAME"], [(data.get("dbid"), data.get("db_name"))]),
            "V$INSTANCE": (["INSTANCE_NUMBER", "VERSION"], [(instances[0], data.get("version"))]),
            "NLS_DATABASE_PARAMETERS": (["PARAMETER", "VALUE"], [("NLS_CHARACTERSET", data.get("nls_characterset"))]),
            "V$PARAMETER": (["NAME", "VALUE"], [("db_block_size", str(data.get("db_block_size") or ""))]),
        }
        names, values = rows[view]
        self._conn.execute(f'CREATE TABLE "{view}" ({", ".join(f"{n} VARCHAR" for n in names)})')
        self._conn.executemany(f'INSERT INTO "{view}" VALUES ({", ".join("?" for _ in names)})',
                               [tuple(None if v is None else str(v) for v in row) for row in values])

    # -- querying

    def transpile(self, sql: str) -> tuple[str, set[str]]:
        """The DuckDB text of an Oracle statement, and the views it reads."""
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(sql, read="oracle")
        ctes = {cte.alias_or_name.upper() for cte in tree.find_all(exp.CTE)}
        views = {t.name.upper() for t in tree.find_all(exp.Table) if t.name and t.name.upper() not in ctes}
        for table in tree.find_all(exp.Table):
            if table.name and "$" in table.name:
                table.set("this", exp.to_identifier(table.name, quoted=True))
        return tree.sql(dialect="duckdb"), views

    def rows(self, template: str, **context: Any) -> Iterator[dict[str, Any]]:
        sql, params = render(f"oracle/{template}", **context)
        if sql not in self._transpiled:
            duck_sql, views = self.transpile(sql)
            self._ensure_loaded(views)
            self._transpiled[sql] = duck_sql
        cursor = self._conn.cursor()
        try:
            cursor.execute(self._transpiled[sql], params or None)
            names = [d[0].lower() for d in cursor.description or ()]
            while batch := cursor.fetchmany(FETCH_SIZE):
                for row in batch:
                    yield plain_row(names, row)
        finally:
            cursor.close()

    def database(self) -> dict[str, Any]:
        data = self.manifest.data
        return {"dbid": data.get("dbid"), "db_name": data.get("db_name"), "version": data.get("version"),
                "version_major": version_major(data.get("version")),
                "nls_characterset": data.get("nls_characterset"), "db_block_size": data.get("db_block_size"),
                "db_timezone": data.get("db_timezone"), "instance_numbers": data.get("instance_numbers") or [],
                "source": data.get("source") or ("awr" if data.get("awr") else "cursor_cache"),
                "awr": data.get("awr"), "export": str(self.manifest.path), "exported_at": data.get("exported_at")}

    def close(self) -> None:
        self._conn.close()
