{#- obj.column: every column of the captured tables from DBA_TAB_COLS, hidden and virtual ones too
    (function-based indexes add SYS_NC...$ columns; USER_GENERATED tells them apart on 12c+). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  c.OWNER AS owner,
  c.TABLE_NAME AS table_name,
  c.COLUMN_NAME AS column_name,
  c.COLUMN_ID AS column_id,
  c.DATA_TYPE AS data_type,
  c.DATA_LENGTH AS data_length,
  c.DATA_PRECISION AS data_precision,
  c.DATA_SCALE AS data_scale,
  c.CHAR_LENGTH AS char_length,
  c.CHAR_USED AS char_used,
  c.NULLABLE AS nullable,
  c.NUM_DISTINCT AS num_distinct,
  c.NUM_NULLS AS num_nulls,
  c.AVG_COL_LEN AS avg_col_len,
  c.HIDDEN_COLUMN AS hidden_column,
  c.VIRTUAL_COLUMN AS virtual_column,
  {% if version_major >= 12 %}c.USER_GENERATED{% else %}CAST(NULL AS VARCHAR2(3)){% endif %} AS user_generated
FROM DBA_TAB_COLS c
JOIN DBA_TABLES t ON t.OWNER = c.OWNER AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.OWNER {{ in_list(owners) }}
  AND {{ not_recycled("c.TABLE_NAME") }}
ORDER BY c.OWNER, c.TABLE_NAME, c.INTERNAL_COLUMN_ID
