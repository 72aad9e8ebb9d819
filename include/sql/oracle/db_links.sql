{#- obj.db_link: private database links of the owners (PUBLIC links belong to no audited schema). -#}
{% from "oracle/_macros.sql" import in_list with context %}
SELECT
  l.OWNER AS owner,
  l.DB_LINK AS db_link,
  l.USERNAME AS username,
  l.HOST AS host,
  l.CREATED AS created
FROM DBA_DB_LINKS l
WHERE l.OWNER {{ in_list(owners) }}
ORDER BY l.OWNER, l.DB_LINK
