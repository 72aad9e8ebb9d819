"""Instance configuration: one YAML file, a ``defaults:`` block and a list of instances.

It is read at DAG parse time, so it must be cheap and must not touch any database or network;
a bad file fails with one message naming the instance and the key, before any DAG exists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DIMENSIONS = ("OBJ", "TEXT", "SQLPLAN", "SQLSTAT")
_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def load_yaml(text: str) -> Any:
    """Safe YAML with libyaml when present: parsing runs in the DAG processor's loop, 6x faster in C."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def on_off(value: Any) -> Any:
    """A rule status as written in YAML: YAML 1.1 reads bare ON/OFF as booleans; take them as meant."""
    if value is True:
        return "ON"
    if value is False:
        return "OFF"
    return value.upper() if isinstance(value, str) else value


class ConfigError(ValueError):
    """The instance configuration is invalid; the message names the file, instance and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_TABLE_RE = re.compile(r"^[^.`]+\.[^.`]+$")


def _db_table(value: str) -> str:
    if not _TABLE_RE.match(value):
        raise ValueError(f"must be written db.table (no backticks), got {value!r}")
    return value


class SlowlogOutput(_Strict):
    """A pt-query-digest-compatible ``--review`` or ``--history`` table ``ingest_slowlog`` writes."""

    table: str = Field(description="db.table; created (pt's columns, utf8mb4) unless create is false")
    conn_id: str | None = Field(None, description="Airflow connection of the repository server "
                                                  "(default: the slowlog conn_id, else the instance's)")
    create: bool = True

    @field_validator("table")
    @classmethod
    def _table(cls, value: str) -> str:
        return _db_table(value)


class SlowlogSource(_Strict):
    """Where ``ingest_slowlog`` reads the window's slow log from, and the extra tables it writes.

    ``file``: ``paths`` (files or globs, rotated and .gz files too); ``table``: the ``table`` a server
    writes with ``log_output=TABLE``; ``performance_schema``: statement digests, as the difference
    between two runs; ``pt_history``: an existing pt-query-digest ``history_table`` (+ ``review_table``).
    The database sources use ``conn_id`` (default: the instance's connection).
    """

    source: Literal["file", "table", "performance_schema", "pt_history", "none"] = "file"
    paths: list[str] = Field(default_factory=list, description="file paths or globs; rotated and .gz files too")
    timezone: str = Field("UTC", description="zone of slow-log timestamps written without an offset")
    table: str = "mysql.slow_log"
    conn_id: str | None = Field(None, description="connection for the table / performance_schema / pt_history "
                                                  "sources (default: the instance's)")
    history_table: str = "percona_schema.query_history"
    review_table: str | None = "percona_schema.query_review"
    workers: int | None = Field(None, ge=1, le=64, description="processes for file sources (default: one per CPU, "
                                                               "at most 4)")
    review: SlowlogOutput | None = None
    history: SlowlogOutput | None = None

    @field_validator("table", "history_table", "review_table")
    @classmethod
    def _tables(cls, value: str | None) -> str | None:
        return None if value is None else _db_table(value)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception as exc:  # ZoneInfoNotFoundError, ValueError for odd keys
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _paths_for_files(self) -> "SlowlogSource":
        if self.source == "file" and not self.paths:
            raise ValueError("source 'file' needs 'paths' (a list of files or globs)")
        return self


class CaptureSettings(_Strict):
    top_n: int = Field(50, ge=1, le=10000, description="statements explained per window, by total query time")
    text_limit: int = Field(1000, ge=1, le=100000, description="statements given to TEXT analysis")
    explain_timeout_ms: int = Field(5000, ge=100, le=600000)
    sample_timeout_ms: int = Field(2000, ge=100, le=600000, description="time limit of each table's value-sampling "
                                   "SELECT (COLUMN_WRONG_TYPE; its num_row sets the rows)")


class OracleExport(_Strict):
    """A dictionary export (``include/sql/oracle/export.sql``) to audit instead of a live connection."""

    path: str = Field(description="an export directory, or a glob of them (the newest whose AWR range covers "
                                  "the window is used)")

    @field_validator("path")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name an export directory or a glob of them")
        return value


class OracleSettings(_Strict):
    """How Oracle statements and their statistics are read."""

    source: Literal["awr", "cursor_cache"] = Field(
        "awr", description="awr: DBA_HIST_* deltas of the window (Diagnostics Pack licence); cursor_cache: "
                           "V$SQLSTATS/V$SQL_PLAN, differences between runs (no extra licence)")
    timezone: str | None = Field(None, description="zone of AWR snapshot times (the database server's local "
                                                   "time); default: the export manifest's db_timezone, else UTC")
    call_timeout_ms: int = Field(600000, ge=1000, le=86400000, description="time limit of each capture query "
                                                                           "(python-oracledb call_timeout)")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        from zoneinfo import ZoneInfo

        if value is None:
            return value
        try:
            ZoneInfo(value)
        except Exception as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class RuleOverride(_Strict):
    status: Literal["ON", "OFF"] | None = None
    weight: float | None = Field(None, ge=0)
    max_score: float | None = Field(None, ge=0)
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return on_off(value)


class Exclusion(_Strict):
    """Objects (``schema.table``, globs allowed) or statement checksums ignored by some or all rules."""

    rules: list[str] = Field(default_factory=lambda: ["*"])
    objects: list[str] = Field(default_factory=list)
    checksums: list[str] = Field(default_factory=list)
    reason: str = ""


class Alerting(_Strict):
    notifier: Literal["log", "smtp"] = "log"
    to: list[str] = Field(default_factory=list)
    smtp_conn_id: str = "smtp_default"
    score_below: float | None = Field(None, ge=0, le=100, description="alert when the overall score is below")


class Retries(_Strict):
    retries: int = Field(2, ge=0, le=20)
    retry_delay_seconds: float = Field(60, gt=0)
    exponential_backoff: float = Field(2.0, ge=0, description="delay multiplier per try (0 = constant)")
    max_retry_delay_seconds: float = Field(3600, gt=0)


class InstanceConfig(_Strict):
    id: str
    db_type: Literal["mysql", "oracle"]
    conn_id: str | None = None
    export: OracleExport | None = None
    schemas: list[str] | Literal["auto"] = Field(min_length=1)
    description: str = ""
    schedule: str | None = "0 2 * * *"
    timezone: str = "UTC"
    start_date: str = "2026-01-01"
    catchup: bool = False
    max_active_runs: int = Field(1, ge=1)
    tags: list[str] = Field(default_factory=list)
    slowlog: SlowlogSource | None = None
    capture: CaptureSettings = CaptureSettings()
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    exclusions: list[Exclusion] = Field(default_factory=list)
    alerting: Alerting = Alerting()
    retry: Retries = Retries()
    oracle: OracleSettings = OracleSettings()

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("must be letters, digits, '_', '.' or '-' (at most 64), as it becomes the DAG id")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        import pendulum

        try:
            pendulum.timezone(value)
        except Exception as exc:  # pendulum raises its own InvalidTimezone
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is None or value.startswith("@"):
            return value
        from croniter import croniter

        if not croniter.is_valid(value):
            raise ValueError(f"not a valid cron expression: {value!r}")
        return value

    @field_validator("start_date")
    @classmethod
    def _date(cls, value: str) -> str:
        import datetime as dt

        try:
            dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValueError(f"must be an ISO date like 2026-01-01, got {value!r}") from exc
        return str(value)

    @model_validator(mode="after")
    def _slowlog_for_mysql(self) -> "InstanceConfig":
        if self.db_type == "oracle" and self.slowlog is not None and self.slowlog.source != "none":
            raise ValueError("oracle instances have no slow log; remove 'slowlog' (capture_other reads AWR)")
        return self

    @model_validator(mode="after")
    def _one_door(self) -> "InstanceConfig":
        """Live (``conn_id``) or from an export (``export``, Oracle only): exactly one."""
        if self.export is not None and self.db_type != "oracle":
            raise ValueError("'export' is for oracle instances only (a dictionary export)")
        if (self.conn_id is None) == (self.export is None):
            raise ValueError("give exactly one of 'conn_id' (an Airflow connection) and 'export' (a dictionary "
                             "export directory)")
        if self.schemas == "auto" and self.db_type != "oracle":
            raise ValueError("'schemas: auto' is for oracle instances; list the MySQL schemas to audit")
        return self

    @property
    def auto_schemas(self) -> bool:
        """Owners are chosen at capture time (open accounts owning segments, not Oracle-maintained)."""
        return self.schemas == "auto"

    @property
    def schema_list(self) -> list[str]:
        """The configured schemas; empty when they are chosen at capture time (``schemas: auto``)."""
        return [] if self.schemas == "auto" else list(self.schemas)

    @property
    def dag_id(self) -> str:
        return f"themis__{self.id}"


class ProjectConfig(_Strict):
    store: dict[str, Any] = Field(default_factory=lambda: {"backend": "local"})
    reports_dir: str = "reports"
    instances: list[InstanceConfig]


def load_config(path: str | Path | None = None) -> ProjectConfig:
    """Read and validate the instances file (``THEMIS_INSTANCES`` or ``include/instances.yaml``)."""
    from themis.paths import instances_file

    path = Path(path) if path else instances_file()
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: instance config not found (set THEMIS_INSTANCES to its path)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(raw, source=str(path))


def parse_config(raw: Any, *, source: str = "<config>") -> ProjectConfig:
    """Validate an already-loaded document; ``defaults`` are merged into every instance."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with 'defaults' and 'instances'")
    raw = _expand_env(raw)
    unknown = set(raw) - {"defaults", "instances", "store", "reports_dir"}
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key(s) {sorted(unknown)}")
    defaults = raw.get("defaults") or {}
    entries = raw.get("instances")
    if not isinstance(defaults, dict):
        raise ConfigError(f"{source}: 'defaults' must be a mapping")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: 'instances' must be a non-empty list")

    instances: list[InstanceConfig] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ConfigError(f"{source}: instances[{position}] must be a mapping")
        name = str(entry.get("id", f"#{position}"))
        try:
            instance = InstanceConfig.model_validate(_deep_merge(defaults, entry))
        except ValidationError as exc:
            raise ConfigError(_describe(source, name, exc)) from None
        if instance.id in seen:
            raise ConfigError(f"{source}: instance '{instance.id}': key 'id': duplicate instance id")
        seen.add(instance.id)
        _check_rule_overrides(source, instance)
        instances.append(instance)

    try:
        return ProjectConfig(store=raw.get("store") or {"backend": "local"},
                             reports_dir=str(raw.get("reports_dir") or "reports"), instances=instances)
    except ValidationError as exc:
        raise ConfigError(_describe(source, None, exc)) from None


