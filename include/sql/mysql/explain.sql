{#- EXPLAIN one audited statement: format "json" (EXPLAIN FORMAT=JSON) or "traditional".
    `statement` is SQL text from the slow log: it cannot be a bound value, so the caller has cut it to
    exactly one statement, and it is executed without parameters (a '%' in it stays literal).
    MariaDB bounds the EXPLAIN's own time with SET STATEMENT max_statement_time (seconds); MySQL gets
    max_execution_time set on the session and an optimizer hint inside the statement instead.
    (SET STATEMENT ... FOR shifts MariaDB's select numbers by one, in both formats alike: a derived
    table shows as <derived3> where a bare EXPLAIN says <derived2>.) -#}
{% if flavour == "mariadb" %}SET STATEMENT max_statement_time={{ "%.3f" | format(timeout_seconds) }} FOR {% endif -%}
EXPLAIN{% if format == "json" %} FORMAT=JSON{% endif %} {{ statement }}
