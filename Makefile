# The two commands: `make demo` (audit a throwaway MariaDB end to end) and `make test`.
.PHONY: demo test test-unit ui bench rules-doc clean

demo:
	scripts/bootstrap.sh demo
	.venv/bin/themis demo

test:
	scripts/bootstrap.sh test
	.venv/bin/pytest -q

test-unit:
	.venv/bin/pytest -q tests/unit

# The Airflow UI on http://localhost:8080 for this project's DAGs (SQLite, LocalExecutor, 2 workers);
# the admin password is printed and kept in .airflow/simple_auth_manager_passwords.json.generated.
ui:
	scripts/bootstrap.sh demo
	PATH="$(CURDIR)/.venv/bin:$$PATH" AIRFLOW_HOME="$(CURDIR)/.airflow" \
	AIRFLOW__CORE__DAGS_FOLDER="$(CURDIR)/dags" AIRFLOW__CORE__PLUGINS_FOLDER="$(CURDIR)/plugins" \
	AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__PARALLELISM=2 airflow standalone

bench:
	scripts/bootstrap.sh test
	.venv/bin/python bench/dag_parse.py

rules-doc:
	.venv/bin/python scripts/update_readme_rules.py

clean:
	rm -rf .sandbox reports .themis
