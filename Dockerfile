# Themis on Airflow: the official Airflow image plus our providers, DAG file, package and data.
#
#   docker compose build              (or: docker build -t themis-airflow:latest .)
#
# Upgrading Airflow: change the tag below AND the apache-airflow / -core / -task-sdk pins in
# constraints.txt together (tests/unit/test_deployment.py fails when they disagree).
FROM apache/airflow:3.3.2-python3.11

# mysqlclient (pulled in by apache-airflow-providers-mysql) is published for Linux only as an sdist:
# building it needs the client headers, pkg-config and a compiler.
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential \
        default-libmysqlclient-dev \
        pkg-config \
    && apt-get autoremove -yqq --purge \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# pip runs as the airflow user, never as root (the base image's rule). requirements.txt pins
# apache-airflow itself, so pip cannot swap the image's Airflow for another version.
# The two files are copied alone first so that code changes do not re-run this layer.
USER airflow
WORKDIR /opt/airflow
COPY --chown=airflow:0 requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt \
    && pip check

# Where the package finds its data; compose may point THEMIS_INSTANCES elsewhere.
ENV THEMIS_INCLUDE_DIR=/opt/airflow/include \
    THEMIS_INSTANCES=/opt/airflow/include/instances.yaml \
    THEMIS_REPORTS_DIR=/opt/airflow/reports

# Data and code last: they change most often. plugins/ is on sys.path in every Airflow process.
COPY --chown=airflow:0 include/ /opt/airflow/include/
COPY --chown=airflow:0 plugins/ /opt/airflow/plugins/
COPY --chown=airflow:0 dags/ /opt/airflow/dags/

# The package installed editable from plugins/: gives the `themis` command and compiles the slow-log
# engine's optional C kernels in place (build-essential is installed above; without them the
# pure-Python engine runs, with the same results).
COPY --chown=airflow:0 pyproject.toml README.md /opt/airflow/
RUN pip install --no-cache-dir --no-deps -e /opt/airflow

# Group 0 writable, so the container also works when started with another AIRFLOW_UID.
RUN mkdir -p /opt/airflow/reports \
    && chmod -R g+rwX /opt/airflow/reports
