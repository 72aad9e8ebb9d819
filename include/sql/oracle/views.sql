{#- obj.view: views of the owners (their dependencies come from view_dependencies.sql). -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  v.OWNER AS owner,
  v.VIEW_NAME AS view_name,
  v.TEXT_LENGTH AS text_length
FROM DBA_VIEWS v
WHERE v.OWNER {{ in_list(owners) }}
ORDER BY v.OWNER, v.VIEW_NAME
