{#- Partitioning of the owners' partitioned tables and indexes (types and counts). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  p.OWNER AS owner,
  p.TABLE_NAME AS table_name,
  p.PARTITIONING_TYPE AS partitioning_type,
  p.SUBPARTITIONING_TYPE AS subpartitioning_type,
  p.PARTITION_COUNT AS partition_count,
  p.PARTITIONING_KEY_COUNT AS partitioning_key_count,
  p.SUBPARTITIONING_KEY_COUNT AS subpartitioning_key_count
FROM DBA_PART_TABLES p
WHERE p.OWNER {{ in_list(owners) }}
  AND {{ not_recycled("p.TABLE_NAME") }}
ORDER BY p.OWNER, p.TABLE_NAME
