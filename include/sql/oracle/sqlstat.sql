{#- Per (SQL_ID, PLAN_HASH_VALUE) of the owners: the window's sums of the *_DELTA columns over its
    snapshots on every instance (never the *_TOTAL columns, which restart when a cursor is
    reloaded). VERSION_COUNT is a per-instance level, not additive: its highest value is kept. -#}
{% from "oracle/_macros.sql" import in_list, window_sqlstat with context %}
SELECT
  s.SQL_ID AS sql_id,
  s.PLAN_HASH_VALUE AS plan_hash_value,
  MAX(s.PARSING_SCHEMA_NAME) AS parsing_schema_name,
  MAX(s.FORCE_MATCHING_SIGNATURE) AS force_matching_signature,
  MAX(s.MODULE) AS module,
  SUM(s.EXECUTIONS_DELTA) AS executions,
  SUM(s.ELAPSED_TIME_DELTA) AS elapsed_time_us,
  SUM(s.CPU_TIME_DELTA) AS cpu_time_us,
  SUM(s.BUFFER_GETS_DELTA) AS buffer_gets,
  SUM(s.DISK_READS_DELTA) AS disk_reads,
  SUM(s.DIRECT_WRITES_DELTA) AS direct_writes,
  SUM(s.ROWS_PROCESSED_DELTA) AS rows_processed,
  SUM(s.PARSE_CALLS_DELTA) AS parse_calls,
  MAX(s.VERSION_COUNT) AS version_count,
  COUNT(DISTINCT s.SNAP_ID) AS snapshots,
  COUNT(DISTINCT s.INSTANCE_NUMBER) AS instances
{{ window_sqlstat("s") }}
  AND s.PARSING_SCHEMA_NAME {{ in_list(owners) }}
GROUP BY s.SQL_ID, s.PLAN_HASH_VALUE
ORDER BY SUM(s.ELAPSED_TIME_DELTA) DESC, s.SQL_ID, s.PLAN_HASH_VALUE
