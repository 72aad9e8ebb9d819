-- A demo workload for the `shop` schema: statements with the problems the MySQL TEXT, SQLPLAN and
-- SQLSTAT rules look for. long_query_time = 0 for this session only, so every statement below is
-- written to the slow log whatever the server's threshold. Safe to run repeatedly (no data changes
-- except no-op updates).
--   docker compose exec mysql-target sh -c 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" shop < /themis/workload.sql'

USE shop;
SET SESSION long_query_time = 0;

-- SELECT_ANY, LIKE_UNINDEX (full scan)
SELECT * FROM customer WHERE city LIKE '%ville';
SELECT * FROM customer WHERE email LIKE '%42@example.com';
SELECT * FROM customer WHERE email LIKE '%77@example.com';

-- BAD_JOIN (outer join)
SELECT c.id, c.name FROM customer c LEFT OUTER JOIN orders o ON o.customer_id = c.id WHERE o.id IS NULL;

-- WHERE_FUNC (function on the indexed column)
SELECT id, email FROM customer WHERE LOWER(email) = 'user17@example.com';
SELECT id, email FROM customer WHERE LOWER(email) = 'user18@example.com';
SELECT id, amount FROM orders WHERE DATE(created_at) = '2025-06-03';

-- WHERE_NOT
SELECT id, amount FROM orders WHERE status <> 'paid' AND amount > 990;

-- TOOMANY_OR
SELECT id, status FROM orders
WHERE customer_id = 1 OR customer_id = 2 OR customer_id = 3 OR customer_id = 4
   OR customer_id = 5 OR customer_id = 6 OR customer_id = 7;

-- TOOMANY_IN_LIST
SELECT id, title FROM product
WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25);

-- UNION (not UNION ALL)
SELECT email FROM customer WHERE id < 100 UNION SELECT email FROM customer WHERE city = 'Lyon';

-- Join on an unindexed column, temporary table and filesort (SQLPLAN / SQLSTAT)
SELECT o.customer_id, SUM(i.qty * i.price) AS spent
FROM orders o JOIN order_item i ON i.order_id = o.id
WHERE o.created_at >= '2025-06-10'
GROUP BY o.customer_id ORDER BY spent DESC LIMIT 10;

SELECT p.title, COUNT(*) AS line_count FROM order_item i JOIN product p ON p.id = i.product_id
GROUP BY p.title ORDER BY line_count DESC LIMIT 20;

-- Subquery in WHERE (SUBQUERY_WHERE, off by default)
SELECT id, name FROM customer WHERE id IN (SELECT customer_id FROM orders WHERE amount > 995);

-- DML_SORT (matches no row) and DML_ALLDATA (no-op update of every row)
UPDATE orders SET status = 'archived' WHERE created_at < '2000-01-01' ORDER BY id LIMIT 10;
UPDATE product SET stock = stock;
