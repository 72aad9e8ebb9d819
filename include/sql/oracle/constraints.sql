{#- obj.constraint / obj.foreign_key: primary, unique, foreign-key and check constraints with their
    columns in order (one row per column). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  k.OWNER AS owner,
  k.TABLE_NAME AS table_name,
  k.CONSTRAINT_NAME AS constraint_name,
  k.CONSTRAINT_TYPE AS constraint_type,
  k.STATUS AS status,
  k.VALIDATED AS validated,
  k.GENERATED AS generated,
  k.INDEX_NAME AS index_name,
  k.R_OWNER AS r_owner,
  k.R_CONSTRAINT_NAME AS r_constraint_name,
  k.DELETE_RULE AS delete_rule,
  cc.COLUMN_NAME AS column_name,
  cc.POSITION AS position
FROM DBA_CONSTRAINTS k
LEFT JOIN DBA_CONS_COLUMNS cc
  ON cc.OWNER = k.OWNER AND cc.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND cc.TABLE_NAME = k.TABLE_NAME
WHERE k.OWNER {{ in_list(owners) }}
  AND k.CONSTRAINT_TYPE IN ('P', 'U', 'R', 'C')
  AND {{ not_recycled("k.TABLE_NAME") }}
ORDER BY k.OWNER, k.TABLE_NAME, k.CONSTRAINT_NAME, cc.POSITION
