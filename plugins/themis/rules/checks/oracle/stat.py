"""Oracle SQLSTAT checks: the window's execution statistics of each (SQL_ID, PLAN_HASH_VALUE).

Figures are the window's: sums of AWR's ``*_DELTA`` columns over its snapshots on every instance
(or cursor-cache differences between runs), never the lifetime ``*_TOTAL`` counters, which restart
whenever a cursor is reloaded. A per-execution figure divides by the window's executions; a
statement that did not execute in the window has none and is not judged — the original divided by
1 instead, so a long-running statement that never completed looked like one execution.

Units are the database's: buffer gets, disk reads and direct writes count blocks (the original
labelled them bytes); times are stored in microseconds and the rules' thresholds are seconds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable, Iterable, Iterator

from themis.rules.checks import CheckFunction, oracle_register
from themis.rules.checks.oracle.plan_tree import statement_values
from themis.rules.checks.sqltext import number, short_sql
from themis.rules.snapshot import Finding, Snapshot

STATS = ("sql.statement",)
MICROSECONDS = 1_000_000
SQL_ID_EXAMPLES = 5


def register(name: str, params: tuple[str, ...]) -> Callable[[CheckFunction], CheckFunction]:
    return oracle_register(name, "SQLSTAT", params=params, reads=STATS)


def _finding(statement: dict[str, Any], **values: Any) -> Finding:
    checksum = str(statement.get("checksum"))
    return Finding(checksum, {**statement_values(statement), **values}, checksum=checksum)


def per_execution(snapshot: Snapshot, field: str, threshold: float, column: str,
                  divisor: float = 1) -> Iterator[Finding]:
    """Statements whose ``stats[field]`` (a ``*_per_exec`` figure) ÷ ``divisor`` reaches ``threshold``;
    statements without an execution in the window are not judged."""
    for statement in snapshot.statements:
        stats = statement.get("stats") or {}
        value = number(stats.get(field))
        if value is None or not number(stats.get("executions")):
            continue
        value /= divisor
        if value >= threshold:
            yield _finding(statement, **{column: round(value, 6)})


@register("oracle_stat_buffer_gets", ("buffer_gets",))
def buffer_gets(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Logical reads (blocks) per execution."""
    return per_execution(snapshot, "buffer_gets_per_exec", float(params["buffer_gets"]), "buffer_gets_per_exec")


@register("oracle_stat_disk_reads", ("disk_reads",))
def disk_reads(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Physical reads (blocks) per execution."""
    return per_execution(snapshot, "disk_reads_per_exec", float(params["disk_reads"]), "disk_reads_per_exec")


@register("oracle_stat_direct_writes", ("direct_writes",))
def direct_writes(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Direct-path writes (blocks: sorts, hash joins and direct loads spilling to temp) per execution."""
    return per_execution(snapshot, "direct_writes_per_exec", float(params["direct_writes"]),
                         "direct_writes_per_exec")


@register("oracle_stat_cpu_time", ("cpu_time",))
def cpu_time(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """CPU seconds per execution (stored in microseconds)."""
    return per_execution(snapshot, "cpu_time_us_per_exec", float(params["cpu_time"]), "cpu_s_per_exec",
                         MICROSECONDS)


@register("oracle_stat_elapsed_time", ("elapsed_time",))
def elapsed_time(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Elapsed seconds per execution (stored in microseconds)."""
    return per_execution(snapshot, "elapsed_time_us_per_exec", float(params["elapsed_time"]),
                         "elapsed_s_per_exec", MICROSECONDS)


@register("oracle_stat_executions", ("sql_count_num",))
def executions(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Executions in the window (the original read a field capture never wrote)."""
    limit = float(params["sql_count_num"])
    for statement in snapshot.statements:
        count = number((statement.get("stats") or {}).get("executions"))
        if count is not None and count >= limit:
            yield _finding(statement)


@register("oracle_stat_version_count", ("cursor_num",))
def version_count(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Child cursors (VERSION_COUNT, the highest per-instance level of the window) — a level, not a
    per-execution figure, so it is judged whether or not the statement executed in the window."""
    limit = float(params["cursor_num"])
    for statement in snapshot.statements:
        count = number((statement.get("stats") or {}).get("version_count"))
        if count is not None and count >= limit:
            yield _finding(statement, version_count=int(count))


@register("oracle_stat_no_bind", ("sql_no_bind_count",))
def no_bind(snapshot: Snapshot, params: dict[str, Any]) -> Iterable[Finding]:
    """Force-matching signatures shared by more than ``sql_no_bind_count`` SQL_IDs: the same
    statement with different literals, each hard-parsed and cached on its own. One finding per
    signature (object and checksum: the signature), with example SQL_IDs."""
    limit = int(params["sql_no_bind_count"])
    groups: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for statement in snapshot.statements:
        signature, sql_id = statement.get("force_matching_signature"), statement.get("sql_id")
        if signature not in (None, "", "0", 0) and sql_id:
            groups[str(signature)][str(sql_id)].append(statement)
    for signature, by_sql_id in sorted(groups.items()):
        if len(by_sql_id) <= limit:
            continue
        examples = sorted(by_sql_id)[:SQL_ID_EXAMPLES]
        first = by_sql_id[examples[0]][0]
        total = sum(number((s.get("stats") or {}).get("executions")) or 0
                    for plans in by_sql_id.values() for s in plans)
        yield Finding(signature, {
            "signature": signature, "sql_ids": len(by_sql_id), "example_sql_ids": ", ".join(examples),
            "schema": first.get("schema"), "sql": short_sql(first.get("sample") or ""),
            "executions": int(total)}, checksum=signature)
