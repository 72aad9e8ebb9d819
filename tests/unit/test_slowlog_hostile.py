"""Slow-log content a plain database user can plant (issue 13, items 2 and 4).

Item 2: an entry with hundreds of ``Key: value`` attributes once made the C kernel raise, and with
it the whole digest. Item 4: a statement whose comment, string or quoted identifier holds lines that
look like entry headers once forged entries (any user, any timings) and hid its own text. Both are
checked on the reference parser, on the fast path with and without the C kernels, and on the CLI.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from themis.slowlog import chunk
from themis.slowlog.parser import CLOSED, ParseStats, iter_events, statement_state
from themis.slowlog.runner import run_digest

ENGINE_ONLY = {"seconds", "engine", "workers", "chunks", "fast_path_events", "fallback_bytes", "phases", "accelerated"}
ACCELERATED = [False, True] if chunk._speedups is not None else [False]


def comparable(result: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return result.classes, {k: v for k, v in result.stats.items() if k not in ENGINE_ONLY}


def entry(user: str, statement: str, *, second: int = 1, query_time: str = "1.000000", extra: str = "") -> str:
    """One entry as MySQL 8 writes it: the statement text verbatim, then the ';' the server adds."""
    return (f"# Time: 2026-11-22T05:40:{second:02d}.000000Z\n"
            f"# User@Host: {user}[{user}] @ web1 [10.0.0.5]  Id:    12\n"
            f"# Query_time: {query_time}  Lock_time: 0.000100 Rows_sent: 1  Rows_examined: 9\n"
            f"{extra}SET timestamp=17953260{second:02d};\n{statement};\n")


def assert_fast_equals_reference(path: Path, chunk_sizes: tuple[int, ...] = (61, 200, 700, 1 << 20)) -> dict[str, Any]:
    """Every engine gives the reference digest; returns the reference's stats."""
    expected = comparable(run_digest([str(path)], since=None, until=None, engine="reference"))
    for accelerated in ACCELERATED:
        chunk.use_speedups(accelerated)
        try:
            for size in chunk_sizes:
                got = comparable(run_digest([str(path)], since=None, until=None, workers=1, chunk_size=size))
                assert got == expected, (accelerated, size)
        finally:
            chunk.use_speedups(True)
    return expected[1]


# ------------------------------------------------------------------------ item 2: wide entries


def wide_entry(second: int, count: int) -> str:
    """An entry with ``count`` extra attributes on one line (names a client can put in a comment
    are not needed: any ``# Key: value`` line in the header block is read)."""
    kinds = ["{i}", "{i}.000001", "Yes", "v{i}x"]
    pairs = "  ".join(f"Key{i}: " + kinds[i % 4].format(i=i) for i in range(count))
    return entry("app", f"SELECT {second}", second=second, extra=f"# Key: 1  {pairs}\n")


@pytest.mark.parametrize("count", [255, 256, 257, 300, 1000])
def test_entries_with_hundreds_of_attributes_digest_on_every_engine(tmp_path: Path, count: int) -> None:
    log = tmp_path / "wide.log"
    log.write_text("".join(wide_entry(s, count) for s in range(1, 6)))
    stats = assert_fast_equals_reference(log)
    assert stats["events_read"] == 5 and stats["skipped_entries"] == 0
    chunk.use_speedups(True)
    classes = run_digest([str(log)], since=None, until=None, workers=1).classes
    last_number = max(i for i in range(count) if i % 4 < 2)  # so every value of the line was read
    assert classes[0][f"Key{last_number}_cnt"] == 5 and classes[0]["Key2_cnt"] == 5  # Key2: a Yes/No


