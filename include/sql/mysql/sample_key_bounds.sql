{#- obj.column_sample: both ends of a table's single-column integer primary key, so the sample can be
    spread over the key range (two index dives, whatever the table's size). -#}
{% from "mysql/sample_macros.sql" import statement_limits, select_limits %}
{{ statement_limits(flavour, timeout_ms) }}SELECT {{ select_limits(flavour, timeout_ms) }}MIN({{ ident(key) }}) AS `lo`, MAX({{ ident(key) }}) AS `hi`
FROM {{ ident(schema) }}.{{ ident(table) }}
