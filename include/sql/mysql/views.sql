{#- obj.view: views of the audited schemas (the definition text is not captured). -#}
{% from "mysql/_macros.sql" import in_list with context %}
SELECT
  v.`TABLE_SCHEMA`  AS `schema`,
  v.`TABLE_NAME`    AS `view`,
  v.`IS_UPDATABLE`  AS `is_updatable`,
  v.`CHECK_OPTION`  AS `check_option`,
  v.`DEFINER`       AS `definer`,
  v.`SECURITY_TYPE` AS `security_type`
FROM `information_schema`.`VIEWS` AS v
WHERE v.`TABLE_SCHEMA` {{ in_list(schemas) }}
ORDER BY CAST(v.`TABLE_SCHEMA` AS BINARY), CAST(v.`TABLE_NAME` AS BINARY)
