"""The Themis pages in a real headless Chromium (Debian's chromium + chromium-driver, selenium)
against a real ``airflow api-server``: the fleet, an instance, a report and a diff load with no
console errors, sorting works, the Airflow UI's "Themis" nav entry shows the fleet in its iframe, and
a restricted user sees a 403 page for billing."""

from __future__ import annotations

import shutil
from typing import Any, Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from tests.ui import airflow_server as srv

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def server(ui_airflow: dict[str, Any]) -> Iterator[str]:
    with srv.api_server(ui_airflow["env"], ui_airflow["folder"] / "api-server.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("chromium and chromium-driver are not installed (scripts/bootstrap.sh test installs them)")
    driver = srv.chromium()
    try:
        yield driver
    finally:
        driver.quit()


def rows(driver: Any) -> list[str]:
    return [row.get_attribute("data-instance") for row in driver.find_elements(By.CSS_SELECTOR, "#fleet tbody tr")]


def test_fleet_instance_report_and_diff_load_without_console_errors(server, browser) -> None:
    srv.log_in(browser, server, "admin")
    browser.get_log("browser")  # drop what logging in left
    browser.get(f"{server}/themis/")
    assert rows(browser) == ["billing", "fleet", "ora"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#fleet svg.spark")) == 3
    browser.find_element(By.CSS_SELECTOR, 'a.sort[data-sort="overall"]').click()
    WebDriverWait(browser, 10).until(EC.url_contains("sort=overall"))
    ascending = rows(browser)
    browser.find_element(By.CSS_SELECTOR, 'a.sort[data-sort="overall"]').click()
    WebDriverWait(browser, 10).until(EC.url_contains("desc=1"))
    assert rows(browser) == list(reversed(ascending))
    # the db-type select submits its form by itself (ui.js)
    browser.find_element(By.CSS_SELECTOR, 'select[name="db_type"] option[value="oracle"]').click()
    WebDriverWait(browser, 10).until(EC.url_contains("db_type=oracle"))
    assert rows(browser) == ["ora"]

    browser.find_element(By.LINK_TEXT, "ora").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "svg.history")))
    browser.find_element(By.CSS_SELECTOR, "#audits tbody tr a").click()  # the newest audit's report
    frame = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "iframe#report")))
    browser.switch_to.frame(frame)
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "h1")))
    assert browser.find_element(By.CSS_SELECTOR, "h1").text == "Themis audit report · ora"
    browser.switch_to.default_content()
    browser.find_element(By.PARTIAL_LINK_TEXT, "Diff with the previous audit").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "per-rule")))
    assert "new" in browser.find_element(By.ID, "counts").text
    assert srv.console_errors(browser) == []


def test_the_nav_entry_shows_the_fleet_inside_the_airflow_ui(server, browser) -> None:
    srv.log_in(browser, server, "bob")
    browser.get(f"{server}/plugin/themis")
    frame = WebDriverWait(browser, 30).until(EC.presence_of_element_located((By.CSS_SELECTOR, "iframe")))
    assert frame.get_attribute("src").endswith("/themis/")
    browser.switch_to.frame(frame)
    WebDriverWait(browser, 20).until(EC.presence_of_element_located((By.CSS_SELECTOR, "#fleet")))
    assert rows(browser) == ["fleet"]
    browser.switch_to.default_content()
    assert srv.console_errors(browser) == []


def test_a_restricted_user_gets_a_403_page_for_billing(server, browser) -> None:
    srv.log_in(browser, server, "bob")
    browser.get(f"{server}/themis/instance/billing")
    assert browser.find_element(By.CSS_SELECTOR, "p.error").get_attribute("data-status") == "403"
    assert "themis__billing" in browser.find_element(By.CSS_SELECTOR, "p.error").text
    browser.get(f"{server}/themis/instance/fleet")
    assert browser.find_elements(By.CSS_SELECTOR, "svg.history")
