"""The rule catalogue: YAML files ``include/rules/<db_type>/<dimension>.yaml``, validated on load.

Rules are data so that a DBA can read, tune and review them without reading Python; the Python
side is only the registered checks they name. A catalogue error (unknown check, missing param,
bad type) is reported with the file and rule id when loading, never as a crash mid-run.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from themis.config import DIMENSIONS, load_yaml, on_off

DbType = Literal["mysql", "oracle", "any"]
Dimension = Literal["OBJ", "TEXT", "SQLPLAN", "SQLSTAT"]


class CatalogError(ValueError):
    """The rule catalogue is invalid; the message names the file and the rule."""


class RuleParam(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    value: int | float | str | bool | list[Any]
    unit: str = ""
    description: str = ""


class ReportColumn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str


class RuleExamples(BaseModel):
    """Cases that must (``fail``) and must not (``pass``) trigger the rule, run by one test.

    TEXT rules give SQL strings; the other dimensions give snapshot fixtures
    ``{"records": {kind: [...]}, "params": {...}, "findings": N}``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    fail: list[Any] = Field(default_factory=list)
    passing: list[Any] = Field(default_factory=list, alias="pass")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    db_type: DbType
    dimension: Dimension
    status: Literal["ON", "OFF"] = "ON"
    summary: str
    description: str = ""
    params: list[RuleParam] = Field(default_factory=list)
    weight: float = Field(ge=0)
    max_score: float = Field(gt=0)
    check: str
    columns: list[ReportColumn] = Field(min_length=1)
    solution: list[str] = Field(default_factory=list)
    examples: RuleExamples = RuleExamples()

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return on_off(value)

    def param_values(self) -> dict[str, Any]:
        return {param.name: param.value for param in self.params}

    def applies_to(self, db_type: str) -> bool:
        return self.db_type in (db_type, "any")


class Catalog:
    """All rules, by (db type, id)."""

    def __init__(self, rules: list[Rule], sources: dict[tuple[str, str], str] | None = None):
        self.rules = rules
        self.sources = sources or {}  # (db_type, id) -> the file that defines the rule
        self._by_key = {(rule.db_type, rule.id): rule for rule in rules}

    def get(self, db_type: str, rule_id: str) -> Rule | None:
        return self._by_key.get((db_type, rule_id)) or self._by_key.get(("any", rule_id))

    def for_dimension(self, db_type: str, dimension: str) -> list[Rule]:
        return [rule for rule in self.rules if rule.dimension == dimension and rule.applies_to(db_type)]

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)


def load_catalog(directory: str | Path | None = None, *, with_checks: bool = True) -> Catalog:
    """Load and validate every ``*.yaml`` under the rules directory (cached per directory).

    ``with_checks=False`` validates the YAML only, without importing the checks (and sqlglot): the
    DAG file uses it at parse time to check rule overrides, where every millisecond is paid again
    on each parse.
    """
    from themis.paths import rules_dir

    root = str(Path(directory) if directory else rules_dir())
    return _verified_catalog(root) if with_checks else _definitions(root)


@functools.lru_cache(maxsize=8)
def _definitions(directory: str) -> Catalog:
    root = Path(directory)
    files = sorted(root.glob("*/*.yaml"))
    if not files:
        raise CatalogError(f"{root}: no rule files (<db_type>/<dimension>.yaml) found")
    rules: list[Rule] = []
    seen: dict[tuple[str, str], Path] = {}
    for path in files:
        for rule in _load_file(path):
            key = (rule.db_type, rule.id)
            if key in seen:
                raise CatalogError(f"{path}: rule '{rule.id}': duplicate id (also in {seen[key]})")
            seen[key] = path
            rules.append(rule)
    return Catalog(rules, sources={(r.db_type, r.id): str(seen[(r.db_type, r.id)]) for r in rules})


@functools.lru_cache(maxsize=8)
def _verified_catalog(directory: str) -> Catalog:
    """The definitions, each checked against the registered check it names."""
    from themis.rules.checks import registry

    catalog = _definitions(directory)
    for rule in catalog:
        path = catalog.sources[(rule.db_type, rule.id)]
        check = registry.get(rule.check)
        if check is None:
            raise CatalogError(f"{path}: rule '{rule.id}': key 'check': no registered check named "
                               f"'{rule.check}'")
        if not check.applies_to(rule.db_type):
            raise CatalogError(f"{path}: rule '{rule.id}': check '{rule.check}' applies to "
                               f"{'/'.join(check.db_types)}, not {rule.db_type}")
        if check.dimension != rule.dimension:
            raise CatalogError(f"{path}: rule '{rule.id}': check '{rule.check}' is a {check.dimension} "
                               f"check, rule is {rule.dimension}")
        missing = set(check.params) - set(rule.param_values())
        if missing:
            raise CatalogError(f"{path}: rule '{rule.id}': key 'params': missing {sorted(missing)} "
                               f"needed by check '{rule.check}'")
    return catalog


def _load_file(path: Path) -> list[Rule]:
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: not valid YAML: {exc}") from None
    entries = (document or {}).get("rules") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a mapping with a 'rules' list")
    db_type, dimension = path.parent.name, path.stem.upper()
    if dimension not in DIMENSIONS:
        raise CatalogError(f"{path}: file name must be one of {[d.lower() for d in DIMENSIONS]}")
    rules = []
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise CatalogError(f"{path}: rules[{position}] must be a mapping")
        entry = {"db_type": db_type, "dimension": dimension, **entry}
        name = entry.get("id", f"#{position}")
        try:
            rules.append(Rule.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(part) for part in first["loc"])
            message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
            raise CatalogError(f"{path}: rule '{name}': key '{key}': {message}") from None
        if rules[-1].db_type != db_type or rules[-1].dimension != dimension:
            raise CatalogError(f"{path}: rule '{name}': db_type/dimension must match the file's folder and name")
    return rules
