"""Parsing statement samples once per analysis run, shared by every TEXT check.

TEXT rules work on sqlglot syntax trees (MySQL or Oracle dialect), so keywords inside string
literals, comments or identifiers never trigger a rule, and CTEs and window functions parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from themis.rules.snapshot import Snapshot

DIALECTS = {"mysql": "mysql", "oracle": "oracle"}
SAMPLE_CHARS = 200


@dataclass
class ParsedStatement:
    record: dict[str, Any]
    trees: list[exp.Expression]
    error: str | None

    @property
    def checksum(self) -> str:
        return str(self.record.get("checksum", ""))

    def finding_values(self) -> dict[str, Any]:
        return sql_values(self.checksum, self.record)


def sql_values(checksum: str, statement: dict[str, Any]) -> dict[str, Any]:
    """The columns every SQL finding shows: which statement, how often, how slow."""
    stats = statement.get("stats") or {}
    return {"checksum": checksum, "sql": short_sql(statement.get("sample") or ""), "db": statement.get("db"),
            "executions": stats.get("executions", stats.get("ts_cnt")), "query_time_avg": stats.get("query_time_avg")}


def parse_sql(sql: str, db_type: str) -> tuple[list[exp.Expression], str | None]:
    """Trees of every statement in ``sql``, or the parser's error message."""
    try:
        trees = [tree for tree in sqlglot.parse(sql, read=DIALECTS.get(db_type, "mysql")) if tree is not None]
    except SqlglotError as exc:
        return [], str(exc).splitlines()[0][:300]
    except (RecursionError, ValueError) as exc:  # pathological input must not stop the run
        return [], f"{type(exc).__name__}: {exc}"[:300]
    if not trees:
        return [], "empty statement"
    return trees, None


def parsed_statements(snapshot: Snapshot) -> list[ParsedStatement]:
    cached = snapshot.cache.get("parsed_statements")
    if cached is None:
        cached = []
        for record in snapshot.statements:
            trees, error = parse_sql(record.get("sample") or "", snapshot.db_type)
            cached.append(ParsedStatement(record, trees, error))
        snapshot.cache["parsed_statements"] = cached
    return cached


def short_sql(sql: str) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= SAMPLE_CHARS else sql[: SAMPLE_CHARS - 1] + "…"
