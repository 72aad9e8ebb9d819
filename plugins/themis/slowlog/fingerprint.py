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

from themis.slowlog.accel import load

__all__ = ["fingerprint", "checksum", "Fingerprinter"]

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
    done, query = _literal_steps(query)
    return query if done else _shape_steps(query)


def _literal_steps(query: str) -> tuple[bool, str]:
    """Steps 1 to 5: ``(True, fingerprint)`` for the early returns, else ``(False, text with strings as ?)``."""
    # 1. Special cases.
    if query.startswith("SELECT /*!40001 SQL_NO_CACHE */ * FROM `"):
        return True, "mysqldump"
    if "*/" in query and _PT_TOOL.search(query):
        return True, "percona-toolkit"
    if query.startswith(_ADMIN_PREFIX):
        return True, query
    call = _CALL.match(query)
    if call is not None:
        return True, _ascii_lower(call.group(1))

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
        return True, _USE.sub("use ?", query, count=1)

    # 5. Quoted strings.
    if "\\" in query:
        query = _ESCAPED_QUOTE.sub("", query)
    if '"' in query:
        query = _DOUBLE_QUOTED.sub("?", query)
    if "'" in query:
        query = _SINGLE_QUOTED.sub("?", query)
    return False, query


def _shape_steps(query: str) -> str:
    """Steps 6 to 14, on a text whose quoted strings are already ``?``."""
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


# ------------------------------------------------------------------------------------------------
# The same steps 1-5 on the raw bytes of the log, and a cache keyed on what is left of the statement
# once its literals are gone. This is the hot path of the digest; ``fingerprint`` stays the reference.

_B_MYSQLDUMP = b"SELECT /*!40001 SQL_NO_CACHE */ * FROM `"
_B_ADMIN = b"administrator command: "
_B_PT_TOOL = re.compile(_PT_TOOL.pattern.encode())
_B_CALL = re.compile(_CALL.pattern.encode(), re.IGNORECASE)
_B_MULTI_INSERT = re.compile(_MULTI_INSERT.pattern.encode(), re.IGNORECASE | re.DOTALL)
_B_MULTI_LINE_COMMENT = re.compile(_MULTI_LINE_COMMENT.pattern.encode(), re.DOTALL)
_B_ONE_LINE_COMMENT = re.compile(_ONE_LINE_COMMENT.pattern.encode())
_B_USE = re.compile(_USE.pattern.encode(), re.IGNORECASE)
_B_ESCAPED_QUOTE = re.compile(_ESCAPED_QUOTE.pattern.encode())
_B_DOUBLE_QUOTED = re.compile(_DOUBLE_QUOTED.pattern.encode(), re.DOTALL)
_B_SINGLE_QUOTED = re.compile(_SINGLE_QUOTED.pattern.encode(), re.DOTALL)
_B_DIGITS = re.compile(rb"[0-9]+")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _literal_steps_bytes(raw: bytes) -> tuple[str | None, bytes]:
    """``_literal_steps`` on bytes: ``(fingerprint, b"")`` for an early return, else ``(None, text)``.

    Bytes patterns are ASCII-only, like the reference's ``re.ASCII`` patterns on text decoded with
    ``surrogateescape``, so both give the same result for any input (tests/unit/test_slowlog_fingerprint.py).
    """
    if raw.startswith(_B_MYSQLDUMP):
        return "mysqldump", b""
    if b"*/" in raw and _B_PT_TOOL.search(raw):
        return "percona-toolkit", b""
    if raw.startswith(_B_ADMIN):
        return _decode(raw), b""
    call = _B_CALL.match(raw)
    if call is not None:
        return _decode(call.group(1).lower()), b""
    head = raw[:7].upper()
    if head.startswith((b"INSERT", b"REPLACE")):
        multi = _B_MULTI_INSERT.match(raw)
        if multi is not None:
            raw = multi.group(1)
    if b"/*" in raw:
        raw = _B_MULTI_LINE_COMMENT.sub(b"", raw)
    if b"--" in raw or b"#" in raw:
        raw = _B_ONE_LINE_COMMENT.sub(b"", raw)
    if _B_USE.match(raw):
        return _decode(_B_USE.sub(b"use ?", raw, count=1)), b""
    if b"\\" in raw:
        raw = _B_ESCAPED_QUOTE.sub(b"", raw)
    if b'"' in raw:
        raw = _B_DOUBLE_QUOTED.sub(b"?", raw)
    if b"'" in raw:
        raw = _B_SINGLE_QUOTED.sub(b"?", raw)
    return None, raw


_kernels = load()  # the optional C kernels: skeleton() computes the key of a statement (see _speedups.c)
_c_skeleton = _kernels.skeleton if _kernels is not None else None


class Fingerprinter:
    """``fingerprint`` for raw statement bytes, memoised on the statement's *skeleton*.

    After step 5 the only literals left are numbers, and steps 6-14 give the same result whatever the
    digits of a digit run are and however long it is (every digit ends up inside a number placeholder,
    and no step looks at digits otherwise). So the text after step 5 with each digit run replaced by
    ``0`` is a safe cache key: statements that differ only in their literal values share it, and the
    expensive steps run once per key (on the key itself) instead of once per statement. ``calls`` and
    ``misses`` say how well it worked. The cache holds at most ``max_keys`` entries (cleared when full).
    ``skeleton``: the C kernel computing the key of plain statements, when built.
    """

    __slots__ = ("_cache", "max_keys", "calls", "misses")
    skeleton = staticmethod(_c_skeleton) if _c_skeleton is not None else None

    def __init__(self, max_keys: int = 50_000) -> None:
        self._cache: dict[bytes, str] = {}
        self.max_keys = max_keys
        self.calls = 0
        self.misses = 0

    def __call__(self, raw: bytes) -> str:
        self.calls += 1
        skeleton = self.skeleton
        key = skeleton(raw) if skeleton is not None else None
        if key is None:
            early, text = _literal_steps_bytes(raw)
            if early is not None:
                return early
            key = _B_DIGITS.sub(b"0", text) if text else text
        fp = self._cache.get(key)
        if fp is None:
            self.misses += 1
            fp = _shape_steps(_decode(key))
            if len(self._cache) >= self.max_keys:
                self._cache.clear()
            self._cache[key] = fp
        return fp


def checksum(fp: str) -> str:
    """Upper-case 32-hex MD5 of the fingerprint: the class id pt-query-digest >= 3.0.11 stores."""
    try:
        raw = fp.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from undecodable log bytes
        raw = fp.encode("utf-8", "surrogatepass")
    return hashlib.md5(raw).hexdigest().upper()
