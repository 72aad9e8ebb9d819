"""The slow-log engine: parse MySQL/MariaDB slow logs, fingerprint statements, aggregate per class.

Pure and fast, no Airflow imports, so the DAG's ``ingest_slowlog`` task, the ``themis slowlog digest``
command and the benchmarks all run the same code. Results equal pt-query-digest 3.x's
(tests/unit/test_slowlog_pt_compare.py runs it).

* ``parser.iter_events``   the reference: bytes in, ``SlowEvent`` out, one line at a time; bad
                           entries counted with their offsets
* ``fingerprint``          pt-query-digest 3.x fingerprint and its MD5 checksum (the class id), and
                           ``Fingerprinter``, memoised on the statement with its literals taken out
* ``digest``               streaming, mergeable, order-free per-class aggregates named like pt's
                           ``--history`` columns; ``digest_paths`` digests files
* ``chunk``                the fast path: a chunk of a log at a time, regular entries by shape,
                           values aggregated by column; the rest through the reference parser
* ``runner``, ``worker``   files cut into chunks at clean entry boundaries, digested in worker
                           processes, merged
* ``_speedups`` (C)        optional kernels for the hot loops (``accel``): same results, faster
* ``sources``              globs and rotated / gzipped files, oldest first; a gunzip that keeps
                           everything before a damage
* ``segments``             a file cut into pieces in one bounded-memory pass: oversize entries
                           skipped and counted, files that shrink while read flagged
* ``tables``               pt's ``--review``/``--history`` tables and performance_schema digests, as data
* ``repository``           the MySQL side: slow_log table, performance_schema, pt tables (read/write)
* ``ingest``               one window from source to store and tables, exactly once
"""

from themis.slowlog.digest import Digest, DigestResult, digest_paths
from themis.slowlog.fingerprint import checksum, fingerprint
from themis.slowlog.parser import ParseStats, SlowEvent, iter_events

__all__ = [
    "Digest", "DigestResult", "ParseStats", "SlowEvent", "checksum", "digest_paths", "fingerprint", "iter_events",
]
