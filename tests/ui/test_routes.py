"""The Themis UI through FastAPI's TestClient on the real Airflow app (``create_app()``, FAB auth
manager): what each page shows, who may see it (anonymous 401, bob 403 on billing), and 404s."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from themis.config import load_config
from themis.report import changes
from themis.store.local import LocalStore
from themis.ui import data

pytestmark = pytest.mark.ui


def get(client: Any, path: str, user: str | None, tokens: dict[str, str], **kwargs: Any) -> Any:
    headers = {"Accept": "text/html", **kwargs.pop("headers", {})}
    if user:
        headers["Authorization"] = f"Bearer {tokens[user]}"
    return client.get(path, headers=headers, follow_redirects=False, **kwargs)


@pytest.fixture(scope="module")
def windows(ui_airflow: dict[str, Any]) -> dict[str, list[str]]:
    with LocalStore(ui_airflow["store"]) as store:
        return {i: changes.audited_windows(store, i) for i in ("fleet", "billing", "ora")}


def pages(instance: str, windows: dict[str, list[str]]) -> list[str]:
    w = windows[instance][-1]
    return [f"/themis/instance/{instance}", f"/themis/report/{instance}/{w}", f"/themis/report/{instance}/{w}/report.html",
            f"/themis/report/{instance}/{w}/report.json", f"/themis/report/{instance}/{w}/findings.csv",
            f"/themis/report/{instance}/{w}/findings", f"/themis/diff/{instance}", f"/themis/rules?instance={instance}",
            f"/themis/dag/themis__{instance}"]


def test_anonymous_is_refused_everywhere(client, tokens, windows) -> None:
    for path in ["/themis/", "/themis/rules", "/themis/static/ui.css", "/themis/run/themis__fleet/x",
                 *pages("fleet", windows)]:
        response = get(client, path, None, tokens, headers={"Accept": "application/json"})
        assert response.status_code == 401, path
        assert response.json() == {"detail": "Not authenticated"}
    page = get(client, "/themis/", None, tokens)  # a browser gets a page that says so, still 401
    assert page.status_code == 401 and "Log in to Airflow" in page.text


def test_a_bad_token_is_refused(client, tokens) -> None:
    response = client.get("/themis/", headers={"Authorization": "Bearer not-a-jwt"})
    assert response.status_code in (401, 403)


def test_bob_reads_fleet_but_not_billing(client, tokens, windows) -> None:
    for path in pages("fleet", windows):
        response = get(client, path, "bob", tokens)
        assert response.status_code in (200, 307), (path, response.text[:300])
    for path in pages("billing", windows) + [f"/themis/run/themis__billing/{windows['billing'][-1]}"]:
        response = get(client, path, "bob", tokens, headers={"Accept": "application/json"})
        assert response.status_code == 403, path
        assert "themis__billing" in response.json()["detail"]
    # and the same with a window that does not exist: no hint whether billing has it
    assert get(client, "/themis/report/billing/20200101T000000Z_20200102T000000Z", "bob", tokens).status_code == 403


def test_fleet_lists_only_readable_instances(client, tokens) -> None:
    admin = get(client, "/themis/", "admin", tokens)
    bob = get(client, "/themis/", "bob", tokens)
    assert admin.status_code == bob.status_code == 200
    assert re.findall(r'data-instance="([^"]+)"', admin.text) == ["billing", "fleet", "ora"]
    assert re.findall(r'data-instance="([^"]+)"', bob.text) == ["fleet"]
    assert "billing" not in bob.text
    assert admin.headers["content-security-policy"].startswith("default-src 'none'")


def test_fleet_shows_scores_changes_state_and_trend(client, tokens, ui_airflow) -> None:
    page = get(client, "/themis/", "admin", tokens).text
    project = load_config(ui_airflow["config"])
    with LocalStore(ui_airflow["store"]) as store:
        expected = data.fleet_page(store, project.instances, data.FleetQuery())
    for row in expected.rows:
        body = page.split(f'data-instance="{row["id"]}"', 1)[1].split("</tr>", 1)[0]
        assert f'data-score="{row["overall"]}"' in body
        assert f'<span class="new">{row["changes"]["new"]}</span> / <span class="fixed">{row["changes"]["fixed"]}</span>' in body
        assert body.count("<circle") == len(row["trend"]) + 1  # a point per window, the last marked
        assert "no run" in body  # no DAG run in this metadata DB
        assert f'href="./report/{row["id"]}/{row["window"]}"' in body


def test_fleet_sorts_and_filters(client, tokens) -> None:
    def order(query: str) -> list[str]:
        return re.findall(r'data-instance="([^"]+)"', get(client, "/themis/?" + query, "admin", tokens).text)

    by_score = order("sort=overall")
    assert by_score != [] and sorted(by_score) == ["billing", "fleet", "ora"]
    assert order("sort=overall&desc=1") == list(reversed(by_score))
    assert order("db_type=oracle") == ["ora"]
    assert order("tag=finance") == ["billing"]
    assert order("tag=prod&q=fle") == ["fleet"]
    assert order("sort=nonsense") == ["billing", "fleet", "ora"]


def test_instance_page_has_history_chart_and_audits(client, tokens, windows) -> None:
    page = get(client, "/themis/instance/fleet", "admin", tokens).text
    assert '<svg class="history"' in page
    for series in ("s-overall", "s-obj", "s-text", "s-plan", "s-stat"):
        assert page.count(f'<circle class="{series} pt"') == len(windows["fleet"])
    assert re.findall(r'data-window="([^"]+)"', page) == list(reversed(windows["fleet"]))
    assert f'href="../report/fleet/{windows["fleet"][-1]}"' in page


def test_report_is_the_stored_report_rendered(client, tokens, windows, ui_airflow) -> None:
    from themis.report.assemble import stored_report
    from themis.window import CaptureWindow

    window = windows["fleet"][-1]
    wrapper = get(client, f"/themis/report/fleet/{window}", "admin", tokens).text
    assert f'src="{window}/report.html"' in wrapper.replace("../../report/fleet/", "")
    html = get(client, f"/themis/report/fleet/{window}/report.html", "admin", tokens)
    assert html.status_code == 200
    assert "Themis audit report · fleet" in html.text
    with LocalStore(ui_airflow["store"]) as store:
        report = stored_report(store, load_config(ui_airflow["config"]).instances[0], CaptureWindow.from_key(window))
    assert f'data-score="{report["overall_score"]}"' in html.text
    as_json = get(client, f"/themis/report/fleet/{window}/report.json", "admin", tokens).json()
    assert as_json["overall_score"] == report["overall_score"] and as_json["window"]["key"] == window
    assert as_json["changes"]["previous_window"] == windows["fleet"][-2]
    csv = get(client, f"/themis/report/fleet/{window}/findings.csv", "admin", tokens)
    assert csv.text.startswith("dimension,rule,object") and csv.headers["content-type"].startswith("text/csv")


def test_findings_are_paginated(client, tokens, windows, ui_airflow) -> None:
    window = windows["fleet"][-1]
    page = get(client, f"/themis/report/fleet/{window}/findings", "admin", tokens)
    assert page.status_code == 200 and 'id="findings"' in page.text
    with LocalStore(ui_airflow["store"]) as store:
        result = data.findings_page(store, "fleet", window, None, 1)
    assert page.text.count("<tr><td class=\"num muted\">") == len(result["rows"]) > 0
    missing = get(client, f"/themis/report/fleet/{window}/findings?rule=NO_SUCH_RULE", "admin", tokens)
    assert missing.status_code == 404 and "NO_SUCH_RULE" in missing.text


def test_diff_shows_new_fixed_persisting_per_rule(client, tokens, windows, ui_airflow) -> None:
    before, after = windows["billing"][-3], windows["billing"][-1]
    page = get(client, f"/themis/diff/billing?before={before}&after={after}", "admin", tokens).text
    with LocalStore(ui_airflow["store"]) as store:
        compared = changes.compare(changes.stored_dimensions(store, "billing", before),
                                   changes.stored_dimensions(store, "billing", after))
    counts = changes.summary(compared)
    assert f'<span class="new">{counts["new"]} new</span> · <span class="fixed">{counts["fixed"]} fixed</span> · ' \
           f'{counts["persisting"]} persisting' in page
    for rule_id, rule in compared["rules"].items():
        row = page.split(f'data-rule="{rule_id}"', 1)[1].split("</tr>", 1)[0]
        assert re.findall(r">(\d+)</td>", row)[-3:] == [str(rule["new"]), str(rule["fixed"]), str(rule["persisting"])]
    default = get(client, "/themis/diff/billing", "admin", tokens).text  # the last two audits
    assert f'<option value="{windows["billing"][-2]}" selected>' in default


def test_rules_page_shows_effective_settings(client, tokens) -> None:
    page = get(client, "/themis/rules?instance=ora", "admin", tokens).text
    assert 'data-rule="' in page and "(not overridden)" in page
    catalogue = get(client, "/themis/rules?db_type=mysql", "bob", tokens).text
    assert 'data-rule="' in catalogue and "billing" not in catalogue


@pytest.mark.parametrize("path, message", [
    ("/themis/instance/nope", "No instance 'nope' in the instance config"),
    ("/themis/report/fleet/20200101T000000Z_20200102T000000Z", "No stored audit of instance 'fleet' for window "
                                                              "20200101T000000Z_20200102T000000Z"),
    ("/themis/report/fleet/20200101T000000Z_20200102T000000Z/report.html", "No stored audit of instance 'fleet'"),
    ("/themis/report/fleet/yesterday", "'yesterday' is not a window key"),
    ("/themis/diff/fleet?before=20200101T000000Z_20200102T000000Z", "No stored audit of instance 'fleet'"),
    ("/themis/run/themis__fleet/manual__2020-01-01T00:00:00+00:00", "has no stored report"),
    ("/themis/run/other_dag/x", "not a Themis DAG"),
])
def test_missing_things_are_404_with_a_clear_message(client, tokens, path, message) -> None:
    response = get(client, path, "admin", tokens, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert message in response.json()["detail"]
    page = get(client, path, "admin", tokens)
    assert page.status_code == 404 and "404 · Not found" in page.text


def test_latest_windows_are_named_when_a_window_is_missing(client, tokens, windows) -> None:
    detail = get(client, "/themis/report/fleet/20200101T000000Z_20200102T000000Z", "admin", tokens,
                 headers={"Accept": "application/json"}).json()["detail"]
    assert windows["fleet"][-1] in detail


def test_report_link_of_a_run_redirects_to_its_window(client, tokens, windows, ui_airflow) -> None:
    from themis.ui.links import ThemisReportLink

    with LocalStore(ui_airflow["store"]) as store:
        latest_run = data.instance_windows(store, load_config(ui_airflow["config"]).instances[0])[-1]["run_id"]
    assert "+" in latest_run and ":" in latest_run

    class Key:
        dag_id, task_id, run_id, map_index = "themis__fleet", "export", latest_run, -1

    link = ThemisReportLink().get_link(None, ti_key=Key())
    assert link.endswith(f"/themis/run/themis__fleet/{quote(latest_run, safe='')}") and "+" not in link
    response = get(client, link[link.index("/themis/"):], "admin", tokens)
    assert response.status_code == 307
    assert response.headers["location"] == f"../../report/fleet/{windows['fleet'][-1]}"
    Key.task_id = "analyze_obj"
    assert ThemisReportLink().get_link(None, ti_key=Key()) == ""


def test_report_link_honours_the_base_url_path(monkeypatch) -> None:
    from themis.ui.links import ThemisReportLink

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example.com/data/airflow/")

    class Key:
        dag_id, task_id, run_id, map_index = "themis__fleet", "export", "manual__2026-12-01T02:00:00+00:00", -1

    assert ThemisReportLink().get_link(None, ti_key=Key()) == (
        "https://airflow.example.com/data/airflow/themis/run/themis__fleet/manual__2026-12-01T02%3A00%3A00%2B00%3A00")


def test_export_tasks_carry_the_report_link_and_the_plugin_is_listed(client, tokens) -> None:
    from airflow.models.serialized_dag import SerializedDagModel

    dag = SerializedDagModel.get_dag("themis__fleet")
    assert "Report" in dag.get_task("export").extra_links
    plugins = client.get("/api/v2/plugins", headers={"Authorization": f"Bearer {tokens['bob']}"})
    assert plugins.status_code == 200
    themis = next(p for p in plugins.json()["plugins"] if p["name"] == "themis")
    assert {v["href"] for v in themis["external_views"]} >= {"themis/", "themis/dag/{DAG_ID}"}
    assert themis["fastapi_apps"][0]["url_prefix"] == "/themis"
