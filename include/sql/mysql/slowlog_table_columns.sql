{#- The columns of a table (empty when it does not exist): pt fills every <Attribute>_<metric>
    column a --history table has, and so do we. -#}
SELECT `COLUMN_NAME` AS `name`
FROM `information_schema`.`COLUMNS`
WHERE `TABLE_SCHEMA` = {{ bind(db) }} AND `TABLE_NAME` = {{ bind(table) }}
ORDER BY `ORDINAL_POSITION`
