# The two commands: `make demo` (audit a throwaway MariaDB end to end) and `make test`.
.PHONY: demo test test-unit bench rules-doc clean

demo:
	scripts/bootstrap.sh demo
	.venv/bin/themis demo

test:
	scripts/bootstrap.sh test
	.venv/bin/pytest -q

test-unit:
	.venv/bin/pytest -q tests/unit

bench:
	scripts/bootstrap.sh test
	.venv/bin/python bench/dag_parse.py

rules-doc:
	.venv/bin/python scripts/update_readme_rules.py

clean:
	rm -rf .sandbox reports .themis
