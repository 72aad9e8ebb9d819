{#- obj.column_sample: a bounded sample of some columns of one table, as text cut to `value_chars`
    characters (aliased v1, v2, ... in the order of `columns`).
    With `ranges` (pairs [lo, hi) of a single-column integer primary key `key`): `per_range` rows from
    the start of each range, read through the primary key. Without: the first `limit` rows the engine
    returns (InnoDB: primary-key order). Every branch is bounded by LIMIT and the statement by
    sample_macros' time limits. -#}
{% from "mysql/sample_macros.sql" import statement_limits, select_limits %}
{{ statement_limits(flavour, timeout_ms) }}SELECT {{ select_limits(flavour, timeout_ms) }}
{%- for column in columns %}LEFT({{ ident(column) }}, {{ bind(value_chars) }}) AS {{ ident("v" ~ loop.index) }}{{ ", " if not loop.last }}{% endfor %}

{% if ranges %}
FROM (
{% for lo, hi in ranges %}
  (SELECT {% for column in columns %}{{ ident(column) }}{{ ", " if not loop.last }}{% endfor %}

   FROM {{ ident(schema) }}.{{ ident(table) }}
   WHERE {{ ident(key) }} >= {{ bind(lo) }} AND {{ ident(key) }} < {{ bind(hi) }}
   ORDER BY {{ ident(key) }} LIMIT {{ bind(per_range) }}){{ " UNION ALL" if not loop.last }}
{% endfor %}
) AS `sample`
{% else %}
FROM {{ ident(schema) }}.{{ ident(table) }}
LIMIT {{ bind(limit) }}
{% endif %}
