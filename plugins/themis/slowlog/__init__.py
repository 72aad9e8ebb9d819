"""The slow-log engine: parse MySQL/MariaDB slow logs, fingerprint statements, aggregate per class.

Pure and fast, no Airflow imports, so the DAG's ``ingest_slowlog`` task, the ``themis slowlog digest``
command and the benchmarks all run the same code. Only ``sources`` touches the disk.

* ``parser.iter_events``   bytes in, ``SlowEvent`` out, bad entries counted with their offsets
* ``fingerprint``          pt-query-digest 3.x fingerprint and its MD5 checksum (the class id)
* ``digest``               streaming per-class aggregates named like pt's ``--history`` columns
* ``sources``              globs and rotated / gzipped files, oldest first
"""

from themis.slowlog.digest import Digest, DigestResult, digest_paths
from themis.slowlog.fingerprint import checksum, fingerprint
from themis.slowlog.parser import ParseStats, SlowEvent, iter_events

__all__ = [
    "Digest", "DigestResult", "ParseStats", "SlowEvent", "checksum", "digest_paths", "fingerprint", "iter_events",
]
