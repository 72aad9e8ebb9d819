"""The pages (see ``themis.ui.app`` for the URL map). Each handler: who is asking (``GetUserDep``),
may they read the instance's DAG (``access``), what the store holds (``data``), then a template."""

from __future__ import annotations

from typing import Any

from airflow.api_fastapi.core_api.security import GetUserDep
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from themis.config import DIMENSIONS, InstanceConfig
from themis.store import Store
from themis.ui import access, charts, data
from themis.ui.app import CSP, REPORT_ROWS_PER_RULE, STATIC, TEMPLATES, Page, project_config, render, store_for
from themis.window import CaptureWindow

router = APIRouter()


def _window(store: Store, instance: InstanceConfig, window: str) -> CaptureWindow:
    """The stored window, or 404 naming the latest stored ones."""
    try:
        parsed = CaptureWindow.from_key(window)
    except ValueError:
        raise HTTPException(404, f"'{window}' is not a window key (like 20261121T000000Z_20261122T000000Z).") from None
    if not data.window_exists(store, instance.id, window):
        known = [w["window"] for w in data.instance_windows(store, instance)][-5:]
        raise HTTPException(404, f"No stored audit of instance '{instance.id}' for window {window}. "
                                 + (f"Latest stored: {', '.join(reversed(known))}." if known else
                                    "The store holds no audit of this instance yet."))
    return parsed


@router.get("/", response_class=HTMLResponse)
def fleet(request: Request, user: GetUserDep, db_type: str = "", tag: str = "", q: str = "",
          sort: str = "instance", desc: bool = False, page: int = 1) -> HTMLResponse:
    from themis.ui.runs import latest_run_states

    project = project_config()
    instances = access.readable_instances(project, user)
    result = data.fleet_page(store_for(project), instances,
                             data.FleetQuery(db_type, tag, q, sort, desc, page), latest_run_states)
    return render(request, "fleet.html.j2", fleet=result, title="Fleet")


@router.get("/instance/{instance_id}", response_class=HTMLResponse)
def instance_page(request: Request, user: GetUserDep, instance_id: str) -> HTMLResponse:
    project = project_config()
    instance = access.require_instance(project, user, instance_id)
    windows = data.instance_windows(store_for(project), instance)
    chart = charts.history_chart(windows, ["overall", *DIMENSIONS])
    return render(request, "instance.html.j2", instance=instance, windows=windows, chart=chart,
                  title=instance.id, series=charts.SERIES_CLASS)


@router.get("/dag/{dag_id}")
def dag_page(request: Request, user: GetUserDep, dag_id: str) -> Response:
    if not dag_id.startswith("themis__"):
        raise HTTPException(404, f"{dag_id} is not a Themis DAG (their ids start with 'themis__').")
    instance_id = dag_id.removeprefix("themis__")
    access.require_instance(project_config(), user, instance_id)
    return RedirectResponse(Page(request).href("instance", instance_id), status_code=307)


@router.get("/run/{dag_id}/{run_id:path}")
def run_report(request: Request, user: GetUserDep, dag_id: str, run_id: str) -> Response:
    """The report of one DAG run: where the "Report" extra link and the run page's tab point."""
    if not dag_id.startswith("themis__"):
        raise HTTPException(404, f"{dag_id} is not a Themis DAG, so it has no Themis report.")
    project = project_config()
    instance = access.require_instance(project, user, dag_id.removeprefix("themis__"))
    window = data.window_of_run(store_for(project), instance.id, run_id)
    if window is None:
        raise HTTPException(404, f"Run {run_id} of {dag_id} has no stored report (yet): its export task has "
                                 "not finished, or the store holding it is not the one this server reads.")
    return RedirectResponse(Page(request).href("report", instance.id, window), status_code=307)


@router.get("/report/{instance_id}/{window}", response_class=HTMLResponse)
def report_page(request: Request, user: GetUserDep, instance_id: str, window: str) -> HTMLResponse:
    project = project_config()
    instance = access.require_instance(project, user, instance_id)
    store = store_for(project)
    _window(store, instance, window)
    windows = data.instance_windows(store, instance)
    index = next(i for i, w in enumerate(windows) if w["window"] == window)
    return render(request, "report.html.j2", instance=instance, entry=windows[index],
                  previous=windows[index - 1] if index else None,
                  next=windows[index + 1] if index + 1 < len(windows) else None,
                  title=f"{instance.id} · {data.window_label(window)}")


