"""Fingerprint and checksum golden cases, one group per pt-query-digest normalisation step (peers.md §C.1).

Every expected value below was produced by pt-query-digest 3.2.1's own fingerprint on the same input;
test_slowlog_pt_compare.py re-checks the whole table against the installed tool when it is present.
"""

from __future__ import annotations

import hashlib

import pytest

from themis.slowlog.fingerprint import checksum, fingerprint

# (step, query, pt's fingerprint)
GOLDEN: list[tuple[str, str, str]] = [
    # 1. special cases, returned early
    ("special", "SELECT /*!40001 SQL_NO_CACHE */ * FROM `orders`", "mysqldump"),
    ("special", "REPLACE INTO `db`.`checksums` /*db.tbl:1/3*/ SELECT 1", "percona-toolkit"),
    ("special", "administrator command: Quit", "administrator command: Quit"),
    ("special", "administrator command: Binlog Dump", "administrator command: Binlog Dump"),
    ("special", "CALL Shop.Refresh_Stats(1, 'x')", "call shop.refresh_stats"),
    ("special", "  call p1 (1)", "call p? (?)"),  # a space before "(" is not the CALL shortcut
    # 2. multi-row INSERT/REPLACE cut to the first tuple
    ("multi-insert", "INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", "insert into t (a, b) values(?+)"),
    ("multi-insert", "REPLACE INTO kv VALUES ('a', 1),('b', 2)", "replace into kv values(?+)"),
    ("multi-insert", "INSERT IGNORE INTO t VALUES (1),(2)", "insert ignore into t values(?+)"),
    ("multi-insert", "INSERT INTO t VALUE (1),(2)", "insert into t value(?+)"),
    ("multi-insert", "insert into t select * from u", "insert into t select * from u"),
    # 3. comments removed, version hints kept
    ("comments", "SELECT /* app:checkout */ a FROM t", "select a from t"),
    ("comments", "SELECT /*!40100 STRAIGHT_JOIN */ a FROM t", "select /*!? straight_join */ a from t"),
    ("comments", "SELECT a FROM t -- trailing comment", "select a from t "),
    ("comments", "SELECT a FROM t # hash comment\nWHERE b = 1", "select a from t where b = ?"),
    ("comments", "SELECT a FROM t WHERE c = '-- not a comment'", "select a from t where c = ?"),
    # 4. USE db, returned early and otherwise untouched
    ("use", "use shop", "use ?"),
    ("use", "USE `Shop_2`", "use ?"),
    ("use", "use shop\n", "use ?\n"),
    ("use", "use `my db`", "use `my db`"),
    # 5. quoted strings
    ("strings", "SELECT * FROM t WHERE a = 'it''s' AND b = \"dq\" AND c = 'x\\'y'",
     "select * from t where a = ?? and b = ? and c = ?"),
    ("strings", "SELECT 'multi\nline' FROM dual", "select ? from dual"),
    # 6. booleans
    ("booleans", "SELECT * FROM t WHERE a = TRUE OR b = false OR c = trueish",
     "select * from t where a = ? or b = ? or c = trueish"),
    # 7. numbers, also inside identifiers; sign/radix prefixes cleaned
    ("numbers", "SELECT * FROM users_2009 WHERE id = 42 AND score > -1.5e3 AND h = 0xFF AND m = 1.",
     "select * from users_? where id = ? and score > ? and h = ?ff and m = ?"),
    ("numbers", "SELECT t1.c2, db1.t FROM t1", "select t?, d?t from t?"),
    ("numbers", "SELECT a-1, b+2, c - 3 FROM t", "select a?, ?, c ? ? from t"),
    ("numbers", "SELECT * FROM md5_index WHERE k = 'abc'", "select * from md?_index where k = ?"),
    # 8. whitespace: leading stripped, one trailing newline chomped, runs squeezed, trailing spaces kept
    ("whitespace", "  SELECT\ta,\n\n  b   FROM t  ", "select a, b from t "),
    ("whitespace", "SELECT a FROM t\n", "select a from t"),
    ("whitespace", "SELECT\u00a0a FROM t", "select\u00a0a from t"),  # NBSP is not ASCII whitespace
    # 9. lower case, ASCII only (pt works on bytes)
    ("lower", "SELECT Caf\u00c9 FROM T\u00c9", "select caf\u00c9 from t\u00c9"),
    # 10. NULL
    ("null", "SELECT * FROM t WHERE a IS NULL OR b = NULL OR nullable_col = 1",
     "select * from t where a is ? or b = ? or nullable_col = ?"),
    # 11. IN (...) and VALUES (...) lists
    ("in-values", "SELECT * FROM t WHERE id IN (1, 2, 3) AND x IN ('a') AND y NOT IN (1,2)",
     "select * from t where id in(?+) and x in(?+) and y not in(?+)"),
    ("in-values", "SELECT * FROM t WHERE (a, b) IN ((1, 2), (3, 4))", "select * from t where (a, b) in ((?, ?), (?, ?))"),
    ("in-values", "INSERT INTO t VALUES (1, 'a')", "insert into t values(?+)"),
    ("in-values", "INSERT INTO t VALUE (1)", "insert into t value(?+)"),
    ("in-values", "SELECT * FROM t WHERE id IN (SELECT id FROM u)", "select * from t where id in (select id from u)"),
    # 12. repeated UNION collapsed
    ("union", "SELECT a FROM t WHERE b = 1 UNION SELECT a FROM t WHERE b = 2 UNION SELECT a FROM t WHERE b = 3",
     "select a from t where b = ? /*repeat union*/"),
    ("union", "SELECT a FROM t UNION ALL SELECT a FROM t", "select a from t /*repeat union all*/"),
    ("union", "SELECT a FROM t UNION SELECT b FROM u", "select a from t union select b from u"),
    # 13. LIMIT (first occurrence only)
    ("limit", "SELECT * FROM t LIMIT 10", "select * from t limit ?"),
    ("limit", "SELECT * FROM t LIMIT 10, 20", "select * from t limit ?"),
    ("limit", "SELECT * FROM t LIMIT 10,20", "select * from t limit ?"),
    ("limit", "SELECT * FROM t LIMIT 20 OFFSET 10", "select * from t limit ?"),
    ("limit", "SELECT * FROM (SELECT * FROM t LIMIT 1, 2) x LIMIT 3, 4",
     "select * from (select * from t limit ?) x limit ?, ?"),
    # 14. ASC removed after ORDER BY (pt's quirk: "ascii_code" loses "asc" too)
    ("asc", "SELECT * FROM t ORDER BY a ASC, b DESC, c ASC", "select * from t order by a, b desc, c"),
    ("asc", "SELECT * FROM t ORDER BY a, ascii_code", "select * from t order by a,ii_code"),
    ("asc", "SELECT a ASC FROM t ORDER BY b", "select a asc from t order by b"),
    ("asc", "SELECT * FROM t ORDER BY a asc LIMIT 5", "select * from t order by a limit ?"),
    ("asc", "SELECT * FROM t WHERE x IN (SELECT y FROM u ORDER BY y ASC) ORDER BY x ASC",
     "select * from t where x in (select y from u order by y) order by x"),
]


