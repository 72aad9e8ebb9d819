{#- Every object each view references (the original kept only the last one per view). -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  d.OWNER AS owner,
  d.NAME AS view_name,
  d.REFERENCED_OWNER AS referenced_owner,
  d.REFERENCED_NAME AS referenced_name,
  d.REFERENCED_TYPE AS referenced_type
FROM DBA_DEPENDENCIES d
WHERE d.OWNER {{ in_list(owners) }}
  AND d.TYPE = 'VIEW'
ORDER BY d.OWNER, d.NAME, d.REFERENCED_OWNER, d.REFERENCED_NAME
