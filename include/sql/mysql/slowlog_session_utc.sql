{#- Session time zone UTC, so TIMESTAMP values (mysql.slow_log.start_time, performance_schema's
    FIRST_SEEN/LAST_SEEN) come back in UTC and the DATETIME values we write are UTC. -#}
SET time_zone = '+00:00'
