{#- Shared helpers for the MySQL capture templates (this file is not a query).
    Import with: {% from "mysql/_macros.sql" import in_list with context %}
    The capture queries order by names cast to BINARY: information_schema compares names without
    regard to case, and tables `T` and `t` may both exist, so only a binary order is deterministic
    (and keeps their rows apart where capture groups rows by table). -#}
{% macro in_list(values) -%}
IN ({% for value in values %}{{ bind(value) }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
