"""TEXT analysis throughput: parsing a window's statements and running every TEXT rule on them.

Budget (issues #4 and #8): at least 500 distinct statements per second on one core, for MySQL and for
Oracle. The figure is printed next to a reference measured in the same run on the same statements:
``sqlglot.parse`` alone (the part no implementation on sqlglot trees can avoid), so the ratio says
what the rules cost on top of parsing.

The statements are generated (seeded, so every run uses the same ones). MySQL: point lookups, 2-5
table joins (inner, outer, comma), IN / EXISTS / scalar / derived-table subqueries, CTEs with window
functions, GROUP BY / HAVING, UNION [ALL], long IN and OR lists, UPDATE / DELETE (with and without
WHERE, ORDER BY), INSERT ... SELECT, and comments and string literals holding SQL keywords.
Oracle (``--db oracle``): the same shapes written as Oracle applications send them - JDBC ``:1``,
PL/SQL ``:B1`` and ``:"SYS_B_n"`` binds, hints, ``(+)`` joins, ROWNUM pages, CONNECT BY, MERGE,
analytic functions, TO_DATE / TRUNC / NVL / DECODE, format masks, a few PL/SQL blocks and texts of
several thousand characters -, as ``sql.statement`` records of which one SQL_ID in three has two or
three plans (the text is parsed once per SQL_ID: the figure counts distinct SQL_IDs). The Oracle
reference parses the texts with their binds already in the form sqlglot reads (prepared outside the
timing), so the bind rewriting is charged to the rules. Both parse with Python's cyclic garbage
collector paused, as the analysis does (sqltext.collector_paused).

    .venv/bin/python bench/text_rules.py [--db mysql|oracle] [--statements 2000] [--repeat 3] [--cpu 0]
"""

from __future__ import annotations

import argparse
import gc
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


ORACLE_TABLES = {
    "SALES.CUSTOMERS": ["CUSTOMER_ID", "NAME", "EMAIL", "CITY", "COUNTRY", "CREATED_AT", "STATUS"],
    "SALES.ORDERS": ["ORDER_ID", "CUSTOMER_ID", "STATUS", "TOTAL_AMOUNT", "ORDER_DATE", "REGION", "NOTE"],
    "SALES.ORDER_ITEMS": ["ORDER_ID", "LINE_NO", "PRODUCT_ID", "QTY", "UNIT_PRICE"],
    "SALES.PRODUCTS": ["PRODUCT_ID", "CATEGORY_ID", "SKU", "TITLE", "PRICE", "CREATED_AT"],
    "HR.EMPLOYEES": ["EMPLOYEE_ID", "MANAGER_ID", "LAST_NAME", "DEPARTMENT_ID", "HIRE_DATE", "SALARY"],
    "HR.DEPARTMENTS": ["DEPARTMENT_ID", "DEPARTMENT_NAME", "LOCATION_ID"],
}
ORACLE_JOINS = [("SALES.ORDERS", "CUSTOMER_ID", "SALES.CUSTOMERS", "CUSTOMER_ID"),
                ("SALES.ORDER_ITEMS", "ORDER_ID", "SALES.ORDERS", "ORDER_ID"),
                ("SALES.ORDER_ITEMS", "PRODUCT_ID", "SALES.PRODUCTS", "PRODUCT_ID"),
                ("HR.EMPLOYEES", "DEPARTMENT_ID", "HR.DEPARTMENTS", "DEPARTMENT_ID")]


