{#- obj.subpartition: table subpartitions (deferred ones have no segment: size 0). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  s.TABLE_OWNER AS owner,
  s.TABLE_NAME AS table_name,
  s.PARTITION_NAME AS partition_name,
  s.SUBPARTITION_NAME AS subpartition_name,
  s.SUBPARTITION_POSITION AS subpartition_position,
  s.NUM_ROWS AS num_rows,
  s.BLOCKS AS blocks
FROM DBA_TAB_SUBPARTITIONS s
WHERE s.TABLE_OWNER {{ in_list(owners) }}
  AND {{ not_recycled("s.TABLE_NAME") }}
ORDER BY s.TABLE_OWNER, s.TABLE_NAME, s.PARTITION_NAME, s.SUBPARTITION_POSITION
