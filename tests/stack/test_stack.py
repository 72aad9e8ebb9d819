"""The production topology for real (issue 9): scheduled audits of 20 instances on two Celery
workers, pools, backfill, reruns, worker death, a broker outage, alerts, Flower and the UI.

The tests share one stack (conftest.py) and run in file order: the scheduled audits first, then
the runs that build on them.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest

from .conftest import SHOPS, finished_run, runs, task_instances, trigger, wait_for, xcom

pytestmark = pytest.mark.stack
CAPTURES = ("capture_obj", "ingest_slowlog", "capture_other")
SHOP_DAGS = [f"themis__shop{n:02d}" for n in range(1, SHOPS + 1)]
FIGURES: dict[str, float] = {}


def _stamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_scheduled_audits_of_20_instances_spread_over_both_workers(stack, api):
    """The scheduler runs every instance on its cron (the latest hourly interval), on both workers,
    with at most 2 captures at a time on the shared server (pool `sandbox`)."""
    started = time.monotonic()

    def all_done():
        latest = {}
        for dag_id in SHOP_DAGS:
            scheduled = [r for r in runs(api, dag_id) if r["run_type"] == "scheduled"]
            if not scheduled or scheduled[0]["state"] not in ("success", "failed"):
                return None
            latest[dag_id] = scheduled[0]
        return latest

    latest = wait_for(all_done, 900, "the 20 scheduled audits", every=5)
    failed = {d: r["dag_run_id"] for d, r in latest.items() if r["state"] != "success"}
    assert not failed, failed
    tis = [ti for d, r in latest.items() for ti in task_instances(api, d, r["dag_run_id"]).values()]
    assert len(tis) == SHOPS * 8 and all(ti["state"] == "success" for ti in tis)
    hour = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    for run in latest.values():  # the cron's interval: the hour before the last full hour
        assert _stamp(run["data_interval_end"]) in (hour, hour - dt.timedelta(hours=1))
        assert _stamp(run["data_interval_end"]) - _stamp(run["data_interval_start"]) == dt.timedelta(hours=1)
    hosts = {ti["hostname"].split("@")[0] for ti in tis}
    assert hosts == {"worker1", "worker2"}
    # the pool: never more than its 2 slots of captures running at once on the sandbox server
    captures = sorted((_stamp(ti["start_date"]), _stamp(ti["end_date"])) for ti in tis if ti["task_id"] in CAPTURES)
    assert all(ti["pool"] == "sandbox" for ti in tis if ti["task_id"] in CAPTURES)
    events = sorted([(s, 1) for s, _ in captures] + [(e, -1) for _, e in captures])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert peak <= 2
    pool = api.get("/api/v2/pools/sandbox")
    assert pool["slots"] == 2
    first = min(_stamp(ti["queued_when"] or ti["start_date"]) for ti in tis)
    last = max(_stamp(ti["end_date"]) for ti in tis)
    FIGURES.update(wall_s=(last - first).total_seconds(), tasks=len(tis), waited_s=time.monotonic() - started)
    print(f"\n20 instances, {len(tis)} tasks on 2 workers: {(last - first).total_seconds():.0f} s from first queued "
          f"to last end, {len(tis) / (last - first).total_seconds() * 60:.0f} tasks/min, peak captures {peak}, "
          f"per worker {sorted((h, sum(ti['hostname'].startswith(h) for ti in tis)) for h in hosts)}")


def test_down_server_fails_its_dag_with_retries_and_alerts(stack, api, mailbox):
    run = wait_for(lambda: next((r for r in runs(api, "themis__down") if r["state"] in ("success", "failed")), None),
                   300, "the down instance's run")
    assert run["state"] == "failed"  # the run fails ...
    tis = task_instances(api, "themis__down", run["dag_run_id"])
    capture = tis["capture_obj"]
    assert capture["state"] == "failed" and capture["try_number"] == 2  # retried once, then failed
    assert tis["export"]["state"] == "failed" and tis["export"]["try_number"] == 1  # AirflowFailException: no retry
    # ... after export wrote the report of what could be audited: every dimension marked failed
    report = _report(stack, "down", run["dag_run_id"])
    assert set(report["missing"]) == {"OBJ", "TEXT", "SQLPLAN", "SQLSTAT"} and report["overall_score"] is None
    mail = wait_for(lambda: [m for m in mailbox.texts() if "down" in m[0] and "capture_obj" in m[0]], 60,
                    "the down instance's failure mail")
    subject, body = mail[0]
    assert "instance: down" in body and "task: capture_obj" in body and "window:" in body
    assert f"{stack.api_url}/dags/themis__down/runs/" in body  # the log URL
    # one mail after the last try, not one per try, and none for export (the capture's mail is the alert)
    time.sleep(3)
    assert len([m for m in mailbox.texts() if "down" in m[0] and "capture_obj" in m[0]]) == 1
    assert not [m for m in mailbox.texts() if "down:" in m[0] and "export" in m[0]]
    # the other instances' audits carried on: every shop's scheduled run succeeded (first test)
    assert all(r["state"] == "success" for d in SHOP_DAGS[:3] for r in runs(api, d) if r["run_type"] == "scheduled")


def _report(stack, instance: str, run_id: str) -> dict:
    """export's summary as it stored it (a failed export returns no XCom)."""
    store = _store(stack)
    try:
        found = [r for key in store.keys(instance, kind_prefix="report") for r in store.read(key)]
    finally:
        store.close()
    return next(r for r in found if r.get("run_id") == run_id)


