# The two commands: `make demo` (audit a throwaway MariaDB end to end) and `make test`.
# `make stack`: the production topology (CeleryExecutor, Redis, PostgreSQL, Flower) on this machine.
.PHONY: demo test test-unit ui stack stack-down stack-status bench rules-doc clean

demo:
	scripts/bootstrap.sh demo
	.venv/bin/themis demo

test:
	scripts/bootstrap.sh test
	.venv/bin/pytest -q

# api-server, scheduler, dag-processor, triggerer, two Celery workers, Flower, Redis, PostgreSQL and
# the sandbox MariaDB under supervisord; settings in docker/stack.env; everything under .stack/.
# Prints the UI and Flower URLs and the admin login. `make stack-down` stops all of it (data kept;
# STACK_PURGE=1 deletes .stack/).
stack:
	scripts/bootstrap.sh stack
	.venv/bin/python -m themis.stack up

stack-down:
	.venv/bin/python -m themis.stack down $(if $(STACK_PURGE),--purge)

stack-status:
	.venv/bin/python -m themis.stack status

test-unit:
	.venv/bin/pytest -q tests/unit

# The Airflow UI on http://localhost:8080 for this project's DAGs (SQLite, LocalExecutor, 2 workers);
# the admin password is printed and kept in .airflow/simple_auth_manager_passwords.json.generated.
# "Themis" in the left bar opens the plugin; the demo instances get 14 sample audits (run ids
# sample__...) in the local store when it holds none of theirs, so there are trends to look at.
ui:
	scripts/bootstrap.sh demo
	.venv/bin/python -m themis.ui.sample --if-empty --instances demo,demo_oracle --windows 14
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