@pytest.mark.parametrize(("step", "query", "expected"), GOLDEN, ids=[f"{g[0]}-{i}" for i, g in enumerate(GOLDEN)])
def test_fingerprint_matches_pt(step: str, query: str, expected: str) -> None:
    assert fingerprint(query) == expected


def test_literals_that_differ_only_in_values_share_a_class() -> None:
    a = fingerprint("SELECT * FROM orders WHERE id = 42 AND status IN ('a','b') LIMIT 10")
    b = fingerprint("select  *  from orders\nwhere id=7 and status in ('c') limit 5, 10")
    assert a == "select * from orders where id = ? and status in(?+) limit ?"
    assert b == "select * from orders where id=? and status in(?+) limit ?"  # operators are not normalised
    assert fingerprint("SELECT * FROM orders WHERE id = 1") == fingerprint("SELECT * FROM orders WHERE id = 99999")


def test_checksum_is_upper_case_full_md5_of_fingerprint() -> None:
    fp = "select * from orders where id = ?"
    assert checksum(fp) == hashlib.md5(fp.encode()).hexdigest().upper()
    assert checksum(fp) == "9C05EA5686390AEB296E90D8F864A512"  # pt-query-digest 3.2.1's class id
    assert len(checksum("")) == 32


def test_checksum_hashes_undecodable_bytes_as_the_original_bytes() -> None:
    raw = b"select * from caf\xe9"  # latin1, not UTF-8: the parser keeps it with surrogateescape
    text = raw.decode("utf-8", "surrogateescape")
    assert checksum(text) == hashlib.md5(raw).hexdigest().upper()


def test_non_ascii_identifiers_hash_as_utf8() -> None:
    fp = fingerprint("SELECT `r\u00e9gion` FROM t")
    assert fp == "select `r\u00e9gion` from t"
    assert checksum(fp) == hashlib.md5(fp.encode("utf-8")).hexdigest().upper()