def _stored_report(instance_id: str, window: str, user: Any) -> dict[str, Any]:
    from themis.report.assemble import stored_report

    project = project_config()
    instance = access.require_instance(project, user, instance_id)
    store = store_for(project)
    return stored_report(store, instance, _window(store, instance, window))


@router.get("/report/{instance_id}/{window}/report.html", response_class=HTMLResponse)
def report_html(user: GetUserDep, instance_id: str, window: str) -> HTMLResponse:
    """The report exactly as the export task renders it (same assembly, same renderer), from the store."""
    from themis.report.render import render_html

    html = render_html(_stored_report(instance_id, window, user), max_findings_per_rule=REPORT_ROWS_PER_RULE)
    return HTMLResponse(html)  # the page carries its own strict CSP


@router.get("/report/{instance_id}/{window}/report.json")
def report_json(user: GetUserDep, instance_id: str, window: str) -> Response:
    from themis.report.render import render_json

    return Response(render_json(_stored_report(instance_id, window, user)), media_type="application/json")


@router.get("/report/{instance_id}/{window}/findings.csv")
def report_csv(user: GetUserDep, instance_id: str, window: str) -> Response:
    from themis.report.render import render_csv

    return Response(render_csv(_stored_report(instance_id, window, user)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{instance_id}-{window}-findings.csv"'})


@router.get("/report/{instance_id}/{window}/findings", response_class=HTMLResponse)
def findings(request: Request, user: GetUserDep, instance_id: str, window: str, rule: str | None = None,
             page: int = 1) -> HTMLResponse:
    project = project_config()
    instance = access.require_instance(project, user, instance_id)
    store = store_for(project)
    _window(store, instance, window)
    result = data.findings_page(store, instance.id, window, rule or None, page)
    if rule and result["rule"] is None:
        raise HTTPException(404, f"Rule {rule} did not run in window {window} of '{instance.id}'.")
    return render(request, "findings.html.j2", instance=instance, window=window, result=result,
                  title=f"{instance.id} · findings")


@router.get("/diff/{instance_id}", response_class=HTMLResponse)
def diff_page(request: Request, user: GetUserDep, instance_id: str, before: str = "", after: str = "") -> HTMLResponse:
    project = project_config()
    instance = access.require_instance(project, user, instance_id)
    store = store_for(project)
    windows = data.instance_windows(store, instance)
    keys = [w["window"] for w in windows]
    if not keys:
        raise HTTPException(404, f"The store holds no audit of instance '{instance.id}' yet: nothing to compare.")
    after = after or keys[-1]
    _window(store, instance, after)
    if not before:
        earlier = [k for k in keys if k < after]
        before = earlier[-1] if earlier else after
    _window(store, instance, before)
    result = data.diff(store, instance.id, before, after)
    return render(request, "diff.html.j2", instance=instance, diff=result, windows=windows,
                  title=f"{instance.id} · diff")


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, user: GetUserDep, instance: str = "", db_type: str = "") -> HTMLResponse:
    from themis.rules.catalog import load_catalog

    project = project_config()
    chosen = access.require_instance(project, user, instance) if instance else None
    visible = access.readable_instances(project, user)
    rows = data.rules_table(load_catalog(with_checks=False), chosen, db_type or None, visible)
    return render(request, "rules.html.j2", rows=rows, instance=chosen, instances=visible, db_type=db_type,
                  db_types=sorted({"mysql", "oracle", *(i.db_type for i in visible)}), title="Rules")


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in STATIC:
        raise HTTPException(404, f"No static file {name}.")
    return PlainTextResponse((TEMPLATES / name).read_text(encoding="utf-8"), media_type=STATIC[name],
                             headers={"Cache-Control": "max-age=300", "Content-Security-Policy": CSP})
