"""Slow-log engine vs pt-query-digest, side by side on the same file in the same run.

1. Generates ``bench/out/slow-bench.log`` (``gen_slowlog.py``; >= 500 MB, ~1,700 classes) unless it
   is there already.
2. Runs ``pt-query-digest --no-version-check --no-report --output json`` on it (the reference).
3. Runs ``themis slowlog digest`` on it (the command a DBA runs; ``--workers`` processes).
4. Checks the two agree: pt with ``--output json --limit 100%:100000`` and ours on the first
   ``--check-mb`` of the file (classes, checksums, counts, Query_time sum/min/max, pct_95).
5. Prints MB/s, events/s, the ratio, and the peak memory of all processes of each run: sampled
   every 50 ms over the whole process tree (the sum, which is what the machine must hold), and
   ``/usr/bin/time -v``'s "Maximum resident set size" (the largest single process).

    .venv/bin/python bench/slowlog/bench_slowlog.py            # the full run (~2 minutes, pt is most of it)
    .venv/bin/python bench/slowlog/bench_slowlog.py --pure     # also the pure-Python engine (no C kernels)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "out"
PT = shutil.which("pt-query-digest") or "/usr/bin/pt-query-digest"
TIME = "/usr/bin/time"
OURS = "import sys; sys.path.insert(0, {plugins!r}); from themis.cli import main; sys.exit(main(sys.argv[1:]))"


def measure(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``command``; wall time, peak RSS of the whole process tree (sampled), time -v's max RSS."""
    import psutil

    wrapped = [TIME, "-v", *command] if Path(TIME).exists() else command
    started = time.perf_counter()
    proc = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            for process in [root, *root.children(recursive=True)]:
                try:
                    if process.name() != "time":
                        total += process.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(0.05)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}):\n{err[-2000:]}")
    max_rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    return {"wall": wall, "peak_tree_mb": peak / 1e6, "max_rss_mb": int(max_rss.group(1)) / 1e3 if max_rss else None}


def ours_command(log: Path, output: Path, workers: int) -> list[str]:
    code = OURS.format(plugins=str(ROOT / "plugins"))
    return [sys.executable, "-c", code, "slowlog", "digest", str(log), "-o", str(output), "--workers", str(workers)]


def pure_env() -> dict[str, str]:
    """The pure-Python engine: the C kernels switched off (worker processes inherit it)."""
    return {**os.environ, "THEMIS_SLOWLOG_ACCELERATOR": "off"}


def head_of(log: Path, megabytes: float, target: Path) -> Path:
    """The first ``megabytes`` of ``log``, cut before an entry's ``# Time:`` line."""
    with open(log, "rb") as source:
        data = source.read(int(megabytes * 1e6))
        cut = data.rfind(b"\n# Time:")
        target.write_bytes(data[: cut + 1])
    return target


def check(log: Path, workers: int) -> str:
    """pt's JSON and ours on the same (smaller) file: the same classes, counts and times."""
    with tempfile.TemporaryDirectory() as scratch:
        ours_json = Path(scratch) / "ours.json"
        subprocess.run(ours_command(log, ours_json, workers), check=True, capture_output=True)
        pt = json.loads(subprocess.run([PT, "--no-version-check", "--output", "json", "--limit", "100%:100000",
                                        str(log)], check=True, capture_output=True).stdout)
        ours = {c["checksum"]: c for c in json.loads(ours_json.read_text())["classes"]}
    theirs = {c["checksum"]: c for c in pt["classes"]}
    problems = []
    if sorted(ours) != sorted(theirs):
        problems.append(f"classes differ: {len(set(ours) ^ set(theirs))}")
    for checksum, cls in theirs.items():
        mine = ours.get(checksum)
        if mine is None:
            continue
        qt = cls["metrics"]["Query_time"]
        if mine["query_count"] != cls["query_count"] or mine["fingerprint"] != cls["fingerprint"]:
            problems.append(f"{checksum}: count/fingerprint")
        for key in ("sum", "min", "max", "pct_95"):
            if "%.6f" % mine[f"Query_time_{key}"] != qt[key]:
                problems.append(f"{checksum}: Query_time_{key} {mine[f'Query_time_{key}']} vs {qt[key]}")
    if problems:
        raise SystemExit("pt-query-digest and themis disagree:\n" + "\n".join(problems[:20]))
    return f"{len(theirs):,} classes, {pt['global']['query_count']:,} events: identical"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, default=OUT / "slow-bench.log")
    parser.add_argument("--mb", type=float, default=520.0, help="size of the generated log (MB)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--check-mb", type=float, default=30.0, help="size of the slice checked against pt")
    parser.add_argument("--pure", action="store_true", help="also run the pure-Python engine")
    parser.add_argument("--skip-pt", action="store_true", help="do not run pt-query-digest (no ratio)")
    args = parser.parse_args(argv)

    log: Path = args.log
    if not log.exists() or log.stat().st_size < args.mb * 1e6 * 0.99:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from gen_slowlog import generate

        generate(log, args.mb)
    size = log.stat().st_size
    with tempfile.TemporaryDirectory() as scratch:
        digest_json = Path(scratch) / "digest.json"
        runs: dict[str, dict[str, Any]] = {}
        runs["themis"] = measure(ours_command(log, digest_json, args.workers))
        document = json.loads(digest_json.read_text())
        stats = document["stats"]
        events, classes = stats["events_read"], len(document["classes"])
        accelerated = stats.get("accelerated")
        if args.pure:
            runs["themis (pure Python)"] = measure(ours_command(log, digest_json, args.workers), env=pure_env())
        if not args.skip_pt:
            runs["pt-query-digest"] = measure([PT, "--no-version-check", "--no-report", "--output", "json", str(log)])
        verdict = check(head_of(log, args.check_mb, Path(scratch) / "head.log"), args.workers) if not args.skip_pt else "-"

    print(f"log: {log} ({size / 1e6:,.1f} MB, {events:,} events, {classes:,} classes)")
    print(f"machine: {os.cpu_count()} CPUs; themis workers: {args.workers}; C kernels: {'on' if accelerated else 'off'}")
    print(f"{'run':22} {'wall s':>8} {'MB/s':>8} {'events/s':>10} {'vs pt':>7} {'peak RSS, all processes':>24} {'time -v max RSS':>16}")
    reference = runs.get("pt-query-digest", {}).get("wall")
    for name, run in runs.items():
        ratio = f"{reference / run['wall']:.1f}x" if reference else "-"
        max_rss = f"{run['max_rss_mb']:.0f} MB" if run["max_rss_mb"] else "-"
        print(f"{name:22} {run['wall']:8.2f} {size / 1e6 / run['wall']:8.1f} {events / run['wall']:10,.0f} {ratio:>7} "
              f"{run['peak_tree_mb']:21.0f} MB {max_rss:>16}")
    print(f"check against pt-query-digest --output json on the first {args.check_mb:.0f} MB: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
