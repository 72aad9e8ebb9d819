{#- Plan lines in the cursor cache (V$SQL_PLAN) of a batch of SQL_IDs, every child: the cursor-cache
    source's plans, and the predicates AWR does not keep (capture takes the lowest child per plan). -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  p.SQL_ID AS sql_id,
  p.PLAN_HASH_VALUE AS plan_hash_value,
  p.CHILD_NUMBER AS child_number,
  p.ID AS id,
  p.PARENT_ID AS parent_id,
  p.DEPTH AS depth,
  p.POSITION AS position,
  p.OPERATION AS operation,
  p.OPTIONS AS options,
  p.OBJECT_OWNER AS object_owner,
  p.OBJECT_NAME AS object_name,
  p.OBJECT_TYPE AS object_type,
  p.OBJECT_ALIAS AS object_alias,
  p.COST AS cost,
  p.CARDINALITY AS cardinality,
  p.BYTES AS bytes,
  p.CPU_COST AS cpu_cost,
  p.IO_COST AS io_cost,
  p.PARTITION_START AS partition_start,
  p.PARTITION_STOP AS partition_stop,
  p.PARTITION_ID AS partition_id,
  p.DISTRIBUTION AS distribution,
  p.ACCESS_PREDICATES AS access_predicates,
  p.FILTER_PREDICATES AS filter_predicates,
  p.QBLOCK_NAME AS qblock_name
FROM V$SQL_PLAN p
WHERE p.SQL_ID {{ in_list(sql_ids) }}
ORDER BY p.SQL_ID, p.PLAN_HASH_VALUE, p.CHILD_NUMBER, p.ID
