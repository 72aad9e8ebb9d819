-- The demo shop schema: database `shop` for the sandbox MariaDB (themis.sandbox.MariaDBSandbox).
--
-- It mixes healthy tables with REAL defects, so every MySQL OBJ rule has something to find and the
-- demo workload (scripts/demo_workload.py) produces full scans, filesorts and temporary tables:
--
--   audit_log          no primary key; TEXT column (LOB)
--   products           TEXT + LONGBLOB columns (LOB); foreign key
--   customer_profiles  45 columns (> 40)
--   product_search     9 secondary indexes (> 7), one of them on a low-selectivity column
--   orders, order_items, shipments  foreign keys (shipments: a two-column one)
--   order_archive      RANGE-partitioned by year
--   v_customer_orders  a view; trg_orders_audit a trigger; fn_price_with_tax a stored function
--   categories, customers, cart_scratch  healthy (cart_scratch is the workload's scratch table)
--
-- Rows are generated with MariaDB's Sequence engine (seq_1_to_N), deterministically (no RAND()), so
-- counts and plans are the same on every run. The script is re-runnable: it drops `shop` first.
-- It needs no DELIMITER lines (routine and trigger bodies are single statements), so it runs both
-- through the mariadb client (`mariadb -h127.0.0.1 -P PORT -u themis_admin -p < scripts/demo_schema.sql`)
-- and as one multi-statement script (MariaDBSandbox.execute_script).

DROP DATABASE IF EXISTS `shop`;
CREATE DATABASE `shop` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;
USE `shop`;

-- ------------------------------------------------------------------ healthy reference data
CREATE TABLE `categories` (
  `id` INT UNSIGNED NOT NULL,
  `name` VARCHAR(60) NOT NULL,
  `created_at` DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_categories_name` (`name`)
) ENGINE=InnoDB COMMENT='product categories';

CREATE TABLE `customers` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `email` VARCHAR(120) NOT NULL,
  `name` VARCHAR(80) NOT NULL,
  `city` VARCHAR(40) NOT NULL,
  `country` CHAR(2) NOT NULL,
  `created_at` DATETIME NOT NULL,
  `updated_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_customers_email` (`email`)
) ENGINE=InnoDB;

-- ------------------------------------------------------------------ LOB columns + foreign key
CREATE TABLE `products` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `category_id` INT UNSIGNED NOT NULL,
  `sku` VARCHAR(32) NOT NULL,
  `title` VARCHAR(200) NOT NULL,
  `price` DECIMAL(10,2) NOT NULL,
  `description` TEXT,
  `image` LONGBLOB,
  `created_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_products_sku` (`sku`),
  KEY `idx_products_category` (`category_id`),
  CONSTRAINT `fk_products_category` FOREIGN KEY (`category_id`) REFERENCES `categories` (`id`)
) ENGINE=InnoDB;

CREATE TABLE `orders` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `customer_id` INT UNSIGNED NOT NULL,
  `status` VARCHAR(16) NOT NULL,
  `amount` DECIMAL(10,2) NOT NULL,
  `note` VARCHAR(200) NULL,
  `created_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_orders_customer` (`customer_id`),
  CONSTRAINT `fk_orders_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`)
) ENGINE=InnoDB;

CREATE TABLE `order_items` (
  `order_id` INT UNSIGNED NOT NULL,
  `line_no` SMALLINT UNSIGNED NOT NULL,
  `product_id` INT UNSIGNED NOT NULL,
  `qty` SMALLINT UNSIGNED NOT NULL,
  `unit_price` DECIMAL(10,2) NOT NULL,
  PRIMARY KEY (`order_id`, `line_no`),
  KEY `idx_items_product` (`product_id`),
  CONSTRAINT `fk_items_order` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE,
  CONSTRAINT `fk_items_product` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`)
) ENGINE=InnoDB;

