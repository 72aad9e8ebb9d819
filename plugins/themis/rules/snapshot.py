"""What checks read (a snapshot) and what they return (findings).

A check is a pure function ``check(snapshot, params) -> Iterable[Finding]``: no I/O, no globals,
so every rule runs the same on a live capture, on a past capture and on a test fixture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class NotEvaluated(Exception):
    """A check could not judge its input (e.g. the data it samples is not in an export).

    The rule is then reported "not evaluated" with this reason and left out of the score's
    denominator, never counted as a pass.
    """

    def __init__(self, reason: str, fix: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass
class Finding:
    """One offending object or statement.

    ``object`` names what is at fault in a stable form used for exclusions and de-duplication:
    ``schema.table``, ``schema.table.column``, ``schema.table.index`` or a statement checksum.
    ``values`` holds the report columns of the rule, by column name.
    """

    object: str
    values: dict[str, Any] = field(default_factory=dict)
    checksum: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"object": self.object, "values": self.values}
        if self.checksum:
            out["checksum"] = self.checksum
        return out


@dataclass(frozen=True)
class Note:
    """What a check could not judge inside its input (e.g. a table whose values could not be sampled).

    A check yields notes among its findings; the rule's result lists them (``notes``) and the report
    shows them in the rule's row, so a partial look is never presented as a complete one.
    """

    text: str


@dataclass
class Snapshot:
    """Stored records of one instance and window, by kind (``obj.table``, ``sql.plan``, ...)."""

    db_type: str
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Derived data shared by the checks of one run (e.g. parsed SQL trees), filled lazily.
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return self.records.get(kind, [])

    def unavailable(self, kind: str) -> dict[str, Any] | None:
        """The capture's note that ``kind`` could not be captured (``*.unavailable`` records), if any."""
        for stored, rows in self.records.items():
            if stored.endswith(".unavailable"):
                for row in rows:
                    if row.get("kind") == kind:
                        return row
        return None

    # Shorthands for the kinds capture writes (see themis.capture.mysql for their fields).
    @property
    def tables(self) -> list[dict[str, Any]]:
        return self.of("obj.table")

    @property
    def columns(self) -> list[dict[str, Any]]:
        return self.of("obj.column")

    @property
    def indexes(self) -> list[dict[str, Any]]:
        return self.of("obj.index")

    @property
    def constraints(self) -> list[dict[str, Any]]:
        return self.of("obj.constraint")

    @property
    def foreign_keys(self) -> list[dict[str, Any]]:
        return self.of("obj.foreign_key")

    @property
    def routines(self) -> list[dict[str, Any]]:
        return self.of("obj.routine")

    @property
    def triggers(self) -> list[dict[str, Any]]:
        return self.of("obj.trigger")

    @property
    def views(self) -> list[dict[str, Any]]:
        return self.of("obj.view")

    @property
    def partitions(self) -> list[dict[str, Any]]:
        return self.of("obj.partition")

    @property
    def statements(self) -> list[dict[str, Any]]:
        return self.of("sql.statement")

    @property
    def plans(self) -> list[dict[str, Any]]:
        return self.of("sql.plan")
