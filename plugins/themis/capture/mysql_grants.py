"""What the audit user may see in a MySQL / MariaDB dictionary, judged from its own grants.

The servers filter ``information_schema.ROUTINES``, ``TRIGGERS`` and ``EVENTS`` by privilege and blank
``VIEWS.VIEW_DEFINITION`` without SHOW VIEW, silently: an empty result reads as "this schema has
none", and a rule about routines would pass on a schema full of them. An empty view cannot tell
"none" from "hidden", so capture reads the session's own grants (``SHOW GRANTS``, which every user may
run for itself) and records an ``obj.unavailable`` record for each kind the grants do not make
visible in an audited schema; the rules that read that kind are then reported "not evaluated" with
the privilege that is missing and the GRANT that fixes it.

Which privilege makes what visible (see the README's grant table, and ``tests/integration/
test_capture_visibility.py`` for the MariaDB sets tried on the sandbox):

* routines -- MariaDB: SELECT on ``mysql.proc`` (11.3+ also SHOW CREATE ROUTINE); MySQL 8.0.20+:
  SHOW_ROUTINE or global SELECT; MySQL 8.0 before .20: global SELECT; MySQL 5.7: SELECT on
  ``mysql.proc``; everywhere also EXECUTE, ALTER ROUTINE or CREATE ROUTINE on the schema (names
  only, and they let the user run or change routines, so they are not what the README grants);
* triggers -- TRIGGER on the schema (a table-level grant shows that table's triggers only);
* events -- EVENT on the schema;
* view definitions -- SHOW VIEW on the schema.

A grant line carries the account's password hash on MariaDB (``IDENTIFIED BY PASSWORD '*...'``):
the lines are parsed here and never logged or stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from themis.capture.base import unavailable

#: kind -> the dictionary view it comes from (for the reason text)
VIEWS = {"obj.routine": "information_schema.ROUTINES", "obj.trigger": "information_schema.TRIGGERS",
         "obj.event": "information_schema.EVENTS", "obj.view_definition": "information_schema.VIEWS.VIEW_DEFINITION"}
ROUTINE_OWNER_PRIVILEGES = ("EXECUTE", "ALTER ROUTINE", "CREATE ROUTINE")
_GRANT = re.compile(r"^GRANT\s+(?P<privileges>.+?)\s+ON\s+(?:(?:TABLE|FUNCTION|PROCEDURE|PACKAGE(?:\s+BODY)?)\s+)?"
                    r"(?P<target>(?:`(?:[^`]|``)*`|[^\s.`]+|\*)\.(?:`(?:[^`]|``)*`|[^\s`]+|\*))\s+TO\s+(?P<grantee>\S+)",
                    re.IGNORECASE | re.DOTALL)
_ROLE_GRANT = re.compile(r"^GRANT\s+(?!.*\sON\s)(?P<roles>.+?)\s+TO\s+", re.IGNORECASE | re.DOTALL)


def _unquote(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") and name.endswith("`") else name


def _split_target(target: str) -> tuple[str, str]:
    """``db.object`` into its two names, either of which may be ``*`` or back-quoted."""
    match = re.match(r"^(`(?:[^`]|``)*`|[^.]+)\.(.+)$", target)
    assert match is not None  # the _GRANT pattern only lets such targets through
    return _unquote(match.group(1)), _unquote(match.group(2))


def _privileges(text: str) -> frozenset[str]:
    """``SELECT (a, b), SHOW VIEW`` -> {"SELECT", "SHOW VIEW"}: column lists dropped, commas inside them kept."""
    text = re.sub(r"\([^)]*\)", "", text)
    names = {" ".join(p.split()).upper() for p in text.split(",") if p.strip()}
    return frozenset("ALL" if name == "ALL PRIVILEGES" else name for name in names)


def _like(pattern: str, name: str) -> bool:
    """A schema-level grant's database name is a LIKE pattern (``_`` and ``%``, ``\\`` escapes)."""
    regex = "".join(".*" if part == "%" else "." if part == "_" else re.escape(part[-1])
                    for part in re.findall(r"\\.|[%_]|[^\\%_]", pattern))
    return re.fullmatch(regex, name, re.DOTALL) is not None


@dataclass(frozen=True)
class Grant:
    database: str  # "*" for global
    object: str  # "*" for the whole database
    privileges: frozenset[str]


