{#- Segment sizes of the owners, one row per segment (tables, partitions, subpartitions, indexes,
    LOBs); shape.py rolls them up to tables, partitions, indexes and LOB columns. -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  s.OWNER AS owner,
  s.SEGMENT_NAME AS segment_name,
  s.PARTITION_NAME AS partition_name,
  s.SEGMENT_TYPE AS segment_type,
  SUM(s.BYTES) AS bytes,
  SUM(s.BLOCKS) AS blocks
FROM DBA_SEGMENTS s
WHERE s.OWNER {{ in_list(owners) }}
  AND {{ not_recycled("s.SEGMENT_NAME") }}
GROUP BY s.OWNER, s.SEGMENT_NAME, s.PARTITION_NAME, s.SEGMENT_TYPE
ORDER BY s.OWNER, s.SEGMENT_NAME, s.PARTITION_NAME
