{#- The database of a --review / --history table, when the output may create it. -#}
CREATE DATABASE IF NOT EXISTS {{ ident(db) }} DEFAULT CHARACTER SET utf8mb4
