{#- Keep this audit session's own dictionary reads and EXPLAINs out of the slow log that ingest_slowlog
    digests: a session variable, so no privilege is needed. -#}
SET SESSION long_query_time = 31536000
