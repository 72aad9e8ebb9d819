{#- Owners for `schemas: auto`: open accounts that own segments. Oracle-maintained users are removed
    here on 12c+ (ORACLE_MAINTAINED = 'Y') and by the documented 11g list in capture/oracle/owners.py. -#}
SELECT
  u.USERNAME AS username,
  u.ACCOUNT_STATUS AS account_status,
  u.DEFAULT_TABLESPACE AS default_tablespace,
  {% if version_major >= 12 %}u.ORACLE_MAINTAINED{% else %}CAST(NULL AS VARCHAR2(1)){% endif %} AS oracle_maintained
FROM DBA_USERS u
WHERE u.ACCOUNT_STATUS = 'OPEN'
  AND EXISTS (SELECT 1 FROM DBA_SEGMENTS s WHERE s.OWNER = u.USERNAME)
ORDER BY u.USERNAME
