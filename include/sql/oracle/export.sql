-- Themis: export an Oracle database's dictionary and AWR views for an offline audit.
--
-- Read-only: SELECT statements and SQL*Plus/SQLcl commands only (no DDL, no DML, no PL/SQL).
-- Needs SQL*Plus 12.2+ or SQLcl (SET MARKUP CSV), and a user with SELECT_CATALOG_ROLE (or SELECT ANY
-- DICTIONARY). The DBA_HIST_* views belong to the Oracle Diagnostics Pack: leave AWR out (answer N
-- below) where it is not licensed; the V$ cursor-cache views need no extra licence.
--
-- Usage (in an empty directory, which becomes the export):
--   sqlplus -s auditor@//db-host:1521/ORCLPDB1 @export.sql "SALES,HR" 2026-11-20 2026-11-21 Y
-- Arguments: 1 owners (comma-separated, upper case), 2 first day, 3 day after the last (the AWR range,
-- database local time), 4 Y to export AWR. Writes one <VIEW>.csv per view and export.json.
-- Owners and dates are bound as variables, never pasted into the SQL text.
SET TERMOUT OFF FEEDBACK OFF VERIFY OFF HEADING ON PAGESIZE 0 EMBEDDED ON TRIMSPOOL ON
SET LONG 2000000000 LONGCHUNKSIZE 32767 LINESIZE 32767
SET MARKUP CSV ON DELIMITER , QUOTE ON
ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS';
ALTER SESSION SET NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6';
ALTER SESSION SET NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF6TZH:TZM';
ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,';

VARIABLE owners VARCHAR2(4000)
VARIABLE day_from VARCHAR2(10)
VARIABLE day_to VARCHAR2(10)
VARIABLE with_awr VARCHAR2(1)
EXEC :owners := UPPER('&1'); :day_from := '&2'; :day_to := '&3'; :with_awr := UPPER('&4');

-- the owners as rows: ',SALES,HR,' LIKE '%,' || OWNER || ',%'
DEFINE in_owners = "INSTR(',' || :owners || ',', ',' || OWNER || ',') > 0"

SPOOL DBA_USERS.csv
SELECT * FROM DBA_USERS;
SPOOL OFF
SPOOL DBA_OBJECTS.csv
SELECT * FROM DBA_OBJECTS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_TABLES.csv
SELECT * FROM DBA_TABLES WHERE &in_owners;
SPOOL OFF
SPOOL DBA_TAB_COLS.csv
SELECT * FROM DBA_TAB_COLS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_LOBS.csv
SELECT * FROM DBA_LOBS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_INDEXES.csv
SELECT * FROM DBA_INDEXES WHERE &in_owners;
SPOOL OFF
SPOOL DBA_IND_COLUMNS.csv
SELECT * FROM DBA_IND_COLUMNS WHERE INSTR(',' || :owners || ',', ',' || INDEX_OWNER || ',') > 0;
SPOOL OFF
SPOOL DBA_IND_EXPRESSIONS.csv
SELECT * FROM DBA_IND_EXPRESSIONS WHERE INSTR(',' || :owners || ',', ',' || INDEX_OWNER || ',') > 0;
SPOOL OFF
SPOOL DBA_SEGMENTS.csv
SELECT * FROM DBA_SEGMENTS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_PART_TABLES.csv
SELECT * FROM DBA_PART_TABLES WHERE &in_owners;
SPOOL OFF
SPOOL DBA_TAB_PARTITIONS.csv
SELECT * FROM DBA_TAB_PARTITIONS WHERE INSTR(',' || :owners || ',', ',' || TABLE_OWNER || ',') > 0;
SPOOL OFF
SPOOL DBA_TAB_SUBPARTITIONS.csv
SELECT * FROM DBA_TAB_SUBPARTITIONS WHERE INSTR(',' || :owners || ',', ',' || TABLE_OWNER || ',') > 0;
SPOOL OFF
SPOOL DBA_PART_INDEXES.csv
SELECT * FROM DBA_PART_INDEXES WHERE &in_owners;
SPOOL OFF
SPOOL DBA_IND_PARTITIONS.csv
SELECT * FROM DBA_IND_PARTITIONS WHERE INSTR(',' || :owners || ',', ',' || INDEX_OWNER || ',') > 0;
SPOOL OFF
SPOOL DBA_PART_KEY_COLUMNS.csv
SELECT * FROM DBA_PART_KEY_COLUMNS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_SUBPART_KEY_COLUMNS.csv
SELECT * FROM DBA_SUBPART_KEY_COLUMNS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_CONSTRAINTS.csv
SELECT * FROM DBA_CONSTRAINTS WHERE &in_owners
   OR (OWNER, CONSTRAINT_NAME) IN (SELECT R_OWNER, R_CONSTRAINT_NAME FROM DBA_CONSTRAINTS
                                   WHERE CONSTRAINT_TYPE = 'R' AND &in_owners);
SPOOL OFF
SPOOL DBA_CONS_COLUMNS.csv
SELECT * FROM DBA_CONS_COLUMNS WHERE &in_owners
   OR (OWNER, CONSTRAINT_NAME) IN (SELECT R_OWNER, R_CONSTRAINT_NAME FROM DBA_CONSTRAINTS
                                   WHERE CONSTRAINT_TYPE = 'R' AND &in_owners);
