{#- obj.index: indexes of the owners with their partitioning and the PK/UK constraint they back. -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  i.OWNER AS owner,
  i.INDEX_NAME AS index_name,
  i.INDEX_TYPE AS index_type,
  i.TABLE_OWNER AS table_owner,
  i.TABLE_NAME AS table_name,
  i.TABLE_TYPE AS table_type,
  i.UNIQUENESS AS uniqueness,
  i.COMPRESSION AS compression,
  i.STATUS AS status,
  i.BLEVEL AS blevel,
  i.LEAF_BLOCKS AS leaf_blocks,
  i.DISTINCT_KEYS AS distinct_keys,
  i.CLUSTERING_FACTOR AS clustering_factor,
  i.NUM_ROWS AS num_rows,
  i.DEGREE AS degree,
  i.PARTITIONED AS partitioned,
  i.TEMPORARY AS temporary,
  i.GENERATED AS generated,
  i.LAST_ANALYZED AS last_analyzed,
  p.LOCALITY AS locality,
  p.ALIGNMENT AS alignment,
  p.PARTITIONING_TYPE AS partitioning_type,
  p.PARTITION_COUNT AS partition_count,
  c.CONSTRAINT_NAME AS constraint_name,
  c.CONSTRAINT_TYPE AS constraint_type
FROM DBA_INDEXES i
LEFT JOIN DBA_PART_INDEXES p
  ON p.OWNER = i.OWNER AND p.INDEX_NAME = i.INDEX_NAME
LEFT JOIN DBA_CONSTRAINTS c
  ON c.OWNER = i.TABLE_OWNER AND c.INDEX_NAME = i.INDEX_NAME AND c.CONSTRAINT_TYPE IN ('P', 'U')
WHERE i.OWNER {{ in_list(owners) }}
  AND {{ not_recycled("i.INDEX_NAME") }}
  AND COALESCE(i.DROPPED, 'NO') = 'NO'
ORDER BY i.OWNER, i.INDEX_NAME, c.CONSTRAINT_TYPE
