{#- Partition and subpartition key columns of tables (OBJECT_TYPE is CHAR: trimmed). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  k.OWNER AS owner,
  k.NAME AS name,
  'PARTITION' AS key_level,
  k.COLUMN_NAME AS column_name,
  k.COLUMN_POSITION AS column_position
FROM DBA_PART_KEY_COLUMNS k
WHERE k.OWNER {{ in_list(owners) }}
  AND TRIM(k.OBJECT_TYPE) = 'TABLE'
  AND {{ not_recycled("k.NAME") }}
UNION ALL
SELECT
  s.OWNER AS owner,
  s.NAME AS name,
  'SUBPARTITION' AS key_level,
  s.COLUMN_NAME AS column_name,
  s.COLUMN_POSITION AS column_position
FROM DBA_SUBPART_KEY_COLUMNS s
WHERE s.OWNER {{ in_list(owners) }}
  AND TRIM(s.OBJECT_TYPE) = 'TABLE'
  AND {{ not_recycled("s.NAME") }}
ORDER BY 1, 2, 3, 5
