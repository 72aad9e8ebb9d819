"""Load and render the capture's SQL templates (``include/sql/<db>/<name>.sql``).

Every statement capture runs is a file, so a DBA can read exactly what Themis issues against their
server. Templates are Jinja with two helpers, so values never become SQL text:

* ``{{ bind(value) }}`` emits the driver's placeholder and records ``value`` as a parameter
  (MySQL: ``%s`` and a tuple; Oracle: ``:b1``, ``:b2`` ... and a dict);
* ``{{ ident(name) }}`` quotes an identifier that cannot be bound (``USE `db```).

``render("mysql/tables", schemas=[...])`` returns ``(sql, params)``. The MySQL drivers ``%``-format
the text of a statement executed with parameters, quoted identifiers and literals included, so when
a MySQL template binds values every other ``%`` in its output is doubled here: a column named
``a%s`` or ``100%`` reaches the server as written. A template without binds must be executed without
parameters (``params`` is then empty) and keeps its ``%`` as is. Oracle's named binds are not
``%``-formatted and are left alone.
Undefined template variables are an error (StrictUndefined), not a silently empty string.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2

from themis.paths import sql_dir


@dataclass(frozen=True)
class Dialect:
    """How one database family writes placeholders and quoted identifiers."""

    placeholder: Callable[[int], str]  # 1-based parameter number -> placeholder text
    named: bool  # parameters as a dict ({"b1": ...}) rather than a tuple
    quote: Callable[[str], str]
    #: the driver %-formats the statement when parameters are passed (DB-API ``format`` paramstyle)
    percent_formatted: bool = False


DIALECTS: dict[str, Dialect] = {
    "mysql": Dialect(lambda n: "%s", False, lambda name: "`" + name.replace("`", "``") + "`", percent_formatted=True),
    "oracle": Dialect(lambda n: f":b{n}", True, lambda name: '"' + name.replace('"', '""') + '"'),
}


# A NUL byte cannot occur in a MySQL identifier, so this marker cannot collide with template text.
_MARK = "\x00themis-bind\x00"


def _template_name(name: str) -> str:
    return name if name.endswith(".sql") else f"{name}.sql"


def dialect_of(name: str) -> Dialect:
    """The dialect of a template, from its top directory (``mysql/...``, ``oracle/...``)."""
    family = name.split("/", 1)[0]
    if family not in DIALECTS:
        raise ValueError(f"SQL template {name!r} is not under one of {sorted(DIALECTS)}/")
    return DIALECTS[family]


@functools.lru_cache(maxsize=4)
def _environment(root: str) -> jinja2.Environment:
    """One Jinja environment per SQL directory; Jinja caches the parsed templates inside it."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def template_path(name: str) -> Path:
    """Where a template lives (for error messages and docs)."""
    return sql_dir() / _template_name(name)


def render(name: str, /, **context: Any) -> tuple[str, tuple[Any, ...] | dict[str, Any]]:
    """Render the template ``name`` (e.g. ``"mysql/tables"``) with ``context``: ``(sql, params)``."""
    dialect = dialect_of(name)
    values: list[Any] = []

    def bind(value: Any) -> str:
        values.append(value)
        # format-style placeholders stand in as a marker until the text around them is escaped
        return _MARK if dialect.percent_formatted else dialect.placeholder(len(values))

    try:
        template = _environment(str(sql_dir())).get_template(_template_name(name))
    except jinja2.TemplateNotFound as exc:
        raise FileNotFoundError(f"SQL template not found: {template_path(name)}") from exc
    sql = template.render(bind=bind, ident=dialect.quote, **context).strip().rstrip(";").strip()
    if dialect.named:
        return sql, {f"b{n}": value for n, value in enumerate(values, 1)}
    if dialect.percent_formatted and values:
        sql = sql.replace("%", "%%")
    return sql.replace(_MARK, dialect.placeholder(0)), tuple(values)
