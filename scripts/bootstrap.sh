#!/usr/bin/env bash
# Prepares this machine for the demo and the tests; starts nothing.
#  - Debian packages, only when missing: MariaDB server (the throwaway audited database), the MySQL
#    client headers that mysqlclient builds against, and for the tests percona-toolkit
#    (pt-query-digest is the reference our digests are compared with) and docker-compose (validates
#    docker-compose.yaml without an engine); for `make stack` and the tests redis-server, postgresql
#    and supervisor (installed with their services NOT started: themis.stack runs them itself),
#    and for the tests chromium and chromium-driver (the UI pages checked by tests/stack).
#  - .venv with the pinned packages (requirements*.txt with constraints.txt) and themis installed
#    editable; skipped when nothing changed since the last run.
# Usage: scripts/bootstrap.sh [demo|test|stack]
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-demo}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

missing=()
command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server)
dpkg -s default-libmysqlclient-dev >/dev/null 2>&1 || missing+=(default-libmysqlclient-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v gcc >/dev/null 2>&1 || missing+=(build-essential)
if [ "$purpose" = test ]; then
  command -v pt-query-digest >/dev/null 2>&1 || missing+=(percona-toolkit)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  # the stack tests (tests/stack) drive the UI in headless Chromium through chromedriver
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
fi
if [ "$purpose" = test ] || [ "$purpose" = stack ]; then
  # make stack: the Celery broker, the metadata database and the process supervisor (none is started
  # as a service: themis.stack runs them under its own supervisord)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  command -v supervisord >/dev/null 2>&1 || missing+=(supervisor)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # No package may start its service (redis-server, postgresql, supervisor, mariadb): themis runs
  # them itself. invoke-rc.d asks /usr/sbin/policy-rc.d, and exit code 101 means "action forbidden";
  # container images ship one, a fresh VM does not: put one in place for the install only.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# scripts/bootstrap.sh: no service starts while it installs packages\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$policy" ]; then $SUDO rm -f "$policy"; trap - EXIT; fi
fi

stamp=.venv/.themis-installed
wanted="$($PYTHON --version 2>&1) $(cat requirements.txt requirements-dev.txt constraints.txt pyproject.toml | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
echo "bootstrap: installing Python packages into .venv (pinned by constraints.txt)"
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -r requirements-dev.txt -c constraints.txt
.venv/bin/pip install -q --no-deps -e .
echo "$wanted" > "$stamp"
