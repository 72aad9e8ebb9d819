"""Instance configuration: one YAML file, a ``defaults:`` block and a list of instances.

It is read at DAG parse time, so it must be cheap and must not touch any database or network.
Every mistake is one line naming the file, the instance and the key. An invalid instance is left
out (``ProjectConfig.errors``) so the others keep their DAGs; a problem with the whole file fails
it. What would fail later (in a task, a callback, the store) is refused here instead.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal

import yaml
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

DIMENSIONS = ("OBJ", "TEXT", "SQLPLAN", "SQLSTAT")
_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
ENV_PREFIX = "THEMIS_"
# A config's strings end up in DAG docs and report headers that every UI user reads: never expand
# a variable that may hold a credential, even under the THEMIS_ prefix.
ENV_SECRET_SUFFIXES = ("PASSWORD", "SECRET", "KEY", "TOKEN")
ALIAS_BUDGET = 10_000  # nodes that YAML aliases may repeat in one file (a few hundred bytes can ask for billions)
MAX_DEPTH = 64  # nesting levels in the file; the schema needs five


def load_yaml(text: str) -> Any:
    """Safe YAML with libyaml when present: parsing runs in the DAG processor's loop, 6x faster in C."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


class YAMLLimitError(yaml.YAMLError):
    """Valid YAML, but beyond what a config may ask of the parser (alias expansion, nesting)."""


class _Mapping(dict):
    """A YAML mapping that remembers the keys written twice in it: plain YAML lets the last one win."""

    repeated: tuple[tuple[Any, int], ...] = ()


class ConfigLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The config's YAML loader: libyaml's parser when present, plus two refusals the schema cannot make.

    Aliases are checked on the composed node graph, before anything is constructed or copied, so an
    alias bomb costs the size of its text; repeated keys are recorded on each mapping (``_Mapping``)
    so that the error can name the instance they are in.
    """

    def construct_document(self, node: yaml.Node) -> Any:
        _check_aliases(node)
        return super().construct_document(node)


def _construct_mapping(loader: ConfigLoader, node: yaml.MappingNode) -> Iterator[_Mapping]:
    data = _Mapping()
    yield data  # PyYAML's two-step construction: the object first, its content after
    repeated = _repeated_keys(loader, node)  # before construct_mapping merges '<<' keys into node.value
    data.update(loader.construct_mapping(node))
    data.repeated = repeated


ConfigLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _repeated_keys(loader: ConfigLoader, node: yaml.MappingNode) -> tuple[tuple[Any, int], ...]:
    """The scalar keys written more than once in this mapping, with their (1-based) line."""
    seen: set[Any] = set()
    repeated: list[tuple[Any, int]] = []
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue  # keys merged with '<<' may be overridden: that is what merging is for
        key = loader.construct_object(key_node)
        if key in seen:
            repeated.append((key, key_node.start_mark.line + 1))
        seen.add(key)
    return tuple(repeated)


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a document whose aliases would repeat more than ``ALIAS_BUDGET`` nodes, or loop.

    An alias is the same node object reached again, so the expanded size is a sum over the graph,
    computed once per distinct node: linear in the text, however large the expansion would be.
    """
    sizes: dict[int, int] = {}  # id(node) -> nodes in its expansion; 0 while being computed

    def size(node: yaml.Node, depth: int) -> int:
        known = sizes.get(id(node))
        if known == 0:
            raise YAMLLimitError(f"line {node.start_mark.line + 1}: an alias refers to a node that contains it")
        if known is not None:
            return known
        if depth > MAX_DEPTH:
            raise YAMLLimitError(f"line {node.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
        sizes[id(node)] = 0
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        else:
            children = []
        sizes[id(node)] = total = 1 + sum(size(child, depth + 1) for child in children)
        return total

    repeated = size(root, 0) - len(sizes)
    if repeated > ALIAS_BUDGET:
        raise YAMLLimitError(f"YAML aliases would repeat {repeated} nodes (at most {ALIAS_BUDGET}); write the "
                             "values out, or put shared settings under 'defaults:'")


def load_config_yaml(text: str) -> Any:
    """The config file's YAML: safe, with repeated keys recorded and alias bombs refused."""
    return yaml.load(text, Loader=ConfigLoader)


def on_off(value: Any) -> Any:
    """A rule status as written in YAML: YAML 1.1 reads bare ON/OFF as booleans; take them as meant."""
    if value is True:
        return "ON"
    if value is False:
        return "OFF"
    return value.upper() if isinstance(value, str) else value


class ConfigError(ValueError):
    """The instance configuration is invalid; each problem names the file, instance and key."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def _named_connection(value: str) -> str:
    if not value.strip():
        raise ValueError("must name an Airflow connection, got an empty string (an unset ${VAR} expands to '')")
    return value


ConnId = Annotated[str, AfterValidator(_named_connection)]


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
    conn_id: ConnId | None = Field(None, description="Airflow connection of the repository server "
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
    conn_id: ConnId | None = Field(None, description="connection for the table / performance_schema / pt_history "
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
        """A zone name (Asia/Shanghai) or, as Oracle reports it, a fixed offset (+08:00)."""
        from themis.capture.oracle.awr import db_zone

        if value is None:
            return value
        try:
            db_zone(value, None)
        except Exception as exc:
            raise ValueError(f"unknown timezone {value!r} (a zone name like Asia/Shanghai, or an offset "
                             "like +08:00)") from exc
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


_DOTTED_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_KWARG_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class NotifierSpec(_Strict):
    """An Airflow notifier class, imported by its dotted path when an alert is sent (so the provider
    need only be installed where the tasks run), e.g. Slack::

        {class: airflow.providers.slack.notifications.slack.SlackNotifier,
         kwargs: {slack_conn_id: slack_ops, channel: "#dba"}, message_kwarg: text}
    """

    notifier_class: str = Field(alias="class", description="dotted path of a BaseNotifier subclass")
    kwargs: dict[str, Any] = Field(default_factory=dict, description="constructor arguments (no secrets: use a conn id)")
    message_kwarg: str = Field("text", description="the constructor argument that receives the alert text")
    subject_kwarg: str | None = Field(None, description="the argument for the subject line (else the text starts with it)")

    @field_validator("notifier_class")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if not _DOTTED_RE.match(value):
            raise ValueError(f"'class' must be a dotted import path like package.module.ClassName, got {value!r}")
        return value

    @model_validator(mode="after")
    def _arguments(self) -> "NotifierSpec":
        for name in (self.message_kwarg, self.subject_kwarg):
            if name is not None and not _KWARG_RE.match(name):
                raise ValueError(f"{name!r} is not a Python argument name")
        taken = [name for name in (self.message_kwarg, self.subject_kwarg) if name in self.kwargs]
        if taken:
            raise ValueError(f"kwargs may not set {taken[0]!r}: Themis passes the alert there "
                             "(message_kwarg / subject_kwarg)")
        if self.subject_kwarg == self.message_kwarg:
            raise ValueError("subject_kwarg and message_kwarg must differ")
        return self


class NewFindingsAlert(_Strict):
    """Which new findings raise an alert: all (neither key set), or those of rules weighing at least
    ``min_weight`` and/or listed in ``rules`` (either qualifies)."""

    min_weight: float | None = Field(None, ge=0, description="only rules with at least this weight")
    rules: list[str] = Field(default_factory=list, description="only these rules (ids)")

    def selects(self, rule_id: str | None, weight: Any) -> bool:
        if self.min_weight is None and not self.rules:
            return True
        if rule_id in self.rules:
            return True
        return self.min_weight is not None and isinstance(weight, (int, float)) and not isinstance(weight, bool) \
            and weight >= self.min_weight


class Alerting(_Strict):
    notifier: Literal["log", "smtp"] = "log"
    to: list[str] = Field(default_factory=list)
    smtp_conn_id: ConnId = "smtp_default"
    score_below: float | None = Field(None, ge=0, le=100, description="alert when the overall score is below")
    score_drop: float | None = Field(None, gt=0, le=100, description="alert when the overall score falls by more "
                                                                     "than this many points since the previous window")
    new_findings: NewFindingsAlert | None = Field(None, description="alert on findings absent in the previous window "
                                                                    "(true: any rule)")
    notifiers: list[NotifierSpec] = Field(default_factory=list, description="more Airflow notifiers (Slack, ...)")
    ui_base_url: str | None = Field(None, description="Airflow UI address for report links (default: [api] base_url)")

    @field_validator("new_findings", mode="before")
    @classmethod
    def _new_findings_flag(cls, value: Any) -> Any:
        """``true`` means every rule, ``false``/absent means off; a mapping narrows the rules."""
        if value is True:
            return {}
        if value is False:
            return None
        if value is not None and not isinstance(value, dict):
            raise ValueError("must be true, false or a mapping with 'min_weight' and/or 'rules'")
        return value

    @field_validator("ui_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/?#]+(/[^\s?#]*)?$", value):
            raise ValueError(f"must be an http(s) address like https://airflow.example.com, got {value!r}")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _recipients(self) -> "Alerting":
        """Without recipients the SMTP notifier would fail in the failure callback, where nobody sees it."""
        if self.notifier == "smtp" and not [address for address in self.to if address.strip()]:
            raise ValueError("notifier 'smtp' needs recipients in 'to' (a list of addresses)")
        return self


class Retries(_Strict):
    retries: int = Field(2, ge=0, le=20)
    retry_delay_seconds: float = Field(60, gt=0)
    exponential_backoff: float = Field(2.0, ge=0, description="delay multiplier per try (0 = constant)")
    max_retry_delay_seconds: float = Field(3600, gt=0)


class InstanceConfig(_Strict):
    id: str
    db_type: Literal["mysql", "oracle"]
    conn_id: ConnId | None = None
    export: OracleExport | None = None
    schemas: list[str] | Literal["auto"] = Field(min_length=1)
    description: str = ""
    schedule: str | None = "0 2 * * *"
    timezone: str = "UTC"
    start_date: str = "2026-01-01"
    catchup: bool = False
    max_active_runs: int = Field(1, ge=1)
    # The audited server's Airflow pool: its capture tasks (capture_obj, ingest_slowlog, capture_other)
    # take a slot each, so at most max_concurrent_captures of them run on that server at a time,
    # across every instance naming the pool (themis.dag_factory.capture_pools lists them to create).
    pool: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,256}$", description="Airflow pool of the audited server")
    max_concurrent_captures: int | None = Field(None, ge=1, description="slots of that pool")
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

    @field_validator("schemas")
    @classmethod
    def _named_schemas(cls, value: list[str] | str) -> list[str] | str:
        if isinstance(value, list):
            empty = [position for position, name in enumerate(value) if not name.strip()]
            if empty:
                raise ValueError(f"schema names must not be empty (item {empty[0]} is)")
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


class LocalStoreSettings(_Strict):
    """``store: {backend: local}``: the keys ``themis.store.local.LocalStore`` takes."""

    backend: Literal["local"] = "local"
    path: str | None = Field(None, description="SQLite file; relative paths are under the project root")
    busy_timeout: float = Field(60.0, gt=0, description="seconds a writer waits for another's lock")


class MongoStoreSettings(_Strict):
    """``store: {backend: mongo}``: the keys ``themis.store.mongo.MongoStore.from_conn_id`` takes."""

    backend: Literal["mongo"]
    conn_id: ConnId = "themis_mongo"
    database: str | None = Field(None, description="default: the connection's schema, else 'themis'")
    orphan_grace: float = Field(3600.0, gt=0, description="seconds before an unfinished write is cleaned up")


STORE_BACKENDS: dict[str, type[_Strict]] = {"local": LocalStoreSettings, "mongo": MongoStoreSettings}


class ProjectConfig(_Strict):
    store: dict[str, Any] = Field(default_factory=lambda: {"backend": "local"})
    reports_dir: str = "reports"
    instances: list[InstanceConfig]
    errors: tuple[str, ...] = Field((), description="problems of the instances left out (load_config's default)")


def load_config(path: str | Path | None = None, *, strict: bool = False) -> ProjectConfig:
    """Read and validate the instances file (``THEMIS_INSTANCES`` or ``include/instances.yaml``).

    An invalid instance is left out, with its problems in ``errors``, so that one bad instance does
    not stop the DAGs and tasks of the others; ``strict=True`` raises them all instead (``themis
    config validate``). A problem with the whole file (YAML, ``store``, ``defaults``, a duplicate id)
    always raises.
    """
    from themis.paths import instances_file

    path = Path(path) if path else instances_file()
    try:
        raw = load_config_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: instance config not found (set THEMIS_INSTANCES to its path)") from None
    except YAMLLimitError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(raw, source=str(path), strict=strict)


def parse_config(raw: Any, *, source: str = "<config>", strict: bool = True) -> ProjectConfig:
    """Validate an already-loaded document; ``defaults`` are merged into every instance.

    ``strict`` raises one ``ConfigError`` listing every invalid instance; otherwise they are left
    out and listed in ``ProjectConfig.errors``. Whole-file problems raise either way.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping with 'defaults' and 'instances'")
    unknown = set(raw) - {"defaults", "instances", "store", "reports_dir"}
    if unknown:
        raise ConfigError(f"{source}: unknown top-level key(s) {sorted(unknown)}")
    # Repeated keys outside 'instances' concern every instance; each instance's own are its problem.
    repeated = [*_repeated(raw, "", descend=False), *_repeated(raw.get("defaults"), "defaults", descend=True),
                *_repeated(raw.get("store"), "store", descend=True)]
    if repeated:
        raise ConfigError(*(f"{source}: {problem}" for problem in repeated))
    try:
        defaults = _expand_env(raw.get("defaults") or {}, "defaults")
        store = _expand_env(raw.get("store") or {"backend": "local"}, "store")
        reports = _expand_env(str(raw.get("reports_dir") or "reports"), "reports_dir")
    except _EnvError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    entries = raw.get("instances")
    if not isinstance(defaults, dict):
        raise ConfigError(f"{source}: 'defaults' must be a mapping")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{source}: 'instances' must be a non-empty list")
    _check_store(source, store)
    _check_unique_ids(source, entries)

    instances: list[InstanceConfig] = []
    errors: list[str] = []
    for position, entry in enumerate(entries):
        try:
            instances.append(_parse_instance(source, position, entry, defaults))
        except ConfigError as exc:
            errors.extend(exc.problems)
    if strict and errors:
        raise ConfigError(*errors)
    return ProjectConfig(store=store, reports_dir=reports, instances=instances, errors=tuple(errors))


def _parse_instance(source: str, position: int, entry: Any, defaults: dict[str, Any]) -> InstanceConfig:
    """One instance, or a ``ConfigError`` whose problems each name the instance and the key."""
    if not isinstance(entry, dict):
        raise ConfigError(f"{source}: instances[{position}] must be a mapping")
    name = str(entry.get("id", f"#{position}"))
    where = f"{source}: instance '{name}'"
    repeated = _repeated(entry, "", descend=True)
    if repeated:
        raise ConfigError(*(f"{where}: {problem}" for problem in repeated))
    try:
        entry = _expand_env(entry, "")
    except _EnvError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    try:
        instance = InstanceConfig.model_validate(_deep_merge(defaults, entry))
    except ValidationError as exc:
        raise ConfigError(_describe(source, name, exc)) from None
    problems = _catalogue_problems(instance)
    if problems:
        raise ConfigError(*(f"{where}: {problem}" for problem in problems))
    return instance


def _check_unique_ids(source: str, entries: list[Any]) -> None:
    """Two instances with one id would make two DAGs with one DAG id: neither can be trusted."""
    seen: set[str] = set()
    for entry in entries:
        if isinstance(entry, dict) and "id" in entry:
            instance_id = str(entry["id"])
            if instance_id in seen:
                raise ConfigError(f"{source}: instance '{instance_id}': key 'id': duplicate instance id")
            seen.add(instance_id)


def _check_store(source: str, store: Any) -> None:
    """The store block, checked here because every task of every instance opens it."""
    if not isinstance(store, dict):
        raise ConfigError(f"{source}: key 'store': must be a mapping like {{backend: local, path: ...}}")
    backend = store.get("backend", "local")
    model = STORE_BACKENDS.get(backend) if isinstance(backend, str) else None
    if model is None:
        raise ConfigError(f"{source}: key 'store.backend': unknown store backend {backend!r} "
                          f"(expected one of {sorted(STORE_BACKENDS)})")
    try:
        model.model_validate(store)
    except ValidationError as exc:
        raise ConfigError(_describe(source, None, exc, prefix="store.")) from None


def store_settings(config: ProjectConfig) -> dict[str, Any]:
    """The store block, overridable as a whole by ``THEMIS_STORE`` (JSON) for deployments and tests."""
    import json

    override = os.environ.get("THEMIS_STORE")
    if not override:
        return dict(config.store)
    try:
        settings = json.loads(override)
    except ValueError as exc:
        raise ConfigError(f"THEMIS_STORE: not valid JSON: {exc}") from None
    _check_store("THEMIS_STORE", settings)
    return settings


def reports_dir(config: ProjectConfig) -> str:
    return os.environ.get("THEMIS_REPORTS_DIR", config.reports_dir)


def _catalogue_problems(instance: InstanceConfig) -> list[str]:
    """Rule ids and params must exist in the catalogue, with the catalogue's types: a typo would
    silently do nothing, and a param of the wrong type would fail only when the rule runs."""
    alert_rules = instance.alerting.new_findings.rules if instance.alerting.new_findings else []
    if not instance.rules and not instance.exclusions and not alert_rules:
        return []
    from themis.rules.catalog import load_catalog

    catalog = load_catalog(with_checks=False)
    problems: list[str] = []
    for rule_id, override in instance.rules.items():
        rule = catalog.get(instance.db_type, rule_id)
        if rule is None:
            problems.append(f"key 'rules.{rule_id}': no {instance.db_type} rule with that id")
            continue
        defaults = rule.param_values()
        for param, value in override.params.items():
            key = f"key 'rules.{rule_id}.params.{param}'"
            if param not in defaults:
                problems.append(f"{key}: rule has no such parameter (has: {sorted(defaults) or 'none'})")
            elif (mismatch := _param_type_problem(defaults[param], value)) is not None:
                problems.append(f"{key}: {mismatch}")
    for position, exclusion in enumerate(instance.exclusions):
        for rule_id in exclusion.rules:
            if rule_id != "*" and catalog.get(instance.db_type, rule_id) is None:
                problems.append(f"key 'exclusions.{position}.rules': no {instance.db_type} rule {rule_id!r} "
                                "(use '*' for all rules)")
    for rule_id in alert_rules:
        if catalog.get(instance.db_type, rule_id) is None:
            problems.append(f"key 'alerting.new_findings.rules': no {instance.db_type} rule {rule_id!r}")
    return problems


_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list"}


def _param_type_problem(default: Any, value: Any) -> str | None:
    """Whether ``value`` has the type of the catalogue's ``default``; an integer is a number too.

    ``bool`` is tested apart because Python counts True as an int: ``column_num: yes`` is a mistake.
    """
    expected = type(default)
    if expected is bool or isinstance(value, bool):
        ok = expected is bool and isinstance(value, bool)
    elif expected is float:
        ok = isinstance(value, (int, float))
    else:
        ok = isinstance(value, expected)
    if ok:
        return None
    return (f"must be {_TYPE_NAMES.get(expected, expected.__name__)} like the catalogue's {default!r}, "
            f"got {value!r}")


def _describe(source: str, instance: str | None, exc: ValidationError, *, prefix: str = "") -> str:
    first = exc.errors()[0]
    # Drop the member tags pydantic adds under a union ('list[str]', "literal['auto']"): not keys.
    key = prefix + ".".join(str(part) for part in first["loc"] if not (isinstance(part, str) and "[" in part))
    where = f"instance '{instance}': " if instance else ""
    more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    return f"{source}: {where}key '{key or '(root)'}': {message}{more}"


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _repeated(value: Any, path: str, *, descend: bool) -> list[str]:
    """A problem per key written twice in one mapping (``_Mapping.repeated``), with its dotted key."""
    problems: list[str] = []
    if isinstance(value, dict):
        for key, line in getattr(value, "repeated", ()):
            problems.append(f"key '{_join(path, key)}': written twice in the same mapping (again at line {line}); "
                            "the last one would silently win")
        children = value.items() if descend else ()
    elif isinstance(value, list) and descend:
        children = enumerate(value)
    else:
        children = ()
    for key, child in children:
        problems.extend(_repeated(child, _join(path, key), descend=True))
    return problems


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


class _EnvError(ValueError):
    """A ``${VAR}`` that may not be expanded; the message names the key it is in."""


def env_allowed(name: str) -> bool:
    """``${VAR}`` expands THEMIS_* names only, and never one that looks like a credential.

    Expanded text lands in DAG docs and report headers, so reading the whole environment would let
    a description pull ``AIRFLOW_CONN_*`` URIs (with their passwords) or ``AIRFLOW__*`` secrets into
    the UI.
    """
    return name.startswith(ENV_PREFIX) and not name.endswith(ENV_SECRET_SUFFIXES)


def _expand_env(value: Any, path: str) -> Any:
    """``${VAR}`` and ``${VAR:-default}`` in strings, so one file serves several environments."""
    if isinstance(value, str):
        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if not env_allowed(name):
                raise _EnvError(f"key '{path or '(root)'}': ${{{name}}} may not be expanded (only {ENV_PREFIX}* "
                                f"variables not ending in {', '.join(ENV_SECRET_SUFFIXES)} are)")
            return os.environ.get(name, match.group(2) or "")

        return _ENV_RE.sub(substitute, value)
    if isinstance(value, dict):
        return {k: _expand_env(v, _join(path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, _join(path, i)) for i, v in enumerate(value)]
    return value
