"""A mixed workload on the demo `shop` schema that gives every MySQL TEXT / SQLPLAN / SQLSTAT rule
something real to find in the slow log and in EXPLAIN.

It starts nothing and leaves nothing running: it connects to an existing server (normally the sandbox
started by ``themis.sandbox.MariaDBSandbox`` with ``scripts/demo_schema.sql`` loaded), runs a few
hundred statements in a few seconds, and exits. With the sandbox's ``long_query_time=0`` every
statement lands in the slow log.

What it runs, per round:

* healthy traffic: indexed point selects, indexed joins, single-row updates, an order insert (which
  fires the ``trg_orders_audit`` trigger);
* SELECT *; LIKE with a leading wildcard; an IN list of 25 values;
* full table scans with a rows-examined / rows-sent ratio above 10,000 (COUNT over 20,000 orders);
* ORDER BY on an unindexed column (filesort); GROUP BY needing a temporary table; a dependent
  subquery; a materialised derived table; a four-table join; a view; a partitioned table;
* UPDATE and DELETE without WHERE on the scratch table ``cart_scratch`` (refilled afterwards, so the
  schema's row counts stay the same except ``orders`` / ``audit_log``, which grow by one row a round);
* with ``lock_conn`` (a second connection): a SELECT that waits ~0.2 s for a table lock held by the
  other connection, so the slow log shows real Lock_time.

Run it against the sandbox::

    python scripts/demo_workload.py --port PORT [--rounds 3]

The defaults are the sandbox's ``themis_admin`` account on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Any, Sequence

LOCK_WAIT_SECONDS = 0.2
IN_LIST = tuple(range(3, 3 + 25 * 7, 7))  # 25 product ids (> 20 values)

# (sql, params) pairs; params are bound by the driver (the slow log shows the literal values).
HEALTHY = [
    ("SELECT `id`, `email`, `name` FROM `customers` WHERE `id` = %s", (cid,)) for cid in range(11, 4000, 197)
] + [
    (
        "SELECT o.`id`, o.`amount`, c.`name` FROM `orders` AS o JOIN `customers` AS c ON c.`id` = o.`customer_id` "
        "WHERE o.`customer_id` = %s",
        (cid,),
    )
    for cid in (8, 15, 22, 29, 36)
] + [
    ("SELECT `product_id`, `title`, `price` FROM `product_search` WHERE `brand` = %s AND `color` = %s", ("Acme", "red")),
    ("UPDATE `customers` SET `updated_at` = NOW() WHERE `id` = %s", (42,)),
    ("SELECT * FROM `products` WHERE `category_id` = %s", (3,)),
]

DEFECTS = [
    # SELECT * over a whole table without a primary key
    ("SELECT * FROM `audit_log`", None),
    # leading-wildcard LIKE: full scan
    ("SELECT `id`, `name` FROM `customers` WHERE `name` LIKE %s", ("%99",)),
    # IN list with more than 20 values
    ("SELECT `id`, `title`, `price` FROM `products` WHERE `id` IN (" + ", ".join(["%s"] * len(IN_LIST)) + ")", IN_LIST),
    # full scans, rows examined / rows sent = 20,000
    ("SELECT COUNT(*) FROM `orders` WHERE `note` LIKE %s", ("gift%",)),
    ("SELECT MAX(`amount`) FROM `orders` WHERE `created_at` >= %s", ("2023-01-01",)),
    # filesort on an unindexed column
    ("SELECT `id`, `customer_id`, `amount` FROM `orders` ORDER BY `amount` DESC LIMIT 10", None),
    # GROUP BY on an unindexed column: temporary table (+ filesort)
    ("SELECT `city`, COUNT(*) AS `customers` FROM `customers` GROUP BY `city`", None),
    (
        "SELECT c.`country`, SUM(o.`amount`) AS `revenue` FROM `orders` AS o "
        "JOIN `customers` AS c ON c.`id` = o.`customer_id` GROUP BY c.`country` ORDER BY `revenue` DESC",
        None,
    ),
    # dependent subquery
    (
        "SELECT c.`id`, (SELECT MAX(o.`amount`) FROM `orders` AS o WHERE o.`customer_id` = c.`id`) AS `top_order` "
        "FROM `customers` AS c WHERE c.`id` BETWEEN %s AND %s",
        (100, 160),
    ),
    # materialised derived table
    (
        "SELECT t.`customer_id`, t.`total` FROM (SELECT `customer_id`, SUM(`amount`) AS `total` FROM `orders` "
        "GROUP BY `customer_id`) AS t WHERE t.`total` > %s ORDER BY t.`total` DESC LIMIT 20",
        (2000,),
    ),
    # four-table join
    (
        "SELECT c.`name`, o.`id`, p.`title`, i.`qty` FROM `customers` AS c JOIN `orders` AS o ON o.`customer_id` = c.`id` "
        "JOIN `order_items` AS i ON i.`order_id` = o.`id` JOIN `products` AS p ON p.`id` = i.`product_id` WHERE c.`id` = %s",
        (77,),
    ),
    # a view, a partitioned table (all partitions), a stored function
    ("SELECT * FROM `v_customer_orders` WHERE `customer_id` = %s", (5,)),
    ("SELECT COUNT(*) FROM `order_archive` WHERE `amount` > %s", (500,)),
    ("SELECT `id`, `fn_price_with_tax`(`price`) AS `gross` FROM `products` WHERE `id` < %s", (50,)),
]

# DML without WHERE, on the scratch table only; the refill keeps its 500 rows.
SCRATCH = [
    ("UPDATE `cart_scratch` SET `qty` = `qty` + 1", None),
    ("DELETE FROM `cart_scratch`", None),
    (
        "INSERT INTO `cart_scratch` (`id`, `customer_id`, `product_id`, `qty`, `added_at`) "
        "SELECT `seq`, 1 + `seq` % 5000, 1 + `seq` % 2000, 1 + `seq` % 3, NOW() FROM `seq_1_to_500`",
        None,
    ),
    (
        "INSERT INTO `orders` (`customer_id`, `status`, `amount`, `created_at`) VALUES (%s, %s, %s, NOW())",
        (12, "new", 99.5),
    ),
]


def _run(conn: Any, sql: str, params: Sequence[Any] | None = None) -> int:
    """Execute one statement and read its rows (so Rows_sent is real); returns 1."""
    cursor = conn.cursor()
    try:
        # A statement without parameters must not go through %-formatting ('%' in the seq arithmetic).
        cursor.execute(sql, tuple(params) if params else None)
        if cursor.description is not None:
            cursor.fetchall()
    finally:
        cursor.close()
    return 1


def _lock_wait(conn: Any, lock_conn: Any) -> int:
    """``lock_conn`` holds a WRITE lock on cart_scratch for a moment while ``conn`` reads it."""
    count = _run(lock_conn, "LOCK TABLES `shop`.`cart_scratch` WRITE")
    release = threading.Timer(LOCK_WAIT_SECONDS, _run, args=(lock_conn, "UNLOCK TABLES"))
    release.start()
    try:
        count += _run(conn, "SELECT COUNT(*) FROM `cart_scratch` WHERE `qty` > %s", (1,))
    finally:
        release.join()
    return count + 1  # the UNLOCK TABLES


def run_workload(conn: Any, *, rounds: int = 1, lock_conn: Any | None = None) -> int:
    """Run the workload ``rounds`` times on ``conn`` (database ``shop``); returns the statements run."""
    count = _run(conn, "USE `shop`")
    for _ in range(rounds):
        for sql, params in HEALTHY + DEFECTS + SCRATCH:
            count += _run(conn, sql, params)
        conn.commit()
        if lock_conn is not None:
            count += _lock_wait(conn, lock_conn)
    return count


def main(argv: Sequence[str] | None = None) -> int:
    import MySQLdb

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", default="themis_admin")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-lock-wait", action="store_true", help="skip the lock-wait scenario (one connection)")
    args = parser.parse_args(argv)
    # The sandbox's fixed demo password unless THEMIS_DEMO_PASSWORD says otherwise.
    password = os.environ.get("THEMIS_DEMO_PASSWORD", "adminpw")
    options = {"host": args.host, "port": args.port, "user": args.user, "password": password, "database": "shop"}
    conn = MySQLdb.connect(**options)
    lock_conn = None if args.no_lock_wait else MySQLdb.connect(**options)
    try:
        count = run_workload(conn, rounds=args.rounds, lock_conn=lock_conn)
    finally:
        conn.close()
        if lock_conn is not None:
            lock_conn.close()
    print(f"ran {count} statements on {args.host}:{args.port}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
