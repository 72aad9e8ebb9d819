{#- The statement digest summary: cumulative counters since the server started (or the table was
    truncated). ingest_slowlog keeps each run's snapshot and digests the difference. All columns:
    MySQL 8 has QUERY_SAMPLE_TEXT and QUANTILE_95, MariaDB and MySQL 5.7 do not. -#}
SELECT *
FROM `performance_schema`.`events_statements_summary_by_digest`
WHERE `DIGEST` IS NOT NULL
