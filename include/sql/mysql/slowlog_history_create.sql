{#- pt-query-digest's --history table (3.x: checksum CHAR(32)), in utf8mb4. An existing table is used
    as it is; every <Attribute>_<metric> column it has is filled. -#}
CREATE TABLE IF NOT EXISTS {{ ident(db) }}.{{ ident(table) }} (
{% for name, type in columns %}
  {{ ident(name) }} {{ type }},
{% endfor %}
  PRIMARY KEY ({% for name in key %}{{ ident(name) }}{% if not loop.last %}, {% endif %}{% endfor %})
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4
