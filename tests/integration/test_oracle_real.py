"""Opt-in: the Oracle capture against a real Oracle database (none can run here).

Set ``THEMIS_TEST_ORACLE_DSN`` to ``user/password@host:port/service`` of an account with
SELECT_CATALOG_ROLE (and ``THEMIS_TEST_ORACLE_SCHEMAS`` to a comma-separated list, default: auto).
Every capture statement then runs live through python-oracledb, as the live door sends it.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

DSN = os.environ.get("THEMIS_TEST_ORACLE_DSN")
pytestmark = pytest.mark.skipif(not DSN, reason="THEMIS_TEST_ORACLE_DSN not set (no Oracle server here)")


def test_objects_and_statements_from_a_real_oracle(tmp_path):
    import oracledb

    from themis.capture.base import SHARED_FIELDS, CaptureContext
    from themis.capture.oracle import OracleCapture
    from themis.capture.oracle.live import LiveDoor
    from themis.config import parse_config
    from themis.store.local import LocalStore
    from themis.window import CaptureWindow

    credentials, _, address = DSN.rpartition("@")
    user, _, password = credentials.partition("/")
    schemas = os.environ.get("THEMIS_TEST_ORACLE_SCHEMAS")
    project = parse_config({"instances": [{"id": "real", "db_type": "oracle", "conn_id": "real",
                                           "schemas": schemas.split(",") if schemas else "auto"}]})
    end = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    ctx = CaptureContext(project.instances[0], schemas.split(",") if schemas else [],
                         CaptureWindow(end - dt.timedelta(hours=6), end), LocalStore(tmp_path / "s.sqlite3"), "real")
    with LiveDoor(oracledb.connect(user=user, password=password, dsn=address)) as door:
        objects = OracleCapture().objects_from(door, ctx)
        for kind, fields in SHARED_FIELDS.items():
            for record in objects.records.get(kind, []):
                assert all(f in record for f in fields), (kind, record)
        statements = OracleCapture().statements_from(door, ctx)
    assert objects.records["obj.table"]
    assert statements.meta["statements"] >= 0
