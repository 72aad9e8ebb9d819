"""Query fingerprints and checksums that match pt-query-digest 3.x.

The fingerprint is how statements are grouped into classes, and its checksum is the class id that
pt-query-digest's ``--review`` / ``--history`` tables, Anemometer and our store all key on. So the
goal here is *bit-for-bit parity* with pt-query-digest's ``QueryRewriter::fingerprint`` (peers.md
§C.1), including its quirks: digits inside identifiers collapse (``t_2009`` → ``t_?``), only ASCII
is lower-cased, trailing spaces survive, ``use db`` is rewritten before any other step and returned
early, and so on. Where pt's behaviour looks odd, it is still what users' existing history tables
contain, so we reproduce it rather than "fix" it.

Non-ASCII text is handled the way pt handles the raw bytes of the log: it is never lower-cased and
never counts as a word or space character (every pattern is compiled with ``re.ASCII``). The
checksum hashes the UTF-8 bytes, with ``surrogateescape`` so that a query the parser decoded from
invalid UTF-8 hashes to the same bytes pt saw.

Speed: each step is a precompiled regex, and steps that can only fire when a keyword is present
are guarded by a cheap substring test first (most statements have no UNION, no ORDER BY ... ASC).
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["fingerprint", "checksum"]

_A = re.ASCII
_AI = re.ASCII | re.IGNORECASE

# 1. Special cases, returned early.
_PT_TOOL = re.compile(r"/\*\w+\.\w+:[0-9]/[0-9]\*/", _A)
_ADMIN_PREFIX = "administrator command: "
_CALL = re.compile(r"\s*(call\s+\S+)\(", _AI)

# 2. Multi-row INSERT/REPLACE cut to its first tuple.
_MULTI_INSERT = re.compile(
    r"((?:INSERT|REPLACE)(?: IGNORE)?\s+INTO.+?VALUES\s*\(.*?\))\s*,\s*\(", _AI | re.DOTALL
)

# 3. Comments: /* ... */ but not /*! version hints */, and -- / # to end of line.
_MULTI_LINE_COMMENT = re.compile(r"/\*[^!].*?\*/", _A | re.DOTALL)
_ONE_LINE_COMMENT = re.compile(r"(?:--|#)[^'\"\r\n]*(?=[\r\n]|\Z)", _A)

# 4. USE db (``$`` also matches before one trailing newline, like Perl's ``\Z``).
_USE = re.compile(r"use \S+$", _AI)

# 5. Quoted strings; escaped quotes are dropped first so they cannot end a literal.
_ESCAPED_QUOTE = re.compile(r"\\[\"']", _A)
_DOUBLE_QUOTED = re.compile(r'".*?"', _A | re.DOTALL)
_SINGLE_QUOTED = re.compile(r"'.*?'", _A | re.DOTALL)

# 6. Booleans.
_BOOLEAN = re.compile(r"\bfalse\b|\btrue\b", _AI)

# 7. Numbers, deliberately broad: digits anywhere (also inside identifiers), hex, signs, exponents.
#    Case-sensitive on purpose: it runs before lower-casing, exactly as in pt.
_NUMBER = re.compile(r"[0-9+-][0-9a-f.xb+-]*", _A)
_NUMBER_PREFIX = re.compile(r"[xb.+-]\?", _A)

# 8. Whitespace: leading run stripped, then runs of [ \n\t\r\f] squeezed (not \v, like pt's tr///s).
_LEADING_SPACE = re.compile(r"\A\s+", _A)
_SPACE_RUN = re.compile(r"[ \n\t\r\f]+", _A)

# 9. ASCII-only lower-casing (pt works on bytes; it never folds non-ASCII letters).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# 10.-14. On the lower-cased text.
_NULL = re.compile(r"\bnull\b", _A)
_IN_VALUES_LIST = re.compile(r"\b(in|values?)(?:[\s,]*\([\s?,]*\))+", _A)
_REPEATED_UNION = re.compile(r"\b(select\s.*?)(?:(\sunion(?:\sall)?)\s\1)+", _A)
_LIMIT = re.compile(r"\blimit \?(?:, ?\?| offset \?)?", _A)
_ORDER_BY = re.compile(r"\border by ", _AI)
_ASC_AFTER = re.compile(r"(.+?)\s+asc", _AI)


def _ascii_lower(text: str) -> str:
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def _drop_asc_after_order_by(query: str) -> str:
    """Remove every ``<space>ASC`` after the first ORDER BY.

    pt does this with a chained ``\\G`` substitution: each removal must start exactly where the
    previous one ended and needs at least one character before the whitespace. That is why
    ``ascii_col`` loses its ``asc`` too (a pt quirk we keep for checksum parity).
    """
    anchor = _ORDER_BY.search(query)
    if anchor is None:
        return query
    pos = anchor.end()
    kept = [query[:pos]]
    match = _ASC_AFTER.match(query, pos)
    if match is None:
        return query
    while match is not None:
        kept.append(match.group(1))
        pos = match.end()
        match = _ASC_AFTER.match(query, pos)
    kept.append(query[pos:])
    return "".join(kept)


def fingerprint(query: str) -> str:
    """Return pt-query-digest's fingerprint of ``query`` (statement text without the final ``;``)."""
    # 1. Special cases.
    if query.startswith("SELECT /*!40001 SQL_NO_CACHE */ * FROM `"):
        return "mysqldump"
    if "*/" in query and _PT_TOOL.search(query):
        return "percona-toolkit"
    if query.startswith(_ADMIN_PREFIX):
        return query
    call = _CALL.match(query)
    if call is not None:
        return _ascii_lower(call.group(1))

    # 2. Multi-row INSERT/REPLACE: keep the statement up to the end of the first tuple.
    head = query[:7].upper()
    if head.startswith(("INSERT", "REPLACE")):
        multi = _MULTI_INSERT.match(query)
        if multi is not None:
            query = multi.group(1)

    # 3. Comments.
    if "/*" in query:
        query = _MULTI_LINE_COMMENT.sub("", query)
    if "--" in query or "#" in query:
        query = _ONE_LINE_COMMENT.sub("", query)

    # 4. USE db returns early, before literals and lower-casing (pt: "use ?", rest untouched).
    if _USE.match(query):
        return _USE.sub("use ?", query, count=1)

    # 5. Quoted strings.
    if "\\" in query:
        query = _ESCAPED_QUOTE.sub("", query)
    if '"' in query:
        query = _DOUBLE_QUOTED.sub("?", query)
    if "'" in query:
        query = _SINGLE_QUOTED.sub("?", query)

    # 6. TRUE / FALSE.
    query = _BOOLEAN.sub("?", query)

    # 7. Numbers, then the sign / radix characters left in front of a placeholder.
    query = _NUMBER.sub("?", query)
    if "?" in query:
        query = _NUMBER_PREFIX.sub("?", query)

    # 8. Whitespace: strip leading, chomp one trailing newline, squeeze the rest.
    query = _LEADING_SPACE.sub("", query, count=1)
    if query.endswith("\n"):
        query = query[:-1]
    query = _SPACE_RUN.sub(" ", query)

    # 9. Lower case.
    query = _ascii_lower(query)

    # 10. NULL.
    if "null" in query:
        query = _NULL.sub("?", query)

    # 11. IN (...) and VALUES (...) lists.
    if "in" in query or "value" in query:
        query = _IN_VALUES_LIST.sub(r"\1(?+)", query)

    # 12. Repeated identical SELECTs joined by UNION [ALL].
    if "union" in query:
        query = _REPEATED_UNION.sub(r"\1 /*repeat\2*/", query)

    # 13. LIMIT ?, ? and LIMIT ? OFFSET ? (first occurrence only, like pt).
    if "limit ?" in query:
        query = _LIMIT.sub("limit ?", query, count=1)

    # 14. ASC after ORDER BY.
    if "order by " in query and "asc" in query:
        query = _drop_asc_after_order_by(query)

    return query


def checksum(fp: str) -> str:
    """Upper-case 32-hex MD5 of the fingerprint: the class id pt-query-digest >= 3.0.11 stores."""
    try:
        raw = fp.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from undecodable log bytes
        raw = fp.encode("utf-8", "surrogatepass")
    return hashlib.md5(raw).hexdigest().upper()