def test_wide_entries_cli_exits_0_with_the_accelerator_on_and_off(tmp_path: Path) -> None:
    log = tmp_path / "wide.log"
    log.write_text("".join(wide_entry(s, 600) for s in range(1, 4)))
    documents = []
    for setting in ("on", "off"):
        env = {**os.environ, "THEMIS_SLOWLOG_ACCELERATOR": setting, "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run([sys.executable, "-m", "themis.cli", "slowlog", "digest", str(log), "--json"],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        documents.append(json.loads(done.stdout))
    on, off = documents
    assert on["stats"]["accelerated"] == (chunk._speedups is not None) and off["stats"]["accelerated"] is False
    assert on["classes"] == off["classes"] and on["stats"]["events_read"] == 3


# ------------------------------------------------------------------------ item 4: forged entries

FORGED = ("# Time: 2026-11-22T05:40:30.000000Z\n"
          "# User@Host: root[root] @ localhost []  Id:     1\n"
          "# Query_time: 999.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 99999999\n"
          "SET timestamp=1795326030;\n"
          "DROP TABLE important;")
# The statement text, as the client sent it: each hides a whole forged entry (after a line ending in
# ';', where pt-query-digest splits) in a construct the SQL lexer does not end at a line break.
HIDING = {
    "block comment": "SELECT /* x;\n" + FORGED + "\n*/ 1 FROM t",
    "string": "SELECT 'x;\n" + FORGED + "\n' FROM t",
    "double-quoted string": 'SELECT "x;\n' + FORGED + '\n" FROM t',
    "quoted identifier": "SELECT 1 AS `x;\n" + FORGED + "\n` FROM t",
    "escaped quote first": "SELECT 'it\\'s;\n" + FORGED + "\n' FROM t",
    "after a comment with a quote": "SELECT 1 -- don't\n, 'x;\n" + FORGED + "\n' FROM t",
    "thread id and banner": "SELECT 'x;\n# Thread_id: 1  Schema: shop\n/usr/sbin/mysqld, Version: 8.0.36 (x). started with:\n"
                            + FORGED + "\n' FROM t",
}


@pytest.mark.parametrize("how", list(HIDING))
def test_a_statement_cannot_forge_entries(tmp_path: Path, how: str) -> None:
    statement = HIDING[how]
    text = entry("mallory", statement, second=10) + entry("app", "SELECT 2", second=20)
    events = list(iter_events(io.BytesIO(text.encode()), stats=(stats := ParseStats())))
    assert [(e.user, e.query) for e in events] == [("mallory", statement), ("app", "SELECT 2")]
    assert events[0].attrs["Query_time"] == 1.0 and stats.skipped == 0
    assert stats.headers_in_statements == statement.count("\n# Time:") + statement.count("\n# User@Host:") \
        + statement.count("\n# Query_time:") + statement.count("\n# Thread_id:") + statement.count("\n/usr/sbin")

    log = tmp_path / "slow.log"
    log.write_text(text)
    stats_all = assert_fast_equals_reference(log)
    assert stats_all["headers_in_statements"] == stats.headers_in_statements
    result = run_digest([str(log)], since=None, until=None, workers=1)
    assert {c["sample"] for c in result.classes} == {statement, "SELECT 2"}
    assert {c["user_max"] for c in result.classes} == {"mallory", "app"}
    assert max(c["Query_time_max"] for c in result.classes) == 1.0


def test_the_forged_log_gives_one_event_per_real_entry_at_any_chunk_size(tmp_path: Path) -> None:
    """Forged entries nested deep in one string: chunks cut inside it are found and re-read."""
    statement = "SELECT 'x;\n" + "\n".join([FORGED] * 40) + "\n' FROM t"
    text = "".join(entry("app", f"SELECT {s}", second=s) for s in range(1, 5)) + entry("mallory", statement, second=9) \
        + "".join(entry("app", f"SELECT {s}", second=s) for s in range(11, 15))
    log = tmp_path / "slow.log"
    log.write_text(text)
    stats = assert_fast_equals_reference(log, chunk_sizes=(150, 900, 3000, 1 << 20))
    assert stats["events_read"] == 9 and stats["headers_in_statements"] == 40 * 3


def test_ordinary_statements_with_quotes_in_comments_keep_every_entry(tmp_path: Path) -> None:
    """The lexer must not see a quote opened where none is: every entry stays its own."""
    statements = ["SELECT 1 -- don't\nFROM t", "SELECT 1 # it's\nFROM t", "SELECT /*! 'a' */ 1",
                  "SELECT /*+ QB_NAME(`q`) */ 'a''b', \"c\\\"d\" FROM t", "SELECT 'a\\\\' FROM t",
                  "SELECT 2-1 FROM t --\n", "SELECT 1 /* ' */ FROM t", "SELECT `a``b` FROM t"]
    log = tmp_path / "slow.log"
    log.write_text("".join(entry("app", s, second=n) for n, s in enumerate(statements, 1)))
    stats = assert_fast_equals_reference(log)
    assert stats["events_read"] == len(statements) and stats["headers_in_statements"] == 0


@pytest.mark.parametrize("text, state", [
    (b"SELECT 1", CLOSED), (b"SELECT 'a", ord("'")), (b"SELECT 'a\\'", ord("'")), (b"SELECT 'a''", ord("'")),
    (b"SELECT 'a'''", CLOSED), (b'SELECT "a', ord('"')), (b"SELECT `a", ord("`")), (b"SELECT `a\\`", CLOSED),
    (b"SELECT /* a", ord("*")), (b"SELECT /* a */", CLOSED), (b"SELECT /*/", ord("*")), (b"SELECT /**/ 'a", ord("'")),
    (b"SELECT /*! 'a", ord("'")), (b"SELECT /*M!100 'a' */", CLOSED), (b"SELECT 1 -- 'a\nFROM t", CLOSED),
    (b"SELECT 1 --'a\n", ord("'")), (b"SELECT 1 --\n'a", ord("'")), (b"SELECT 1 # 'a\n", CLOSED), (b"SELECT '# a\n", ord("'")),
    (b"SELECT '/*' /* ' */", CLOSED), (b"SELECT 1 --", CLOSED),
])
def test_statement_state(text: bytes, state: int) -> None:
    assert statement_state(text) == state
    if chunk._speedups is not None:
        assert chunk._speedups.sql_state(text) == state


def test_statement_state_resumes_across_lines() -> None:
    text = b"SELECT 'a\n\\'b\n' /* c\nd */ `e\n` 'f\n"
    lines = text.splitlines(keepends=True)
    state = CLOSED
    for line in lines:
        state = statement_state(line, state)
    assert state == statement_state(text) == ord("'")


@pytest.mark.skipif(chunk._speedups is None, reason="the C kernels are not built")
def test_c_statement_state_equals_the_python_one() -> None:
    alphabet = [b"'", b'"', b"`", b"\\", b"/", b"*", b"!", b"+", b"M", b"-", b"#", b"\n", b" ", b"\t", b"a", b";"]
    rng = random.Random(13)
    for _ in range(30000):
        text = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert chunk._speedups.sql_state(text) == statement_state(text), text
