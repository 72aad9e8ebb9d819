-- Runs once, when the mysql-target data volume is empty, in the MYSQL_DATABASE (`shop`).
-- A small shop schema with deliberate design problems, so a first audit has findings in each
-- MySQL OBJ rule family. Each problem is named in a comment.

SET SESSION cte_max_recursion_depth = 100000;

CREATE TABLE customer (
    id          INT UNSIGNED NOT NULL AUTO_INCREMENT,
    email       VARCHAR(255) NOT NULL,
    name        VARCHAR(100) NOT NULL,
    city        VARCHAR(64)  NULL,
    birth_date  VARCHAR(20)  NULL,          -- COLUMN_WRONG_TYPE: dates kept as text
    created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_customer_email (email),
    KEY idx_customer_email_name (email, name)   -- redundant: idx_customer_email is its left prefix
) ENGINE=InnoDB;

CREATE TABLE product (                      -- TABLE_WITHOUT_TIMESTAMP: no create/update time
    id          INT UNSIGNED NOT NULL AUTO_INCREMENT,
    sku         CHAR(36)     NOT NULL,
    title       VARCHAR(200) NOT NULL,
    description LONGTEXT     NULL,          -- EXIST_LOB_COLUMN
    price       DECIMAL(10,2) NOT NULL,
    stock       INT          NOT NULL DEFAULT 0,
    PRIMARY KEY (sku, id),                  -- TABLE_PRIMARYKEY_LENGTH: 36-byte char leads the key
    KEY idx_product_id (id)
) ENGINE=InnoDB;

CREATE TABLE orders (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    customer_id INT UNSIGNED NOT NULL,
    status      VARCHAR(16)  NOT NULL,
    amount      DECIMAL(12,2) NOT NULL,
    created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_orders_status (status),         -- INDEX_SELECTIVITY: four distinct values
    CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customer (id)  -- TABLE_EXIST_FOREIGN_KEY
) ENGINE=InnoDB;

CREATE TABLE order_item (                   -- TABLE_NO_DEF_PRIMARYKEY; no index on order_id
    order_id    BIGINT UNSIGNED NOT NULL,
    product_id  INT UNSIGNED NOT NULL,
    qty         INT          NOT NULL,
    price       DECIMAL(10,2) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE audit_event (                  -- BIG_TABLE_BY_INDEX_NUM: 8 secondary indexes
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    actor       VARCHAR(64)  NOT NULL,
    action      VARCHAR(32)  NOT NULL,
    object_type VARCHAR(32)  NOT NULL,
    object_id   BIGINT       NOT NULL,
    ip          VARCHAR(45)  NULL,
    session_id  CHAR(32)     NULL,
    payload     BLOB         NULL,          -- EXIST_LOB_COLUMN
    created_at  DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY idx_ae_actor (actor),
    KEY idx_ae_action (action),
    KEY idx_ae_object_type (object_type),
    KEY idx_ae_object_id (object_id),
    KEY idx_ae_ip (ip),
    KEY idx_ae_session (session_id),
    KEY idx_ae_created (created_at),
    KEY idx_ae_actor_action (actor, action)
) ENGINE=InnoDB;

-- EXIST_FUNC_PROC_TRIGGER: a trigger and a function.
CREATE TRIGGER trg_orders_touch BEFORE UPDATE ON orders
    FOR EACH ROW SET NEW.updated_at = NOW();

CREATE FUNCTION price_with_vat(p DECIMAL(10,2)) RETURNS DECIMAL(10,2) DETERMINISTIC
    RETURN ROUND(p * 1.20, 2);

CREATE VIEW v_customer_orders AS
    SELECT c.id AS customer_id, c.email, COUNT(o.id) AS orders, COALESCE(SUM(o.amount), 0) AS total
    FROM customer c LEFT JOIN orders o ON o.customer_id = c.id
    GROUP BY c.id, c.email;

-- Data: 5,000 customers, 2,000 products, 20,000 orders, 60,000 order lines, 10,000 events.
INSERT INTO customer (email, name, city, birth_date, created_at)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 5000)
SELECT CONCAT('user', n, '@example.com'),
       CONCAT('Customer ', n),
       ELT(1 + n % 6, 'Lyon', 'Paris', 'Nantes', 'Lille', 'Rennes', 'Brestville'),
       DATE_FORMAT(DATE '1960-01-01' + INTERVAL (n * 7) DAY, '%Y-%m-%d'),
       TIMESTAMP '2025-01-01 00:00:00' + INTERVAL n HOUR
FROM seq;

INSERT INTO product (id, sku, title, description, price, stock)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 2000)
SELECT n, UUID(), CONCAT('Product ', n), REPEAT('Long description. ', 20),
       ROUND(1 + (n * 37 % 500) + (n % 100) / 100, 2), n % 50
FROM seq;

INSERT INTO orders (customer_id, status, amount, created_at)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 20000)
SELECT 1 + (n * 7919) % 5000,
       ELT(1 + n % 4, 'new', 'paid', 'shipped', 'cancelled'),
       ROUND(5 + (n * 13 % 995) + (n % 100) / 100, 2),
       TIMESTAMP '2025-06-01 00:00:00' + INTERVAL (n * 17) MINUTE
FROM seq;

INSERT INTO order_item (order_id, product_id, qty, price)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 60000)
SELECT 1 + (n - 1) DIV 3, 1 + (n * 31) % 2000, 1 + n % 5, ROUND(1 + (n * 37 % 500), 2)
FROM seq;

INSERT INTO audit_event (actor, action, object_type, object_id, ip, session_id, created_at)
WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 10000)
SELECT CONCAT('user', n % 300), ELT(1 + n % 3, 'login', 'view', 'update'),
       ELT(1 + n % 2, 'order', 'customer'), n % 20000,
       CONCAT('10.0.', n % 256, '.', n % 250), MD5(n),
       TIMESTAMP '2025-06-01 00:00:00' + INTERVAL n MINUTE
FROM seq;

ANALYZE TABLE customer, product, orders, order_item, audit_event;
