"""Registered checks: the Python behind the rules, one module per dimension.

A check is ``check(snapshot, params) -> Iterable[Finding]`` with no I/O and no globals. Rules in
``include/rules`` name checks by their registered name, so one check can serve several rules
(and both databases) with different parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from themis.rules.snapshot import Finding, Snapshot

CheckFunction = Callable[[Snapshot, dict[str, Any]], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    name: str
    dimension: str
    function: CheckFunction
    params: tuple[str, ...] = ()

    def __call__(self, snapshot: Snapshot, params: dict[str, Any]) -> list[Finding]:
        return list(self.function(snapshot, params))


class Registry:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}
        self._loaded = False

    def register(self, name: str, dimension: str, params: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
        def decorate(function: CheckFunction) -> CheckFunction:
            if name in self._checks:
                raise ValueError(f"check {name!r} registered twice")
            self._checks[name] = Check(name, dimension, function, params)
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
            from themis.rules.checks import obj, plan, stat, text  # noqa: F401


registry = Registry()
register = registry.register
