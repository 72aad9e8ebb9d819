"""TEXT analysis throughput: parsing a window's statements and running every MySQL TEXT rule on them.

Budget (issue #4): at least 500 distinct statements per second on one core. The figure is printed
next to a reference measured in the same run on the same statements: ``sqlglot.parse`` alone (the
part no implementation on sqlglot trees can avoid), so the ratio says what the rules cost on top of
parsing.

The statements are generated (seeded, so every run uses the same ones): point lookups, 2-5 table
joins (inner, outer, comma), IN / EXISTS / scalar / derived-table subqueries, CTEs with window
functions, GROUP BY / HAVING, UNION [ALL], long IN and OR lists, UPDATE / DELETE (with and without
WHERE, ORDER BY), INSERT ... SELECT, and comments and string literals holding SQL keywords.

    .venv/bin/python bench/text_rules.py [--statements 2000] [--repeat 3] [--cpu 0]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "plugins"))

TABLES = {
    "customers": ["id", "name", "email", "city", "country", "created_at", "status"],
    "orders": ["id", "customer_id", "status", "amount", "created_at", "region", "note"],
    "order_items": ["order_id", "line_no", "product_id", "qty", "unit_price"],
    "products": ["id", "category_id", "sku", "title", "price", "created_at"],
    "shipments": ["id", "order_id", "carrier", "shipped_at", "status"],
    "categories": ["id", "name", "parent_id"],
}
JOINS = [("orders", "customer_id", "customers", "id"), ("order_items", "order_id", "orders", "id"),
         ("order_items", "product_id", "products", "id"), ("shipments", "order_id", "orders", "id"),
         ("products", "category_id", "categories", "id")]


class Generator:
    """Realistic, distinct statements from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def table(self) -> str:
        return self.rng.choice(list(TABLES))

    def columns(self, table: str, alias: str, count: int) -> str:
        return ", ".join(f"{alias}.{c}" for c in self.rng.sample(TABLES[table], min(count, len(TABLES[table]))))

    def value(self) -> str:
        kind = self.rng.random()
        if kind < 0.4:
            return str(self.rng.randint(1, 100000))
        if kind < 0.7:
            return f"'{self.rng.choice(['open', 'paid', 'Oslo', 'gift', 'or not', 'union select'])}{self.rng.randint(1, 999)}'"
        return f"'2024-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}'"

    def condition(self, table: str, alias: str) -> str:
        column = self.rng.choice(TABLES[table])
        form = self.rng.randrange(9)
        if form == 0:
            return f"{alias}.{column} IN ({', '.join(self.value() for _ in range(self.rng.randint(2, 30)))})"
        if form == 1:
            return f"{alias}.{column} LIKE '{self.rng.choice(['%', ''])}x{self.rng.randint(1, 999)}%'"
        if form == 2:
            return f"DATE({alias}.{column}) = {self.value()}"
        if form == 3:
            return f"{alias}.{column} {self.rng.choice(['<>', '!=', '>=', '<'])} {self.value()}"
        if form == 4:
            return "(" + " OR ".join(f"{alias}.{column} = {self.value()}" for _ in range(self.rng.randint(2, 8))) + ")"
        if form == 5:
            return f"{alias}.{column} IS NOT NULL"
        return f"{alias}.{column} = {self.value()}"

    def where(self, table: str, alias: str) -> str:
        return " AND ".join(self.condition(table, alias) for _ in range(self.rng.randint(1, 4)))

    def join_chain(self) -> tuple[str, list[tuple[str, str]]]:
        start = self.rng.choice(JOINS)
        tables = [(start[2], "t0"), (start[0], "t1")]
        sql = f"{start[2]} AS t0 {self.rng.choice(['JOIN', 'LEFT JOIN', 'INNER JOIN'])} {start[0]} AS t1 ON t1.{start[1]} = t0.{start[3]}"
        for child, fk, parent, pk in self.rng.sample(JOINS, self.rng.randint(0, 3)):
            known = {name: alias for name, alias in tables}
            if parent in known and child not in known:
                alias = f"t{len(tables)}"
                sql += f" JOIN {child} AS {alias} ON {alias}.{fk} = {known[parent]}.{pk}"
                tables.append((child, alias))
        return sql, tables

    def select(self) -> str:
        form = self.rng.randrange(12)
        table = self.table()
        if form == 0:
            return f"SELECT {self.columns(table, 'a', 3)} FROM {table} AS a WHERE {self.where(table, 'a')}"
        if form == 1:
            sql, tables = self.join_chain()
            (first, alias) = tables[-1]
            return (f"SELECT {self.columns(tables[0][0], 't0', 2)}, {self.columns(first, alias, 2)} FROM {sql} "
                    f"WHERE {self.where(first, alias)} ORDER BY t0.{TABLES[tables[0][0]][0]} LIMIT {self.rng.randint(1, 500)}")
        if form == 2:
            return (f"SELECT c.id, c.name FROM customers AS c WHERE c.id {self.rng.choice(['IN', 'NOT IN'])} "
                    f"(SELECT o.customer_id FROM orders AS o WHERE {self.where('orders', 'o')})")
        if form == 3:
            return (f"SELECT c.id, (SELECT MAX(o.amount) FROM orders AS o WHERE o.customer_id = c.id) AS top "
                    f"FROM customers AS c WHERE {'NOT ' if self.rng.random() < 0.3 else ''}EXISTS "
                    f"(SELECT 1 FROM orders AS o2 WHERE o2.customer_id = c.id AND {self.where('orders', 'o2')})")
        if form == 4:
            return (f"WITH ranked AS (SELECT o.customer_id, o.amount, ROW_NUMBER() OVER (PARTITION BY o.customer_id "
                    f"ORDER BY o.created_at DESC) AS rn FROM orders AS o WHERE {self.where('orders', 'o')}) "
                    f"SELECT r.customer_id, SUM(r.amount) OVER (ORDER BY r.customer_id) AS running FROM ranked AS r "
                    f"WHERE r.rn <= {self.rng.randint(1, 5)}")
        if form == 5:
            return (f"SELECT t.customer_id, t.total FROM (SELECT customer_id, SUM(amount) AS total FROM orders "
                    f"WHERE {self.where('orders', 'orders')} GROUP BY customer_id) AS t WHERE t.total > {self.rng.randint(1, 9999)}")
        if form == 6:
            column = self.rng.choice(TABLES[table])
            return (f"SELECT a.{column}, COUNT(*) AS n FROM {table} AS a WHERE {self.where(table, 'a')} "
                    f"GROUP BY a.{column} HAVING COUNT(*) > {self.rng.randint(1, 50)} ORDER BY n DESC")
        if form == 7:
            other = self.table()
            return (f"SELECT a.id FROM {table} AS a WHERE {self.where(table, 'a')} "
                    f"{self.rng.choice(['UNION', 'UNION ALL'])} SELECT b.id FROM {other} AS b WHERE {self.where(other, 'b')}")
        if form == 8:
            return (f"/* report {self.rng.randint(1, 9999)}: SELECT * FROM x WHERE NOT y */ SELECT * FROM {table} AS a "
                    f"WHERE a.{TABLES[table][0]} = {self.value()} -- or a = b")
        if form == 9:
            return f"SELECT a.*, b.id FROM {table} AS a, {self.table()} AS b WHERE a.{TABLES[table][0]} = {self.value()}"
        if form == 10:
            vip = f"(SELECT c.id FROM customers AS c WHERE c.city = {self.value()})"
            return f"SELECT o.id FROM orders AS o WHERE o.customer_id IN {vip} OR o.region IN {vip} OR {self.where('orders', 'o')}"
        return (f"SELECT o.customer_id, SUM(o.amount) AS total FROM orders AS o GROUP BY o.customer_id "
                f"HAVING SUM(o.amount) > (SELECT AVG(o2.amount) * {self.rng.randint(2, 9)} FROM orders AS o2 "
                f"WHERE {self.where('orders', 'o2')})")

    def dml(self) -> str:
        table = self.table()
        form = self.rng.randrange(4)
        column = self.rng.choice(TABLES[table][1:])
        if form == 0:
            where = f" WHERE {self.where(table, table)}" if self.rng.random() < 0.8 else ""
            order = f" ORDER BY {TABLES[table][0]} LIMIT {self.rng.randint(1, 1000)}" if self.rng.random() < 0.3 else ""
            return f"UPDATE {table} SET {column} = {self.value()}{where}{order}"
        if form == 1:
            where = f" WHERE {self.where(table, table)}" if self.rng.random() < 0.8 else ""
            return f"DELETE FROM {table}{where}"
        if form == 2:
            return (f"INSERT INTO {table}_archive SELECT * FROM {table} AS a WHERE {self.where(table, 'a')}")
        return (f"UPDATE orders AS o JOIN customers AS c ON c.id = o.customer_id SET o.status = {self.value()} "
                f"WHERE {self.where('customers', 'c')}")

    def statements(self, count: int) -> list[str]:
        seen: dict[str, None] = {}
        while len(seen) < count:
            seen[self.dml() if self.rng.random() < 0.25 else self.select()] = None
        return list(seen)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other work on the machine)."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=None, help="pin the process to this core (default: the first allowed)")
    args = parser.parse_args(argv)

    import sqlglot

    from themis.config import RuleOverride
    from themis.rules.catalog import load_catalog
    from themis.rules.checks.sqltext import parsed_statements
    from themis.rules.engine import effective_rules, run_dimension
    from themis.rules.snapshot import Snapshot

    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    samples = Generator(seed=4).statements(args.statements)
    records = [{"checksum": f"{i:016X}", "sample": sql, "stats": {"executions": 1}} for i, sql in enumerate(samples)]
    switched_on = {r: RuleOverride(status="ON") for r in ("SUBQUERY_FROM", "SUBQUERY_HAVING", "SUBQUERY_SELECT", "SUBQUERY_WHERE")}
    rules = effective_rules(load_catalog(), "mysql", "TEXT", switched_on)
    outcome: dict = {}

    def analyse() -> None:
        outcome.update(run_dimension(rules, Snapshot("mysql", {"sql.statement": records}), "TEXT"))

    def parse_only() -> None:
        for sql in samples:
            sqlglot.parse(sql, read="mysql")

    def parse_and_index() -> None:
        parsed_statements(Snapshot("mysql", {"sql.statement": records}))

    reference = best_of(args.repeat, parse_only)
    indexed = best_of(args.repeat, parse_and_index)
    full = best_of(args.repeat, analyse)
    count = len(samples)
    findings = sum(r["findings_count"] for r in outcome["rules"])
    print(f"{count} distinct statements ({sum(map(len, samples)) / count:.0f} chars on average), "
          f"{len(rules)} TEXT rules, one core (cpu {cpu}), best of {args.repeat}")
    print(f"  sqlglot.parse alone (reference): {count / reference:8.0f} statements/s  ({reference * 1000:.0f} ms)")
    print(f"  parse + tree index:              {count / indexed:8.0f} statements/s  ({indexed * 1000:.0f} ms)")
    print(f"  parse + index + all TEXT rules:  {count / full:8.0f} statements/s  ({full * 1000:.0f} ms)"
          f"  = {full / reference:.2f}x the reference")
    print(f"  {findings} findings, {len(outcome['unparsable'])} unparsable, "
          f"rules failed: {outcome['rules_failed']}, per rule: "
          + ", ".join(f"{r['id']}={r['findings_count']}" for r in outcome["rules"]))
    print(f"  {full / count * 1e6:.0f} µs per statement; budget 500 statements/s: {'met' if count / full >= 500 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
