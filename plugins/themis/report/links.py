"""Where a stored report is shown in the Airflow UI: one function, shared by the alerts, the export
task's extra link and the UI plugin, so every link has the same shape.

The Themis UI plugin is mounted under ``/themis`` on the Airflow API server; a report page is
``<base_url>/themis/report/<instance id>/<window key>``. ``base_url`` is Airflow's ``[api] base_url``
(``AIRFLOW__API__BASE_URL``) unless given; without one the link is the path alone.
"""

from __future__ import annotations

from urllib.parse import quote

UI_PREFIX = "/themis"


def report_path(instance_id: str, window_key: str) -> str:
    """``/themis/report/<instance>/<window>``, each part percent-quoted (no ``/`` left in a part)."""
    return f"{UI_PREFIX}/report/{quote(str(instance_id), safe='')}/{quote(str(window_key), safe='')}"


def airflow_base_url() -> str:
    """Airflow's ``[api] base_url`` without a trailing slash, or "" when unset or unreadable."""
    try:
        from airflow.configuration import conf

        return (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    except Exception:  # outside an Airflow installation (a CLI on a laptop): a path is still useful
        return ""


def report_url(instance_id: str, window_key: str, base_url: str | None = None) -> str:
    """The UI address of one report: ``<base_url>/themis/report/<instance>/<window>``.

    ``base_url`` (e.g. ``https://airflow.example.com``) defaults to Airflow's ``[api] base_url``;
    when neither is set the result is the path alone, relative to the Airflow UI.
    """
    base = (airflow_base_url() if base_url is None else base_url).rstrip("/")
    return base + report_path(instance_id, window_key)
