"""Capture: read an audited database's dictionary, plans and statistics into snapshot records.

``mysql`` (and ``oracle``) do the network I/O through a DB-API connection from an Airflow hook;
``plan`` is the pure part of reading EXPLAIN output; ``sqlfiles`` renders the SQL they run from
``include/sql/<db>/*.sql``. Import the submodules directly (``from themis.capture import mysql``):
nothing here imports a database driver, so DAG parsing stays cheap.
"""
