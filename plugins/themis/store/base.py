"""The store contract every backend passes (tests/unit/test_store_contract.py).

Data is kept in partitions keyed by (instance, capture window, kind). A task writes each of its
outputs as one partition and writing replaces the partition as a whole: a retried or re-run task
never duplicates records, and a write that fails part-way leaves the previous contents readable.
"""

from __future__ import annotations

import abc
import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import Any, Iterable, Iterator


class StoreError(RuntimeError):
    """The store cannot do what was asked (bad key, backend unreachable, corrupt partition)."""


@dataclass(frozen=True, order=True)
class PartitionKey:
    instance: str
    window: str  # CaptureWindow.key
    kind: str  # e.g. "obj.table", "slowlog.digest", "sql.plan", "findings.OBJ", "report"

    def __post_init__(self) -> None:
        for name in ("instance", "window", "kind"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise StoreError(f"partition key {name} must be a non-empty string, got {value!r}")


class Store(abc.ABC):
    """Backends: ``local.LocalStore`` (embedded SQLite) and ``mongo.MongoStore`` (MongoHook)."""

    @abc.abstractmethod
    def write(self, key: PartitionKey, records: Iterable[dict[str, Any]], *, meta: dict[str, Any] | None = None) -> int:
        """Replace the partition with ``records`` (streamed); return how many were written.

        Atomic: readers see the old partition or the new one, never a mix, and if ``records``
        raises mid-way the old partition stays as it was.
        """

    @abc.abstractmethod
    def read(self, key: PartitionKey) -> Iterator[dict[str, Any]]:
        """Stream the partition's records in the order they were written (empty if absent)."""

    @abc.abstractmethod
    def info(self, key: PartitionKey) -> dict[str, Any] | None:
        """``{"count", "written_at", "meta"}`` of a stored partition, or None when absent."""

    @abc.abstractmethod
    def delete(self, key: PartitionKey) -> bool:
        """Remove the partition; True when it existed."""

    @abc.abstractmethod
    def keys(self, instance: str, window: str | None = None, kind_prefix: str = "") -> list[PartitionKey]:
        """Stored partitions of an instance, optionally of one window and kinds with a prefix."""

    def read_kind(self, instances: Iterable[str], kind: str, latest: int | None = None,
                  ) -> Iterator[tuple[PartitionKey, dict[str, Any]]]:
        """Every record of the partitions of one ``kind`` of these instances, as (key, record) pairs in
        key order, then write order; ``latest=N``: only each instance's N latest windows. A bulk read of
        small per-window partitions (the export's one-record ``report`` summaries) for listing pages,
        where one ``read`` per window would cost a round trip each. Arguments are checked here, at the
        call; backends override ``_stream_kind`` with one query per batch of instances."""
        check_key(PartitionKey("-", "-", kind))
        wanted = list(dict.fromkeys(instances))
        for instance in wanted:
            check_key_filter(instance, None)
        return self._stream_kind(wanted, kind, latest)

    def _stream_kind(self, instances: list[str], kind: str, latest: int | None,
                     ) -> Iterator[tuple[PartitionKey, dict[str, Any]]]:
        """The default: partition by partition."""
        for instance in instances:
            keys = [key for key in self.keys(instance, kind_prefix=kind) if key.kind == kind]
            for key in keys[-latest:] if latest else keys:
                for record in self.read(key):
                    yield key, record

    def exists(self, key: PartitionKey) -> bool:
        return self.info(key) is not None

    def read_all(self, key: PartitionKey) -> list[dict[str, Any]]:
        return list(self.read(key))

    def close(self) -> None:  # pragma: no cover - backends with resources override
        """Release connections."""

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- helpers shared by the backends -------------------------------------------------------------

#: Integers outside this range do not fit BSON's int64; both backends reject them so that a pipeline
#: that works on the local store also works on Mongo (convert such values to strings upstream).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def check_key(key: object) -> PartitionKey:
    """Reject keys a backend could not store unambiguously.

    ``|`` joins the parts of the Mongo partition id, so it may only appear in ``kind`` (the last
    part); NUL cannot be stored by SQLite text or BSON keys. Both backends apply the same rule.
    """
    if not isinstance(key, PartitionKey):
        raise StoreError(f"expected a PartitionKey, got {type(key).__name__}: {key!r}")
    for name in ("instance", "window", "kind"):
        value = getattr(key, name)
        if "\x00" in value or (name != "kind" and "|" in value):
            raise StoreError(f"partition key {name} {value!r} may not contain '|' or NUL")
    return key


def check_key_filter(instance: object, window: object) -> None:
    """The arguments of ``Store.keys``: same rules as the key parts they filter on."""
    check_key(PartitionKey(instance, window if window is not None else "-", "-"))  # type: ignore[arg-type]


def check_document(key: PartitionKey, doc: object, where: str) -> dict[str, Any]:
    """Return ``doc`` if it is a dict of plain JSON values, else raise a StoreError naming the field.

    Stricter than ``json.dumps`` on purpose: tuples, non-string keys, NaN and ints beyond int64 would
    come back changed (or not at all, on Mongo), and what is read must equal what was written.
    """
    if not isinstance(doc, dict):
        raise StoreError(f"{key.kind} {where} of {key.instance}/{key.window} is {type(doc).__name__}, not a dict")
    bad = _first_non_json(doc, "")
    if bad is not None:
        path, value, why = bad
        raise StoreError(
            f"{key.kind} {where} of {key.instance}/{key.window}: field {path!r} {why} "
            f"({type(value).__name__}: {value!r:.80})"
        )
    return doc


def _first_non_json(value: Any, path: str) -> tuple[str, Any, str] | None:
    """Depth-first search for the first value that would not round-trip through JSON and BSON."""
    if value is None or isinstance(value, (str, bool)):
        return None
    if isinstance(value, int):
        return None if INT64_MIN <= value <= INT64_MAX else (path, value, "is outside the int64 range")
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, value, "is not a finite number")
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_non_json(item, f"{path}[{index}]")
            if found:
                return found
        return None
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str) or "\x00" in name:
                return (f"{path}.{name!r}" if path else repr(name), name, "has a key that is not a NUL-free string")
            found = _first_non_json(item, f"{path}.{name}" if path else name)
            if found:
                return found
        return None
    return (path, value, "is not a JSON value")


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``itertools.batched`` (Python 3.12) for 3.11: lists of up to ``size`` items, lazily."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def utc_now() -> dt.datetime:
    """Now in UTC, truncated to milliseconds (BSON dates keep no more) so both backends agree."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso_timestamp(moment: dt.datetime) -> str:
    """``written_at`` as both backends report it; naive datetimes (from Mongo) are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")
