{#- obj.lob: LOB columns with their LOB segment and LOB index names (sizes from segments.sql). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  l.OWNER AS owner,
  l.TABLE_NAME AS table_name,
  l.COLUMN_NAME AS column_name,
  l.SEGMENT_NAME AS segment_name,
  l.INDEX_NAME AS index_name,
  l.SECUREFILE AS securefile,
  l.IN_ROW AS in_row
FROM DBA_LOBS l
WHERE l.OWNER {{ in_list(owners) }}
  AND {{ not_recycled("l.TABLE_NAME") }}
ORDER BY l.OWNER, l.TABLE_NAME, l.COLUMN_NAME