def test_auth_failure_fails_at_once_with_an_alert(stack, api, mailbox):
    run = wait_for(lambda: next((r for r in runs(api, "themis__badauth") if r["state"] in ("success", "failed")),
                                None), 300, "the badauth instance's run")
    assert run["state"] == "failed"
    capture = task_instances(api, "themis__badauth", run["dag_run_id"])["capture_obj"]
    assert capture["state"] == "failed" and capture["try_number"] == 1  # retries: 3, none used
    subject, body = wait_for(lambda: [m for m in mailbox.texts() if "badauth" in m[0]], 60, "the auth mail")[0]
    assert "instance: badauth" in body and "task: capture_obj" in body and "window:" in body
    assert "/dags/themis__badauth/runs/" in body


def test_score_below_alert_names_instance_task_window_and_log(stack, api, mailbox):
    subject, body = wait_for(lambda: [m for m in mailbox.texts() if "shop01" in m[0]], 60, "shop01's score mail")[0]
    assert "score" in subject and "below 100" in subject
    assert "instance: shop01" in body and "task: export" in body and "window:" in body
    assert "/dags/themis__shop01/runs/" in body


def test_backfill_audits_each_past_window(stack, api, history_hours):
    """`airflow backfill create` over three past hours: each run audits its own slow-log window."""
    start, end = history_hours[0], history_hours[-1]
    stack.airflow("backfill", "create", "--dag-id", "themis__history", "--from-date", start.isoformat(),
                  "--to-date", end.isoformat())
    backfilled = wait_for(lambda: (lambda rs: rs if len(rs) == 3 and all(r["state"] in ("success", "failed")
                                                                          for r in rs) else None)(
        [r for r in runs(api, "themis__history") if r["run_type"] == "backfill"]), 400, "three backfill runs")
    for run in backfilled:
        assert run["state"] == "success", run
        window = f"{_stamp(run['data_interval_start']):%Y%m%dT%H%M%SZ}_{_stamp(run['data_interval_end']):%Y%m%dT%H%M%SZ}"
        report = xcom(api, "themis__history", run["dag_run_id"], "export")
        assert report["window"] == window  # the report says which window it covers
        obj = xcom(api, "themis__history", run["dag_run_id"], "capture_obj")
        assert obj["live_snapshot_for_past_window"] is True  # a backfill run audits a past window
        statements = _statements(stack, "history", window)
        hour = f"{_stamp(run['data_interval_start']):%H}"
        assert statements and all(f"hour {hour}" in s for s in statements), (hour, statements)


