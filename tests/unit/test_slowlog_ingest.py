"""``ingest`` (what ingest_slowlog runs) with a file source and the local store, the config keys of
the slow-log source, and ``themis slowlog digest`` -- no database needed."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from themis.cli import main
from themis.config import ConfigError, SlowlogSource, parse_config
from themis.slowlog.ingest import ingest
from themis.store import PartitionKey, open_store
from themis.window import CaptureWindow

DATA = Path(__file__).resolve().parents[1] / "data" / "slowlogs"
WINDOW = CaptureWindow.parse("2026-11-22T05:50:00Z", "2026-11-22T06:20:00Z")


@pytest.fixture
def store(tmp_path: Path):
    with open_store({"backend": "local", "path": str(tmp_path / "store.sqlite3")}) as opened:
        yield opened


def run(store, source: SlowlogSource, window: CaptureWindow = WINDOW, run_id: str = "r1") -> dict:
    return ingest(source, window=window, instance_id="i", instance_conn_id="c", store=store, run_id=run_id)


def test_file_source_into_the_store_and_a_rerun_replaces_it(store, tmp_path: Path) -> None:
    log = tmp_path / "slow.log"
    text = (DATA / "mariadb103.log").read_bytes()
    log.write_bytes(text + b"\x00\xff not a log line\n")
    source = SlowlogSource(source="file", paths=[str(tmp_path / "slow*.log")], workers=1)
    summary = run(store, source)
    key = PartitionKey("i", WINDOW.key, "slowlog.digest")
    classes = store.read_all(key)
    assert summary["classes"] == len(classes) > 0 and summary["source"] == "file"
    assert summary["events_in_window"] == sum(c["query_count"] for c in classes)
    assert summary["events_outside_window"] > 0  # the log runs past both ends of the window
    assert summary["skipped_entries"] == 1 and summary["skipped_offsets"][0]["offset"] == len(text)
    assert all(WINDOW.start.isoformat() <= c["ts_min"] and c["ts_max"] < WINDOW.end.isoformat() for c in classes)
    info = store.info(key)
    assert info["meta"]["run_id"] == "r1" and info["meta"]["stats"]["skipped_entries"] == 1

    again = run(store, source, run_id="r2")
    assert store.read_all(key) == classes and again["classes"] == summary["classes"]  # replaced, not added
    assert store.info(key)["meta"]["run_id"] == "r2"


def test_files_last_written_before_the_window_are_not_read(store, tmp_path: Path) -> None:
    old, live = tmp_path / "slow.log.1", tmp_path / "slow.log"
    old.write_bytes((DATA / "mysql57.log").read_bytes())
    live.write_bytes((DATA / "mariadb103.log").read_bytes())
    long_ago = WINDOW.start.timestamp() - 3 * 3600
    os.utime(old, (long_ago, long_ago))
    summary = run(store, SlowlogSource(source="file", paths=[str(tmp_path / "slow.log*")], workers=1))
    stored = store.info(PartitionKey("i", WINDOW.key, "slowlog.digest"))["meta"]["stats"]
    assert stored["files_not_read"] == [str(old)] and stored["files"] == [str(live)]


def test_a_backfill_reads_rotated_logs(store, tmp_path: Path) -> None:
    import gzip

    (tmp_path / "slow.log.2.gz").write_bytes(gzip.compress((DATA / "mysql57.log").read_bytes()))
    (tmp_path / "slow.log").write_bytes(b"")
    summary = run(store, SlowlogSource(source="file", paths=[str(tmp_path / "slow.log*")], workers=1),
                  window=CaptureWindow.parse("2026-11-22T05:00:00Z", "2026-11-22T06:00:00Z"))
    assert summary["classes"] > 0 and summary["events_in_window"] > 0


# ---------------------------------------------------------------------------------- config


def instance(**slowlog: object) -> dict:
    return {"instances": [{"id": "db1", "db_type": "mysql", "conn_id": "c", "schemas": ["s"], "slowlog": slowlog}]}


def test_source_keys_and_outputs() -> None:
    config = parse_config(instance(source="table", table="mysql.slow_log", conn_id="repo", workers=2,
                                   history={"table": "percona_schema.query_history"},
                                   review={"table": "percona_schema.query_review", "conn_id": "other",
                                           "create": False}))
    slowlog = config.instances[0].slowlog
    assert slowlog.source == "table" and slowlog.conn_id == "repo" and slowlog.workers == 2
    assert slowlog.history.table == "percona_schema.query_history" and slowlog.history.create is True
    assert slowlog.review.conn_id == "other" and slowlog.review.create is False


@pytest.mark.parametrize("slowlog, key, message", [
    ({"source": "table", "table": "slow_log"}, "slowlog.table", "db.table"),
    ({"source": "pt_history", "history_table": "a.b.c"}, "slowlog.history_table", "db.table"),
    ({"source": "file", "paths": ["x"], "history": {"table": "t"}}, "slowlog.history.table", "db.table"),
    ({"source": "file", "paths": ["x"], "review": {"conn_id": "c"}}, "slowlog.review.table", "required"),
    ({"source": "file", "paths": ["x"], "timezone": "Mars/Olympus"}, "slowlog.timezone", "unknown timezone"),
    ({"source": "file", "paths": ["x"], "workers": 0}, "slowlog.workers", "greater than or equal to 1"),
    ({"source": "file", "paths": ["x"], "output": {}}, "slowlog.output", "unknown key"),
    ({"source": "syslog"}, "slowlog.source", "Input should be"),
])
def test_bad_source_keys_are_named(slowlog: dict, key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=rf"instance 'db1': key '{key}': .*{message}"):
        parse_config(instance(**slowlog))


# ---------------------------------------------------------------------------------- the command


def test_cli_table_json_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = str(DATA / "mysql57.log")
    assert main(["slowlog", "digest", log, "--top", "2", "--workers", "1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith("# 65 events, 13 classes, 0 skipped entries") and len(table) == 4
    assert main(["slowlog", "digest", log, "--json", "--since", "2026-11-22T06:00:00Z", "--workers", "1"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["stats"]["since"] == "2026-11-22T06:00:00+00:00"
    assert all(c["ts_min"] >= "2026-11-22T06:00:00" for c in document["classes"])
    out = tmp_path / "digest.json"
    assert main(["slowlog", "digest", log, "-o", str(out), "--tz", "Europe/Berlin"]) == 0
    assert capsys.readouterr().out == "" and len(json.loads(out.read_text())["classes"]) == 13


def test_cli_errors_and_skipped_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slowlog", "digest", str(tmp_path / "missing.log")]) == 2
    assert "missing.log" in capsys.readouterr().err
    assert main(["slowlog", "digest", str(DATA / "mysql57.log"), "--since", "yesterday"]) == 2
    bad = tmp_path / "bad.log"
    bad.write_bytes(b"garbage;\n" + (DATA / "mysql57.log").read_bytes())
    assert main(["slowlog", "digest", str(bad), "--workers", "1"]) == 1  # printed, but says entries were skipped
    captured = capsys.readouterr()
    assert "skipped 1 malformed entries, first at [{'file'" in captured.err and "13 classes" in captured.out
    assert "\r[" not in captured.err  # no progress bar when stderr is not a terminal


def test_a_ten_megabyte_statement(tmp_path: Path) -> None:
    from themis.slowlog.runner import run_digest

    head = (b"# Time: 2026-11-22T05:40:01Z\n# User@Host: a[a] @ h []  Id: 1\n"
            b"# Query_time: 1.000000  Lock_time: 0.000000 Rows_sent: 0  Rows_examined: 0\n")
    big = b"SELECT * FROM t WHERE id IN (" + b", ".join(b"%d" % i for i in range(1_300_000)) + b")"
    log = tmp_path / "big.log"
    log.write_bytes(head + big + b";\n" + head + b"SELECT '" + b"x" * 10_000_000 + b"';\n" + head + b"SELECT 2;\n")
    started = time.monotonic()
    for engine in ("reference", "fast"):
        result = run_digest([str(log)], since=None, until=None, engine=engine, workers=1)
        classes = {c["fingerprint"]: c for c in result.classes}
        assert classes["select * from t where id in(?+)"]["Query_length_max"] == len(big)
        assert classes["select ?"]["query_count"] == 2 and result.stats["skipped_entries"] == 0
    assert time.monotonic() - started < 60
