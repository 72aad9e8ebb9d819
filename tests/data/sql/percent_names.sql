-- Names the MySQL drivers' %-formatting used to break (issue 13, item 3): `%`, `%s`, `%%`, backticks
-- and quotes in schema, table and column names. The text columns hold dates (COLUMN_WRONG_TYPE fires
-- on them only if their values were really read).
DROP DATABASE IF EXISTS `themis_pct%s`;
CREATE DATABASE `themis_pct%s`;
USE `themis_pct%s`;
CREATE TABLE `t%s` (
  `id` INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `d%s` VARCHAR(20) NOT NULL,
  `100%` VARCHAR(20) NOT NULL,
  `q'u"o` VARCHAR(20) NOT NULL,
  `b``t` VARCHAR(20) NOT NULL
) ENGINE=InnoDB;
CREATE TABLE `p%%ct` (
  `id` INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `a%` VARCHAR(20) NOT NULL,
  KEY `i%s` (`a%`)
) ENGINE=InnoDB;
INSERT INTO `t%s` (`d%s`, `100%`, `q'u"o`, `b``t`)
  SELECT DATE_FORMAT('2024-01-01' + INTERVAL seq DAY, '%Y-%m-%d'), DATE_FORMAT('2024-01-01' + INTERVAL seq DAY, '%Y-%m-%d'),
         DATE_FORMAT('2024-01-01' + INTERVAL seq DAY, '%Y-%m-%d'), DATE_FORMAT('2024-01-01' + INTERVAL seq DAY, '%Y-%m-%d')
  FROM seq_0_to_39;
INSERT INTO `p%%ct` (`id`, `a%`)
  SELECT seq + 1, DATE_FORMAT('2023-06-01' + INTERVAL seq DAY, '%Y-%m-%d') FROM seq_0_to_39;