def _store(stack):
    import json as _json

    from themis.store import open_store

    return open_store(_json.loads(stack.settings["THEMIS_STORE"]))


def _statements(stack, instance: str, window: str) -> list[str]:
    from themis.store import PartitionKey

    store = _store(stack)
    try:
        return [str(r.get("text") or r.get("sample") or r.get("fingerprint") or r)
                for r in store.read(PartitionKey(instance, window, "sql.statement"))]
    finally:
        store.close()


def _partition_sizes(stack, instance: str, window: str) -> dict[str, int]:
    store = _store(stack)
    try:
        return {key.kind: len(store.read_all(key)) for key in store.keys(instance, window)}
    finally:
        store.close()


def test_clearing_a_task_reruns_it_without_duplicates(stack, api):
    run = [r for r in runs(api, "themis__shop02") if r["run_type"] == "scheduled"][0]
    window = xcom(api, "themis__shop02", run["dag_run_id"], "export")["window"]
    before = _partition_sizes(stack, "shop02", window)
    first = task_instances(api, "themis__shop02", run["dag_run_id"])["ingest_slowlog"]
    api.request("POST", "/api/v2/dags/themis__shop02/clearTaskInstances",
                json={"dry_run": False, "dag_run_id": run["dag_run_id"], "task_ids": ["ingest_slowlog"],
                      "include_downstream": True, "only_failed": False, "reset_dag_runs": True})
    wait_for(lambda: task_instances(api, "themis__shop02", run["dag_run_id"])["ingest_slowlog"]["try_number"]
             > first["try_number"], 60, "the cleared task to start again")
    assert finished_run(api, "themis__shop02", run["dag_run_id"], 300)["state"] == "success"
    assert _partition_sizes(stack, "shop02", window) == before


def _sandbox_pid(stack) -> int:
    return int(next(Path(stack.dir, "sandbox").glob("mariadb-*/run/mariadbd.pid")).read_text().strip())


