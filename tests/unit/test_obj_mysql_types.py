"""Storage bytes of MySQL/MariaDB column types (themis.rules.checks.mysql_types).

Expected values are the servers' documented storage requirements, worked out by hand here so a
regression shows which type went wrong.
"""

from __future__ import annotations

import pytest

from themis.rules.checks.mysql_types import (
    charset_maxlen, data_type, decimal_bytes, fractional_second_bytes, key_bytes, members, record_bytes, row_bytes,
    set_bytes, type_args,
)


def col(column_type: str, **fields) -> dict:
    return {"column_type": column_type, **fields}


@pytest.mark.parametrize("column, expected", [
    (col("tinyint(1)"), 1), (col("smallint(6)"), 2), (col("mediumint(9)"), 3), (col("int(11) unsigned"), 4),
    (col("bigint(20)"), 8), (col("float"), 4), (col("float(7,3)"), 4), (col("double"), 8), (col("year(4)"), 1),
    (col("date"), 3), (col("bit(1)"), 1), (col("bit(9)"), 2), (col("bit(64)"), 8),
    (col("decimal(10,2)"), 5),  # 8 integer digits -> 4 bytes, 2 fraction digits -> 1
    (col("decimal(18,9)"), 8), (col("decimal(20,6)"), 10), (col("decimal(65,30)"), 30),
    (col("decimal(10,2)", numeric_precision=10, numeric_scale=2), 5),
    (col("time"), 3), (col("time(6)"), 6), (col("datetime"), 5), (col("datetime(3)"), 7), (col("timestamp(2)"), 5),
    (col("datetime(6)", datetime_precision=6), 8),
    (col("enum('a','b')"), 1), (col("enum(" + ",".join(f"'v{i}'" for i in range(300)) + ")"), 2),
    (col("set('a','b','c')"), 1), (col("set(" + ",".join(f"'v{i}'" for i in range(20)) + ")"), 3),
    (col("set(" + ",".join(f"'v{i}'" for i in range(40)) + ")"), 8),
    (col("char(10)", character_set_name="latin1"), 10), (col("char(10)", character_set_name="utf8mb4"), 40),
    (col("char(10)", character_set_name="utf8mb3"), 30), (col("char(10)", character_set_name="utf8"), 30),
    (col("varchar(10)", character_set_name="latin1"), 11), (col("varchar(255)", character_set_name="latin1"), 256),
    (col("varchar(256)", character_set_name="latin1"), 258), (col("varchar(255)", character_set_name="utf8mb4"), 1022),
    (col("varchar(100)", character_set_name="gbk"), 201), (col("varchar(200)", character_set_name="gbk"), 402),
    (col("varchar(10)", data_type="varchar", character_maximum_length=10, character_octet_length=30), 31),
    (col("binary(16)"), 16), (col("varbinary(300)"), 302),
    (col("tinyblob"), 9), (col("tinytext"), 9), (col("blob"), 10), (col("text"), 10), (col("mediumtext"), 11),
    (col("longblob"), 12), (col("json"), 12), (col("geometry"), 12), (col("point"), 12),
    (col("inet6"), 16), (col("inet4"), 4), (col("uuid"), 16), (col("vector(3)"), 12),
])  # fmt: skip
def test_row_bytes(column, expected):
    assert row_bytes(column) == expected


def test_unknown_types_are_none_not_an_error():
    assert row_bytes(col("hologram(3)")) is None
    assert record_bytes([col("hologram"), col("int")]) == 4


def test_data_type_from_record_or_column_type():
    assert data_type({"data_type": "VARCHAR", "column_type": "varchar(3)"}) == "varchar"
    assert data_type(col("int(10) unsigned zerofill")) == "int"
    assert data_type(col("double")) == "double"


def test_helpers():
    assert type_args("decimal(10,2)") == [10, 2] and type_args("enum('1','2')") == [] and type_args("text") == []
    assert members("enum('it''s','b,c')") == 2
    assert decimal_bytes(9, 0) == 4 and decimal_bytes(10, 0) == 5
    assert [fractional_second_bytes(f) for f in range(7)] == [0, 1, 1, 2, 2, 3, 3]
    assert [set_bytes(n) for n in (1, 8, 9, 16, 17, 24, 25, 32, 33, 64)] == [1, 1, 2, 2, 3, 3, 4, 4, 8, 8]


def test_charset_maxlen_prefers_the_servers_octet_length():
    exact = {"data_type": "char", "character_maximum_length": 4, "character_octet_length": 12, "character_set_name": "x"}
    assert charset_maxlen(exact) == 3
    assert charset_maxlen({"data_type": "text", "character_set_name": "latin1"}) == 1
    assert charset_maxlen({"data_type": "varchar", "character_set_name": "no-such-charset"}) == 4  # worst case


def test_key_bytes_with_prefixes():
    text = {"data_type": "text", "character_set_name": "utf8mb4"}
    assert key_bytes(text, 10) == 42 and key_bytes(text) is None
    assert key_bytes({"data_type": "blob"}, 100) == 102
    assert key_bytes(col("varchar(200)", character_set_name="utf8mb4"), 10) == 41
    assert key_bytes(col("varbinary(200)"), 100) == 101
    assert key_bytes(col("int(11)")) == 4


def test_record_bytes_counts_null_flags_and_skips_virtual_columns():
    columns = [col("int(11)"), col("varchar(10)", character_set_name="latin1", is_nullable=True),
               col("int(11)", is_nullable=True), col("varchar(3000)", extra="VIRTUAL GENERATED"),
               col("int(11)", extra="STORED GENERATED")]
    assert record_bytes(columns) == 4 + 11 + 4 + 4 + 1  # two nullable columns: one flag byte
