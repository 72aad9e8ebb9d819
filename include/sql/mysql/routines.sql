{#- obj.routine: stored procedures and functions (information_schema.ROUTINES: mysql.proc is gone in 8.0). -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  r.`ROUTINE_SCHEMA` AS `schema`,
  r.`ROUTINE_NAME`   AS `name`,
  r.`ROUTINE_TYPE`   AS `routine_type`,
  r.`CREATED`        AS `created`,
  r.`LAST_ALTERED`   AS `last_altered`,
  r.`DEFINER`        AS `definer`
FROM `information_schema`.`ROUTINES` AS r
WHERE r.`ROUTINE_SCHEMA` {{ in_list(schemas) }}
ORDER BY CAST(r.`ROUTINE_SCHEMA` AS BINARY), CAST(r.`ROUTINE_TYPE` AS BINARY), CAST(r.`ROUTINE_NAME` AS BINARY)
