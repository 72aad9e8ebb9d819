"""Oracle capture: the DBA_* dictionary and AWR (or the cursor cache), live or from an export.

``OracleCapture`` opens a door (:mod:`.live` over OracleHook, or :mod:`.export` over DuckDB), runs
the SQL of ``include/sql/oracle`` through it and shapes the rows (:mod:`.shape`) into the records of
``docs/oracle-records.md``. Which door: the instance's ``conn_id`` (live) or ``export.path``.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from themis.capture.base import UNAVAILABLE_OBJ, UNAVAILABLE_SQL, Capture, CaptureContext, Captured, unavailable
from themis.capture.oracle import awr, shape
from themis.capture.oracle.door import Door
from themis.capture.oracle.owners import audited_owners

SAMPLE_KIND = "obj.column_sample"
INDEX_USAGE_KIND = "obj.index_usage"


def open_door(ctx: CaptureContext, *, need_window: bool) -> Door:
    """The instance's door; an export must cover the window when statements are captured from it."""
    instance = ctx.instance
    if instance.export is None:
        from themis.capture.oracle.live import LiveDoor

        return LiveDoor.connect(instance.conn_id, call_timeout_ms=instance.oracle.call_timeout_ms, log_line=ctx.log)
    from themis.capture.oracle.export import ExportDoor, ExportError, covering_export, list_exports

    pattern = export_pattern(instance.export.path)
    exports = list_exports(pattern)  # newest first, each manifest read once
    newest = exports[0]
    # The window is compared in the database's time zone: the configured one, else the newest export's.
    zone = awr.db_zone(instance.oracle.timezone, newest.data.get("db_timezone"))
    window = awr.local_window(ctx.window.start, ctx.window.end, zone)
    try:
        manifest = covering_export(exports, window, pattern)
    except ExportError:
        if need_window:
            raise
        manifest = newest  # objects are a snapshot: the newest export will do
        ctx.log(f"capture: no export covers the window {window[0]} .. {window[1]}; objects read from the "
                f"newest export {manifest.path}")
    ctx.log(f"capture: reading the export {manifest.path} (exported {manifest.exported_at})")
    return ExportDoor(manifest, log_line=ctx.log)


def export_pattern(path: str) -> str:
    """An export path or glob; a relative one is relative to the project (where the DAGs live),
    not to whichever directory a worker happens to run in."""
    from pathlib import Path

    from themis.paths import PROJECT_ROOT

    return path if Path(path).is_absolute() else str(PROJECT_ROOT / path)


