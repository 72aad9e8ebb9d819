"""Airflow's plugin loader must not exec the themis package's files as top-level modules.

It imports every .py file under plugins/ as a module named after the file unless .airflowignore
says otherwise; checks/stat.py then replaced the standard library's ``stat`` and the api-server
died on start (found with `make ui`). The one file it may load is the UI plugin's entry,
``themis_ui_plugin.py``, which imports the package normally (``themis.ui...``).
"""

from __future__ import annotations

import sys
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"


def test_plugin_loader_loads_only_the_ui_plugin_entry():
    from airflow._shared.plugins_manager.plugins_manager import _load_plugins_from_plugin_directory

    before = set(sys.modules)
    plugins, errors = _load_plugins_from_plugin_directory(str(PLUGINS))
    assert errors == {}
    assert [type(p).__name__ if not isinstance(p, type) else p.__name__ for p in plugins] == ["ThemisPlugin"]
    loaded_from_plugins = sorted(name for name in set(sys.modules) - before
                                 if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(PLUGINS)))
    assert [n for n in loaded_from_plugins if n != "themis_ui_plugin" and not n.startswith("themis.")] == []
    import stat

    assert hasattr(stat, "S_ISSOCK")


def test_workers_do_not_build_the_ui_app_when_loading_the_plugin():
    """Workers load plugins for every task: the FastAPI app (and Airflow's API security module,
    about a second to import) is built only when the API server reads ``fastapi_apps``."""
    import subprocess

    code = ("import sys; import themis_ui_plugin as p; "
            "print(sorted(m for m in ('themis.ui.app', 'airflow.api_fastapi.core_api.security') if m in sys.modules)); "
            "print([link.name for link in p.ThemisPlugin.operator_extra_links])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PLUGINS, check=True)
    assert result.stdout.splitlines()[-2:] == ["[]", "['Report']"]
