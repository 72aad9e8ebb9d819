"""Airflow's plugin loader must not exec the themis package's files as top-level modules.

It imports every .py file under plugins/ as a module named after the file unless .airflowignore
says otherwise; checks/stat.py then replaced the standard library's ``stat`` and the api-server
died on start (found with `make ui`).
"""

from __future__ import annotations

import sys
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def test_plugin_loader_skips_the_themis_package():
    from airflow._shared.plugins_manager.plugins_manager import _load_plugins_from_plugin_directory

    before = set(sys.modules)
    plugins, errors = _load_plugins_from_plugin_directory(str(PLUGINS))
    assert errors == {}
    assert plugins == []
    assert sorted(set(sys.modules) - before) == []
    import stat

    assert hasattr(stat, "S_ISSOCK")