class OracleCapture(Capture):
    """DBA_* views, DBA_HIST_* (or V$SQLSTATS), one SQL for the live and the export door."""

    db_type = "oracle"
    has_slowlog = False
    object_kinds = ("obj.database", "obj.table", "obj.column", "obj.index", "obj.constraint", "obj.foreign_key",
                    "obj.partition", "obj.subpartition", "obj.lob", "obj.sequence", "obj.db_link", "obj.trigger",
                    "obj.routine", "obj.view", INDEX_USAGE_KIND, SAMPLE_KIND, UNAVAILABLE_OBJ)
    statement_kinds = ("sql.statement", "sql.plan", awr.CURSOR_CACHE_KIND, UNAVAILABLE_SQL)
    plan_reads_objects = True

    # -------------------------------------------------------------------------------- objects

    def objects(self, ctx: CaptureContext) -> Captured:
        with open_door(ctx, need_window=False) as door:
            return self.objects_from(door, ctx)

    def objects_from(self, door: Door, ctx: CaptureContext) -> Captured:
        database = door.database()
        major = database["version_major"]
        owners = list(ctx.schemas) or audited_owners(door.rows("owners", version_major=major), major)
        if not owners:
            raise ValueError("no owner to audit: `schemas: auto` found no open account owning segments that "
                             "is not Oracle-maintained; list the schemas in the instance config")
        ctx.log(f"capture_obj: owners {', '.join(owners)} on {database.get('db_name')} {database.get('version')} "
                f"({door.name} door)")
        timer = _Timer(ctx.log)
        common = {"owners": owners, "version_major": major}

        def rows(template: str) -> list[dict[str, Any]]:
            return timer.run(template, lambda: list(door.rows(template, **common)))

        segments = shape.Segments(rows("segments"))
        index_rows = rows("indexes")
        lobs = list(shape.lobs(rows("lobs"), segments))
        parts = shape.partitioning(rows("part_tables"), rows("part_keys"))
        subpartitions = list(shape.subpartitions(rows("subpartitions"), segments))
        constraints, foreign_keys = shape.constraints(rows("constraints"), rows("referenced_keys"))
        records: dict[str, list[dict[str, Any]]] = {
            "obj.table": list(shape.tables(rows("tables"), segments, parts, shape.lob_segment_names(lobs),
                                           shape.iot_indexes(index_rows))),
            "obj.column": list(shape.columns(rows("columns"))),
            "obj.index": list(shape.indexes(index_rows, rows("index_columns"), rows("index_expressions"), segments)),
            "obj.constraint": constraints,
            "obj.foreign_key": foreign_keys,
            "obj.partition": list(shape.partitions(rows("partitions"), subpartitions, segments)),
            "obj.subpartition": subpartitions,
            "obj.lob": lobs,
            "obj.sequence": list(shape.sequences(rows("sequences"))),
            "obj.db_link": list(shape.db_links(rows("db_links"))),
            "obj.trigger": list(shape.triggers(rows("triggers"))),
            "obj.routine": list(shape.routines(rows("routines"))),
            "obj.view": list(shape.views(rows("views"), rows("view_dependencies"))),
        }
        gaps: list[dict[str, Any]] = []
        records[INDEX_USAGE_KIND] = self._index_usage(door, ctx, database, common, gaps, timer)
        records[SAMPLE_KIND] = self._samples(door, ctx, records, gaps)
        records[UNAVAILABLE_OBJ] = gaps
        records["obj.database"] = [{
            "db_name": database.get("db_name"), "dbid": database.get("dbid"), "version": database.get("version"),
            "version_major": major, "nls_characterset": database.get("nls_characterset"),
            "db_block_size": _int(database.get("db_block_size")), "door": door.name, "owners": owners}]
        for owner in owners:
            tables = sum(1 for t in records["obj.table"] if t["schema"] == owner)
            ctx.log(f"capture_obj: {owner}: {tables} tables")
        ctx.log("capture_obj: " + ", ".join(f"{kind} {len(rows)}" for kind, rows in records.items()))
        return Captured(records, {"schemas": owners, "server_version": database.get("version"),
                                  "door": door.name, "db_name": database.get("db_name"),
                                  **({"export": database["export"]} if database.get("export") else {})})

    def _index_usage(self, door: Door, ctx: CaptureContext, database: dict[str, Any], common: dict[str, Any],
                     gaps: list[dict[str, Any]], timer: "_Timer") -> list[dict[str, Any]]:
        """Indexes a plan of the window uses (INVALID_INDEX); unavailable when the window has no AWR."""
        source = self._source(ctx, database)
        binds: dict[str, Any] = {"source": source, "dbid": database.get("dbid"), **common}
        if source == "awr":
            try:
                binds.update(self._awr_window(door, ctx, database))
            except awr.WindowError as exc:
                gaps.append(unavailable(INDEX_USAGE_KIND, f"no AWR data for the window: {exc}",
                                        "export or keep AWR snapshots that cover the audited window"))
                return []
        rows = timer.run("index_usage", lambda: list(door.rows("index_usage", **binds)))
        return list(shape.index_usage(rows, source))

    def _samples(self, door: Door, ctx: CaptureContext, records: dict[str, list[dict[str, Any]]],
                 gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bounded column samples for COL_WRONG_TYPE: live only (an export holds no table data)."""
        params = ctx.rule_params("COL_WRONG_TYPE")
        if params is None:
            return []
        if door.name != "live":
            gaps.append(unavailable(SAMPLE_KIND, "a dictionary export holds no table data to sample",
                                    "audit this instance through a live connection (conn_id) to judge column types"))
            return []
        from themis.capture.oracle.sampling import sample_columns

        return sample_columns(door, records, params, ctx.log)

    # ----------------------------------------------------------------------------- statements

    @staticmethod
    def _source(ctx: CaptureContext, database: dict[str, Any]) -> str:
        """The configured source; an export made without AWR can only be read from its cursor cache."""
        if ctx.instance.export is not None and database.get("source") == "cursor_cache":
            return "cursor_cache"
        return ctx.instance.oracle.source

    def _awr_window(self, door: Door, ctx: CaptureContext, database: dict[str, Any]) -> dict[str, Any]:
        zone = awr.db_zone(ctx.instance.oracle.timezone, database.get("db_timezone"))
        start, end = awr.local_window(ctx.window.start, ctx.window.end, zone)
        snapshots = list(door.rows("snapshots", dbid=database.get("dbid")))
        begin_snap, end_snap, count = awr.window_snapshots(snapshots, start, end)
        ctx.log(f"capture: AWR snapshots {begin_snap}..{end_snap} ({count} on all instances) end in "
                f"{start} .. {end} ({zone})")
        return {"begin_snap": begin_snap, "end_snap": end_snap, "window_start": start, "window_end": end}

    def statements(self, ctx: CaptureContext) -> Captured:
        with open_door(ctx, need_window=ctx.instance.oracle.source == "awr") as door:
            return self.statements_from(door, ctx)

    def statements_from(self, door: Door, ctx: CaptureContext) -> Captured:
        database = door.database()
        owners = list(ctx.schemas) or _captured_owners(ctx) or audited_owners(
            door.rows("owners", version_major=database["version_major"]), database["version_major"])
        source = self._source(ctx, database)
        dbid = database.get("dbid")
        timer = _Timer(ctx.log)
        raw: list[dict[str, Any]] = []
        if source == "awr":
            window = self._awr_window(door, ctx, database)
            rows = timer.run("sqlstat", lambda: list(door.rows("sqlstat", dbid=dbid, owners=owners, **window)))
            texts = timer.run("sqltext", lambda: awr.texts(door, dbid, [r["sql_id"] for r in rows]))
        else:
            raw = timer.run("cursor_stats", lambda: list(door.rows("cursor_stats", owners=owners)))
            rows = awr.cursor_cache_delta(raw, _previous_cursor_cache(ctx))
            texts = {}
        limit = ctx.instance.capture.text_limit
        statements = [awr.statement(r, texts.get(r["sql_id"]), source) for r in rows[:limit]]
        keys = {(s["sql_id"], s["plan_hash_value"]) for s in statements}
        plans = timer.run("plans", lambda: awr.plans(door, dbid, keys, awr=source == "awr"))
        gaps: list[dict[str, Any]] = []
        ctx.log(f"capture_other: {len(statements)} statements ({source}), "
                f"{sum(1 for p in plans if p['status'] == 'captured')} plans")
        return Captured({"sql.statement": statements, "sql.plan": plans, awr.CURSOR_CACHE_KIND: raw,
                         UNAVAILABLE_SQL: gaps},
                        {"statements": len(statements), "source": source, "door": door.name,
                         "schemas": owners, "plans": {"captured": sum(1 for p in plans if p["status"] == "captured"),
                                                      "missing": sum(1 for p in plans if p["status"] != "captured")}})


def _captured_owners(ctx: CaptureContext) -> list[str]:
    """The owners this window's capture_obj chose (``schemas: auto``), so both captures agree."""
    from themis.store import PartitionKey

    info = ctx.store.info(PartitionKey(ctx.instance.id, ctx.window.key, "obj.table"))
    return list(((info or {}).get("meta") or {}).get("schemas") or [])


def _previous_cursor_cache(ctx: CaptureContext) -> list[dict[str, Any]]:
    """The cursor-cache counters stored by the latest earlier window of this instance (none: first run)."""
    keys = [k for k in ctx.store.keys(ctx.instance.id, kind_prefix=awr.CURSOR_CACHE_KIND)
            if k.kind == awr.CURSOR_CACHE_KIND and k.window < ctx.window.key]
    return ctx.store.read_all(max(keys)) if keys else []


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Timer:
    """One log line per capture query: template, rows, seconds (a slow view shows in the task log)."""

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        started = time.monotonic()
        result = work()
        size = len(result) if isinstance(result, (list, dict)) else "-"
        self.log(f"capture: {name}: {size} rows in {time.monotonic() - started:.2f} s")
        return result
