{#- obj.table: tables and views of the audited schemas (partitioned = CREATE_OPTIONS says so). -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  t.`TABLE_SCHEMA`    AS `schema`,
  t.`TABLE_NAME`      AS `table`,
  t.`TABLE_TYPE`      AS `table_type`,
  t.`ENGINE`          AS `engine`,
  t.`ROW_FORMAT`      AS `row_format`,
  t.`TABLE_ROWS`      AS `table_rows`,
  t.`AVG_ROW_LENGTH`  AS `avg_row_length`,
  t.`DATA_LENGTH`     AS `data_length`,
  t.`INDEX_LENGTH`    AS `index_length`,
  t.`DATA_FREE`       AS `data_free`,
  t.`AUTO_INCREMENT`  AS `auto_increment`,
  t.`CREATE_OPTIONS`  AS `create_options`,
  t.`TABLE_COLLATION` AS `table_collation`,
  t.`TABLE_COMMENT`   AS `table_comment`
FROM `information_schema`.`TABLES` AS t
WHERE t.`TABLE_SCHEMA` {{ in_list(schemas) }}
ORDER BY CAST(t.`TABLE_SCHEMA` AS BINARY), CAST(t.`TABLE_NAME` AS BINARY)
