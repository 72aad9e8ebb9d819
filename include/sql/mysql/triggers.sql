{#- obj.trigger: triggers of the audited schemas. The server lists only triggers on tables the user
    holds the TRIGGER privilege for. -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  g.`TRIGGER_SCHEMA`     AS `schema`,
  g.`TRIGGER_NAME`       AS `name`,
  g.`EVENT_OBJECT_TABLE` AS `table`,
  g.`EVENT_MANIPULATION` AS `event`,
  g.`ACTION_TIMING`      AS `timing`,
  g.`DEFINER`            AS `definer`
FROM `information_schema`.`TRIGGERS` AS g
WHERE g.`TRIGGER_SCHEMA` {{ in_list(schemas) }}
ORDER BY CAST(g.`TRIGGER_SCHEMA` AS BINARY), CAST(g.`EVENT_OBJECT_TABLE` AS BINARY), CAST(g.`TRIGGER_NAME` AS BINARY)
