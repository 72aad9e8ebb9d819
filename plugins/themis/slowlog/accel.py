"""The optional C kernels (``_speedups.c``), when they are built and not switched off.

``THEMIS_SLOWLOG_ACCELERATOR=off`` (or 0/no/false) runs the pure-Python engine, which gives the same
results (the tests compare both); worker processes inherit the setting. A build without the kernels
(no compiler at install time) runs the pure-Python engine as well.
"""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["load"]


def load() -> ModuleType | None:
    if os.environ.get("THEMIS_SLOWLOG_ACCELERATOR", "on").strip().lower() in ("0", "off", "no", "false"):
        return None
    try:
        from themis.slowlog import _speedups  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _speedups
