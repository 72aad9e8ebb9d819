"""What every capture offers and what its records promise (design §6).

A capture is the only code that reads an audited database (or its export). ``tasks.py`` asks the
registry (:func:`themis.capture.capture_for`) for the capture of an instance's database type and
stores what it returns; it never branches on the type itself.

Records of a concept both databases share carry the same field names (:data:`SHARED_FIELDS`),
so a check or the report can read them without knowing the vendor; vendor-only facts keep their
vendor's names (lower-cased). ``tests/unit/test_capture_contract.py`` holds every capture to it:
a check reading ``.get(field) or 0`` would otherwise pass silently on the other vendor's records.

What a capture could not see (a dictionary view the audit user may not read, data an export does
not contain) is recorded as an ``*.unavailable`` record — ``{"kind", "reason", "fix"}`` — so the
rules that read that kind are reported "not evaluated" instead of passing.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from themis.config import InstanceConfig
    from themis.store import Store
    from themis.window import CaptureWindow

Log = Callable[[str], None]
Records = dict[str, list[dict[str, Any]]]

#: concept -> fields every capture emits for it (the capture contract).
SHARED_FIELDS: dict[str, tuple[str, ...]] = {
    "obj.table": ("schema", "table", "partitioned", "table_rows"),
    "obj.column": ("schema", "table", "column", "data_type", "is_nullable"),
    "obj.index": ("schema", "table", "index", "unique", "columns"),
    "obj.foreign_key": ("schema", "table", "constraint", "columns", "referenced_schema", "referenced_table"),
    "obj.routine": ("schema", "name", "routine_type"),
    "obj.trigger": ("schema", "name", "table"),
    "obj.view": ("schema", "view"),
    "obj.partition": ("schema", "table", "partition"),
    "sql.statement": ("checksum", "sample", "stats"),
    "sql.plan": ("checksum", "status"),
}

UNAVAILABLE_OBJ = "obj.unavailable"
UNAVAILABLE_SQL = "sql.unavailable"


def unavailable(kind: str, reason: str, fix: str = "") -> dict[str, Any]:
    """The record saying that ``kind`` could not be captured, why, and what would fix it."""
    return {"kind": kind, "reason": reason, "fix": fix}


@dataclass
class CaptureContext:
    """What a capture needs to know about the run; built by ``tasks.py`` from the Airflow context."""

    instance: "InstanceConfig"
    schemas: list[str]  # empty: chosen by the capture (Oracle ``schemas: auto``)
    window: "CaptureWindow"
    store: "Store"
    run_id: str
    log: Log = print
    #: a rule's effective params for this instance, or None when the rule is off
    rule_params: Callable[[str], dict[str, Any] | None] = lambda rule_id: None

    def read(self, kind: str) -> list[dict[str, Any]]:
        """The records of ``kind`` stored for this instance and window (e.g. the slow-log digest)."""
        from themis.store import PartitionKey

        return self.store.read_all(PartitionKey(self.instance.id, self.window.key, kind))


@dataclass
class Captured:
    """Records by kind, plus facts about the capture for the partitions' meta and the task summary."""

    records: Records
    meta: dict[str, Any] = field(default_factory=dict)


class Capture(abc.ABC):
    """One database type's capture: objects for ``capture_obj``, statements for ``capture_other``."""

    db_type: str
    has_slowlog: bool
    #: kinds ``objects()`` writes (every one is written, empty or not, so a rerun replaces all)
    object_kinds: tuple[str, ...]
    #: kinds ``statements()`` writes
    statement_kinds: tuple[str, ...] = ("sql.statement", "sql.plan", UNAVAILABLE_SQL)
    #: whether the plan rules compare plan lines with object facts (Oracle: sizes of scanned tables)
    plan_reads_objects: bool = False

    @abc.abstractmethod
    def objects(self, ctx: CaptureContext) -> Captured:
        """The schema objects of the audited schemas (a live snapshot, whatever the window)."""

    @abc.abstractmethod
    def statements(self, ctx: CaptureContext) -> Captured:
        """The window's statements with their statistics and plans."""

    def kinds_for(self, dimension: str) -> tuple[str, ...]:
        """The stored kinds one dimension's analysis reads."""
        if dimension == "OBJ":
            return self.object_kinds
        kinds = ("sql.statement", UNAVAILABLE_SQL)
        if dimension == "SQLPLAN":
            kinds += ("sql.plan",) + (self.object_kinds if self.plan_reads_objects else ())
        return kinds
