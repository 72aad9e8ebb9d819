{#- obj.routine: standalone functions and procedures, and packages (DBA_PROCEDURES' unit rows). -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  p.OWNER AS owner,
  p.OBJECT_NAME AS object_name,
  p.OBJECT_TYPE AS object_type,
  o.STATUS AS status,
  o.LAST_DDL_TIME AS last_ddl_time
FROM DBA_PROCEDURES p
LEFT JOIN DBA_OBJECTS o
  ON o.OWNER = p.OWNER AND o.OBJECT_NAME = p.OBJECT_NAME AND o.OBJECT_TYPE = p.OBJECT_TYPE
WHERE p.OWNER {{ in_list(owners) }}
  AND p.OBJECT_TYPE IN ('FUNCTION', 'PROCEDURE', 'PACKAGE')
  AND p.PROCEDURE_NAME IS NULL
ORDER BY p.OWNER, p.OBJECT_NAME
