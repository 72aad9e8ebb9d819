{#- pt-query-digest's --review table (3.x: checksum CHAR(32)), in utf8mb4 so any statement text fits.
    An existing table is used as it is. -#}
CREATE TABLE IF NOT EXISTS {{ ident(db) }}.{{ ident(table) }} (
{% for name, type in columns %}
  {{ ident(name) }} {{ type }}{% if not loop.last %},{% endif %}

{% endfor %}
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
