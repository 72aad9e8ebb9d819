{#- The cursor-cache source (no Diagnostics Pack): V$SQLSTATS' cumulative figures per (SQL_ID,
    PLAN_HASH_VALUE) of the owners; capture stores them and subtracts the previous run's. -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  s.SQL_ID AS sql_id,
  s.PLAN_HASH_VALUE AS plan_hash_value,
  q.PARSING_SCHEMA_NAME AS parsing_schema_name,
  s.FORCE_MATCHING_SIGNATURE AS force_matching_signature,
  s.EXECUTIONS AS executions,
  s.ELAPSED_TIME AS elapsed_time_us,
  s.CPU_TIME AS cpu_time_us,
  s.BUFFER_GETS AS buffer_gets,
  s.DISK_READS AS disk_reads,
  s.DIRECT_WRITES AS direct_writes,
  s.ROWS_PROCESSED AS rows_processed,
  s.PARSE_CALLS AS parse_calls,
  s.VERSION_COUNT AS version_count,
  s.LAST_ACTIVE_TIME AS last_active_time,
  s.SQL_FULLTEXT AS sql_text,
  q.COMMAND_TYPE AS command_type
FROM V$SQLSTATS s
JOIN (
  SELECT c.SQL_ID, c.PLAN_HASH_VALUE, MAX(c.PARSING_SCHEMA_NAME) AS PARSING_SCHEMA_NAME,
         MAX(c.COMMAND_TYPE) AS COMMAND_TYPE
  FROM V$SQL c
  GROUP BY c.SQL_ID, c.PLAN_HASH_VALUE
) q ON q.SQL_ID = s.SQL_ID AND q.PLAN_HASH_VALUE = s.PLAN_HASH_VALUE
WHERE q.PARSING_SCHEMA_NAME {{ in_list(owners) }}
ORDER BY s.SQL_ID, s.PLAN_HASH_VALUE
