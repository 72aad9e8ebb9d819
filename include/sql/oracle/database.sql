{#- obj.database: the facts rules and the window need (name, version, character set, block size). -#}
SELECT
  d.DBID AS dbid,
  d.NAME AS db_name,
  i.VERSION AS version,
  i.INSTANCE_NUMBER AS instance_number,
  (SELECT n.VALUE FROM NLS_DATABASE_PARAMETERS n WHERE n.PARAMETER = 'NLS_CHARACTERSET') AS nls_characterset,
  (SELECT p.VALUE FROM V$PARAMETER p WHERE p.NAME = 'db_block_size') AS db_block_size
FROM V$DATABASE d
CROSS JOIN V$INSTANCE i
