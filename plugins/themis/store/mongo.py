"""The Mongo store: partitions in MongoDB, reached through an Airflow connection (MongoHook).

Why generations instead of transactions: standalone servers and mongomock have no multi-document
transactions, yet replacing a partition must be atomic. So a write inserts its records under a fresh
generation id (an ObjectId, which also says when the write started) in ``records``, then switches the
partition's generation in ``partitions`` with one single-document update, then deletes the generation
it replaced. Readers follow the generation in ``partitions``, so they see the old records or the new
ones, never a mix; a write that fails or crashes before the switch leaves the old partition readable.

Records of a generation that was never switched to (a crashed writer) are deleted by a later write or
delete of the same partition once they are older than ``orphan_grace`` seconds: younger ones may
belong to a concurrent writer (a zombie task and its retry) that is still inserting.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from typing import Any, Iterable, Iterator

from bson import ObjectId
from bson.errors import BSONError
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import PyMongoError

from themis.store.base import (
    PartitionKey,
    Store,
    StoreError,
    batched,
    check_document,
    check_key,
    check_key_filter,
    iso_timestamp,
    utc_now,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
RECORDS, PARTITIONS = "records", "partitions"
RECORDS_INDEX = [("instance", ASCENDING), ("window", ASCENDING), ("kind", ASCENDING),
                 ("gen", ASCENDING), ("seq", ASCENDING)]
PARTITIONS_INDEX = [("instance", ASCENDING), ("window", ASCENDING), ("kind", ASCENDING)]


class MongoStore(Store):
    """Partitions in the ``partitions`` and ``records`` collections of one database.

    ``client`` is a ``pymongo.MongoClient`` (or ``mongomock.MongoClient`` in tests). A client passed in
    stays the caller's to close; one built by ``from_conn_id`` is closed by ``close()``.
    """

    def __init__(self, client: Any, database: str = "themis", *, orphan_grace: float = 3600.0,
                 owns_client: bool = False) -> None:
        self.client = client
        self.database = database
        self.orphan_grace = orphan_grace
        self._owns_client = owns_client
        db = client[database]
        self._records = db[RECORDS]
        self._partitions = db[PARTITIONS]
        with _errors("create the indexes of", database):
            # Not unique: (gen, seq) is unique by construction, and mongomock checks uniqueness by
            # scanning the collection on every insert (5k records take a minute).
            self._records.create_index(RECORDS_INDEX, name="partition_gen_seq")
            self._partitions.create_index(PARTITIONS_INDEX, name="instance_window_kind")

    @classmethod
    def from_conn_id(cls, conn_id: str = "themis_mongo", database: str | None = None,
                     **options: Any) -> "MongoStore":
        """Open the Airflow connection ``conn_id``; the database defaults to its schema, else "themis"."""
        from airflow.providers.mongo.hooks.mongo import MongoHook  # Airflow is heavy: import on use

        try:
            hook = MongoHook(mongo_conn_id=conn_id)
            client = hook.get_conn()
        except Exception as exc:  # AirflowNotFoundException, bad URI, bad TLS options, ...
            raise StoreError(f"cannot open the Mongo store connection {conn_id!r}: {exc}") from exc
        return cls(client, database or hook.connection.schema or "themis", owns_client=True, **options)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    # --- the contract -----------------------------------------------------------------------

    def write(self, key: PartitionKey, records: Iterable[dict[str, Any]], *, meta: dict[str, Any] | None = None) -> int:
        check_key(key)
        meta = check_document(key, dict(meta or {}), "meta")
        gen = ObjectId()
        try:
            with _errors("write", key):
                count = self._insert_generation(key, gen, records)
        except BaseException:
            # Nothing points at this generation yet, so dropping it cannot hurt a reader.
            with contextlib.suppress(PyMongoError):
                self._records.delete_many({**_ident(key), "gen": gen})
            raise
        # If the switch fails the generation is not dropped: the server may have applied it anyway.
        with _errors("commit", key):
            replaced = self._switch(key, gen, count, meta)
        self._purge(key, keep=gen, dead=replaced)
        return count

    def _insert_generation(self, key: PartitionKey, gen: ObjectId, records: Iterable[dict[str, Any]]) -> int:
        count = 0
        ident = _ident(key)
        for batch in batched(records, BATCH_SIZE):
            docs = [{**ident, "gen": gen, "seq": count + offset,
                     "doc": check_document(key, doc, f"record {count + offset}")}
                    for offset, doc in enumerate(batch)]
            self._records.insert_many(docs, ordered=True)
            count += len(docs)
        return count

    def _switch(self, key: PartitionKey, gen: ObjectId, count: int, meta: dict[str, Any]) -> ObjectId | None:
        """Point the partition at ``gen`` (one atomic document replace); return the generation it had."""
        before = self._partitions.find_one_and_replace(
            {"_id": _partition_id(key)},
            {"_id": _partition_id(key), **_ident(key), "gen": gen, "count": count,
             "written_at": utc_now(), "meta": meta},
            projection={"gen": True}, upsert=True, return_document=ReturnDocument.BEFORE)
        return before["gen"] if before else None

    def _purge(self, key: PartitionKey, keep: ObjectId | None, dead: ObjectId | None) -> None:
        """Delete the replaced generation and old orphans; the data is committed, so only log failures."""
        cutoff = ObjectId.from_datetime(utc_now() - dt.timedelta(seconds=self.orphan_grace))
        orphans: dict[str, Any] = {"$lt": cutoff}
        if keep is not None:
            orphans["$ne"] = keep
        try:
            if dead is not None:
                self._records.delete_many({**_ident(key), "gen": dead})
            self._records.delete_many({**_ident(key), "gen": orphans})
        except PyMongoError as exc:
            log.warning("Mongo store: stale records of %s are left for the next write: %s", key, exc)

    def read(self, key: PartitionKey) -> Iterator[dict[str, Any]]:
        check_key(key)
        with _errors("read", key):
            partition = self._partitions.find_one({"_id": _partition_id(key)}, {"gen": True, "count": True})
        if partition is None:
            return iter(())
        return self._stream(key, partition["gen"], partition["count"])

    def _stream(self, key: PartitionKey, gen: ObjectId, count: int) -> Iterator[dict[str, Any]]:
        """Records of one generation in ``seq`` order; a short read means it was replaced meanwhile."""
        seen = 0
        with _errors("read", key):
            cursor = self._records.find({**_ident(key), "gen": gen}, {"_id": False, "doc": True})
            cursor = cursor.sort([("seq", ASCENDING)]).batch_size(BATCH_SIZE)
            try:
                for row in cursor:
                    seen += 1
                    yield row["doc"]
            finally:
                cursor.close()
        if seen != count:
            raise StoreError(f"partition {key.instance}/{key.window}/{key.kind} was replaced or damaged while "
                             f"being read ({seen} of {count} records); read it again")

    def info(self, key: PartitionKey) -> dict[str, Any] | None:
        check_key(key)
        with _errors("read the info of", key):
            partition = self._partitions.find_one({"_id": _partition_id(key)},
                                                  {"count": True, "written_at": True, "meta": True})
        if partition is None:
            return None
        return {"count": partition["count"], "written_at": iso_timestamp(partition["written_at"]),
                "meta": partition.get("meta") or {}}

    def delete(self, key: PartitionKey) -> bool:
        check_key(key)
        with _errors("delete", key):
            partition = self._partitions.find_one_and_delete({"_id": _partition_id(key)}, projection={"gen": True})
        self._purge(key, keep=None, dead=partition["gen"] if partition else None)
        return partition is not None

    def keys(self, instance: str, window: str | None = None, kind_prefix: str = "") -> list[PartitionKey]:
        check_key_filter(instance, window)
        query: dict[str, Any] = {"instance": instance}
        if window is not None:
            query["window"] = window
        if kind_prefix:
            query["kind"] = {"$regex": "^" + re.escape(kind_prefix)}  # anchored: served by the index
        with _errors(f"list the partitions of {instance!r} in", self.database):
            rows = list(self._partitions.find(query, {"_id": False, "instance": True, "window": True, "kind": True}))
        return sorted(PartitionKey(row["instance"], row["window"], row["kind"]) for row in rows)


    def _stream_kind(self, instances: list[str], kind: str, latest: int | None,
                     ) -> Iterator[tuple[PartitionKey, dict[str, Any]]]:
        """Two queries per 500 instances: the partitions (the latest windows chosen here), then their records."""
        for chunk in batched(sorted(instances), 500):
            with _errors(f"read the {kind!r} partitions of", self.database):
                found = sorted(((p["instance"], p["window"], p["gen"]) for p in self._partitions.find(
                    {"instance": {"$in": chunk}, "kind": kind}, {"instance": True, "window": True, "gen": True})),
                    reverse=True)
                gens, per_instance = [], {}
                for instance, _window, gen in found:
                    per_instance[instance] = per_instance.get(instance, 0) + 1
                    if not latest or per_instance[instance] <= latest:
                        gens.append(gen)
                if not gens:
                    continue
                cursor = self._records.find({"instance": {"$in": chunk}, "kind": kind, "gen": {"$in": gens}},
                                            {"_id": False, "instance": True, "window": True, "doc": True})
                cursor = cursor.sort([("instance", ASCENDING), ("window", ASCENDING), ("seq", ASCENDING)])
                try:
                    for row in cursor.batch_size(BATCH_SIZE):
                        yield PartitionKey(row["instance"], row["window"], kind), row["doc"]
                finally:
                    cursor.close()


def _ident(key: PartitionKey) -> dict[str, str]:
    return {"instance": key.instance, "window": key.window, "kind": key.kind}


def _partition_id(key: PartitionKey) -> str:
    """Unambiguous because ``check_key`` keeps '|' out of instance and window."""
    return f"{key.instance}|{key.window}|{key.kind}"


@contextlib.contextmanager
def _errors(action: str, target: PartitionKey | str) -> Iterator[None]:
    """Driver failures (server unreachable, document too large, ...) as StoreError."""
    try:
        yield
    except (PyMongoError, BSONError) as exc:
        where = f"{target.instance}/{target.window}/{target.kind}" if isinstance(target, PartitionKey) else target
        raise StoreError(f"Mongo store: cannot {action} {where}: {exc}") from exc
