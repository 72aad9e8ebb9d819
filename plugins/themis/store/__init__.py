"""Where captures, digests, findings and reports are kept between tasks (design §3, "Store")."""

from pathlib import Path

from themis.store.base import PartitionKey, Store, StoreError

__all__ = ["PartitionKey", "Store", "StoreError", "open_store"]


def open_store(settings: "dict | None" = None) -> Store:
    """Build the configured backend: ``{"backend": "local", "path": ...}`` or ``{"backend": "mongo", ...}``."""
    settings = dict(settings or {"backend": "local"})
    backend = settings.pop("backend", "local")
    if backend == "local":
        from themis.paths import PROJECT_ROOT
        from themis.store.local import LocalStore

        if settings.get("path") and not Path(settings["path"]).is_absolute():
            settings["path"] = str(PROJECT_ROOT / settings["path"])  # not the worker's working directory
        return _build(LocalStore, settings)
    if backend == "mongo":
        from themis.store.mongo import MongoStore

        return _build(MongoStore.from_conn_id, settings)
    raise StoreError(f"unknown store backend {backend!r}: expected 'local' or 'mongo'")


def _build(factory, settings: dict) -> Store:
    try:
        return factory(**settings)
    except TypeError as exc:  # an unknown key in the store settings
        raise StoreError(f"bad store settings {sorted(settings)}: {exc}") from None
