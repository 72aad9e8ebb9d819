{#- AWR plan lines of a batch of SQL_IDs (every plan AWR kept for them; capture keeps the window's). -#}
{% from "oracle/_macros.sql" import in_list, plan_line_columns with context %}
SELECT
  p.SQL_ID AS sql_id,
  p.PLAN_HASH_VALUE AS plan_hash_value,
{{ plan_line_columns("p") }}
FROM DBA_HIST_SQL_PLAN p
WHERE p.DBID = {{ bind(dbid) }}
  AND p.SQL_ID {{ in_list(sql_ids) }}
ORDER BY p.SQL_ID, p.PLAN_HASH_VALUE, p.ID
