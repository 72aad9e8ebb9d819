{#- obj.index_usage: indexes of the owners that a plan of the window uses — AWR plans of the
    statements that ran in the window's snapshots, and (cursor_cache) the plans cached now. -#}
{% from "oracle/_macros.sql" import in_list, window_sqlstat with context %}
{% if source == "awr" %}
SELECT
  p.OBJECT_OWNER AS owner,
  p.OBJECT_NAME AS index_name,
  COUNT(DISTINCT p.SQL_ID) AS sql_ids
FROM DBA_HIST_SQL_PLAN p
JOIN (
  SELECT DISTINCT s.DBID, s.SQL_ID, s.PLAN_HASH_VALUE
  {{ window_sqlstat("s") }}
) w ON w.DBID = p.DBID AND w.SQL_ID = p.SQL_ID AND w.PLAN_HASH_VALUE = p.PLAN_HASH_VALUE
WHERE p.OBJECT_OWNER {{ in_list(owners) }}
  AND p.OBJECT_TYPE LIKE 'INDEX%'
GROUP BY p.OBJECT_OWNER, p.OBJECT_NAME
{% else %}
SELECT
  p.OBJECT_OWNER AS owner,
  p.OBJECT_NAME AS index_name,
  COUNT(DISTINCT p.SQL_ID) AS sql_ids
FROM V$SQL_PLAN p
WHERE p.OBJECT_OWNER {{ in_list(owners) }}
  AND p.OBJECT_TYPE LIKE 'INDEX%'
GROUP BY p.OBJECT_OWNER, p.OBJECT_NAME
{% endif %}
ORDER BY 1, 2
