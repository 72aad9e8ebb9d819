"""Redaction of credentials in SQL text, before any statement is stored or shown.

The slow log (and ``mysql.slow_log``, ``performance_schema``, an existing pt ``--history`` table)
holds account-management statements verbatim, passwords included: ``CREATE USER ... IDENTIFIED BY
'…'``, ``SET PASSWORD``, ``CHANGE MASTER TO MASTER_PASSWORD='…'``, ``CREATE SERVER ... OPTIONS
(PASSWORD '…')``, Oracle's ``IDENTIFIED BY pw`` and ``CREATE DATABASE LINK``. Whatever the digest
keeps as a class's sample ends up in the store, the pt tables, the plans, the TEXT findings and the
reports, so the digest engine runs every sample (and fingerprint) through :func:`redact_sql` at
the point where a class leaves it, and nothing downstream ever sees the secret.

The secret is replaced, not removed: ``IDENTIFIED BY 'pw'`` becomes ``IDENTIFIED BY '<redacted>'``
(the quote kept, so the statement still parses and pt's fingerprint of it is unchanged: both
literals become ``?``); an unquoted Oracle password becomes ``<redacted>``. Checksums are computed
from the unredacted fingerprint, so classes keep pt-query-digest's ids.

The matcher is deliberately not a SQL lexer: it looks for the keywords anywhere, also inside
comments and string literals. Misreading where a literal or comment ends could hide a secret,
while finding the keywords in text that is not SQL only redacts a little too much. Redaction is
idempotent (``<redacted>``, MySQL's own ``<secret>`` and pt's ``?`` are left as they are) and
leaves text without ``IDENTIFIED`` or ``PASSWORD`` untouched (checked first, so it costs nothing
on ordinary statements).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "redact_sql", "redact_statement"]

REDACTED = "<redacted>"

_I = re.IGNORECASE
# Whitespace and comments between tokens. A comment is bounded (1,000 characters) so that a statement
# of many unterminated "IDENTIFIED /*" cannot make the search quadratic.
_GAP = r"(?:\s|/\*(?:(?!\*/).){0,1000}\*/|(?:--|#)[^\n]{0,1000}(?:\n|\Z))+"
_TRIGGER = re.compile(r"IDENTIFIED|PASSWORD", _I)

# One literal: an optional character-set introducer, then a quoted string (MySQL's backslash
# escapes and doubled quotes; an unterminated one runs to the end of the text), or a hex number.
_QUOTED = r"""'(?:[^'\\]|\\.|'')*(?:'|\Z)|"(?:[^"\\]|\\.|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)"""
_ONE_LITERAL = rf"(?:(?:_[A-Za-z0-9]+(?:{_GAP})?|[NnXxBb])?(?:{_QUOTED})|0[xX][0-9A-Fa-f]+\b)"
# Adjacent literals are one string in MySQL ('pass' 'word').
_LITERAL = re.compile(rf"{_ONE_LITERAL}(?:(?:{_GAP})?{_ONE_LITERAL})*", re.DOTALL)
_QUOTE_CHAR = re.compile(r"['\"`]")
# An unquoted value (Oracle passwords, or a MySQL statement that failed to parse but was logged).
_BARE = re.compile(r"""[^\s,;()'"`]+""")
_PLACEHOLDER = re.compile(r"\?|<[^<>\s]*>|[:@]\w+")  # pt's ?, <redacted>, MySQL's <secret>, binds
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$#]*")
_GAP_RE = re.compile(_GAP, re.DOTALL)

_IDENTIFIED_BY = re.compile(rf"\bIDENTIFIED{_GAP}BY\b", _I | re.DOTALL)
_IDENTIFIED_WITH = re.compile(rf"\bIDENTIFIED{_GAP}(?:WITH|VIA)\b", _I | re.DOTALL)
_PASSWORD_FUNCTION = re.compile(rf"\b(?:OLD_)?PASSWORD(?:{_GAP})?\(", _I | re.DOTALL)
_REPLICATION_PASSWORD = re.compile(rf"\b(?:MASTER|SOURCE)_PASSWORD(?:{_GAP})?=", _I | re.DOTALL)
_SET_PASSWORD = re.compile(rf"\bSET{_GAP}PASSWORD\b", _I | re.DOTALL)
_START_REPLICATION = re.compile(rf"\bSTART{_GAP}(?:SLAVE|REPLICA|GROUP_REPLICATION)\b", _I | re.DOTALL)
_PASSWORD_EQUALS = re.compile(rf"\bPASSWORD(?:{_GAP})?=", _I | re.DOTALL)
_PASSWORD_LITERAL = re.compile(rf"\bPASSWORD(?:{_GAP})?(?=['\"`])", _I | re.DOTALL)
# SET PASSWORD [FOR user] = ...: the user part may quote anything, even '='. Bounded, like _GAP.
_SHORT_QUOTED = r"""'(?:[^'\\]|\\.|''){0,200}'|"(?:[^"\\]|\\.|""){0,200}"|`(?:[^`]|``){0,200}`"""
_UP_TO_EQUALS = re.compile(rf"""(?:[^=;'"`]|{_SHORT_QUOTED}){{0,300}}?=""", re.DOTALL)

Span = tuple[int, int, str]  # (start, end, replacement)


def redact_sql(text: str | None) -> str | None:
    """``text`` with every password-like literal of account-management SQL replaced by ``<redacted>``."""
    if not text or _TRIGGER.search(text) is None:
        return text
    spans: list[Span] = []
    for match in _IDENTIFIED_BY.finditer(text):
        spans += _identified_by(text, match.end())
    for match in _IDENTIFIED_WITH.finditer(text):
        spans += _identified_with(text, match.end())
    for match in _PASSWORD_FUNCTION.finditer(text):
        spans += _value(text, match.end(), bare=False)
    for match in _REPLICATION_PASSWORD.finditer(text):
        spans += _value(text, match.end(), bare=True)
    for match in _SET_PASSWORD.finditer(text):
        equals = _UP_TO_EQUALS.match(text, match.end())
        if equals is not None:
            found = _value(text, equals.end(), bare=False)
            spans += found + _replace_clause(text, found[-1][1] if found else equals.end())
    if _START_REPLICATION.search(text):  # START SLAVE / REPLICA / GROUP_REPLICATION USER=... PASSWORD=...
        for match in _PASSWORD_EQUALS.finditer(text):
            spans += _value(text, match.end(), bare=True)
    for match in _PASSWORD_LITERAL.finditer(text):  # OPTIONS (PASSWORD '…'), IDENTIFIED BY PASSWORD '…'
        spans += _value(text, match.end(), bare=False)
    return _apply(text, spans)


def _skip_gap(text: str, pos: int) -> int:
    gap = _GAP_RE.match(text, pos)
    return gap.end() if gap else pos


def _word_at(text: str, pos: int) -> str:
    word = _WORD.match(text, pos)
    return word.group().upper() if word else ""


def _value(text: str, pos: int, *, bare: bool) -> list[Span]:
    """The secret starting at ``pos`` (after optional whitespace): a literal, or a bare token."""
    return _value_and_end(text, pos, bare=bare)[0]


def _value_and_end(text: str, pos: int, *, bare: bool) -> tuple[list[Span], int]:
    """``_value``, and where the value ends (also after a placeholder, which is not redacted)."""
    pos = _skip_gap(text, pos)
    literal = _LITERAL.match(text, pos)
    if literal is not None:
        quote = _QUOTE_CHAR.search(literal.group())
        mark = quote.group() if quote else "'"
        start = literal.start() if quote is None else literal.start() + quote.start()
        return [(start, literal.end(), f"{mark}{REDACTED}{mark}")], literal.end()
    if bare:
        token = _BARE.match(text, pos)
        if token is not None:
            if _PLACEHOLDER.fullmatch(token.group()) is None:
                return [(token.start(), token.end(), REDACTED)], token.end()
            return [], token.end()
    return [], pos


def _replace_clause(text: str, pos: int) -> list[Span]:
    """``... REPLACE 'old'``: the current password, given when changing one's own."""
    pos = _skip_gap(text, pos)
    if _word_at(text, pos) == "REPLACE":
        return _value(text, pos + len("REPLACE"), bare=True)
    return []


def _identified_by(text: str, pos: int) -> list[Span]:
    """After ``IDENTIFIED BY``: 'pw', pw, "pw", PASSWORD 'hash', VALUES 'hash' (Oracle), or
    RANDOM PASSWORD (nothing to hide); then an optional REPLACE 'old'."""
    pos = _skip_gap(text, pos)
    word = _word_at(text, pos)
    after = _skip_gap(text, pos + len(word))
    if word == "RANDOM" and _word_at(text, after) == "PASSWORD":
        return []
    if word in ("PASSWORD", "VALUES") and _LITERAL.match(text, after):
        found = _value(text, after, bare=False)
    elif word == "PASSWORD" and text.startswith("(", after):
        return []  # IDENTIFIED BY PASSWORD('…') is the PASSWORD() function's match
    else:
        found, end = _value_and_end(text, pos, bare=True)
        return found + _replace_clause(text, end)
    return found + _replace_clause(text, found[-1][1] if found else pos)


def _identified_with(text: str, pos: int) -> list[Span]:
    """After ``IDENTIFIED WITH|VIA``: ``plugin [BY|AS|USING 'secret'] [OR plugin ...]`` (MariaDB
    chains several plugins with OR)."""
    spans: list[Span] = []
    while True:
        pos = _skip_gap(text, pos)
        plugin = _LITERAL.match(text, pos) or _WORD.match(text, pos)
        if plugin is None:
            return spans
        pos = _skip_gap(text, plugin.end())
        keyword = _word_at(text, pos)
        if keyword in ("BY", "AS", "USING"):
            value_at = _skip_gap(text, pos + len(keyword))
            following = _word_at(text, value_at)
            if following == "RANDOM":
                pos = value_at
            elif following in ("PASSWORD", "OLD_PASSWORD") and text.startswith("(", _skip_gap(text, value_at + len(following))):
                pos = value_at  # the PASSWORD() function's match redacts it
            else:
                found = _value(text, value_at, bare=True)
                spans += found
                pos = found[-1][1] if found else value_at
        pos = _skip_gap(text, pos)
        if _word_at(text, pos) != "OR":
            return spans
        pos += len("OR")


def _apply(text: str, spans: list[Span]) -> str:
    """Replace the spans, left to right; of overlapping spans the first (widest at a start) wins."""
    if not spans:
        return text
    out: list[str] = []
    cursor = 0
    for start, end, replacement in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < cursor:
            continue
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)



def redact_statement(record: dict[str, Any]) -> dict[str, Any]:
    """A ``sql.statement`` record with its sample and fingerprint redacted (checksum untouched).

    Applied where ``capture_other`` stores statements, whichever capture produced them: the slow-log
    digest already redacts, Oracle's statement sources (AWR, the cursor cache) do not pass through it.
    """
    if not any(_TRIGGER.search(str(record.get(name) or "")) for name in ("sample", "fingerprint")):
        return record
    return {**record, "sample": redact_sql(record.get("sample")), "fingerprint": redact_sql(record.get("fingerprint"))}
