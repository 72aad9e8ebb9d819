"""Take docs/ui-fleet.png: the Themis Fleet page inside the Airflow UI, in headless Chromium.

Starts a throwaway Airflow (SQLite, FAB auth manager, an api-server on loopback) with eight sample
instances and 14 sample audits each, logs in as admin, opens the "Themis" nav entry and saves the
screenshot; everything it starts is stopped. About a minute.

    .venv/bin/python scripts/ui_screenshot.py [--out docs/ui-fleet.png]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "plugins"), str(ROOT)]

INSTANCES = """\
store: {backend: local, path: STORE}
instances:
  - {id: shop, db_type: mysql, conn_id: c1, schemas: [shop], tags: [prod, web]}
  - {id: billing, db_type: mysql, conn_id: c2, schemas: [bill], tags: [prod, finance]}
  - {id: crm, db_type: mysql, conn_id: c3, schemas: [crm], tags: [prod]}
  - {id: analytics, db_type: mysql, conn_id: c4, schemas: [dw], tags: [test]}
  - {id: erp, db_type: oracle, conn_id: c5, schemas: [ERP], tags: [prod, finance]}
  - {id: hr, db_type: oracle, conn_id: c6, schemas: [HR], tags: [prod]}
  - {id: logistics, db_type: oracle, conn_id: c7, schemas: [WMS], tags: [test]}
  - {id: payroll, db_type: oracle, conn_id: c8, schemas: [PAY], tags: [finance]}
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "ui-fleet.png"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="themis-ui-shot-"))
    try:
        from tests.ui import airflow_server as srv

        config, store = srv.write_config(folder, windows=14, yaml_text=INSTANCES)
        env = srv.airflow_env(folder / "airflow", config, store)
        os.environ.update(env)
        srv.prepare_database(env)
        from airflow.api_fastapi.app import create_app, get_auth_manager

        create_app()
        srv.create_users(get_auth_manager())
        with srv.api_server(env, folder / "api-server.log") as base:
            driver = srv.chromium(1500, 820)
            try:
                srv.log_in(driver, base, "admin")
                driver.get(f"{base}/plugin/themis")
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    frames = driver.find_elements("css selector", "iframe")
                    if frames:
                        driver.switch_to.frame(frames[0])
                        ready = driver.find_elements("css selector", "#fleet")
                        driver.switch_to.default_content()
                        if ready:
                            break
                    time.sleep(0.5)
                time.sleep(1.0)
                Path(args.out).parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(args.out)
                print(f"saved {args.out}; console errors: {srv.console_errors(driver)}")
            finally:
                driver.quit()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