@dataclass
class Grants:
    """The privileges one ``SHOW GRANTS`` lists (the session's user and the roles it shows)."""

    grants: list[Grant] = field(default_factory=list)
    grantee: str | None = None
    has_roles: bool = False

    @classmethod
    def parse(cls, lines: Iterable[str]) -> "Grants":
        parsed = cls()
        for line in lines:
            match = _GRANT.match(line.strip())
            if match:
                database, obj = _split_target(match.group("target"))
                parsed.grants.append(Grant(database, obj, _privileges(match.group("privileges"))))
                parsed.grantee = parsed.grantee or match.group("grantee")
            elif _ROLE_GRANT.match(line.strip()):
                parsed.has_roles = True
        return parsed

    def has(self, privilege: str, database: str = "*", obj: str = "*") -> bool:
        """Whether ``privilege`` is held on ``database.obj`` through a global, schema or table grant."""
        for grant in self.grants:
            if privilege not in grant.privileges and not ("ALL" in grant.privileges and privilege != "GRANT OPTION"):
                continue
            if grant.database == "*":
                return True
            if database != "*" and _like(grant.database, database) and grant.object in ("*", obj):
                return True
        return False


def _version(server: Mapping[str, Any]) -> tuple[int, int, int]:
    return int(server.get("major") or 0), int(server.get("minor") or 0), int(server.get("patch") or 0)


def routines_visible(grants: Grants, schema: str, server: Mapping[str, Any]) -> bool:
    """Whether ``information_schema.ROUTINES`` lists every routine of ``schema`` to this user."""
    if any(grants.has(p, schema) for p in ROUTINE_OWNER_PRIVILEGES):
        return True
    if server.get("flavour") == "mariadb":
        return grants.has("SELECT", "mysql", "proc") or (
            _version(server) >= (11, 3, 0) and grants.has("SHOW CREATE ROUTINE", schema))
    if _version(server) >= (8, 0, 0):
        return grants.has("SELECT") or (_version(server) >= (8, 0, 20) and grants.has("SHOW_ROUTINE"))
    return grants.has("SELECT", "mysql", "proc")


def routines_fix(server: Mapping[str, Any], schema: str) -> tuple[str, str]:
    """(the privilege to name, the GRANT that adds it) for routines on this server."""
    version = _version(server)
    if server.get("flavour") == "mariadb":
        if version >= (11, 3, 0):
            return "SHOW CREATE ROUTINE", f"GRANT SHOW CREATE ROUTINE ON {_quote(schema)}.* TO {{user}}"
        return "SELECT on mysql.proc", "GRANT SELECT ON `mysql`.`proc` TO {user}"
    if version >= (8, 0, 20):
        return "SHOW_ROUTINE", "GRANT SHOW_ROUTINE ON *.* TO {user}"
    if version >= (8, 0, 0):
        return "global SELECT", "GRANT SELECT ON *.* TO {user}"
    return "SELECT on mysql.proc", "GRANT SELECT ON `mysql`.`proc` TO {user}"


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _schema_privilege(privilege: str) -> tuple[Any, Any]:
    """A rule for kinds one schema-level privilege makes visible: (visible?, (name, GRANT))."""
    return (lambda grants, schema, server: grants.has(privilege, schema),
            lambda server, schema: (privilege, f"GRANT {privilege} ON {_quote(schema)}.* TO {{user}}"))


RULES = {
    "obj.routine": (routines_visible, routines_fix),
    "obj.trigger": _schema_privilege("TRIGGER"),
    "obj.event": _schema_privilege("EVENT"),
    "obj.view_definition": _schema_privilege("SHOW VIEW"),
}


def dictionary_gaps(grants: Grants, schemas: Sequence[str], server: Mapping[str, Any],
                    captured: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """``obj.unavailable`` records for the kinds this user cannot fully see in some audited schema.

    A schema where the capture nevertheless found records of the kind (a routine the user defined, a
    table-level TRIGGER grant) is not reported: the rule then has something to judge and cannot pass
    by blindness. Privileges held through roles that ``SHOW GRANTS`` does not expand are not seen;
    the reason says so when the user has roles.
    """
    user = grants.grantee or "<the audit user>"
    gaps = []
    for kind, (visible, fix) in RULES.items():
        seen = {r.get("schema") for r in captured.get(kind, [])}
        hidden = [s for s in schemas if s not in seen and not visible(grants, s, server)]
        if not hidden:
            continue
        privilege, _ = fix(server, hidden[0])
        reason = (f"the audit user lacks {privilege} on {', '.join(hidden)}: {VIEWS[kind]} shows it none, "
                  "whether or not there are any")
        if grants.has_roles:
            reason += " (privileges granted through roles were not examined)"
        statements = "; ".join(dict.fromkeys(fix(server, s)[1].format(user=user) for s in hidden))
        gaps.append(unavailable(kind, reason, statements))
    return gaps


def unreadable_grants(error: str) -> list[dict[str, Any]]:
    """When SHOW GRANTS itself fails, nothing filtered by privilege can be trusted to be complete."""
    return [unavailable(kind, f"the audit user's grants could not be read ({error}), so {view} may be "
                        "incomplete", "") for kind, view in VIEWS.items()]
