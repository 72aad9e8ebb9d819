{#- MySQL 5.7/8: the session's SELECT time limit, read so it can be restored after EXPLAIN. -#}
SELECT @@SESSION.max_execution_time AS `max_execution_time`