def store_settings(config: ProjectConfig) -> dict[str, Any]:
    """The store block, overridable as a whole by ``THEMIS_STORE`` (JSON) for deployments and tests."""
    import json

    override = os.environ.get("THEMIS_STORE")
    return json.loads(override) if override else dict(config.store)


def reports_dir(config: ProjectConfig) -> str:
    return os.environ.get("THEMIS_REPORTS_DIR", config.reports_dir)


def _check_rule_overrides(source: str, instance: InstanceConfig) -> None:
    """Overrides must name rules that exist and params they have: a typo would silently do nothing."""
    if not instance.rules:
        return
    from themis.rules.catalog import load_catalog

    catalog = load_catalog(with_checks=False)
    for rule_id, override in instance.rules.items():
        rule = catalog.get(instance.db_type, rule_id)
        if rule is None:
            raise ConfigError(f"{source}: instance '{instance.id}': key 'rules.{rule_id}': "
                              f"no {instance.db_type} rule with that id")
        for param in override.params:
            if param not in rule.param_values():
                raise ConfigError(f"{source}: instance '{instance.id}': key 'rules.{rule_id}.params.{param}': "
                                  f"rule has no such parameter (has: {sorted(rule.param_values()) or 'none'})")


def _describe(source: str, instance: str | None, exc: ValidationError) -> str:
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or "(root)"
    where = f"instance '{instance}': " if instance else ""
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{source}: {where}key '{key}': {message}{more}"


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _expand_env(value: Any) -> Any:
    """``${VAR}`` and ``${VAR:-default}`` in strings, so one file serves several environments."""
    if isinstance(value, str):
        return _ENV_RE.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: _expand_env(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v) for v in value]
    return value
