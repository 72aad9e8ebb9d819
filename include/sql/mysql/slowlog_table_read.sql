{#- The window's entries of the slow-log table (log_output=TABLE), oldest first. All columns: MySQL
    and MariaDB have different ones (MariaDB adds rows_affected), the reader picks what it knows.
    The table is CSV (no index), so this is one scan of it. -#}
SELECT *
FROM {{ ident(db) }}.{{ ident(table) }}
{% if since is not none or until is not none %}
WHERE {% if since is not none %}`start_time` >= {{ bind(since) }}{% endif %}
  {%- if since is not none and until is not none %} AND {% endif %}
  {%- if until is not none %}`start_time` < {{ bind(until) }}{% endif %}
{% endif %}
ORDER BY `start_time`
