"""OBJ capture plus analysis of a large schema on the sandbox MariaDB.

Budget (issue #4): capture_objects + column sampling + the OBJ engine on a schema of 5,000 tables
(about 100,000 columns and 20,000 indexes) under 60 s. The script starts its own throwaway MariaDB
(themis.sandbox, in a temporary directory, 127.0.0.1 on a free port), builds the schema, measures, and
stops the server and deletes the directory at the end, whatever happens.

Printed next to a reference measured in the same run on the same server: a plain
``SELECT COUNT(*) FROM information_schema.COLUMNS`` for the schema (what listing the columns costs the
server, without any of our work), so each stage reads as a ratio of it.

    .venv/bin/python bench/obj_capture.py [--tables 5000] [--rows 25] [--sample-rows 10000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

from themis.capture import mysql as capture  # noqa: E402
from themis.capture.sampling import KIND as SAMPLE_KIND, sample_columns  # noqa: E402
from themis.rules.catalog import load_catalog  # noqa: E402
from themis.rules.engine import effective_rules, run_dimension  # noqa: E402
from themis.rules.snapshot import Snapshot  # noqa: E402
from themis.sandbox import MariaDBSandbox  # noqa: E402

SCHEMA = "bench_obj"
BUDGET_SECONDS = 60.0
BATCH = 200  # CREATE TABLE statements per multi-statement script
# 20 columns, a primary key and 3 secondary indexes (4 indexes) per table; some tables defective on purpose.
TABLE_SQL = """CREATE TABLE `t{n:05d}` (
  `id` INT NOT NULL AUTO_INCREMENT, `code` VARCHAR(32) NOT NULL, `name` VARCHAR(100) NOT NULL,
  `email` VARCHAR(120) NULL, `city` VARCHAR(40) NULL, `country` CHAR(2) NOT NULL, `state` CHAR(8) NULL,
  `qty` INT NOT NULL, `score` INT NULL, `ref_id` BIGINT NULL, `day_key` INT NULL, `big_ref` BIGINT NULL,
  `price` DECIMAL(10,2) NOT NULL, `tax` DECIMAL(6,3) NULL, `flag` TINYINT NOT NULL, `paid_on` VARCHAR(10) NULL,
  `note` {note} NULL, `birth` DATE NULL, `created_at` DATETIME NOT NULL, `updated_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`), KEY `idx_code` (`code`), KEY `idx_city_country` (`city`, `country`),
  KEY `idx_created` (`created_at`)
) ENGINE=InnoDB"""
ROWS_SQL = """INSERT INTO `t{n:05d}` (`code`, `name`, `email`, `city`, `country`, `qty`, `day_key`, `price`, `flag`,
  `paid_on`, `created_at`, `updated_at`)
SELECT CONCAT('C', `seq`), CONCAT('name ', `seq`), CONCAT('u', `seq`, '@example.com'), 'Berlin', 'DE', `seq`,
  20240100 + `seq`, `seq` * 1.5, `seq` % 2, DATE_FORMAT('2024-01-01' + INTERVAL `seq` DAY, '%Y-%m-%d'), NOW(), NOW()
FROM `seq_1_to_{rows}`"""


def build_schema(sandbox: MariaDBSandbox, tables: int, rows: int) -> float:
    """Create the schema (every 10th table with a TEXT column, for the LOB rule); seconds taken."""
    started = time.monotonic()
    sandbox.execute_script(f"DROP DATABASE IF EXISTS `{SCHEMA}`; CREATE DATABASE `{SCHEMA}`")
    for first in range(0, tables, BATCH):
        numbers = range(first, min(first + BATCH, tables))
        statements = [TABLE_SQL.format(n=n, note="TEXT" if n % 10 == 0 else "VARCHAR(200)") for n in numbers]
        if rows:
            statements += [ROWS_SQL.format(n=n, rows=rows) for n in numbers]
        sandbox.execute_script(";\n".join(statements), db=SCHEMA)
        print(f"  created {numbers[-1] + 1}/{tables} tables", end="\r", flush=True)
    print()
    return time.monotonic() - started


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    value = function()
    return value, time.monotonic() - started


def reference(conn: Any) -> tuple[int, float]:
    """The server alone listing the schema's columns: the yardstick every stage is divided by."""
    def count() -> int:
        cursor = conn.cursor()
        cursor.execute("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s", (SCHEMA,))
        value = cursor.fetchone()[0]
        cursor.close()
        return int(value)

    return timed(count)


def measure(sandbox: MariaDBSandbox, sample_rows: int) -> dict[str, Any]:
    conn = sandbox.connect("auditor")
    try:
        columns, reference_seconds = reference(conn)
        server = capture.server_info(conn)
        kinds: list[str] = []
        records, capture_seconds = timed(lambda: capture.capture_objects(conn, [SCHEMA], log=kinds.append))
        samples, sample_seconds = timed(lambda: sample_columns(conn, records, rows=sample_rows, server=server))
    finally:
        conn.close()
    records[SAMPLE_KIND] = samples
    rules = effective_rules(load_catalog(), "mysql", "OBJ")
    result, engine_seconds = timed(lambda: run_dimension(rules, Snapshot("mysql", records), "OBJ"))
    return {"columns_reference": columns, "reference": reference_seconds, "capture": capture_seconds, "kinds": kinds,
            "sampling": sample_seconds, "engine": engine_seconds, "records": records, "result": result}


def report(figures: dict[str, Any], tables: int, build_seconds: float) -> bool:
    records, result = figures["records"], figures["result"]
    print(f"schema {SCHEMA}: {tables} tables, {len(records['obj.column'])} columns, "
          f"{len(records['obj.index'])} indexes (built in {build_seconds:.1f} s); "
          f"{len(records[SAMPLE_KIND])} columns sampled")
    reference_seconds = figures["reference"]
    print(f"reference: SELECT COUNT(*) FROM information_schema.COLUMNS ({figures['columns_reference']} columns): "
          f"{reference_seconds:.2f} s")
    total = figures["capture"] + figures["sampling"] + figures["engine"]
    print(f"{'stage':<28}{'seconds':>10}{'× reference':>14}")
    for label, key in (("capture_objects", "capture"), ("sampling (COLUMN_WRONG_TYPE)", "sampling"),
                       ("OBJ engine (14 rules)", "engine")):
        print(f"{label:<28}{figures[key]:>10.2f}{figures[key] / reference_seconds:>14.1f}")
    print(f"{'total':<28}{total:>10.2f}{total / reference_seconds:>14.1f}")
    print("capture_objects by kind:\n  " + "\n  ".join(figures["kinds"]))
    counts = {r["id"]: r["findings_count"] for r in result["rules"] if r["findings_count"]}
    print(f"OBJ score {result['score']}; findings per rule: {counts}")
    within = total < BUDGET_SECONDS
    print(f"budget {BUDGET_SECONDS:.0f} s: {'met' if within else 'MISSED'}")
    return within


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=25, help="rows inserted into every table (0 = empty tables)")
    parser.add_argument("--sample-rows", type=int, default=10000, help="COLUMN_WRONG_TYPE num_row")
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="themis-bench-obj-"))
    sandbox = MariaDBSandbox(base)
    try:
        sandbox.start()
        print(f"sandbox MariaDB on 127.0.0.1:{sandbox.port} (pid file {sandbox.pid_file})")
        build_seconds = build_schema(sandbox, args.tables, args.rows)
        return 0 if report(measure(sandbox, args.sample_rows), args.tables, build_seconds) else 1
    finally:
        sandbox.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
