"""Fixtures shared by all test directories.

Kept small on purpose: Airflow fixtures live next to the tests that need them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from themis.sandbox import MariaDBNotInstalled, MariaDBSandbox


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBSandbox]:
    """One throwaway MariaDB for the whole session (127.0.0.1, free port), stopped at the end.

    Without MariaDB installed the tests that use it are skipped, except under CI (env ``CI`` set),
    where a missing server is a failure: CI must not pass by skipping the integration tests.
    """
    sandbox = MariaDBSandbox(tmp_path_factory.mktemp("mariadb"))
    try:
        sandbox.start()
    except MariaDBNotInstalled as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but MariaDB is missing: {exc}")
        pytest.skip(f"MariaDB is not installed: {exc}")
    try:
        yield sandbox
    finally:
        sandbox.stop()
