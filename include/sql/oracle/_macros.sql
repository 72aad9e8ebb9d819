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
{#- The plan-line columns of DBA_HIST_SQL_PLAN and V$SQL_PLAN (the same documented names in both). -#}
{% macro plan_line_columns(p) -%}
  {{ p }}.ID AS id,
  {{ p }}.PARENT_ID AS parent_id,
  {{ p }}.DEPTH AS depth,
  {{ p }}.POSITION AS position,
  {{ p }}.OPERATION AS operation,
  {{ p }}.OPTIONS AS options,
  {{ p }}.OBJECT_OWNER AS object_owner,
  {{ p }}.OBJECT_NAME AS object_name,
  {{ p }}.OBJECT_TYPE AS object_type,
  {{ p }}.OBJECT_ALIAS AS object_alias,
  {{ p }}.COST AS cost,
  {{ p }}.CARDINALITY AS cardinality,
  {{ p }}.BYTES AS bytes,
  {{ p }}.CPU_COST AS cpu_cost,
  {{ p }}.IO_COST AS io_cost,
  {{ p }}.PARTITION_START AS partition_start,
  {{ p }}.PARTITION_STOP AS partition_stop,
  {{ p }}.PARTITION_ID AS partition_id,
  {{ p }}.DISTRIBUTION AS distribution,
  {{ p }}.ACCESS_PREDICATES AS access_predicates,
  {{ p }}.FILTER_PREDICATES AS filter_predicates,
  {{ p }}.QBLOCK_NAME AS qblock_name
{%- endmacro %}
{#- DBA_HIST_SQLSTAT rows (alias s) of the window: snapshots that END in [window_start, window_end),
    on every instance; SNAP_ID bounds let Oracle prune AWR's partitions. -#}
{% macro window_sqlstat(s) -%}
FROM DBA_HIST_SQLSTAT {{ s }}
JOIN DBA_HIST_SNAPSHOT n
  ON n.DBID = {{ s }}.DBID AND n.SNAP_ID = {{ s }}.SNAP_ID AND n.INSTANCE_NUMBER = {{ s }}.INSTANCE_NUMBER
WHERE {{ s }}.DBID = {{ bind(dbid) }}
  AND {{ s }}.SNAP_ID BETWEEN {{ bind(begin_snap) }} AND {{ bind(end_snap) }}
  AND n.END_INTERVAL_TIME >= {{ bind(window_start) }}
  AND n.END_INTERVAL_TIME < {{ bind(window_end) }}
{%- endmacro %}
