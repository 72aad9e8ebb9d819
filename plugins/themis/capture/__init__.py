"""Capture: read an audited database's dictionary, plans and statistics into snapshot records.

One dispatch point: :func:`capture_for` maps a database type to its capture class by import
string (as Airflow's ``common.sql`` resolves dialects), so parsing the DAG file imports no driver
and no capture code. ``mysql.py`` reads information_schema, the slow-log digest and EXPLAIN;
``oracle/`` reads the DBA_* dictionary and AWR, live or from an export. The contract they share is
``base.py``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from themis.capture.base import Capture

#: db_type -> "module:Class"
CAPTURES = {
    "mysql": "themis.capture.mysql:MySqlCapture",
    "oracle": "themis.capture.oracle:OracleCapture",
}

#: db_type -> task docs of the capture tasks (data, so DAG parsing imports no capture code)
CAPTURE_DOCS: dict[str, dict[str, str]] = {
    "mysql": {
        "capture_obj": "Reads the data dictionary (information_schema) of the selected schemas — tables, "
                       "columns, indexes, constraints, foreign keys, routines, triggers, views, partitions — "
                       "into the store. Read-only.",
        "ingest_slowlog": "Digests the window's slow log into per-fingerprint aggregates (pt-query-digest "
                          "fingerprints and checksums).",
        "capture_other": "Takes the window's top statements by total query time, stores their statistics and "
                         "their EXPLAIN FORMAT=JSON plans (read-only, time-bounded).",
    },
    "oracle": {
        "capture_obj": "Reads the DBA_* dictionary of the audited owners — tables with their segment sizes, "
                       "columns, indexes, constraints, partitions, LOBs, sequences, db links, triggers, "
                       "procedures, views and their dependencies — live (OracleHook) or from a dictionary "
                       "export. Read-only (SELECT only).",
        "ingest_slowlog": "Skipped: Oracle has no slow log; capture_other reads AWR instead.",
        "capture_other": "Reads the window's AWR snapshots on every RAC instance: per (SQL_ID, PLAN_HASH_VALUE) "
                         "the DBA_HIST_SQLSTAT deltas, the DBA_HIST_SQL_PLAN lines and the full SQL text "
                         "(or the cursor cache's differences where AWR is not licensed). Read-only.",
    },
}


def capture_for(db_type: str) -> "Capture":
    """The capture of ``db_type`` (imported on first use)."""
    try:
        target = CAPTURES[db_type]
    except KeyError:
        raise ValueError(f"no capture for database type {db_type!r} (known: {sorted(CAPTURES)})") from None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)()


def capture_docs(db_type: str) -> dict[str, str]:
    return CAPTURE_DOCS[db_type]