def test_sigkill_of_a_worker_during_capture_retries_on_the_other(stack, api):
    """The audited server hangs (SIGSTOP) so capture_obj is caught mid-way; its worker's whole session
    (main process, pool and task processes) is SIGKILLed, found through supervisord's pid for the
    program; the retry runs on the other worker and stores what a clean run stored."""
    clean = [r for r in runs(api, "themis__shop03") if r["run_type"] == "scheduled"][0]
    window_key = xcom(api, "themis__shop03", clean["dag_run_id"], "export")["window"]
    clean_sizes = _partition_sizes(stack, "shop03", window_key)
    clean_obj = xcom(api, "themis__shop03", clean["dag_run_id"], "capture_obj")["counts"]
    conf = {"window_start": clean["data_interval_start"], "window_end": clean["data_interval_end"]}
    mariadbd = _sandbox_pid(stack)
    os.kill(mariadbd, signal.SIGSTOP)
    try:
        run_id = trigger(api, "themis__shop03", conf)
        ti = wait_for(lambda: (lambda t: t if t["state"] == "running" and t["hostname"] else None)(
            task_instances(api, "themis__shop03", run_id)["capture_obj"]), 120, "capture_obj running", every=0.5)
        victim = ti["hostname"].split("@")[0]
        wrapper = stack.program_pid(victim)
        killed = stack.kill_program(victim, signal.SIGKILL)
        assert len(killed) >= 3, killed  # the worker, its pool and the task process
        assert wrapper not in killed
        stack.ctl("stop", stack.name(victim))  # supervisord restarts it: this machine stays down for now
        # no orphaned task process survives its worker
        wait_for(lambda: not [pid for pid in killed if Path(f"/proc/{pid}").exists()
                              and Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"],
                 10, "the killed processes to go", every=0.2)
    finally:
        os.kill(mariadbd, signal.SIGCONT)
    try:
        assert finished_run(api, "themis__shop03", run_id, 300)["state"] == "success"
        retried = task_instances(api, "themis__shop03", run_id)["capture_obj"]
        assert retried["try_number"] == 2
        assert retried["hostname"].split("@")[0] not in ("", victim)
        assert xcom(api, "themis__shop03", run_id, "capture_obj")["counts"] == clean_obj
        assert _partition_sizes(stack, "shop03", window_key) == clean_sizes
    finally:
        stack.ctl("start", stack.name(victim))
        stack.wait_ready(timeout=120)


def test_redis_outage_delays_tasks_but_loses_none(stack, api):
    dags = ["themis__shop04", "themis__shop05", "themis__shop06"]
    started = [(d, trigger(api, d)) for d in dags]
    wait_for(lambda: any(ti["state"] in ("queued", "running") for d, r in started
                         for ti in task_instances(api, d, r).values()), 60, "tasks queued", every=0.5)
    stack.ctl("stop", "data:redis")
    time.sleep(30)
    stack.ctl("start", "data:redis")
    assert (Path(stack.dir) / "redis" / "appendonlydir").exists()
    # Tasks the scheduler sent during the outage failed to publish and were retried (retries x
    # retry_delay cover the outage); messages queued before it survived in the append-only file.
    results = {}
    for dag_id, run_id in started:
        results[dag_id] = finished_run(api, dag_id, run_id, 400)["state"]
        tis = task_instances(api, dag_id, run_id)
        assert all(ti["state"] == "success" for ti in tis.values()), (dag_id, {t: ti["state"] for t, ti in tis.items()})
    assert set(results.values()) == {"success"}, results
    stack.wait_ready(timeout=120)


def test_flower_shows_both_workers_and_their_tasks(stack):
    import httpx

    workers = stack.flower_workers()
    assert {name.split("@")[0] for name in workers} >= {"worker1", "worker2"}
    tasks = httpx.get(f"{stack.flower_url}/api/tasks", params={"limit": 2000}, timeout=30).json()
    by_worker = {str(t.get("worker")).split("@")[0] for t in tasks.values() if t.get("state") == "SUCCESS"}
    assert {"worker1", "worker2"} <= by_worker


def test_ui_pages_load_in_headless_chromium(stack, api):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        wait = WebDriverWait(driver, 90, poll_frequency=1)
        user, password = stack.admin
        driver.get(f"{stack.api_url}/auth/login/")
        wait.until(lambda d: d.find_elements(By.NAME, "username"))
        driver.find_element(By.NAME, "username").send_keys(user)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "input[type=submit], button[type=submit]").click()
        wait.until(lambda d: "/auth/login" not in d.current_url)  # signed in: FAB redirected to the UI
        driver.get(f"{stack.api_url}/dags")
        wait.until(lambda d: "themis__shop01" in d.page_source and "themis__shop20" in d.page_source)
        # an instance's grid: the DAG page (Airflow 3 has no /grid route: it shows the grid itself)
        driver.get(f"{stack.api_url}/dags/themis__shop01")
        wait.until(lambda d: all(task in d.page_source for task in ("capture_obj", "ingest_slowlog", "analyze_stat")))
        run = [r for r in runs(api, "themis__shop01") if r["run_type"] == "scheduled"][0]
        from urllib.parse import quote

        # a task log: the task instance page opens on its log
        driver.get(f"{stack.api_url}/dags/themis__shop01/runs/{quote(run['dag_run_id'], safe='')}/tasks/export")
        wait.until(lambda d: "report written" in d.page_source)
    except Exception:
        # what the browser showed, kept with the stack's logs (/tmp/themis-stack-logs after the session)
        driver.save_screenshot(str(stack.log_dir / "ui-failure.png"))
        (stack.log_dir / "ui-failure.html").write_text(f"<!-- {driver.current_url} -->\n{driver.page_source}")
        raise
    finally:
        driver.quit()
