"""Registered checks: the Python behind the rules, one module per dimension.

A check is ``check(snapshot, params) -> Iterable[Finding]`` with no I/O and no globals. Rules in
``include/rules`` name checks by their registered name, so one check can serve several rules
(and both databases) with different parameters.

A check declares the database types it applies to (the catalogue refuses a rule whose check does
not apply to its database) and the stored kinds it reads: when capture recorded one of them as
unavailable (``*.unavailable``), the rule is reported "not evaluated" with the reason, never as a
pass. Vendor-only checks live in their own bundle (``checks/oracle/``), as sqlfluff keeps
``rules/oracle/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from themis.rules.snapshot import Finding, Note, Snapshot

CheckFunction = Callable[[Snapshot, dict[str, Any]], Iterable[Finding | Note]]  # notes: see Note


@dataclass(frozen=True)
class Check:
    name: str
    dimension: str
    function: CheckFunction
    params: tuple[str, ...] = ()
    db_types: tuple[str, ...] = ("mysql", "oracle")
    reads: tuple[str, ...] = ()

    def applies_to(self, db_type: str) -> bool:
        return db_type == "any" and len(self.db_types) > 1 or db_type in self.db_types

    def __call__(self, snapshot: Snapshot, params: dict[str, Any]) -> list[Finding | Note]:
        return list(self.function(snapshot, params))


class Registry:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._loaded = False

    def register(self, name: str, dimension: str, params: tuple[str, ...] = (), *,
                 db_types: tuple[str, ...] = ("mysql", "oracle"),
                 reads: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
        def decorate(function: CheckFunction) -> CheckFunction:
            if name in self._checks:
                raise ValueError(f"check {name!r} registered twice")
            self._checks[name] = Check(name, dimension, function, params, tuple(db_types), tuple(reads))
            return function

        return decorate

    def get(self, name: str) -> Check | None:
        self._load()
        return self._checks.get(name)

    def names(self) -> list[str]:
        self._load()
        return sorted(self._checks)

    def _load(self) -> None:
        # Import the dimension modules on first use so that registering is a side effect of
        # loading the package, not of whoever imported it first.
        if not self._loaded:
            self._loaded = True
            from themis.rules.checks import obj, oracle, plan, stat, text  # noqa: F401


registry = Registry()
register = registry.register


def mysql_register(name: str, dimension: str, params: tuple[str, ...] = (), *,
                   reads: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """``register`` for a check that reads MySQL-only records."""
    return register(name, dimension, params, db_types=("mysql",), reads=reads)


def oracle_register(name: str, dimension: str, params: tuple[str, ...] = (), *,
                    reads: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """``register`` for a check that reads Oracle-only records."""
    return register(name, dimension, params, db_types=("oracle",), reads=reads)
