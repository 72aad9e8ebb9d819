{#- Every AWR snapshot of the database, on every instance (a few hundred rows at the default
    retention): the window and the retention check are decided in Python (capture/oracle/awr.py). -#}
SELECT
  n.SNAP_ID AS snap_id,
  n.INSTANCE_NUMBER AS instance_number,
  n.BEGIN_INTERVAL_TIME AS begin_interval_time,
  n.END_INTERVAL_TIME AS end_interval_time
FROM DBA_HIST_SNAPSHOT n
WHERE n.DBID = {{ bind(dbid) }}
ORDER BY n.SNAP_ID, n.INSTANCE_NUMBER