SPOOL OFF
SPOOL DBA_SEQUENCES.csv
SELECT * FROM DBA_SEQUENCES WHERE INSTR(',' || :owners || ',', ',' || SEQUENCE_OWNER || ',') > 0;
SPOOL OFF
SPOOL DBA_DB_LINKS.csv
SELECT * FROM DBA_DB_LINKS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_TRIGGERS.csv
SELECT * FROM DBA_TRIGGERS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_PROCEDURES.csv
SELECT * FROM DBA_PROCEDURES WHERE &in_owners;
SPOOL OFF
SPOOL DBA_VIEWS.csv
SELECT * FROM DBA_VIEWS WHERE &in_owners;
SPOOL OFF
SPOOL DBA_DEPENDENCIES.csv
SELECT * FROM DBA_DEPENDENCIES WHERE &in_owners;
SPOOL OFF

-- AWR (Diagnostics Pack): only with argument 4 = Y; the snapshot range is the given days.
SPOOL DBA_HIST_SNAPSHOT.csv
SELECT * FROM DBA_HIST_SNAPSHOT WHERE :with_awr = 'Y' AND DBID = (SELECT DBID FROM V$DATABASE);
SPOOL OFF
SPOOL DBA_HIST_SQLSTAT.csv
SELECT * FROM DBA_HIST_SQLSTAT s WHERE :with_awr = 'Y' AND s.DBID = (SELECT DBID FROM V$DATABASE)
   AND s.SNAP_ID IN (SELECT n.SNAP_ID FROM DBA_HIST_SNAPSHOT n
                     WHERE n.END_INTERVAL_TIME >= TO_DATE(:day_from, 'YYYY-MM-DD')
                       AND n.END_INTERVAL_TIME < TO_DATE(:day_to, 'YYYY-MM-DD'))
   AND INSTR(',' || :owners || ',', ',' || s.PARSING_SCHEMA_NAME || ',') > 0;
SPOOL OFF
SPOOL DBA_HIST_SQL_PLAN.csv
SELECT * FROM DBA_HIST_SQL_PLAN p WHERE :with_awr = 'Y' AND p.DBID = (SELECT DBID FROM V$DATABASE)
   AND p.SQL_ID IN (SELECT s.SQL_ID FROM DBA_HIST_SQLSTAT s
                    WHERE INSTR(',' || :owners || ',', ',' || s.PARSING_SCHEMA_NAME || ',') > 0);
SPOOL OFF
SPOOL DBA_HIST_SQLTEXT.csv
SELECT * FROM DBA_HIST_SQLTEXT t WHERE :with_awr = 'Y' AND t.DBID = (SELECT DBID FROM V$DATABASE)
   AND t.SQL_ID IN (SELECT s.SQL_ID FROM DBA_HIST_SQLSTAT s
                    WHERE INSTR(',' || :owners || ',', ',' || s.PARSING_SCHEMA_NAME || ',') > 0);
SPOOL OFF

-- The cursor cache (no extra licence): statements of the owners cached now.
SPOOL V$SQL.csv
SELECT * FROM V$SQL WHERE INSTR(',' || :owners || ',', ',' || PARSING_SCHEMA_NAME || ',') > 0;
SPOOL OFF
SPOOL V$SQLSTATS.csv
SELECT * FROM V$SQLSTATS WHERE SQL_ID IN (SELECT SQL_ID FROM V$SQL
                                          WHERE INSTR(',' || :owners || ',', ',' || PARSING_SCHEMA_NAME || ',') > 0);
SPOOL OFF
SPOOL V$SQL_PLAN.csv
SELECT * FROM V$SQL_PLAN WHERE SQL_ID IN (SELECT SQL_ID FROM V$SQL
                                          WHERE INSTR(',' || :owners || ',', ',' || PARSING_SCHEMA_NAME || ',') > 0);
SPOOL OFF

-- The manifest. SET MARKUP CSV OFF: one JSON document built by a SELECT (no PL/SQL).
SET MARKUP CSV OFF
SET HEADING OFF
SPOOL export.json
SELECT '{"format": 1, "dbid": ' || d.DBID || ', "db_name": "' || d.NAME || '", "instance_numbers": ['
       || (SELECT LISTAGG(INSTANCE_NUMBER, ', ') WITHIN GROUP (ORDER BY INSTANCE_NUMBER) FROM GV$INSTANCE)
       || '], "version": "' || (SELECT VERSION FROM V$INSTANCE) || '", "nls_characterset": "'
       || (SELECT VALUE FROM NLS_DATABASE_PARAMETERS WHERE PARAMETER = 'NLS_CHARACTERSET')
       || '", "db_block_size": ' || (SELECT VALUE FROM V$PARAMETER WHERE NAME = 'db_block_size')
       || ', "db_timezone": "' || TO_CHAR(SYSTIMESTAMP, 'TZH:TZM')
       || '", "exported_at": "' || TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
       || '", "owners": ["' || REPLACE(:owners, ',', '", "') || '"], "awr": '
       || CASE WHEN :with_awr = 'Y' THEN
            (SELECT '{"begin_snap": ' || MIN(SNAP_ID) || ', "end_snap": ' || MAX(SNAP_ID)
                    || ', "begin_time": "' || TO_CHAR(MIN(BEGIN_INTERVAL_TIME), 'YYYY-MM-DD HH24:MI:SS')
                    || '", "end_time": "' || TO_CHAR(MAX(END_INTERVAL_TIME), 'YYYY-MM-DD HH24:MI:SS') || '"}'
             FROM DBA_HIST_SNAPSHOT
             WHERE DBID = d.DBID AND END_INTERVAL_TIME >= TO_DATE(:day_from, 'YYYY-MM-DD')
               AND END_INTERVAL_TIME < TO_DATE(:day_to, 'YYYY-MM-DD'))
          ELSE 'null' END
       || ', "source": "' || CASE WHEN :with_awr = 'Y' THEN 'awr' ELSE 'cursor_cache' END || '"}'
FROM V$DATABASE d;
SPOOL OFF
EXIT
