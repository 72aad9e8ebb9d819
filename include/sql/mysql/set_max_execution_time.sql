{#- MySQL 5.7/8: bound the time of the next statements (milliseconds; 0 = unlimited). -#}
SET SESSION max_execution_time = {{ bind(milliseconds) }}
