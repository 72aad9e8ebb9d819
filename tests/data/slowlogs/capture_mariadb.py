"""Capture ``mariadb1011_captured.log``: a real MariaDB slow log, for the pt-query-digest comparison.

Starts a throwaway MariaDB (``themis.sandbox``, slow log on for every statement, log_slow_verbosity
query_plan and, for part of the run, explain), runs a workload that walks through the statement
shapes pt's fingerprint treats specially, and copies the slow log here. The server's start banner
at the top of the file is left out (pt-query-digest 3.2.1 does not know MariaDB's ``mariadbd``
banner; that difference is tested in test_slowlog_parser.py), and so are the few entries before the
first ``# Time:`` line (pt has no time for them; we would take their SET timestamp). The accounts
and schema are set up before the capture starts. The server is stopped at the end.

    .venv/bin/python tests/data/slowlogs/capture_mariadb.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "plugins"))

from themis.sandbox import MariaDBSandbox  # noqa: E402

SCHEMA = """
CREATE DATABASE IF NOT EXISTS cap DEFAULT CHARACTER SET utf8mb4;
CREATE DATABASE IF NOT EXISTS cap_archive DEFAULT CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS cap.orders (id INT PRIMARY KEY, customer_id INT, status VARCHAR(20), total DECIMAL(10,2),
  created_at DATETIME, note VARCHAR(100), KEY (customer_id));
CREATE TABLE IF NOT EXISTS cap.customers (id INT PRIMARY KEY, name VARCHAR(50), region VARCHAR(20));
CREATE TABLE IF NOT EXISTS cap.events_2026 (id INT AUTO_INCREMENT PRIMARY KEY, kind VARCHAR(20), payload TEXT);
CREATE TABLE IF NOT EXISTS cap_archive.orders_2025 (id INT PRIMARY KEY, total DECIMAL(10,2));
CREATE PROCEDURE IF NOT EXISTS cap.refresh_stats(IN n INT) SELECT COUNT(*) FROM cap.orders WHERE id > n;
"""


def workload(db: MariaDBSandbox) -> None:
    import random
    import time

    rng = random.Random(20261122)
    conn = db.connect("themis_admin", db="cap")
    cursor = conn.cursor()
    run = cursor.execute
    time.sleep(1.1)  # the next entry starts a new second: it gets a # Time: line
    for i in range(1, 201):
        run("REPLACE INTO customers VALUES (%s, %s, %s)", (i, f"c{i}", rng.choice(["eu", "us", "apac"])))
    values = ", ".join(f"({i}, {rng.randrange(1, 200)}, '{rng.choice(['paid', 'open', 'closed'])}', "
                       f"{rng.randrange(100, 99999) / 100}, '2026-11-{rng.randrange(1, 28):02d} 10:00:00', NULL)"
                       for i in range(1, 401))
    run(f"REPLACE INTO orders VALUES {values}")
    for n in range(30):
        run(f"SELECT * FROM orders WHERE id = {rng.randrange(1, 400)}")
        run("SELECT id, total FROM orders WHERE customer_id IN (" +
            ", ".join(str(rng.randrange(1, 200)) for _ in range(rng.randrange(1, 12))) + ") AND status = 'paid'")
        run(f"UPDATE orders SET total = total + {n} WHERE id = {rng.randrange(1, 400)}")
        run("SELECT o.id, c.name\nFROM orders o\nJOIN customers c ON c.id = o.customer_id\n"
            f"WHERE o.status = 'open'\n  AND o.created_at > '2026-11-{n % 27 + 1:02d}'\nORDER BY o.created_at ASC, o.id ASC\n"
            f"LIMIT {rng.randrange(0, 50)}, 20")
        run(f"SELECT region, COUNT(*) FROM customers WHERE id > {n} GROUP BY region ORDER BY region")
        run(f"INSERT INTO events_2026 (kind, payload) VALUES ('view', 'o{n}'), ('click', 'o{n}'), ('buy', NULL)")
        run(f"SELECT /* app:report */ SUM(total) FROM orders WHERE status = 'closed' AND id < {n * 10}")
        run(f"SELECT id FROM orders WHERE id = {n} UNION ALL SELECT id FROM orders WHERE id = {n + 1} "
            f"UNION ALL SELECT id FROM orders WHERE id = {n + 2}")
        run(f"CALL refresh_stats({n})")
        while cursor.nextset():
            pass
        run(f"SELECT name FROM customers WHERE name = 'Zoë-{n}' OR region = 'café'")
        run(f"DELETE FROM events_2026 WHERE id < {n} LIMIT 5")
        if n % 10 == 9:
            run("SELECT SLEEP(0.2)")
        time.sleep(0.1)  # spread the run over a few seconds: several # Time: lines
        if n % 7 == 0:
            conn.select_db("cap_archive")  # a use line in the log
            run(f"SELECT total FROM orders_2025 WHERE id = {n}")
            conn.select_db("cap")
        if n == 15:
            root = db.connect("root")
            root.cursor().execute("SET GLOBAL log_slow_verbosity = 'query_plan,explain'")
            root.close()
            conn.close()
            conn = db.connect("themis_admin", db="cap")  # the new verbosity applies to new sessions
            cursor = conn.cursor()
            run = cursor.execute
    run("SELECT id FROM orders WHERE note IN (" + ", ".join(f"'n{i}'" for i in range(3000)) + ")")  # a long statement
    nodb = db.connect("themis_admin")
    nodb.cursor().execute("SELECT 1 + 1")
    nodb.cursor().execute("SELECT COUNT(*) FROM cap.customers")
    nodb.close()
    conn.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="capture-") as scratch:
        db = MariaDBSandbox(Path(scratch))
        with db:
            db.execute_script(SCHEMA)
            db.rotate_slow_log(Path(scratch) / "captured.log")  # without the set-up (accounts, schema)
            workload(db)
            db.flush_slow_log()
            raw = db.slow_log_path.read_bytes()
    lines = raw.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith(b"# Time:"))
    # FLUSH SLOW LOGS reopened the file with a start banner: the capture ends before that entry.
    end = len(lines)
    banner = next((i for i in range(first, len(lines)) if b"mariadbd, Version" in lines[i]), None)
    if banner is not None:
        end = max(i for i in range(first, banner) if lines[i].startswith(b"# User@Host:"))
        if lines[end - 1].startswith(b"# Time:"):
            end -= 1
    out = HERE / "mariadb1011_captured.log"
    out.write_bytes(b"".join(lines[first:end]))
    print(f"{out}: {out.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
