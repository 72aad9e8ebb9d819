{#- Plan lines in the cursor cache (V$SQL_PLAN) of a batch of SQL_IDs, every child: the cursor-cache
    source's plans, and the predicates AWR does not keep (capture takes the lowest child per plan). -#}
{% from "oracle/_macros.sql" import in_list, plan_line_columns with context %}
SELECT
  p.SQL_ID AS sql_id,
  p.PLAN_HASH_VALUE AS plan_hash_value,
  p.CHILD_NUMBER AS child_number,
{{ plan_line_columns("p") }}
FROM V$SQL_PLAN p
WHERE p.SQL_ID {{ in_list(sql_ids) }}
ORDER BY p.SQL_ID, p.PLAN_HASH_VALUE, p.CHILD_NUMBER, p.ID
