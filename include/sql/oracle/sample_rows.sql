{#- obj.column_sample (live door only): the first rows of one table's candidate columns, as text
    cut to 64 characters; bounded by FETCH FIRST and the connection's call_timeout. Read-only. -#}
SELECT
{% for column in columns %}
  SUBSTR(TO_CHAR({{ ident(column) }}), 1, 64) AS {{ ident("C" ~ loop.index) }}{% if not loop.last %},{% endif %}

{% endfor %}
FROM {{ ident(owner) }}.{{ ident(table) }}
FETCH FIRST {{ rows | int }} ROWS ONLY
