"""Exit codes and summaries tell the truth (issue 13, item 10).

``themis slowlog digest`` exits 0 clean, 1 skipped entries, 2 no input or usage, 3 read errors,
4 internal error (one line, no traceback); ``ingest`` (what ``ingest_slowlog`` returns as XCom)
carries ``read_errors`` and reads a rotated log again once; the report's SQLSTAT section says when
the window's slow log was only partly read.
"""

from __future__ import annotations

import gzip
import logging
import os
from pathlib import Path

import pytest

from themis.cli import main
from themis.config import SlowlogSource
from themis.report import render_html
from themis.slowlog import digest as digest_module
from themis.slowlog import runner
from themis.slowlog.ingest import DIGEST_KIND, ingest
from themis.slowlog.runner import run_digest
from themis.store import PartitionKey, open_store
from themis.tasks import slowlog_read
from themis.window import CaptureWindow

ENTRY = (b"# Time: 2026-11-22T05:%02d:%02dZ\n# User@Host: app[app] @ web [10.0.0.1]  Id: %d\n"
         b"# Query_time: 0.001000  Lock_time: 0.000010 Rows_sent: 1  Rows_examined: 1\n"
         b"SELECT name FROM t%d WHERE id = %d;\n")
WINDOW = CaptureWindow.parse("2026-11-22T05:00:00Z", "2026-11-22T06:00:00Z")


def entries(count: int, first: int = 0) -> bytes:
    return b"".join(ENTRY % ((n // 60) % 60, n % 60, n, n % 5, n) for n in range(first, first + count))


def digest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    status = main(["slowlog", "digest", *args, "--workers", "1"])
    return status, capsys.readouterr().err


def test_0_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "slow.log").write_bytes(entries(100))
    assert digest(capsys, str(tmp_path / "slow.log")) == (0, "")


def test_1_skipped_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "slow.log").write_bytes(b"garbage;\n" + entries(100))
    status, err = digest(capsys, str(tmp_path / "slow.log"))
    assert status == 1 and "skipped 1 malformed entries" in err


def test_2_no_input_or_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, err = digest(capsys, str(tmp_path / "missing-*.log"))
    assert status == 2 and "matches no file" in err
    with pytest.raises(SystemExit) as usage:
        main(["slowlog", "digest", "--no-such-option", "x"])
    assert usage.value.code == 2


def test_3_read_errors_win_over_skipped_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compressed = gzip.compress(b"garbage;\n" + entries(3000))
    (tmp_path / "slow.log.1.gz").write_bytes(compressed[: len(compressed) // 2])
    status, err = digest(capsys, str(tmp_path / "slow.log.1.gz"), "--json")
    assert status == 3
    assert "slow.log.1.gz: read only" in err and "compressed file ended before the end-of-stream marker" in err


def test_4_internal_error_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "slow.log").write_bytes(entries(10))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("slow-log worker 0 failed:\nTraceback (most recent call last):\n  ...")

    monkeypatch.setattr(digest_module, "digest_paths", broken)
    status, err = digest(capsys, str(tmp_path / "slow.log"))
    assert status == 4
    assert err == "themis slowlog digest: internal error: RuntimeError: slow-log worker 0 failed:\n"


# ------------------------------------------------------------------------ ingest and the report


@pytest.fixture
def store(tmp_path: Path):
    with open_store({"backend": "local", "path": str(tmp_path / "store.sqlite3")}) as opened:
        yield opened


def test_the_ingest_summary_and_the_report_say_the_log_was_partly_read(store, tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    compressed = gzip.compress(entries(3000))
    (tmp_path / "slow.log.1.gz").write_bytes(compressed[: len(compressed) // 2])
    (tmp_path / "slow.log").write_bytes(entries(10, first=3000))
    source = SlowlogSource(source="file", paths=[str(tmp_path / "slow.log*")], workers=1)
    with caplog.at_level(logging.WARNING, logger="themis"):
        summary = ingest(source, window=WINDOW, instance_id="i", instance_conn_id="c", store=store, run_id="r1")
    [error] = summary["read_errors"]
    assert error["file"] == str(tmp_path / "slow.log.1.gz") and "EOFError" in error["error"]
    assert "read_errors_before_retry" not in summary  # a damaged file is not read again
    assert any("slow.log.1.gz: read only" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)

    read = slowlog_read(store, PartitionKey("i", WINDOW.key, DIGEST_KIND))
    assert read is not None and read["read_errors"] == summary["read_errors"]
    report = {"instance": {"id": "i", "db_type": "mysql"}, "window": WINDOW.as_dict(), "slowlog": read,
              "dimensions": [{"dimension": dim, "title": dim, "status": "ok", "score": 100.0, "max_total": 10,
                              "deduction_total": 0, "rules": []} for dim in ("TEXT", "SQLSTAT")]}
    html = render_html(report)
    sqlstat = html[html.index('<section class="dimension" id="dim-SQLSTAT"'):]
    assert "slow log was only partly read" in sqlstat and "slow.log.1.gz: read only" in sqlstat
    text = html[html.index('<section class="dimension" id="dim-TEXT"'):html.index('id="dim-SQLSTAT"')]
    assert "only partly read" not in text

    clean = dict(report, slowlog={"read_errors": [], "skipped_entries": 0})
    assert "only partly read" not in render_html(clean)


def test_the_ingest_reads_a_log_rotated_under_it_again(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    live, rotated = tmp_path / "slow.log", tmp_path / "slow.log.1"
    live.write_bytes(entries(2000))
    real = runner.pieces
    rotations = []

    def pieces(path: str, **kwargs: object):
        for piece in real(path, **kwargs):
            yield piece
            if piece.final and not rotations:  # once: logrotate renames, the server opens a new file
                os.rename(live, rotated)
                live.write_bytes(entries(5, first=2000))
                rotations.append(path)

    monkeypatch.setattr(runner, "pieces", pieces)
    source = SlowlogSource(source="file", paths=[str(tmp_path / "slow.log*")], workers=1)
    summary = ingest(source, window=WINDOW, instance_id="i", instance_conn_id="c", store=store, run_id="r1")
    assert rotations and summary["read_errors"] == []
    assert "file replaced while being read" in summary["read_errors_before_retry"][0]["error"]
    whole = run_digest([str(rotated), str(live)], since=WINDOW.start, until=WINDOW.end, engine="reference")
    assert store.read_all(PartitionKey("i", WINDOW.key, DIGEST_KIND)) == whole.classes
    assert summary["events_in_window"] == 2005
