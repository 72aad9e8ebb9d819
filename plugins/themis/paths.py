"""Where the project's data files live.

Rules and capture SQL are data kept in ``include/`` next to ``plugins/``, as in the Astronomer
layout. Deployments that move them set ``THEMIS_INCLUDE_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def include_dir() -> Path:
    return Path(os.environ.get("THEMIS_INCLUDE_DIR", PROJECT_ROOT / "include"))


def rules_dir() -> Path:
    return include_dir() / "rules"


def sql_dir() -> Path:
    return include_dir() / "sql"


def instances_file() -> Path:
    """The instance config: ``THEMIS_INSTANCES`` when set, else the example in ``include/``."""
    return Path(os.environ.get("THEMIS_INSTANCES", include_dir() / "instances.yaml"))
