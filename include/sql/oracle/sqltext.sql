{#- Full SQL texts (CLOB) of a batch of SQL_IDs. -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  t.SQL_ID AS sql_id,
  t.SQL_TEXT AS sql_text,
  t.COMMAND_TYPE AS command_type
FROM DBA_HIST_SQLTEXT t
WHERE t.DBID = {{ bind(dbid) }}
  AND t.SQL_ID {{ in_list(sql_ids) }}
