"""Storage bytes of MySQL / MariaDB column types, from captured ``obj.column`` records.

TABLE_RECORD_LENGTH and TABLE_PRIMARYKEY_LENGTH judge the *defined* width of rows and keys; the
original mapped a handful of types to bytes and silently counted the rest as 0. This module knows
every type of MySQL 5.6-8.x and MariaDB 10.x/11.x, per the servers' "Data Type Storage Requirements":

* integers 1/2/3/4/8 bytes; FLOAT 4, DOUBLE 8; DECIMAL(M,D) packs 9 digits in 4 bytes, integer and
  fraction parts separately; BIT(M) (M+7)/8;
* DATE 3, YEAR 1, TIME 3, DATETIME 5, TIMESTAMP 4, plus (fsp+1)/2 bytes of fractional seconds (the
  5.6.4+ format MariaDB also uses by default);
* CHAR(M) M x w and VARCHAR(M) up to M x w plus a 1- or 2-byte length, w being the character set's
  longest character (utf8mb4 4, utf8mb3 3, latin1 1, ...); BINARY/VARBINARY the same with w = 1;
* BLOB/TEXT, JSON and spatial values live off the row: a row holds their 1-4 length bytes and an
  8-byte pointer, which is what the server's own 65,535-byte row limit counts (9 to 12 bytes);
* ENUM 1-2 bytes, SET 1/2/3/4/8 bytes by member count; MariaDB INET4 4, INET6 16, UUID 16, VECTOR(N) 4N.

Pure functions of one record; a type this module does not know is ``None`` (callers count it as 0
and say so), never an exception in the middle of an analysis.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

#: Longest character in bytes, by character set (MySQL 8 and MariaDB 11 lists).
CHARSET_MAXLEN: dict[str, int] = {
    "utf8mb4": 4, "utf16": 4, "utf16le": 4, "utf32": 4, "gb18030": 4,
    "utf8": 3, "utf8mb3": 3, "ujis": 3, "eucjpms": 3,
    "big5": 2, "sjis": 2, "euckr": 2, "gb2312": 2, "gbk": 2, "ucs2": 2, "cp932": 2,
    "latin1": 1, "latin2": 1, "latin5": 1, "latin7": 1, "ascii": 1, "binary": 1, "dec8": 1, "cp850": 1,
    "hp8": 1, "koi8r": 1, "koi8u": 1, "swe7": 1, "hebrew": 1, "tis620": 1, "greek": 1, "cp1250": 1,
    "cp1251": 1, "cp1256": 1, "cp1257": 1, "armscii8": 1, "cp866": 1, "keybcs2": 1, "macce": 1,
    "macroman": 1, "cp852": 1, "geostd8": 1,
}  # fmt: skip
#: An unknown character set counts as the widest one: a width is a maximum, never an underestimate.
DEFAULT_MAXLEN = 4

FIXED_BYTES: dict[str, int] = {
    "tinyint": 1, "bool": 1, "boolean": 1, "smallint": 2, "mediumint": 3, "int": 4, "integer": 4,
    "bigint": 8, "serial": 8, "float": 4, "double": 8, "real": 8,
    "year": 1, "date": 3, "inet4": 4, "inet6": 16, "uuid": 16,
}  # fmt: skip
#: Temporal types stored as a base plus fractional-second bytes.
TEMPORAL_BYTES: dict[str, int] = {"time": 3, "datetime": 5, "timestamp": 4}
#: Types stored off the row: the bytes of their length prefix (+ POINTER_BYTES in the row).
LOB_LENGTH_BYTES: dict[str, int] = {
    "tinyblob": 1, "tinytext": 1, "blob": 2, "text": 2, "mediumblob": 3, "mediumtext": 3,
    "longblob": 4, "longtext": 4, "json": 4, "geometry": 4, "point": 4, "linestring": 4, "polygon": 4,
    "multipoint": 4, "multilinestring": 4, "multipolygon": 4, "geometrycollection": 4, "geomcollection": 4,
}  # fmt: skip
POINTER_BYTES = 8
CHARACTER_TYPES = frozenset({"char", "varchar"})
BYTE_STRING_TYPES = frozenset({"binary", "varbinary"})
_DECIMAL_TYPES = frozenset({"decimal", "numeric", "dec", "fixed"})
_LEFTOVER_DIGIT_BYTES = (0, 1, 1, 2, 2, 3, 3, 4, 4)
_ARGS = re.compile(r"\(([^)]*)\)")
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_TYPE_HEAD = re.compile(r"[(\s]")


def data_type(column: Mapping[str, Any]) -> str:
    """The lower-case type name: ``data_type``, else the head of ``column_type`` (``"int(11) unsigned"``)."""
    name = column.get("data_type") or _TYPE_HEAD.split(str(column.get("column_type") or "").strip(), maxsplit=1)[0]
    return str(name).lower()


def type_args(column_type: str | None) -> list[int]:
    """The numeric arguments of a type: ``decimal(10,2)`` -> [10, 2]; none (or ENUM/SET lists) -> []."""
    match = _ARGS.search(str(column_type or ""))
    if not match or "'" in match.group(1):
        return []
    return [int(part) for part in match.group(1).split(",") if part.strip().isdigit()]


def members(column_type: str | None) -> int:
    """The number of members of an ``enum(...)`` / ``set(...)`` type (quotes doubled inside)."""
    return len(_QUOTED.findall(str(column_type or "")))


def charset_maxlen(column: Mapping[str, Any]) -> int:
    """Bytes of the longest character of a character column.

    The server tells it exactly as CHARACTER_OCTET_LENGTH / CHARACTER_MAXIMUM_LENGTH for CHAR and
    VARCHAR; otherwise (fixtures, other types) the character set's known maximum.
    """
    chars, octets = column.get("character_maximum_length"), column.get("character_octet_length")
    if data_type(column) in CHARACTER_TYPES and chars and octets:
        return max(1, int(octets) // int(chars))
    charset = str(column.get("character_set_name") or "").lower()
    return CHARSET_MAXLEN.get(charset, DEFAULT_MAXLEN)


def decimal_bytes(precision: int, scale: int) -> int:
    """DECIMAL(M,D): integer and fraction digits packed separately, 9 digits per 4 bytes."""
    return _packed_digits(precision - scale) + _packed_digits(scale)


def _packed_digits(digits: int) -> int:
    return digits // 9 * 4 + _LEFTOVER_DIGIT_BYTES[digits % 9]


def fractional_second_bytes(fsp: int) -> int:
    """0 -> 0, 1-2 -> 1, 3-4 -> 2, 5-6 -> 3 bytes."""
    return (max(0, min(int(fsp), 6)) + 1) // 2


def set_bytes(count: int) -> int:
    """A SET of N members: (N+7)/8 bytes, rounded up to 8 beyond 4."""
    needed = (count + 7) // 8
    return needed if needed <= 4 else 8


def length_prefix(max_bytes: int) -> int:
    """VARCHAR/VARBINARY length bytes: 1 when the value cannot exceed 255 bytes, else 2."""
    return 1 if max_bytes <= 255 else 2


def _declared_length(column: Mapping[str, Any]) -> int:
    """M of CHAR(M)/VARCHAR(M)/BINARY(M)/VARBINARY(M), in characters (bytes for the binary ones)."""
    if column.get("character_maximum_length") is not None:
        return int(column["character_maximum_length"])
    args = type_args(column.get("column_type"))
    return args[0] if args else 1


def _decimal_row_bytes(column: Mapping[str, Any]) -> int:
    args = type_args(column.get("column_type"))
    precision = column.get("numeric_precision") or (args[0] if args else 10)
    scale = column.get("numeric_scale")
    if scale is None:
        scale = args[1] if len(args) > 1 else 0
    return decimal_bytes(int(precision), int(scale))


def _temporal_row_bytes(name: str, column: Mapping[str, Any]) -> int:
    fsp = column.get("datetime_precision")
    if fsp is None:
        args = type_args(column.get("column_type"))
        fsp = args[0] if args else 0
    return TEMPORAL_BYTES[name] + fractional_second_bytes(int(fsp))


def _string_row_bytes(name: str, column: Mapping[str, Any]) -> int:
    width = _declared_length(column) * (1 if name in BYTE_STRING_TYPES else charset_maxlen(column))
    return width + (length_prefix(width) if name in ("varchar", "varbinary") else 0)


def _bit_row_bytes(column: Mapping[str, Any]) -> int:
    args = type_args(column.get("column_type"))
    bits = args[0] if args else int(column.get("numeric_precision") or 1)
    return (bits + 7) // 8


def _vector_row_bytes(column: Mapping[str, Any]) -> int:
    args = type_args(column.get("column_type"))
    return 4 * (args[0] if args else 0)


def row_bytes(column: Mapping[str, Any]) -> int | None:
    """Most bytes the column takes in a row (the in-row part of off-row types); None if unknown."""
    name = data_type(column)
    if name in FIXED_BYTES:
        return FIXED_BYTES[name]
    if name in TEMPORAL_BYTES:
        return _temporal_row_bytes(name, column)
    if name in _DECIMAL_TYPES:
        return _decimal_row_bytes(column)
    if name in CHARACTER_TYPES or name in BYTE_STRING_TYPES:
        return _string_row_bytes(name, column)
    if name in LOB_LENGTH_BYTES:
        return LOB_LENGTH_BYTES[name] + POINTER_BYTES
    if name == "enum":
        return 1 if members(column.get("column_type")) <= 255 else 2
    if name == "set":
        return set_bytes(members(column.get("column_type")))
    if name == "bit":
        return _bit_row_bytes(column)
    if name == "vector":
        return _vector_row_bytes(column)
    return None


def key_bytes(column: Mapping[str, Any], sub_part: int | None = None) -> int | None:
    """Most bytes the column takes as an index key part; ``sub_part`` is a prefix length (characters
    for character types, bytes for binary ones), as information_schema.STATISTICS reports it."""
    name = data_type(column)
    if name in LOB_LENGTH_BYTES:
        if not sub_part:
            return None  # a BLOB/TEXT key part always has a prefix; without one we cannot size it
        width = int(sub_part) * (1 if name.endswith("blob") else charset_maxlen(column))
        return width + 2
    if sub_part and (name in CHARACTER_TYPES or name in BYTE_STRING_TYPES):
        width = int(sub_part) * (1 if name in BYTE_STRING_TYPES else charset_maxlen(column))
        return width + (length_prefix(width) if name in ("varchar", "varbinary") else 0)
    return row_bytes(column)


def is_stored(column: Mapping[str, Any]) -> bool:
    """False for VIRTUAL generated columns, which take no bytes in the row."""
    return "VIRTUAL" not in str(column.get("extra") or "").upper()


def record_bytes(columns: Iterable[Mapping[str, Any]]) -> int:
    """Defined length of a row: every stored column's most bytes (unknown types count 0) plus one NULL
    flag bit per nullable column -- what the server's 65,535-byte row limit adds up."""
    stored = [column for column in columns if is_stored(column)]
    nullable = sum(1 for column in stored if column.get("is_nullable") is True)
    return sum(row_bytes(column) or 0 for column in stored) + (nullable + 7) // 8
