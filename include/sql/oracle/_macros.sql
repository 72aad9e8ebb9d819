{#- Shared helpers for the Oracle capture templates (this file is not a query).
    Import with: {% from "oracle/_macros.sql" import in_list, not_recycled with context %}
    Every template is written in the Oracle dialect both doors accept: ANSI joins, FETCH FIRST,
    COALESCE/NVL, CASE/DECODE; no (+), ROWNUM or CONNECT BY. The export door transpiles it with
    sqlglot (read="oracle", write="duckdb"); tests/unit/test_oracle_sql.py runs every one there. -#}
{% macro in_list(values) -%}
IN ({% for value in values %}{{ bind(value) }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
{% macro not_recycled(column) -%}
{{ column }} NOT LIKE 'BIN$%'
{%- endmacro %}
