{#- The keys the owners' foreign keys reference (possibly in other schemas), with their columns. -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT DISTINCT
  r.OWNER AS owner,
  r.CONSTRAINT_NAME AS constraint_name,
  r.TABLE_NAME AS table_name,
  rc.COLUMN_NAME AS column_name,
  rc.POSITION AS position
FROM DBA_CONSTRAINTS f
JOIN DBA_CONSTRAINTS r ON r.OWNER = f.R_OWNER AND r.CONSTRAINT_NAME = f.R_CONSTRAINT_NAME
JOIN DBA_CONS_COLUMNS rc ON rc.OWNER = r.OWNER AND rc.CONSTRAINT_NAME = r.CONSTRAINT_NAME
WHERE f.OWNER {{ in_list(owners) }}
  AND f.CONSTRAINT_TYPE = 'R'
ORDER BY r.OWNER, r.CONSTRAINT_NAME, rc.POSITION
