{#- One class into the --review table: a new checksum gets a row; a known one keeps its sample and
    review columns and only widens first_seen/last_seen, so writing a window twice changes nothing. -#}
INSERT INTO {{ ident(db) }}.{{ ident(table) }} (`checksum`, `fingerprint`, `sample`, `first_seen`, `last_seen`)
VALUES ({{ bind(row.checksum) }}, {{ bind(row.fingerprint) }}, {{ bind(row.sample) }}, {{ bind(row.first_seen) }}, {{ bind(row.last_seen) }})
ON DUPLICATE KEY UPDATE
  `first_seen` = IF(`first_seen` IS NULL OR VALUES(`first_seen`) < `first_seen`, VALUES(`first_seen`), `first_seen`),
  `last_seen` = IF(`last_seen` IS NULL OR VALUES(`last_seen`) > `last_seen`, VALUES(`last_seen`), `last_seen`)
