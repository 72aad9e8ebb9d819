"""Bounded, read-only value samples of an Oracle table's columns for COL_WRONG_TYPE (live door only).

The original sampled the column *name* as a string literal (so it classified the name, not the
data) and called a helper that did not exist. Here: text and NUMBER columns with more distinct
values than ``unrepeat_threshold`` (a column of a few codes is an enumeration, not a date), one
SELECT per table (``sample_rows.sql``: the first ``return_num`` rows, values cut to 64 characters),
bounded by FETCH FIRST and the connection's ``call_timeout``. A table whose SELECT fails gets records
saying so (the report lists it), never another table's values.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable

from themis.capture.oracle.door import Door

TYPES = ("VARCHAR2", "CHAR", "NVARCHAR2", "NCHAR", "NUMBER")
MAX_VALUES = 200


def sample_columns(door: Door, records: dict[str, list[dict[str, Any]]], params: dict[str, Any],
                   log: Callable[[str], None]) -> list[dict[str, Any]]:
    rows = int(params.get("return_num", MAX_VALUES))
    min_distinct = int(params.get("unrepeat_threshold", 20))
    wanted: dict[tuple[str, str], list[str]] = defaultdict(list)
    for column in records.get("obj.column", []):
        if column.get("hidden") or column.get("virtual") or str(column.get("data_type")) not in TYPES:
            continue
        if (column.get("num_distinct") or 0) > min_distinct:
            wanted[(column["schema"], column["table"])].append(column["column"])
    samples: list[dict[str, Any]] = []
    for (owner, table), columns in sorted(wanted.items()):
        try:
            found = list(door.rows("sample_rows", owner=owner, table=table, columns=columns, rows=rows))
            error = None
        except Exception as exc:  # one unreadable table is reported, the others still sampled
            found, error = [], str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        for position, column in enumerate(columns, start=1):
            values = sorted({str(r[f"c{position}"]).strip() for r in found if r.get(f"c{position}") not in (None, "")})
            samples.append({"schema": owner, "table": table, "column": column, "method": "first_rows",
                            "rows_sampled": len(found), "values": values[:MAX_VALUES], "error": error})
    log(f"capture_obj: sampled {len(wanted)} tables for COL_WRONG_TYPE")
    return samples
