"""Generate a large synthetic slow log for the slow-log benchmark (deterministic for a given seed).

The log mixes the entry shapes real servers write, in blocks, the way a log looks after server
upgrades and restarts (a ``mysqld`` restart banner between blocks):

* MySQL 5.7 / 8.0: ISO ``# Time:`` on every entry, ``Id:`` on ``User@Host``, ``use db;`` only when
  the database changes;
* MySQL 5.6: old ``# Time: YYMMDD H:MM:SS`` written only when the second changes;
* MariaDB 10.x with ``log_slow_verbosity=query_plan`` (``Thread_id/Schema/QC_hit``, Yes/No lines,
  sometimes ``explain:`` lines), old Time format;
* Percona Server 5.7 extended (``Schema/Last_errno/Killed``, ``Bytes_sent``, ``Tmp_*``, booleans,
  ``InnoDB_*`` lines, ``Log_slow_rate_*``).

Statements come from about 2,400 class templates (tables x statement shapes), picked with a Zipf-like
skew as on a real server. Every literal and every metric is random, so neither a fingerprint cache nor
an attribute-line cache gets a free ride. Some statements span lines, some are multi-row INSERTs
with up to 40 tuples, some carry comments.

    .venv/bin/python bench/slowlog/gen_slowlog.py bench/out/slow-bench.log --mb 520
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

WORDS_A = ["order", "customer", "product", "invoice", "payment", "shipment", "stock", "cart", "review",
           "coupon", "session", "account", "ledger", "vendor", "warehouse", "basket", "ticket", "message",
           "profile", "address"]
WORDS_B = ["", "_item", "_log", "_history", "_archive", "_note"]
COLUMNS = ["status", "owner_id", "created_at", "updated_at", "amount", "region", "kind", "score"]
DBS = ["shop", "billing", "crm", "analytics"]
USERS = [("app", "web1", "10.0.0.5"), ("app", "web2", "10.0.0.6"), ("report", "batch1", "10.0.1.2"),
         ("shop", "app1.internal", "10.1.0.1"), ("admin", "localhost", "")]
STATUS = ["'paid'", "'open'", "'closed'", "'refunded'", "'new'"]
BANNER = (b"/usr/sbin/mysqld, Version: 8.0.36 (MySQL Community Server - GPL). started with:\n"
          b"Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock\n"
          b"Time                 Id Command    Argument\n")


def _tables() -> list[str]:
    return [a + b for a in WORDS_A for b in WORDS_B]


def _shapes(table: str, other: str, col: str, col2: str) -> list[str]:
    """Statement templates for one table: ``{i}`` an integer, ``{s}`` a string, ``{f}`` a float, ``{l}`` an IN list."""
    return [
        f"SELECT * FROM {table} WHERE id = {{i}}",
        f"SELECT id, {col}, {col2} FROM {table} WHERE {col} = {{s}} AND {col2} > {{i}} ORDER BY {col2} ASC LIMIT {{i}}, 20",
        f"UPDATE {table} SET {col} = {col} + {{i}}, updated_at = NOW() WHERE id = {{i}}",
        f"DELETE FROM {table} WHERE id IN ({{l}})",
        f"SELECT COUNT(*), {col} FROM {table} WHERE created_at > {{s}} GROUP BY {col}",
        f"SELECT t.id, o.{col2}\nFROM {table} t\nJOIN {other} o ON o.id = t.owner_id\nWHERE t.{col} = {{s}}\n"
        f"  AND o.amount BETWEEN {{f}} AND {{f}}\nORDER BY t.id DESC\nLIMIT {{i}}",
        f"SELECT /* app:{table} */ {col} FROM {table} WHERE {col2} IS NULL AND owner_id = {{i}} LIMIT 1",
        f"INSERT INTO {table} (id, {col}, {col2}) VALUES {{v}}",
    ]


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        tables = _tables()
        templates: list[str] = []
        for n, table in enumerate(tables):
            other = tables[(n * 7 + 3) % len(tables)]
            for k in range(2):
                col, col2 = COLUMNS[(n + k) % len(COLUMNS)], COLUMNS[(n + 3 * k + 1) % len(COLUMNS)]
                templates.extend(_shapes(table, other, col, col2))
        templates += [f"CALL refresh_{w}({{i}}, {{s}})" for w in WORDS_A]
        templates += ["SELECT /*!40001 SQL_NO_CACHE */ * FROM `orders`", "# administrator command: Quit"]
        self.rng.shuffle(templates)
        self.templates = templates
        # Zipf-like weights: a few classes dominate, a long tail of rare ones.
        self.weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(templates))]
        self.cum = []
        total = 0.0
        for w in self.weights:
            total += w
            self.cum.append(total)

    def _fill(self, template: str) -> str:
        rng = self.rng
        out = template
        while "{i}" in out:
            out = out.replace("{i}", str(rng.randrange(1, 10**rng.randrange(1, 9))), 1)
        while "{s}" in out:
            out = out.replace("{s}", rng.choice(STATUS) if rng.random() < 0.5 else f"'k{rng.getrandbits(40):x}'", 1)
        while "{f}" in out:
            out = out.replace("{f}", f"{rng.random() * 1000:.2f}", 1)
        if "{l}" in out:
            out = out.replace("{l}", ", ".join(str(rng.randrange(1, 10**7)) for _ in range(rng.randrange(1, 30))))
        if "{v}" in out:
            out = out.replace("{v}", ", ".join(f"({rng.randrange(1, 10**9)}, 'x{rng.getrandbits(32):x}', {rng.randrange(0, 99)})"
                                                 for _ in range(rng.randrange(1, 40))))
        return out

    def statement(self) -> str:
        import bisect

        x = self.rng.random() * self.cum[-1]
        return self._fill(self.templates[bisect.bisect_left(self.cum, x)])

    def metrics(self) -> tuple[float, float, int, int]:
        rng = self.rng
        qt = min(rng.lognormvariate(-3.0, 1.6), 600.0)
        lt = rng.random() * 0.002
        sent = int(rng.expovariate(1 / 40))
        examined = sent + int(rng.expovariate(1 / 5000))
        return qt, lt, sent, examined


def _yn(rng: random.Random, p: float) -> str:
    return "Yes" if rng.random() < p else "No"


def generate(path: Path, megabytes: float, seed: int = 20261122) -> dict[str, int]:
    gen = Generator(seed)
    rng = gen.rng
    target = int(megabytes * 1e6)
    epoch = int(dt.datetime(2026, 11, 21, tzinfo=dt.timezone.utc).timestamp())
    flavours = ["mysql57", "mariadb", "percona", "mysql56"]
    written = events = 0
    last_db: str | None = None
    last_second = -1
    thread = 1000
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as out:
        block = 0
        while written < target:
            flavour = flavours[block % len(flavours)]
            if block:
                out.write(BANNER)
                written += len(BANNER)
                last_db, last_second = None, -1
            block += 1
            parts: list[str] = []
            for _ in range(20000):
                events += 1
                epoch_us = epoch * 1_000_000 + events * 80_000 + rng.randrange(0, 80_000)
                second = epoch_us // 1_000_000
                moment = dt.datetime.fromtimestamp(epoch_us / 1e6, dt.timezone.utc)
                user, host, ip = USERS[rng.randrange(len(USERS))]
                db = DBS[rng.randrange(len(DBS))] if rng.random() < 0.05 or last_db is None else last_db
                stmt = gen.statement()
                qt, lt, sent, examined = gen.metrics()
                thread += 1
                lines: list[str] = []
                if flavour in ("mysql57", "percona"):
                    lines.append(f"# Time: {moment.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z")
                elif second != last_second:
                    lines.append(f"# Time: {moment.strftime('%y%m%d')} {moment.hour:>2}:{moment.strftime('%M:%S')}")
                last_second = second
                if flavour == "mariadb":
                    lines.append(f"# User@Host: {user}[{user}] @ {host} [{ip}]")
                    lines.append(f"# Thread_id: {thread}  Schema: {db}  QC_hit: {_yn(rng, 0.05)}")
                    lines.append(f"# Query_time: {qt:.6f}  Lock_time: {lt:.6f}  Rows_sent: {sent}  Rows_examined: {examined}")
                    lines.append(f"# Rows_affected: {rng.randrange(0, 5)}  Bytes_sent: {rng.randrange(50, 90000)}")
                    lines.append(f"# Full_scan: {_yn(rng, 0.2)}  Full_join: {_yn(rng, 0.05)}  Tmp_table: {_yn(rng, 0.1)}  "
                                 f"Tmp_table_on_disk: {_yn(rng, 0.02)}")
                    lines.append(f"# Filesort: {_yn(rng, 0.2)}  Filesort_on_disk: {_yn(rng, 0.01)}  "
                                 f"Merge_passes: {rng.choice((0, 0, 0, 1, 2))}  Priority_queue: {_yn(rng, 0.1)}")
                    if rng.random() < 0.1:
                        lines.append("#")
                        lines.append("# explain: id\tselect_type\ttable\ttype\tpossible_keys\tkey\tkey_len\tref\trows\tr_rows\tfiltered\tr_filtered\tExtra")
                        lines.append(f"# explain: 1\tSIMPLE\tt\tALL\tNULL\tNULL\tNULL\tNULL\t{examined}\t{examined}.00\t100.00\t100.00\t")
                        lines.append("#")
                elif flavour == "percona":
                    lines.append(f"# User@Host: {user}[{user}] @ {host} [{ip}]  Id: {thread}")
                    lines.append(f"# Schema: {db}  Last_errno: 0  Killed: 0")
                    lines.append(f"# Query_time: {qt:.6f}  Lock_time: {lt:.6f}  Rows_sent: {sent}  Rows_examined: {examined}  "
                                 f"Rows_affected: {rng.randrange(0, 5)}")
                    tmp = rng.random() < 0.1
                    lines.append(f"# Bytes_sent: {rng.randrange(50, 90000)}  Tmp_tables: {int(tmp)}  Tmp_disk_tables: 0  "
                                 f"Tmp_table_sizes: {16384 if tmp else 0}")
                    lines.append(f"# QC_Hit: No  Full_scan: {_yn(rng, 0.2)}  Full_join: {_yn(rng, 0.05)}  "
                                 f"Tmp_table: {'Yes' if tmp else 'No'}  Tmp_table_on_disk: No")
                    lines.append(f"# Filesort: {_yn(rng, 0.2)}  Filesort_on_disk: {_yn(rng, 0.01)}  Merge_passes: {rng.choice((0, 0, 1))}")
                    lines.append(f"#   InnoDB_IO_r_ops: {rng.randrange(0, 60)}  InnoDB_IO_r_bytes: {rng.randrange(0, 64) * 16384}  "
                                 f"InnoDB_IO_r_wait: {rng.random() * 0.05:.6f}")
                    lines.append(f"#   InnoDB_rec_lock_wait: {rng.random() * 0.01:.6f}  InnoDB_queue_wait: 0.000000")
                    lines.append(f"#   InnoDB_pages_distinct: {rng.randrange(1, 200)}")
                    lines.append("# Log_slow_rate_type: query  Log_slow_rate_limit: 10")
                else:
                    lines.append(f"# User@Host: {user}[{user}] @ {host} [{ip}]  Id: {thread:>6}")
                    lines.append(f"# Query_time: {qt:.6f}  Lock_time: {lt:.6f} Rows_sent: {sent}  Rows_examined: {examined}")
                    if db != last_db:
                        lines.append(f"use {db};")
                last_db = db
                lines.append(f"SET timestamp={second};")
                lines.append(stmt + ";")
                parts.append("\n".join(lines))
                parts.append("\n")
            chunk = "".join(parts).encode()
            out.write(chunk)
            written += len(chunk)
    return {"bytes": written, "events": events, "templates": len(gen.templates)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--mb", type=float, default=520.0, help="size in MB (10^6 bytes), at least")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)
    figures = generate(args.path, args.mb, args.seed)
    print(f"{args.path}: {figures['bytes'] / 1e6:.1f} MB, {figures['events']:,} events, "
          f"{figures['templates']:,} statement templates", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
