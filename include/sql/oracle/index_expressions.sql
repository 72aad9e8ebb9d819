{#- Function-based index expressions (a LONG column; a descending index lists its column here too). -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  e.INDEX_OWNER AS index_owner,
  e.INDEX_NAME AS index_name,
  e.COLUMN_EXPRESSION AS column_expression,
  e.COLUMN_POSITION AS column_position
FROM DBA_IND_EXPRESSIONS e
WHERE e.INDEX_OWNER {{ in_list(owners) }}
  AND {{ not_recycled("e.INDEX_NAME") }}
ORDER BY e.INDEX_OWNER, e.INDEX_NAME, e.COLUMN_POSITION
