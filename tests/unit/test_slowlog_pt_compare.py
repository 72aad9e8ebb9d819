"""Our digest against the real pt-query-digest on the sample logs in tests/data/slowlogs/.

pt-query-digest is the reference (design.md §4): same classes, checksums, fingerprints, counts, and
the same sum/min/max (and even its bucketed pct_95/median/stddev) to the precision its JSON prints.
Skipped, with the reason, where the tool is not installed.

Known, deliberate differences are not exercised by these logs: they are covered in
test_slowlog_parser.py (MariaDB restart banner, '# comment' lines inside statements, truncated
entries) and listed in plugins/themis/slowlog/parser.py's docstring.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from themis.slowlog.digest import digest_paths
from themis.slowlog.fingerprint import fingerprint


def _golden() -> list[tuple[str, str, str]]:
    """The fingerprint golden table, loaded by path (tests/unit is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_slowlog_golden", Path(__file__).with_name("test_slowlog_fingerprint.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.GOLDEN

PT = shutil.which("pt-query-digest") or "/usr/bin/pt-query-digest"
DATA = Path(__file__).resolve().parents[1] / "data" / "slowlogs"
LOGS = sorted(DATA.glob("*.log"))

pytestmark = pytest.mark.skipif(not Path(PT).exists(), reason="pt-query-digest is not installed (apt-get install percona-toolkit)")


def pt_text(value: str) -> str:
    """pt's JSON encodes the log's raw bytes as if they were latin1: undo that."""
    return value.encode("latin-1").decode("utf-8", "replace")


def run_pt(log: Path) -> dict[str, Any]:
    out = subprocess.run(
        [PT, "--no-version-check", "--output", "json", "--limit", "100%:100000", str(log)],
        capture_output=True, check=True, timeout=120,
    ).stdout
    return json.loads(out)


def fmt(attr: str, value: float) -> str:
    """pt prints times and waits with 6 decimals and everything else as integers."""
    return "%.6f" % value if attr.endswith(("_time", "_wait")) else "%d" % value


def test_sample_logs_exist() -> None:
    assert len(LOGS) >= 6


@pytest.mark.parametrize("log", LOGS, ids=[p.name for p in LOGS])
def test_digest_equals_pt_query_digest(log: Path) -> None:
    pt = run_pt(log)
    ours = digest_paths([str(log)], since=None, until=None)
    mine = {c["checksum"]: c for c in ours.classes}

    assert ours.stats["skipped_entries"] == 0
    assert ours.stats["events_read"] == pt["global"]["query_count"]
    assert sorted(mine) == sorted(c["checksum"] for c in pt["classes"])

    for theirs in pt["classes"]:
        cls = mine[theirs["checksum"]]
        where = f"{log.name} {theirs['checksum']} {cls['fingerprint']!r}"
        assert cls["fingerprint"] == pt_text(theirs["fingerprint"]), where
        assert cls["query_count"] == theirs["query_count"], where
        example = pt_text(theirs["example"]["query"])
        if len(example) >= 10000:  # pt's report shortens long examples
            assert cls["sample"].startswith(example[:9000]), where
        else:
            assert cls["sample"] == example, where
        metrics = theirs["metrics"]
        qt = metrics["Query_time"]
        for key in ("sum", "min", "max"):
            assert fmt("Query_time", cls[f"Query_time_{key}"]) == qt[key], (where, key)
        for edge in ("ts_min", "ts_max"):  # pt prints the # Time: value, to the second
            assert cls[edge][:19].replace("T", " ") == theirs[edge][:19].replace("T", " "), (where, edge)
        for attr, values in metrics.items():
            if attr in ("rate_limit", "Last_errno", "Start", "End"):
                continue  # strings in pt; not metrics here
            if "value" in values:  # db / user / host: pt reports the maximum
                assert cls[f"{attr}_max"] == pt_text(values["value"]), (where, attr)
            elif "yes" in values:
                name = "QC_Hit" if attr == "QC_hit" else attr  # MariaDB's spelling, normalised
                assert cls[f"{name}_sum"] == int(values["yes"]), (where, attr)
            else:
                for key in ("sum", "min", "max", "pct_95", "median", "stddev"):
                    assert fmt(attr, cls[f"{attr}_{key}"]) == values[key], (where, attr, key)


def _pt_fingerprints(queries: list[str]) -> list[str]:
    """Run pt-query-digest's own fingerprint function on each query (NUL-separated, raw bytes)."""
    script = (
        'require $ARGV[0]; my $qr = QueryRewriter->new(); binmode STDIN; binmode STDOUT; my @q;'
        '{ local $/ = "\\0"; while (my $l = <STDIN>) { chomp $l; push @q, $l; } }'
        'print $qr->fingerprint($_), "\\0" for @q;'
    )
    payload = b"".join(q.encode("utf-8", "surrogateescape") + b"\0" for q in queries)
    proc = subprocess.run(["perl", "-e", script, PT], input=payload, capture_output=True, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"cannot load pt-query-digest's QueryRewriter from perl: {proc.stderr[:200]!r}")
    return [fp.decode("utf-8", "surrogateescape") for fp in proc.stdout.split(b"\0")[:-1]]


def _random_queries(count: int, seed: int) -> list[str]:
    """SQL-ish token soup that walks into every normalisation step and its corner cases."""
    tokens = [
        "SELECT", "select", " ", "  ", "\n", "\t", "\r", "\f", "\v", "*", "FROM", "t1", "users_2009", "WHERE", "a",
        "=", "1", "-2", "+3", "0x1F", "0b101", "1.5e-3", "'str'", "'it\\'s'", '"dq"', "NULL", "null", "TRUE",
        "false", "IN", "in", "(", ")", ",", "?", "VALUES", "VALUE", "INSERT INTO", "REPLACE INTO",
        "INSERT IGNORE INTO", "UNION", "UNION ALL", "ORDER BY", "order by", "ASC", "asc", "DESC", "LIMIT",
        "OFFSET", "/* c */", "/*! 4000 x */", "/**/", "-- x\n", "# y\n", "#", "--", "use", "USE", "db", "`tbl`",
        "CALL", "call p(", "\u00e9", "\u00a0", "x", "b", ".", "ascii", "administrator command: ", ";", "\\", "'",
        '"', "_", "e", "E", "ab12cd", "tbl.col2", "GROUP BY", "select a from t", "/*db.t:1/2*/",
    ]
    rng = random.Random(seed)
    return ["".join(rng.choice(tokens) for _ in range(rng.randint(1, 25))) for _ in range(count)]


def test_fingerprint_equals_pts_own_function() -> None:
    queries = [query for _, query, _ in _golden()] + _random_queries(3000, seed=20261122)
    expected = _pt_fingerprints(queries)
    assert len(expected) == len(queries)
    mismatches = [(q, e, fingerprint(q)) for q, e in zip(queries, expected) if fingerprint(q) != e]
    assert mismatches == []
