{#- Time limits of the obj.column_sample statements (this file is not a query).
    Import with: {% from "mysql/sample_macros.sql" import statement_limits, select_limits %}
    Sampling reads user tables, so each statement is bounded twice: by its running time and by how long
    it may wait for a metadata lock (a long ALTER TABLE must not leave the audit waiting for hours).
    MariaDB takes both as SET STATEMENT ... FOR; MySQL 5.7.8+ as optimizer hints after the first SELECT.
    SET_VAR (MySQL 8.0.3+) comes last: MySQL 5.7 warns about it and ignores it but still applies
    MAX_EXECUTION_TIME, so there only the running time is bounded. Both values are numbers the capture
    computes, formatted here, never text from the server. -#}
{% macro statement_limits(flavour, timeout_ms) -%}
{% if flavour == "mariadb" %}SET STATEMENT max_statement_time={{ "%.3f" | format(timeout_ms / 1000) }}, lock_wait_timeout={{ lock_seconds(timeout_ms) }} FOR {% endif %}
{%- endmacro %}
{% macro select_limits(flavour, timeout_ms) -%}
{% if flavour != "mariadb" %}/*+ MAX_EXECUTION_TIME({{ timeout_ms | int }}) SET_VAR(lock_wait_timeout={{ lock_seconds(timeout_ms) }}) */ {% endif %}
{%- endmacro %}
{% macro lock_seconds(timeout_ms) -%}
{{ [((timeout_ms | int) + 999) // 1000, 1] | max }}
{%- endmacro %}