class OracleGenerator:
    """Distinct Oracle texts as applications send them, from a seeded random source."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.bind_style = "jdbc"
        self.binds = 0

    def table(self) -> str:
        return self.rng.choice(list(ORACLE_TABLES))

    def bind(self) -> str:
        self.binds += 1
        if self.bind_style == "jdbc":
            return f":{self.binds}"
        if self.bind_style == "plsql":
            return f":B{self.binds}"
        return f':"SYS_B_{self.binds - 1}"'

    def value(self) -> str:
        kind = self.rng.random()
        if kind < 0.6:
            return self.bind()
        if kind < 0.8:
            return f"'{self.rng.choice(['OPEN', 'PAID', 'Oslo', 'qty: 2', 'or not', 'union select'])}{self.rng.randint(1, 999)}'"
        return f"TO_DATE({self.bind()}, 'YYYY-MM-DD HH24:MI:SS')"

    def condition(self, table: str, alias: str) -> str:
        column = self.rng.choice(ORACLE_TABLES[table])
        form = self.rng.randrange(11)
        if form == 0:
            return f"{alias}.{column} IN ({', '.join(self.value() for _ in range(self.rng.randint(2, 30)))})"
        if form == 1:
            return f"{alias}.{column} LIKE {self.rng.choice([chr(39) + '%' + chr(39) + ' || ', ''])}{self.bind()} || '%'"
        if form == 2:
            function = self.rng.choice(["TRUNC", "NVL", "UPPER"])
            return f"{function}({alias}.{column}{', 0' if function == 'NVL' else ''}) = {self.value()}"
        if form == 3:
            return f"{alias}.{column} {self.rng.choice(['<>', '!=', '>=', '<'])} {self.value()}"
        if form == 4:
            return "(" + " OR ".join(f"{alias}.{column} = {self.value()}" for _ in range(self.rng.randint(2, 8))) + ")"
        if form == 5:
            return f"{alias}.{column} IS NOT NULL"
        if form == 6:
            return f"{alias}.{column} > SYSDATE - {self.bind()}"
        if form == 7:
            return f"DECODE({alias}.{column}, 'A', 1, 0) = 1"
        return f"{alias}.{column} = {self.value()}"

    def where(self, table: str, alias: str) -> str:
        return " AND ".join(self.condition(table, alias) for _ in range(self.rng.randint(1, 4)))

    def hint(self) -> str:
        if self.rng.random() < 0.7:
            return ""
        return "/*+ " + self.rng.choice(["INDEX(a IX_1)", "FULL(a) PARALLEL(a 4)", "LEADING(t0) USE_NL(t1)",
                                         "FIRST_ROWS(10)", "NO_MERGE CROSS JOIN"]) + " */ "

    def join_chain(self) -> tuple[str, str, list[tuple[str, str]]]:
        child, fk, parent, pk = self.rng.choice(ORACLE_JOINS)
        tables = [(parent, "t0"), (child, "t1")]
        style = self.rng.randrange(3)
        if style == 0:
            return f"{parent} t0 JOIN {child} t1 ON t1.{fk} = t0.{pk}", "", tables
        if style == 1:
            return f"{parent} t0 LEFT OUTER JOIN {child} t1 ON t1.{fk} = t0.{pk}", "", tables
        mark = "(+)" if self.rng.random() < 0.5 else ""
        return f"{parent} t0, {child} t1", f"t1.{fk}{mark} = t0.{pk} AND ", tables

    def select(self) -> str:
        form = self.rng.randrange(14)
        table = self.table()
        cols = ORACLE_TABLES[table]
        if form == 0:
            return f"SELECT {self.hint()}a.{cols[0]}, a.{cols[1]} FROM {table} a WHERE {self.where(table, 'a')}"
        if form == 1:
            sql, link, tables = self.join_chain()
            (last, alias) = tables[-1]
            return (f"SELECT {self.hint()}t0.{ORACLE_TABLES[tables[0][0]][0]}, {alias}.{ORACLE_TABLES[last][1]} FROM {sql} "
                    f"WHERE {link}{self.where(last, alias)} ORDER BY t0.{ORACLE_TABLES[tables[0][0]][0]}")
        if form == 2:
            return (f"SELECT c.CUSTOMER_ID, c.NAME FROM SALES.CUSTOMERS c WHERE c.CUSTOMER_ID {self.rng.choice(['IN', 'NOT IN'])} "
                    f"(SELECT o.CUSTOMER_ID FROM SALES.ORDERS o WHERE {self.where('SALES.ORDERS', 'o')})")
        if form == 3:
            return (f"SELECT * FROM (SELECT a.*, ROWNUM RN FROM (SELECT {self.hint()}{', '.join(cols[:3])} FROM {table} "
                    f"WHERE {self.where(table, table.split('.')[1])} ORDER BY {cols[0]} DESC) a WHERE ROWNUM <= {self.bind()}) "
                    f"WHERE RN > {self.bind()}")
        if form == 4:
            return (f"SELECT ORDER_ID, CUSTOMER_ID, SUM(TOTAL_AMOUNT) OVER (PARTITION BY CUSTOMER_ID ORDER BY ORDER_DATE) RUNNING "
                    f"FROM (SELECT o.*, ROW_NUMBER() OVER (PARTITION BY o.CUSTOMER_ID ORDER BY o.ORDER_DATE DESC) RN "
                    f"FROM SALES.ORDERS o WHERE {self.where('SALES.ORDERS', 'o')}) WHERE RN <= {self.rng.randint(1, 5)}")
        if form == 5:
            return (f"SELECT LPAD(' ', 2 * LEVEL) || e.LAST_NAME NAME, e.EMPLOYEE_ID, SYS_CONNECT_BY_PATH(e.LAST_NAME, '/') PATH "
                    f"FROM HR.EMPLOYEES e START WITH e.MANAGER_ID {self.rng.choice(['IS NULL', '= ' + self.bind()])} "
                    f"CONNECT BY PRIOR e.EMPLOYEE_ID = e.MANAGER_ID AND LEVEL <= {self.rng.randint(2, 9)}")
        if form == 6:
            column = self.rng.choice(cols)
            return (f"SELECT a.{column}, COUNT(*) N FROM {table} a WHERE {self.where(table, 'a')} "
                    f"GROUP BY a.{column} HAVING COUNT(*) > {self.bind()} ORDER BY N DESC")
        if form == 7:
            other = self.table()
            return (f"SELECT a.{cols[0]} FROM {table} a WHERE {self.where(table, 'a')} "
                    f"{self.rng.choice(['UNION', 'UNION ALL', 'MINUS'])} SELECT b.{ORACLE_TABLES[other][0]} FROM {other} b "
                    f"WHERE {self.where(other, 'b')}")
        if form == 8:
            return (f"/* report {self.rng.randint(1, 9999)}: SELECT * FROM x WHERE NOT y */ SELECT * FROM {table} a "
                    f"WHERE a.{cols[0]} = {self.value()} -- or a = b")
        if form == 9:
            return (f"SELECT {self.hint()}a.{cols[0]} FROM {table} a WHERE a.{cols[-1]} >= TO_DATE({self.bind()}, 'YYYY-MM-DD') "
                    f"AND TO_CHAR(a.{cols[1]}, 'HH24:MI:SS') = {self.bind()} AND ROWNUM <= {self.rng.randint(1, 500)}")
        if form == 10:
            vip = f"(SELECT c.CUSTOMER_ID FROM SALES.CUSTOMERS c WHERE c.CITY = {self.value()})"
            return (f"SELECT o.ORDER_ID FROM SALES.ORDERS o WHERE o.CUSTOMER_ID IN {vip} OR o.REGION IN {vip} "
                    f"OR {self.where('SALES.ORDERS', 'o')}")
        if form == 11:
            terms = " + ".join(f"NVL(a.{self.rng.choice(cols)}, {i})" for i in range(self.rng.randint(80, 240)))
            return f"SELECT a.{cols[0]}, {terms} TOTAL FROM {table} a WHERE {self.where(table, 'a')}"  # 2,000-6,000 chars
        if form == 12:
            return (f"SELECT o.ORDER_ID, x.Q FROM SALES.ORDERS o CROSS APPLY (SELECT MAX(i.QTY) Q FROM SALES.ORDER_ITEMS i "
                    f"WHERE i.ORDER_ID = o.ORDER_ID) x WHERE {self.where('SALES.ORDERS', 'o')}")
        return (f"SELECT o.CUSTOMER_ID, SUM(o.TOTAL_AMOUNT) TOTAL FROM SALES.ORDERS o GROUP BY o.CUSTOMER_ID "
                f"HAVING SUM(o.TOTAL_AMOUNT) > (SELECT AVG(o2.TOTAL_AMOUNT) * {self.rng.randint(2, 9)} FROM SALES.ORDERS o2 "
                f"WHERE {self.where('SALES.ORDERS', 'o2')})")

    def dml(self) -> str:
        table = self.table()
        cols = ORACLE_TABLES[table]
        form = self.rng.randrange(6)
        column = self.rng.choice(cols[1:])
        if form == 0:
            where = f" WHERE {self.where(table, table.split('.')[1])}" if self.rng.random() < 0.8 else ""
            return f"UPDATE {table} SET {column} = {self.value()}{where}"
        if form == 1:
            where = f" WHERE {self.where(table, table.split('.')[1])} AND ROWNUM <= 10000" if self.rng.random() < 0.8 else ""
            return f"DELETE FROM {table}{where}"
        if form == 2:
            return (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(self.bind() for _ in cols)})"
                    + (f" RETURNING {cols[0]} INTO {self.bind()}" if self.rng.random() < 0.3 else ""))
        if form == 3:
            order = " ORDER BY SKU" if self.rng.random() < 0.3 else ""
            return (f"MERGE /*+ APPEND */ INTO SALES.STOCK t USING (SELECT SKU, SUM(QTY) QTY FROM SALES.STOCK_DELTA "
                    f"WHERE BATCH_ID = {self.bind()} GROUP BY SKU{order}) s ON (t.SKU = s.SKU) "
                    f"WHEN MATCHED THEN UPDATE SET t.QTY = t.QTY + s.QTY, t.UPDATED = SYSDATE "
                    f"WHEN NOT MATCHED THEN INSERT (SKU, QTY, UPDATED) VALUES (s.SKU, s.QTY, SYSDATE)")
        if form == 4:
            return f"BEGIN SALES.PKG_{self.rng.randint(1, 99)}.RUN({', '.join(self.bind() for _ in range(self.rng.randint(1, 8)))}); END;"
        return f"INSERT /*+ APPEND */ INTO {table}_HIST SELECT * FROM {table} a WHERE {self.where(table, 'a')}"

    def statements(self, count: int) -> list[str]:
        seen: dict[str, None] = {}
        while len(seen) < count:
            self.bind_style = self.rng.choice(["jdbc", "jdbc", "plsql", "force"])
            self.binds = 0
            seen[self.dml() if self.rng.random() < 0.25 else self.select()] = None
        return list(seen)


def oracle_records(samples: list[str], rng: random.Random) -> list[dict]:
    """``sql.statement`` records as Oracle capture writes them: one SQL_ID in three has 2-3 plans."""
    records = []
    for i, sql in enumerate(samples):
        sql_id = f"{i:013d}"
        for plan in range(rng.choice([1, 1, 1, 1, 2, 3])):
            phv = 1000 + plan
            records.append({"checksum": f"{sql_id}:{phv}", "sql_id": sql_id, "plan_hash_value": phv, "schema": "SALES",
                            "sample": sql, "stats": {"executions": rng.randint(1, 500)}})
    return records


CPU_TIMES: dict[str, float] = {}


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other work on the machine).
    The process's CPU time of that run is kept in CPU_TIMES: on a busy machine it says what the work
    costs on a core of its own."""
    timings = []
    for _ in range(repeat):
        gc.collect()  # each run starts on a clean heap, as an analysis task does: the previous run's trees are not charged
        started, cpu = time.perf_counter(), time.process_time()
        run()
        timings.append((time.perf_counter() - started, time.process_time() - cpu))
    wall, cpu = min(timings)
    CPU_TIMES[getattr(run, "__name__", "?")] = cpu
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("mysql", "oracle"), default="mysql")
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=None, help="pin the process to this core (default: the first allowed)")
    args = parser.parse_args(argv)

    import sqlglot
    import sqlglot.tokens

    from themis.config import RuleOverride
    from themis.rules.catalog import load_catalog
    from themis.rules.checks.sqltext import collector_paused, is_plsql_block, oracle_source, parsed_statements
    from themis.rules.engine import effective_rules, run_dimension
    from themis.rules.snapshot import Snapshot

    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    if args.db == "oracle":
        samples = OracleGenerator(seed=8).statements(args.statements)
        records = oracle_records(samples, random.Random(8))
        # the reference parses what sqlglot accepts: binds already rewritten, PL/SQL blocks left out
        readable = [oracle_source(sql)[0] for sql in samples if not is_plsql_block(sql)]
    else:
        samples = Generator(seed=4).statements(args.statements)
        records = [{"checksum": f"{i:016X}", "sample": sql, "stats": {"executions": 1}} for i, sql in enumerate(samples)]
        readable = samples
    switched_on = {r: RuleOverride(status="ON") for r in ("SUBQUERY_FROM", "SUBQUERY_HAVING", "SUBQUERY_SELECT", "SUBQUERY_WHERE")}
    rules = effective_rules(load_catalog(), args.db, "TEXT", switched_on)
    outcome: dict = {}

    def analyse() -> None:
        outcome.update(run_dimension(rules, Snapshot(args.db, {"sql.statement": records}), "TEXT"))

    def parse_only() -> None:
        with collector_paused():  # as parsed_statements parses: the collector's passes are not parsing
            for sql in readable:
                try:
                    sqlglot.parse(sql, read=args.db)
                except sqlglot.errors.SqlglotError:
                    pass

    def parse_and_index() -> None:
        parsed_statements(Snapshot(args.db, {"sql.statement": records}))

    reference = best_of(args.repeat, parse_only)
    indexed = best_of(args.repeat, parse_and_index)
    full = best_of(args.repeat, analyse)
    count = len(samples)
    findings = sum(r["findings_count"] for r in outcome["rules"])
    compiled = "sqlglotc (compiled)" if sqlglot.tokens.SQLGLOTC_INSTALLED else "pure-Python sqlglot"
    print(f"{args.db}: {count} distinct statements ({len(records)} records; {sum(map(len, samples)) / count:.0f} chars "
          f"on average, longest {max(map(len, samples))}), {len(rules)} TEXT rules, one core (cpu {cpu}), best of {args.repeat}, "
          f"{compiled} {sqlglot.__version__}")
    print(f"  sqlglot.parse alone (reference): {len(readable) / reference:8.0f} statements/s  ({reference * 1000:.0f} ms"
          f" for {len(readable)})")
    print(f"  parse + tree index:              {count / indexed:8.0f} statements/s  ({indexed * 1000:.0f} ms)")
    print(f"  parse + index + all TEXT rules:  {count / full:8.0f} statements/s  ({full * 1000:.0f} ms)"
          f"  = {full / reference:.2f}x the reference")
    print(f"  {findings} findings, {len(outcome['unparsable'])} unparsable, "
          f"rules failed: {outcome['rules_failed']}, per rule: "
          + ", ".join(f"{r['id']}={r['findings_count']}" for r in outcome["rules"]))
    print(f"  CPU time of the process: reference {len(readable) / CPU_TIMES['parse_only']:.0f}, all rules "
          f"{count / CPU_TIMES['analyse']:.0f} statements per CPU-second")
    print(f"  {full / count * 1e6:.0f} µs per statement; budget 500 statements/s: {'met' if count / full >= 500 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