CREATE TABLE `shipments` (
  `id` INT UNSIGNED NOT NULL AUTO_INCREMENT,
  `order_id` INT UNSIGNED NOT NULL,
  `line_no` SMALLINT UNSIGNED NOT NULL,
  `carrier` VARCHAR(20) NOT NULL,
  `shipped_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_shipments_item` (`order_id`, `line_no`),
  CONSTRAINT `fk_shipments_item` FOREIGN KEY (`order_id`, `line_no`)
    REFERENCES `order_items` (`order_id`, `line_no`) ON UPDATE CASCADE ON DELETE CASCADE
) ENGINE=InnoDB;

-- ------------------------------------------------------------------ no primary key, LOB
CREATE TABLE `audit_log` (
  `logged_at` DATETIME NOT NULL,
  `actor` VARCHAR(40) NOT NULL,
  `action` VARCHAR(20) NOT NULL,
  `ref_id` INT UNSIGNED NULL,
  `payload` TEXT NULL
) ENGINE=InnoDB;

-- ------------------------------------------------------------------ too many columns (45)
CREATE TABLE `customer_profiles` (
  `customer_id` INT UNSIGNED NOT NULL,
  `attr_01` INT NULL,
  `attr_02` DECIMAL(10,2) NULL,
  `attr_03` DATE NULL,
  `attr_04` TINYINT(1) NULL,
  `attr_05` VARCHAR(100) NULL,
  `attr_06` VARCHAR(40) NULL,
  `attr_07` INT NULL,
  `attr_08` DECIMAL(10,2) NULL,
  `attr_09` DATE NULL,
  `attr_10` TINYINT(1) NULL,
  `attr_11` VARCHAR(100) NULL,
  `attr_12` VARCHAR(40) NULL,
  `attr_13` INT NULL,
  `attr_14` DECIMAL(10,2) NULL,
  `attr_15` DATE NULL,
  `attr_16` TINYINT(1) NULL,
  `attr_17` VARCHAR(100) NULL,
  `attr_18` VARCHAR(40) NULL,
  `attr_19` INT NULL,
  `attr_20` DECIMAL(10,2) NULL,
  `attr_21` DATE NULL,
  `attr_22` TINYINT(1) NULL,
  `attr_23` VARCHAR(100) NULL,
  `attr_24` VARCHAR(40) NULL,
  `attr_25` INT NULL,
  `attr_26` DECIMAL(10,2) NULL,
  `attr_27` DATE NULL,
  `attr_28` TINYINT(1) NULL,
  `attr_29` VARCHAR(100) NULL,
  `attr_30` VARCHAR(40) NULL,
  `attr_31` INT NULL,
  `attr_32` DECIMAL(10,2) NULL,
  `attr_33` DATE NULL,
  `attr_34` TINYINT(1) NULL,
  `attr_35` VARCHAR(100) NULL,
  `attr_36` VARCHAR(40) NULL,
  `attr_37` INT NULL,
  `attr_38` DECIMAL(10,2) NULL,
  `attr_39` DATE NULL,
  `attr_40` TINYINT(1) NULL,
  `attr_41` VARCHAR(100) NULL,
  `attr_42` VARCHAR(40) NULL,
  `attr_43` INT NULL,
  `updated_at` DATETIME NOT NULL,
  PRIMARY KEY (`customer_id`)
) ENGINE=InnoDB;

-- ------------------------------------------------------------------ too many indexes (9 secondary)
CREATE TABLE `product_search` (
  `product_id` INT UNSIGNED NOT NULL,
  `title` VARCHAR(200) NOT NULL,
  `brand` VARCHAR(40) NOT NULL,
  `color` VARCHAR(20) NOT NULL,
  `size` VARCHAR(8) NOT NULL,
  `price` DECIMAL(10,2) NOT NULL,
  `rating` TINYINT UNSIGNED NOT NULL,
  `in_stock` TINYINT(1) NOT NULL,
  `tags` VARCHAR(255) NOT NULL,
  `updated_at` DATETIME NOT NULL,
  PRIMARY KEY (`product_id`),
  KEY `idx_ps_title` (`title`(40)),
  KEY `idx_ps_brand` (`brand`),
  KEY `idx_ps_color` (`color`),
  KEY `idx_ps_size` (`size`),
  KEY `idx_ps_price` (`price`),
  KEY `idx_ps_rating` (`rating`),
  KEY `idx_ps_in_stock` (`in_stock`),
  KEY `idx_ps_brand_color` (`brand`, `color`),
  KEY `idx_ps_updated` (`updated_at` DESC)
) ENGINE=InnoDB;

