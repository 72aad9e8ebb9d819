{#- obj.foreign_key: one row per foreign-key column with its rules; capture folds them into one record
    per constraint, so rows arrive grouped (binary order, see indexes.sql). -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  k.`TABLE_SCHEMA`            AS `schema`,
  k.`TABLE_NAME`              AS `table`,
  k.`CONSTRAINT_NAME`         AS `constraint`,
  k.`ORDINAL_POSITION`        AS `ordinal_position`,
  k.`COLUMN_NAME`             AS `column`,
  k.`REFERENCED_TABLE_SCHEMA` AS `referenced_schema`,
  k.`REFERENCED_TABLE_NAME`   AS `referenced_table`,
  k.`REFERENCED_COLUMN_NAME`  AS `referenced_column`,
  r.`UPDATE_RULE`             AS `update_rule`,
  r.`DELETE_RULE`             AS `delete_rule`
FROM `information_schema`.`KEY_COLUMN_USAGE` AS k
JOIN `information_schema`.`REFERENTIAL_CONSTRAINTS` AS r
  ON r.`CONSTRAINT_SCHEMA` = k.`CONSTRAINT_SCHEMA`
 AND r.`CONSTRAINT_NAME` = k.`CONSTRAINT_NAME`
 AND r.`TABLE_NAME` = k.`TABLE_NAME`
WHERE k.`TABLE_SCHEMA` {{ in_list(schemas) }}
  AND k.`REFERENCED_TABLE_NAME` IS NOT NULL
ORDER BY CAST(k.`TABLE_SCHEMA` AS BINARY), CAST(k.`TABLE_NAME` AS BINARY), CAST(k.`CONSTRAINT_NAME` AS BINARY),
  k.`ORDINAL_POSITION`
