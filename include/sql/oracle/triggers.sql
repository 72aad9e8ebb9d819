{#- obj.trigger -#}
{% from "oracle/_macros.sql" import in_list, not_recycled with context %}
SELECT
  t.OWNER AS owner,
  t.TRIGGER_NAME AS trigger_name,
  t.TRIGGER_TYPE AS trigger_type,
  t.TRIGGERING_EVENT AS triggering_event,
  t.TABLE_OWNER AS table_owner,
  t.BASE_OBJECT_TYPE AS base_object_type,
  t.TABLE_NAME AS table_name,
  t.STATUS AS status
FROM DBA_TRIGGERS t
WHERE t.OWNER {{ in_list(owners) }}
  AND {{ not_recycled("t.TRIGGER_NAME") }}
ORDER BY t.OWNER, t.TRIGGER_NAME
