"""The fast path (chunks, shapes, the optional C kernels, worker processes) against the reference.

The reference is ``engine="reference"``: ``parser.iter_events`` one line at a time and
``Digest.add`` one event at a time. Every other way of running a digest -- chunked at any size (so
that chunks start in the middle of runs of entries that inherit a time or db), with or without the
C kernels, in worker processes -- must give identical classes and identical statistics.
"""

from __future__ import annotations

import datetime as dt
import gzip
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themis.slowlog import chunk
from themis.slowlog.chunk import next_boundary
from themis.slowlog.digest import digest_paths
from themis.slowlog.fingerprint import Fingerprinter, _B_DIGITS, _literal_steps_bytes
from themis.slowlog.runner import run_digest

UTC = dt.timezone.utc
DATA = Path(__file__).resolve().parents[1] / "data" / "slowlogs"
LOGS = sorted(DATA.glob("*.log"))
ENGINE_ONLY = {"seconds", "engine", "workers", "chunks", "fast_path_events", "fallback_bytes", "phases", "accelerated"}
ACCELERATED = [False, True] if chunk._speedups is not None else [False]


def comparable(result: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    return result.classes, {k: v for k, v in result.stats.items() if k not in ENGINE_ONLY}


@pytest.fixture(params=ACCELERATED, ids=lambda on: "C" if on else "python")
def kernels(request: pytest.FixtureRequest):
    chunk.use_speedups(request.param)
    yield request.param
    chunk.use_speedups(True)


def assert_same_as_reference(paths: list[str], *, chunk_sizes=(97, 1000, 1 << 20), workers: int = 1,
                             **window: dt.datetime | None) -> None:
    since, until = window.get("since"), window.get("until")
    expected = comparable(run_digest(paths, since=since, until=until, engine="reference"))
    for size in chunk_sizes:
        got = comparable(run_digest(paths, since=since, until=until, workers=workers, chunk_size=size))
        if got != expected:
            mine = {c["checksum"]: c for c in got[0]}
            diff = [(c["fingerprint"], {k: (v, mine.get(c["checksum"], {}).get(k)) for k, v in c.items()
                                        if mine.get(c["checksum"], {}).get(k) != v}) for c in expected[0]
                    if mine.get(c["checksum"]) != c]
            stats = {k: (v, got[1].get(k)) for k, v in expected[1].items() if got[1].get(k) != v}
            pytest.fail(f"chunk size {size}: classes {diff[:3]}, stats {stats}")


@pytest.mark.parametrize("log", LOGS, ids=[p.name for p in LOGS])
def test_sample_logs_at_any_chunk_size(kernels: bool, log: Path) -> None:
    assert_same_as_reference([str(log)])


def test_windows_cut_through_chunks(kernels: bool) -> None:
    log = str(DATA / "mariadb103.log")
    since = dt.datetime(2026, 11, 22, 5, 50, tzinfo=UTC)
    until = dt.datetime(2026, 11, 22, 6, 20, tzinfo=UTC)
    assert_same_as_reference([log], since=since, until=until)
    assert_same_as_reference([log], since=since)
    assert_same_as_reference([log], until=until)


HEAD = "# Time: 2026-11-22T05:40:0{s}Z\n# User@Host: a[a] @ h [10.0.0.{s}]  Id: 7\n# Query_time: 1.{s}00000  Lock_time: 0.000100 Rows_sent: 1  Rows_examined: {s}0\n"
ODDITIES = "".join([
    "/usr/sbin/mariadbd, Version: 10.11.6-MariaDB-log (Debian 12). started with:\nTcp port: 0  Unix socket: /run/mysqld/mysqld.sock\nTime\t\t    Id Command\tArgument\n",
    HEAD.format(s=1) + "use shop;\nSET timestamp=1795326001;\nSELECT a FROM t WHERE b = 'x;\n# y';\n",
    HEAD.format(s=2) + "SELECT 2;\n",  # no SET timestamp: the Time line
    "# User@Host: b[b] @ h []\n# Query_time: 0.5  Lock_time: 0 Rows_sent: 0  Rows_examined: 0\nSELECT 3;\n",  # inherits
    HEAD.format(s=3) + "# administrator command: Quit;\n",
    HEAD.format(s=4) + "SET timestamp=1795326004;\nTRUNCATE TABLE t;\n",
    HEAD.format(s=5) + "SET timestamp=1795326005;\nSELECT 'caf\xe9' FROM t;\n",
    "\x00\xff garbage\n",
    HEAD.format(s=6) + "SET timestamp=1795326006;\nSELECT * FR",  # truncated
    HEAD.format(s=7) + "SET timestamp=1795326007;\nINSERT INTO t VALUES (1),(2);\n",
    "# Time: 261122  5:40:08\n# User@Host: c[c] @ localhost []\n# Thread_id: 8  Schema:   QC_hit: No\n"
    "# Query_time: 0.000213  Lock_time: 0.000071  Rows_sent: 1  Rows_examined: 3\nSET timestamp=1795326008;\nSELECT 4;\n",
    HEAD.format(s=9) + "SET timestamp=1795326009;\n\nSELECT 5;\n",  # a statement starting with a blank line
    HEAD.format(s=9) + "SET timestamp=1795326009;\nSELECT 6;\r\n",
])


def test_oddities_mixed_with_regular_entries(kernels: bool, tmp_path: Path) -> None:
    regular = (DATA / "mysql57.log").read_text()
    log = tmp_path / "odd.log"
    log.write_bytes((regular + ODDITIES + regular[: len(regular) // 2] + ODDITIES).encode("latin-1", "replace"))
    assert_same_as_reference([str(log)], chunk_sizes=(50, 333, 4096, 1 << 20))


def test_several_files_and_gzip(kernels: bool, tmp_path: Path) -> None:
    (tmp_path / "slow.log.2.gz").write_bytes(gzip.compress((DATA / "percona57.log").read_bytes()))
    (tmp_path / "slow.log.1").write_bytes((DATA / "mariadb103.log").read_bytes())
    (tmp_path / "slow.log").write_bytes((DATA / "mysql57.log").read_bytes())
    assert_same_as_reference([str(tmp_path / "slow.log*")], chunk_sizes=(700, 1 << 20))


def test_worker_processes_give_the_same_digest(tmp_path: Path) -> None:
    logs = [str(p) for p in LOGS]
    (tmp_path / "big.log").write_bytes(b"".join(p.read_bytes() for p in LOGS) * 3)
    assert_same_as_reference(logs + [str(tmp_path / "big.log")], chunk_sizes=(2000,), workers=2)


def test_worker_failure_is_an_error_not_a_silent_gap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "slow.log"
    log.write_bytes((DATA / "mysql57.log").read_bytes())
    monkeypatch.setenv("PYTHONPATH", "/nonexistent")  # the worker cannot even import itself...
    monkeypatch.setattr("themis.slowlog.runner.sys.executable", "/bin/false")  # ...or start
    with pytest.raises(RuntimeError, match="slow-log worker"):
        run_digest([str(log)], since=None, until=None, workers=2, chunk_size=1000)


# -------------------------------------------------------------------------------- fuzzing

SAMPLES = [p.read_bytes() for p in LOGS]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def wide_line(count: int) -> bytes:
    """An attribute line with ``count`` values (issue 13 item 2: beyond any fixed limit of the C kernel)."""
    kinds = [b"%d", b"%d.000001", b"Yes", b"v%dx"]
    return b"# Key: 1  " + b"  ".join(b"Key%d: " % i + (kinds[i % 4] % i if i % 4 != 2 else b"No")
                                      for i in range(count)) + b"\n"


# Pieces of statements that open a quote or comment around header lines (issue 13 item 4).
OPENERS = [b"'", b'"', b"`", b"/*", b"\\", b"*/", b"-- '", b"# '", b"/*!"]
FORGED_LINES = [b"# Time: 2026-11-22T06:00:00.000000Z\n", b"# User@Host: root[root] @ localhost []  Id: 1\n",
                b"# Query_time: 999.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 9\n",
                b"# Thread_id: 1  Schema: shop\n", b"SET timestamp=1795327200;\n", b"DROP TABLE important;\n",
                b"/usr/sbin/mysqld, Version: 8.0.36 (x). started with:\n"]
MUTATION_JUNK = (st.sampled_from([b"\n", b"#", b"# Time: x\n", b";\n", b"\xff", b"  ", b"use db;\n", b"SET timestamp=9;\n",
                                  b"T", b":", *OPENERS, *FORGED_LINES])
                 | st.builds(wide_line, st.integers(1, 1000)))


@FUZZ
@given(st.sampled_from(range(len(SAMPLES))),
       st.lists(st.tuples(st.sampled_from(["delete", "insert", "flip", "duplicate"]), st.integers(0, 10**6),
                          st.integers(0, 300), MUTATION_JUNK),
                max_size=6),
       st.sampled_from([64, 500, 3000]), st.booleans())
def test_mutated_logs_fast_equals_reference(tmp_path_factory: pytest.TempPathFactory, sample: int,
                                            mutations: list[tuple[str, int, int, bytes]], size: int,
                                            accelerated: bool) -> None:
    data = bytearray(SAMPLES[sample])
    for kind, where, length, junk in mutations:
        where %= len(data) + 1
        if kind == "delete":
            del data[where:where + length]
        elif kind == "insert":
            data[where:where] = junk
        elif kind == "flip" and where < len(data):
            data[where] ^= 0x20
        elif kind == "duplicate":
            data[where:where] = data[where:where + length]
    log = tmp_path_factory.mktemp("fuzz") / "slow.log"
    log.write_bytes(bytes(data))
    chunk.use_speedups(accelerated)
    try:
        assert_same_as_reference([str(log)], chunk_sizes=(size,))
    finally:
        chunk.use_speedups(True)


def hostile_entry(second: int, kind: str, count: int, pieces: list[bytes]) -> bytes:
    """A server-written entry: ``wide`` has ``count`` extra attributes, ``hiding`` a statement made
    of ``pieces`` (openers, closers and forged header lines), ``plain`` a SELECT."""
    head = (b"# Time: 2026-11-22T05:%02d:%02d.000000Z\n# User@Host: app[app] @ web1 [10.0.0.5]  Id: 12\n"
            b"# Query_time: 0.%06d  Lock_time: 0.000100 Rows_sent: 1  Rows_examined: %d\n"
            % (40 + second // 60, second % 60, second, second))
    if kind == "wide":
        head += wide_line(count)
    statement = b"SELECT %d FROM t WHERE a = 'x'" % second
    if kind == "hiding":
        statement = b"SELECT " + b"".join(pieces) + b" FROM t"
    return head + b"SET timestamp=%d;\n" % (1795326000 + second) + statement + b";\n"


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(["plain", "wide", "hiding"]), st.integers(1, 1000),
                          st.lists(st.sampled_from(OPENERS + FORGED_LINES + [b"x;\n", b"1\n"]), max_size=12)),
                min_size=1, max_size=12),
       st.sampled_from([64, 500, 3000]), st.booleans())
def test_hostile_entries_fast_equals_reference(tmp_path_factory: pytest.TempPathFactory,
                                               entries: list[tuple[str, int, list[bytes]]], size: int,
                                               accelerated: bool) -> None:
    """Issue 13: wide attribute lines (up to 1 000 values) and statements hiding header lines in
    open quotes or comments, digested by the fast path (C kernels on or off) as by the reference."""
    data = b"".join(hostile_entry(n, *spec) for n, spec in enumerate(entries))
    log = tmp_path_factory.mktemp("hostile") / "slow.log"
    log.write_bytes(data)
    chunk.use_speedups(accelerated)
    try:
        assert_same_as_reference([str(log)], chunk_sizes=(size,))
    finally:
        chunk.use_speedups(True)


# -------------------------------------------------------------------------------- pieces


def test_clean_cuts_are_entry_starts_after_a_statement() -> None:
    data = (DATA / "mysql57.log").read_bytes()
    cuts = []
    pos = 1
    while True:
        cut = next_boundary(data, pos)
        if cut >= len(data):
            break
        cuts.append(cut)
        pos = cut + 1
    assert cuts and all(data[c:c + 7] in (b"# Time:", b"# User@") for c in cuts)
    assert all(data[:c].rstrip(b"\r\n").endswith(b";") for c in cuts)


@pytest.mark.skipif(chunk._speedups is None, reason="the C kernels are not built")
def test_c_skeleton_equals_the_python_key() -> None:
    skeleton = chunk._speedups.skeleton
    alphabet = [b"'", b'"', b"\\", b"/", b"*", b"!", b"-", b"#", b"\n", b"\r", b" ", b"(", b")", b",", b"1", b"23",
                b"a", b"values", b"VALUES", b"into", b"INSERT ", b"insert", b" IGNORE", b"use ", b"call", b"\xc3\xa9",
                b"\xff", b":", b".", b"?", b"/*db.t:1/2*/", b"SELECT /*!40001 SQL_NO_CACHE */ * FROM `"]
    rng = random.Random(20261122)
    checked = 0
    for _ in range(20000):
        raw = b"".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        if rng.random() < 0.3:
            raw = rng.choice([b"INSERT INTO t ", b"insert ignore into t ", b"REPLACE INTO x", b"select "]) + raw
        key = skeleton(raw)
        if key is None:
            continue
        early, text = _literal_steps_bytes(raw)
        assert early is None, raw
        assert key == _B_DIGITS.sub(b"0", text), raw
        checked += 1
    assert checked > 10000


@pytest.mark.skipif(chunk._speedups is None, reason="the C kernels are not built")
@pytest.mark.parametrize("kind", ["dec6", "int", "len"])
def test_c_fold_equals_the_python_fold(kind: str) -> None:
    from themis.slowlog.digest import ClassAcc, NumAcc

    rng = random.Random(7)
    if kind == "dec6":
        column: Any = tuple(f"{rng.lognormvariate(-3, 3) % 1e8:.6f}".encode() for _ in range(5000))
    elif kind == "int":
        column = tuple(str(int(10 ** rng.uniform(0, 19)) - 1).encode() for _ in range(5000))
    else:
        column = [rng.randrange(0, 2**40) for _ in range(5000)]
    ends = sorted(rng.sample(range(1, 5000), 300)) + [5000]

    def classes() -> list[ClassAcc]:
        made = [ClassAcc(f"fp{n}") for n in range(len(ends))]
        for n, cls in enumerate(made):
            if n % 7 == 0:  # some classes already have values (an int, and a float, at the same value)
                acc = cls.nums["x"] = NumAcc()
                acc.add(3)
                acc.add(3.0)
        return made

    py, c = classes(), classes()
    assert chunk._fold_accs_c(column, kind, ends, c, "x") == chunk._fold_accs_py(column, kind, ends, py, "x")
    for mine, theirs in zip(c, py):
        a, b = mine.nums["x"], theirs.nums["x"]
        assert (a.cnt, a.isum, a.usum, a.bsum, a.floats, a.lo, a.hi, a.buckets) == \
            (b.cnt, b.isum, b.usum, b.bsum, b.floats, b.lo, b.hi, b.buckets)
        assert (type(a.lo), type(a.hi)) == (type(b.lo), type(b.hi))


def test_fingerprinter_key_is_safe_for_digit_runs() -> None:
    fingerprinter = Fingerprinter()
    a = fingerprinter(b"SELECT * FROM users_2009 WHERE id = 42 AND x IN (1, 22, 333)")
    b = fingerprinter(b"SELECT * FROM users_7 WHERE id = 123456789 AND x IN (4, 5, 6)")
    assert a == b == "select * from users_? where id = ? and x in(?+)"
    assert fingerprinter.misses == 1
    assert re.search(r"\d", a) is None


def test_digest_paths_reports_the_engine(tmp_path: Path) -> None:
    result = digest_paths([str(DATA / "mysql57.log")], since=None, until=None, workers=1)
    assert result.stats["engine"] == "fast" and result.stats["accelerated"] == (chunk._speedups is not None)
    assert result.stats["fast_path_events"] > 0


@pytest.mark.skipif(chunk._speedups is None, reason="the C kernels are not built")
def test_c_metrics_equal_the_python_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    from themis.slowlog import digest as digest_module
    from themis.slowlog.digest import NumAcc

    rng = random.Random(11)
    for _ in range(3000):
        acc = NumAcc()
        for _ in range(rng.choice([1, 2, 3, 10, 11, 57, 400])):
            value = rng.choice([rng.randrange(0, 5000), round(rng.lognormvariate(-2, 3), 6), 2**60, 0.0, 1])
            acc.add(value)
        monkeypatch.setattr(digest_module, "metrics_kernel", chunk._speedups.metrics)
        fast = acc.metrics()
        monkeypatch.setattr(digest_module, "metrics_kernel", None)
        slow = acc.metrics()
        assert fast == slow and [type(v) for v in fast] == [type(v) for v in slow], (acc.buckets, acc.lo, acc.hi)


def test_truncated_gzip_same_as_reference(kernels: bool, tmp_path: Path) -> None:
    data = b"".join(p.read_bytes() for p in LOGS)
    compressed = gzip.compress(data)
    (tmp_path / "cut.gz").write_bytes(compressed[: len(compressed) * 2 // 3])
    assert_same_as_reference([str(tmp_path / "cut.gz")], chunk_sizes=(4000, 1 << 20))
    result = run_digest([str(tmp_path / "cut.gz")], since=None, until=None, workers=1, chunk_size=4000)
    assert "EOFError" in result.stats["per_file"][0]["read_error"] and result.stats["events_read"] > 100


def test_a_log_without_time_lines(kernels: bool, tmp_path: Path) -> None:
    """Every entry's time depends on the chunks before: the runner digests them in order."""
    text = re.sub(rb"# Time: [^\n]*\n", b"", (DATA / "mysql57.log").read_bytes())
    (tmp_path / "no_time.log").write_bytes(text)
    assert_same_as_reference([str(tmp_path / "no_time.log")], chunk_sizes=(300, 2000))
    since = dt.datetime(2026, 11, 22, 6, tzinfo=UTC)
    assert_same_as_reference([str(tmp_path / "no_time.log")], chunk_sizes=(300,), since=since)
