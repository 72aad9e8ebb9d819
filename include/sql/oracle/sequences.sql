{#- obj.sequence -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  s.SEQUENCE_OWNER AS owner,
  s.SEQUENCE_NAME AS sequence_name,
  s.MIN_VALUE AS min_value,
  s.MAX_VALUE AS max_value,
  s.INCREMENT_BY AS increment_by,
  s.CYCLE_FLAG AS cycle_flag,
  s.ORDER_FLAG AS order_flag,
  s.CACHE_SIZE AS cache_size,
  s.LAST_NUMBER AS last_number
FROM DBA_SEQUENCES s
WHERE s.SEQUENCE_OWNER {{ in_list(owners) }}
ORDER BY s.SEQUENCE_OWNER, s.SEQUENCE_NAME