-- ------------------------------------------------------------------ scratch table for the workload
CREATE TABLE `cart_scratch` (
  `id` INT UNSIGNED NOT NULL,
  `customer_id` INT UNSIGNED NOT NULL,
  `product_id` INT UNSIGNED NOT NULL,
  `qty` SMALLINT UNSIGNED NOT NULL,
  `added_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;

-- ------------------------------------------------------------------ partitioned archive
CREATE TABLE `order_archive` (
  `id` INT UNSIGNED NOT NULL,
  `customer_id` INT UNSIGNED NOT NULL,
  `amount` DECIMAL(10,2) NOT NULL,
  `created_at` DATETIME NOT NULL,
  PRIMARY KEY (`id`, `created_at`)
) ENGINE=InnoDB
PARTITION BY RANGE (YEAR(`created_at`)) (
  PARTITION `p2022` VALUES LESS THAN (2023),
  PARTITION `p2023` VALUES LESS THAN (2024),
  PARTITION `pmax` VALUES LESS THAN MAXVALUE
);

-- ------------------------------------------------------------------ data
INSERT INTO `categories` (`id`, `name`, `created_at`)
SELECT `seq`, CONCAT('category ', `seq`), '2023-01-01' + INTERVAL `seq` DAY FROM `seq_1_to_20`;

INSERT INTO `customers` (`id`, `email`, `name`, `city`, `country`, `created_at`, `updated_at`)
SELECT `seq`, CONCAT('user', `seq`, '@example.com'), CONCAT('Customer ', `seq`),
       ELT(1 + `seq` % 10, 'Berlin', 'Paris', 'Madrid', 'Rome', 'Vienna', 'Warsaw', 'Prague', 'Lisbon', 'Dublin', 'Oslo'),
       ELT(1 + `seq` % 5, 'DE', 'FR', 'ES', 'IT', 'AT'),
       '2023-01-01' + INTERVAL (`seq` % 700) DAY, '2024-06-01' + INTERVAL (`seq` % 90) DAY
FROM `seq_1_to_5000`;

INSERT INTO `products` (`id`, `category_id`, `sku`, `title`, `price`, `description`, `image`, `created_at`)
SELECT `seq`, 1 + `seq` % 20, CONCAT('SKU-', LPAD(`seq`, 6, '0')), CONCAT('Product ', `seq`),
       ROUND(1 + (`seq` * 7919 % 50000) / 100, 2), REPEAT(CONCAT('Description of product ', `seq`, '. '), 8),
       UNHEX(MD5(`seq`)), '2023-01-01' + INTERVAL (`seq` % 500) DAY
FROM `seq_1_to_2000`;

INSERT INTO `orders` (`id`, `customer_id`, `status`, `amount`, `note`, `created_at`)
SELECT `seq`, 1 + `seq` * 7 % 5000, ELT(1 + `seq` % 4, 'new', 'paid', 'shipped', 'cancelled'),
       ROUND((`seq` * 3571 % 100000) / 100, 2), IF(`seq` % 9 = 0, CONCAT('gift wrap ', `seq`), NULL),
       '2022-01-01' + INTERVAL (`seq` % 1000) DAY + INTERVAL (`seq` % 86400) SECOND
FROM `seq_1_to_20000`;

INSERT INTO `order_items` (`order_id`, `line_no`, `product_id`, `qty`, `unit_price`)
SELECT o.`seq`, l.`seq`, 1 + (o.`seq` * 13 + l.`seq` * 101) % 2000, 1 + (o.`seq` + l.`seq`) % 5,
       ROUND(1 + (o.`seq` * 31 % 20000) / 100, 2)
FROM `seq_1_to_20000` AS o JOIN `seq_1_to_2` AS l;

INSERT INTO `shipments` (`order_id`, `line_no`, `carrier`, `shipped_at`)
SELECT `seq` * 4, 1, ELT(1 + `seq` % 3, 'DHL', 'UPS', 'GLS'), '2022-01-03' + INTERVAL (`seq` % 1000) DAY
FROM `seq_1_to_4000`;

INSERT INTO `audit_log` (`logged_at`, `actor`, `action`, `ref_id`, `payload`)
SELECT '2024-01-01' + INTERVAL `seq` MINUTE, ELT(1 + `seq` % 3, 'web', 'batch', 'admin'),
       ELT(1 + `seq` % 4, 'login', 'update', 'export', 'delete'), `seq` % 5000,
       CONCAT('{"event": ', `seq`, ', "detail": "', REPEAT('x', `seq` % 50), '"}')
FROM `seq_1_to_3000`;

INSERT INTO `customer_profiles` (`customer_id`, `attr_01`, `attr_05`, `attr_09`, `attr_20`, `updated_at`)
SELECT `seq`, `seq` % 97, CONCAT('profile ', `seq`), '2020-01-01' + INTERVAL (`seq` % 1500) DAY,
       (`seq` % 1000) / 10, '2024-06-01'
FROM `seq_1_to_2000`;

INSERT INTO `product_search` (`product_id`, `title`, `brand`, `color`, `size`, `price`, `rating`, `in_stock`, `tags`, `updated_at`)
SELECT `seq`, CONCAT('Product ', `seq`), ELT(1 + `seq` % 8, 'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka'),
       ELT(1 + `seq` % 6, 'red', 'green', 'blue', 'black', 'white', 'grey'), ELT(1 + `seq` % 4, 'S', 'M', 'L', 'XL'),
       ROUND(1 + (`seq` * 7919 % 50000) / 100, 2), `seq` % 6, `seq` % 2, CONCAT('tag', `seq` % 30, ',tag', `seq` % 7),
       '2024-01-01' + INTERVAL (`seq` % 300) HOUR
FROM `seq_1_to_2000`;

INSERT INTO `cart_scratch` (`id`, `customer_id`, `product_id`, `qty`, `added_at`)
SELECT `seq`, 1 + `seq` % 5000, 1 + `seq` % 2000, 1 + `seq` % 3, '2024-06-01' + INTERVAL `seq` MINUTE
FROM `seq_1_to_500`;

INSERT INTO `order_archive` (`id`, `customer_id`, `amount`, `created_at`)
SELECT `seq`, 1 + `seq` % 5000, ROUND((`seq` * 3571 % 100000) / 100, 2), '2022-01-01' + INTERVAL (`seq` % 1000) DAY
FROM `seq_1_to_3000`;

-- ------------------------------------------------------------------ view, function, trigger
CREATE SQL SECURITY INVOKER VIEW `v_customer_orders` AS
SELECT c.`id` AS `customer_id`, c.`name`, COUNT(o.`id`) AS `orders`, COALESCE(SUM(o.`amount`), 0) AS `total`
FROM `customers` AS c LEFT JOIN `orders` AS o ON o.`customer_id` = c.`id`
GROUP BY c.`id`, c.`name`;

CREATE FUNCTION `fn_price_with_tax` (`price` DECIMAL(10,2)) RETURNS DECIMAL(10,2)
  DETERMINISTIC NO SQL
  RETURN ROUND(`price` * 1.19, 2);

-- Created after the bulk load so the generated orders are not logged twice.
CREATE TRIGGER `trg_orders_audit` AFTER INSERT ON `orders` FOR EACH ROW
  INSERT INTO `audit_log` (`logged_at`, `actor`, `action`, `ref_id`, `payload`)
  VALUES (NOW(), 'trigger', 'order', NEW.`id`, CONCAT('{"amount": ', NEW.`amount`, '}'));

-- Exact statistics, so index cardinalities and plans do not depend on background sampling.
ANALYZE TABLE `categories`, `customers`, `products`, `orders`, `order_items`, `shipments`, `audit_log`,
  `customer_profiles`, `product_search`, `cart_scratch`, `order_archive`;
