#!/bin/bash
# Runs once, when the mysql-target data volume is empty (sourced by the mysql image's entrypoint).
# Creates the read-only `auditor` user that Themis captures with (AIRFLOW_CONN_THEMIS_DEMO).
# A shell script rather than plain SQL so the password comes from THEMIS_AUDITOR_PASSWORD and is
# never written into the repository.
#
# Grants, all read-only:
#   SELECT, SHOW VIEW on the audited schema   dictionary reads, EXPLAIN, column sampling
#   SELECT on performance_schema              statement statistics
#   PROCESS, SHOW_ROUTINE (global)            InnoDB/processlist status; routine names (8.0.20+)
# Not granted: TRIGGER (it allows creating triggers), so information_schema.TRIGGERS stays empty
# for this user; and nothing on the `mysql` system schema (password hashes).
# mysql_native_password: the image's libmariadb client cannot do caching_sha2_password's full
# authentication over a non-TLS connection without extra options.

if [[ -z "${THEMIS_AUDITOR_PASSWORD:-}" ]]; then
    echo "10-auditor.sh: THEMIS_AUDITOR_PASSWORD is empty; not creating the auditor user" >&2
    return 1 2>/dev/null || exit 1
fi
auditor_pw=${THEMIS_AUDITOR_PASSWORD//\\/\\\\}
auditor_pw=${auditor_pw//\'/\'\'}
audited_db=${MYSQL_DATABASE:-shop}

docker_process_sql --database=mysql <<-EOSQL
	CREATE USER IF NOT EXISTS 'auditor'@'%' IDENTIFIED WITH mysql_native_password BY '${auditor_pw}';
	GRANT SELECT, SHOW VIEW ON \`${audited_db}\`.* TO 'auditor'@'%';
	GRANT SELECT ON performance_schema.* TO 'auditor'@'%';
	GRANT PROCESS ON *.* TO 'auditor'@'%';
	GRANT SHOW_ROUTINE ON *.* TO 'auditor'@'%';
EOSQL
unset auditor_pw
echo "10-auditor.sh: created user 'auditor' (read-only on \`${audited_db}\`)"
