{#- Server version and build comment: tells MariaDB from MySQL and picks the EXPLAIN dialect. -#}
SELECT VERSION() AS `version`, @@version_comment AS `version_comment`
