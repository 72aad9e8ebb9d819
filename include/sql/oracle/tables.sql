{#- obj.table: heap, partitioned, temporary and index-organized tables of the owners; not IOT
    overflow/mapping tables, not secondary (domain index) tables, not the recycle bin. Sizes come
    from segments.sql and are rolled up in shape.py. -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  t.OWNER AS owner,
  t.TABLE_NAME AS table_name,
  t.NUM_ROWS AS num_rows,
  t.BLOCKS AS blocks,
  t.AVG_ROW_LEN AS avg_row_len,
  t.CHAIN_CNT AS chain_cnt,
  t.DEGREE AS degree,
  t.PARTITIONED AS partitioned,
  t.TEMPORARY AS temporary,
  t.IOT_TYPE AS iot_type,
  t.COMPRESSION AS compression,
  t.LAST_ANALYZED AS last_analyzed,
  o.CREATED AS created,
  o.LAST_DDL_TIME AS last_ddl_time,
  o.STATUS AS status
FROM DBA_TABLES t
LEFT JOIN DBA_OBJECTS o
  ON o.OWNER = t.OWNER AND o.OBJECT_NAME = t.TABLE_NAME AND o.OBJECT_TYPE = 'TABLE'
WHERE t.OWNER {{ in_list(owners) }}
  AND {{ not_recycled("t.TABLE_NAME") }}
  AND COALESCE(t.DROPPED, 'NO') = 'NO'
  AND COALESCE(t.SECONDARY, 'N') = 'N'
  AND (t.IOT_TYPE IS NULL OR t.IOT_TYPE = 'IOT')
ORDER BY t.OWNER, t.TABLE_NAME
