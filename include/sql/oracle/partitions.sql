{#- obj.partition: table partitions (sizes rolled up from their own and their subpartitions' segments). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  p.TABLE_OWNER AS owner,
  p.TABLE_NAME AS table_name,
  p.PARTITION_NAME AS partition_name,
  p.PARTITION_POSITION AS partition_position,
  p.SUBPARTITION_COUNT AS subpartition_count,
  p.NUM_ROWS AS num_rows,
  p.BLOCKS AS blocks,
  p.AVG_ROW_LEN AS avg_row_len,
  p.COMPRESSION AS compression,
  p.LAST_ANALYZED AS last_analyzed
FROM DBA_TAB_PARTITIONS p
WHERE p.TABLE_OWNER {{ in_list(owners) }}
  AND {{ not_recycled("p.TABLE_NAME") }}
ORDER BY p.TABLE_OWNER, p.TABLE_NAME, p.PARTITION_POSITION
