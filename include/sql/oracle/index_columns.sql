{#- Index columns, by index and position (folded into obj.index records). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  c.INDEX_OWNER AS index_owner,
  c.INDEX_NAME AS index_name,
  c.COLUMN_NAME AS column_name,
  c.COLUMN_POSITION AS column_position,
  c.DESCEND AS descend
FROM DBA_IND_COLUMNS c
WHERE c.INDEX_OWNER {{ in_list(owners) }}
  AND {{ not_recycled("c.INDEX_NAME") }}
ORDER BY c.INDEX_OWNER, c.INDEX_NAME, c.COLUMN_POSITION
