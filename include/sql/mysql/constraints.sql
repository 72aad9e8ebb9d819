{#- obj.constraint: PRIMARY KEY, UNIQUE, FOREIGN KEY and CHECK constraints of the audited schemas. -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  tc.`TABLE_SCHEMA`    AS `schema`,
  tc.`TABLE_NAME`      AS `table`,
  tc.`CONSTRAINT_NAME` AS `constraint`,
  tc.`CONSTRAINT_TYPE` AS `constraint_type`
FROM `information_schema`.`TABLE_CONSTRAINTS` AS tc
WHERE tc.`TABLE_SCHEMA` {{ in_list(schemas) }}
ORDER BY CAST(tc.`TABLE_SCHEMA` AS BINARY), CAST(tc.`TABLE_NAME` AS BINARY), CAST(tc.`CONSTRAINT_NAME` AS BINARY)
