{#- obj.index: one row per index column; capture folds them into one record per index, so rows must
    arrive grouped: binary order keeps tables whose names differ only in case apart. -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  s.`TABLE_SCHEMA`  AS `schema`,
  s.`TABLE_NAME`    AS `table`,
  s.`INDEX_NAME`    AS `index`,
  s.`NON_UNIQUE`    AS `non_unique`,
  s.`SEQ_IN_INDEX`  AS `seq`,
  s.`COLUMN_NAME`   AS `column`,
  s.`COLLATION`     AS `collation`,
  s.`CARDINALITY`   AS `cardinality`,
  s.`SUB_PART`      AS `sub_part`,
  s.`NULLABLE`      AS `nullable`,
  s.`INDEX_TYPE`    AS `index_type`,
  s.`INDEX_COMMENT` AS `comment`
FROM `information_schema`.`STATISTICS` AS s
WHERE s.`TABLE_SCHEMA` {{ in_list(schemas) }}
ORDER BY CAST(s.`TABLE_SCHEMA` AS BINARY), CAST(s.`TABLE_NAME` AS BINARY), CAST(s.`INDEX_NAME` AS BINARY),
  s.`SEQ_IN_INDEX`
