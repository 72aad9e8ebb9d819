"""The Themis UI app (FastAPI, server-rendered jinja2 + inline SVG + a little vanilla JS).

Mounted by the plugin at ``/themis`` on Airflow's API server. Every route requires an authenticated
Airflow user (``dependencies=[Depends(get_user)]``: the bearer token or the UI's ``_token`` cookie)
and every page about an instance checks read access to its DAG (``access``). All links are relative,
so the pages work behind ``[api] base_url`` with a path and inside the UI's iframe.

Routes (under /themis)::

    /                                       Fleet: every instance the user may read
    /instance/<id>                          score history chart and the list of audits
    /report/<id>/<window>                   the stored report of one window (report.html inside)
    /report/<id>/<window>/report.html       the report itself, rendered from the store
    /report/<id>/<window>/report.json       ... and findings.csv: the full data
    /report/<id>/<window>/findings          one rule's findings, paginated
    /diff/<id>?before=<window>&after=<window>   two windows side by side
    /rules?instance=<id>                    the catalogue with an instance's effective settings
    /run/<dag id>/<run id>                  the report of one DAG run (the "Report" extra link)
    /dag/<dag id>                           the instance page of a DAG (the DAG page's Themis tab)
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from themis.config import DIMENSIONS, ConfigError, ProjectConfig, load_config, store_settings
from themis.store import Store, StoreError, open_store
from themis.ui import access, charts, data

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = {"ui.css": "text/css", "ui.js": "text/javascript"}
#: Findings rows per rule in the embedded report page; the paginated findings page has them all.
REPORT_ROWS_PER_RULE = 25
#: The plugin pages load only their own stylesheet and script; frames only from this origin.
CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


# ------------------------------------------------------------------------------------ environment


def _fmt_score(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _fmt_delta(value: Any) -> str:
    if value is None:
        return ""
    if abs(value) < 0.05:
        return "±0"
    return f"{value:+.1f}"


def _fmt_value(value: Any) -> str:
    from themis.report.visible import visible

    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return visible(json.dumps(value, ensure_ascii=False, separators=(", ", ": ")))
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return visible(str(value))


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(score=_fmt_score, delta=_fmt_delta, value=_fmt_value, label=data.window_label,
                       seg=lambda s: quote(str(s), safe=""), spark=charts.sparkline)
    env.globals.update(DIMENSIONS=DIMENSIONS)
    return env


_config_lock = threading.Lock()
_config_cache: dict[str, Any] = {}


def project_config() -> ProjectConfig:
    """The instance config, re-read when the file changes (``THEMIS_INSTANCES`` or include/)."""
    from themis.paths import instances_file

    path = instances_file()
    try:
        stat = path.stat()
        stamp = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (str(path), 0, 0)
    with _config_lock:
        if _config_cache.get("stamp") != stamp:
            try:
                _config_cache.update(stamp=stamp, project=load_config(path))
            except ConfigError as exc:
                raise HTTPException(500, f"The Themis instance config cannot be read: {exc}") from None
        return _config_cache["project"]


_stores = threading.local()


def store_for(project: ProjectConfig) -> Store:
    """One store per thread and store setting (a LocalStore is for one thread; a Mongo client pools)."""
    settings = store_settings(project)
    key = json.dumps(settings, sort_keys=True)
    cache = getattr(_stores, "by_key", None)
    if cache is None:
        cache = _stores.by_key = {}
    if key not in cache:
        try:
            cache[key] = open_store(settings)
        except StoreError as exc:
            raise HTTPException(503, f"The Themis store cannot be opened: {exc}") from None
    return cache[key]


# ----------------------------------------------------------------------------------------- pages


class Page:
    """What every template gets: the relative way back to the plugin's root, and query helpers."""

    def __init__(self, request: Request) -> None:
        self.request = request
        root_path = request.scope.get("root_path", "")
        raw = (request.scope.get("raw_path") or b"").decode("latin-1") or request.scope.get("path", "")
        rel = raw[len(root_path):] if root_path and raw.startswith(root_path) else request.scope.get("path", "")
        depth = max(0, rel.count("/") - 1)
        self.root = "../" * depth if depth else "./"

    def href(self, *parts: Any, **query: Any) -> str:
        """A link to ``/themis/<parts...>?<query>``, relative to the current page."""
        path = self.root + "/".join(quote(str(p), safe="") for p in parts)
        clean = {k: v for k, v in query.items() if v not in (None, "", False)}
        return path + ("?" + urlencode(clean) if clean else "")

    def with_query(self, **changes: Any) -> str:
        """This page's URL with some query parameters changed (sort links, pager)."""
        params = dict(self.request.query_params)
        params.update({k: v for k, v in changes.items()})
        clean = {k: v for k, v in params.items() if v not in (None, "", False, "0")}
        return "?" + urlencode(clean) if clean else "?"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    page = Page(request)
    html = environment().get_template(template).render(page=page, root=page.root, **context)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": CSP})


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """401/403/404 as a short page for browsers, as Airflow's ``{"detail": ...}`` JSON otherwise."""
    headers = dict(getattr(exc, "headers", None) or {})
    if not _wants_html(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
    titles = {401: "Not logged in", 403: "Forbidden", 404: "Not found"}
    response = render(request, "error.html.j2", exc.status_code, title=titles.get(exc.status_code, "Error"),
                      status=exc.status_code, detail=str(exc.detail))
    response.headers.update(headers)
    return response


def create_app() -> FastAPI:
    """The plugin's app; every route needs an authenticated user (see the module docstring)."""
    from airflow.api_fastapi.core_api.security import get_user

    from themis.ui import routes

    app = FastAPI(title="Themis", dependencies=[Depends(get_user)], docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.include_router(routes.router)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    return app


__all__ = ["create_app", "render", "Page", "project_config", "store_for", "PlainTextResponse", "RedirectResponse"]
