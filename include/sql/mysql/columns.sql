{#- obj.column: every column of every table and view of the audited schemas. -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  c.`TABLE_SCHEMA`             AS `schema`,
  c.`TABLE_NAME`               AS `table`,
  c.`COLUMN_NAME`              AS `column`,
  c.`ORDINAL_POSITION`         AS `ordinal_position`,
  c.`COLUMN_DEFAULT`           AS `column_default`,
  c.`IS_NULLABLE`              AS `is_nullable`,
  c.`DATA_TYPE`                AS `data_type`,
  c.`COLUMN_TYPE`              AS `column_type`,
  c.`CHARACTER_MAXIMUM_LENGTH` AS `character_maximum_length`,
  c.`CHARACTER_OCTET_LENGTH`   AS `character_octet_length`,
  c.`NUMERIC_PRECISION`        AS `numeric_precision`,
  c.`NUMERIC_SCALE`            AS `numeric_scale`,
  c.`DATETIME_PRECISION`       AS `datetime_precision`,
  c.`CHARACTER_SET_NAME`       AS `character_set_name`,
  c.`COLLATION_NAME`           AS `collation_name`,
  c.`COLUMN_KEY`               AS `column_key`,
  c.`EXTRA`                    AS `extra`,
  c.`COLUMN_COMMENT`           AS `column_comment`
FROM `information_schema`.`COLUMNS` AS c
WHERE c.`TABLE_SCHEMA` {{ in_list(schemas) }}
ORDER BY CAST(c.`TABLE_SCHEMA` AS BINARY), CAST(c.`TABLE_NAME` AS BINARY), c.`ORDINAL_POSITION`
