{#- One class into the --history table, in the columns the table has; REPLACE, as pt does, so a row
    with the same key (checksum, ts_min, ts_max) is overwritten, never duplicated. -#}
REPLACE INTO {{ ident(db) }}.{{ ident(table) }} ({% for name in columns %}{{ ident(name) }}{% if not loop.last %}, {% endif %}{% endfor %})
VALUES ({% for name in columns %}{{ bind(row[name]) }}{% if not loop.last %}, {% endif %}{% endfor %})
