{#- obj.partition: partitions (and subpartitions) of partitioned tables; the server also returns one
    row without a partition name per ordinary table, which is left out. -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  p.`TABLE_SCHEMA`               AS `schema`,
  p.`TABLE_NAME`                 AS `table`,
  p.`PARTITION_NAME`             AS `partition`,
  p.`SUBPARTITION_NAME`          AS `subpartition`,
  p.`PARTITION_METHOD`           AS `partition_method`,
  p.`SUBPARTITION_METHOD`        AS `subpartition_method`,
  p.`PARTITION_EXPRESSION`       AS `partition_expression`,
  p.`PARTITION_ORDINAL_POSITION` AS `ordinal_position`,
  p.`TABLE_ROWS`                 AS `table_rows`,
  p.`DATA_LENGTH`                AS `data_length`,
  p.`INDEX_LENGTH`               AS `index_length`
FROM `information_schema`.`PARTITIONS` AS p
WHERE p.`TABLE_SCHEMA` {{ in_list(schemas) }}
  AND p.`PARTITION_NAME` IS NOT NULL
ORDER BY CAST(p.`TABLE_SCHEMA` AS BINARY), CAST(p.`TABLE_NAME` AS BINARY), p.`PARTITION_ORDINAL_POSITION`, p.`SUBPARTITION_ORDINAL_POSITION`
