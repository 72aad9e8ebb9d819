"""The store contract (design §3 "Store"), run against every backend.

One suite, parametrised over the local SQLite store (a real file), the Mongo store on mongomock, and
the Mongo store on a real server when ``THEMIS_TEST_MONGO_URI`` is set. A pipeline that passes on one
backend must behave the same on the other, so every behaviour is asserted here, once.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import mongomock
import pytest
from bson import ObjectId
from pymongo.errors import AutoReconnect

from themis.store import open_store
from themis.store.base import PartitionKey, Store, StoreError
from themis.store.local import LocalStore
from themis.store.mongo import MongoStore

MONGO_URI = os.environ.get("THEMIS_TEST_MONGO_URI")
REAL_MONGO = pytest.param("mongo", marks=pytest.mark.skipif(not MONGO_URI, reason="THEMIS_TEST_MONGO_URI not set"))
W1, W2 = "20261121T000000Z_20261122T000000Z", "20261122T000000Z_20261123T000000Z"
KEY = PartitionKey("db1", W1, "obj.table")


# --- backends -------------------------------------------------------------------------------------


@dataclass
class Backend:
    """How to open (more) stores on one storage, and how to look under the contract."""

    name: str
    open: Callable[..., Store]
    raw_record_count: Callable[[], int]  # stored record rows/documents, whatever their generation


def _local_backend(tmp_path: Path) -> Backend:
    path = tmp_path / "store" / "themis.sqlite3"

    def raw_count() -> int:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT count(*) FROM records").fetchone()[0]

    return Backend("local", lambda **kw: LocalStore(path, **kw), raw_count)


def _mongo_backend(name: str) -> Iterator[Backend]:
    if name == "mongomock":
        client: Any = mongomock.MongoClient()
    else:
        import pymongo

        client = pymongo.MongoClient(MONGO_URI, serverSelectionTimeoutMS=5000)
    database = f"themis_test_{uuid.uuid4().hex[:12]}"
    try:
        yield Backend(name, lambda **kw: MongoStore(client, database, **kw),
                      lambda: client[database]["records"].count_documents({}))
    finally:
        client.drop_database(database)
        client.close()


@pytest.fixture(params=["local", "mongomock", REAL_MONGO])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "local":
        yield _local_backend(tmp_path)
    else:
        yield from _mongo_backend(request.param)


@pytest.fixture(params=["mongomock", REAL_MONGO])
def mongo_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from _mongo_backend(request.param)


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    with backend.open() as opened:
        yield opened


# --- helpers --------------------------------------------------------------------------------------


def exact(value: Any) -> str:
    """Equality that also sees key order, bool vs int and 1.0 vs 1 (``==`` ignores all three)."""
    return json.dumps(value, ensure_ascii=False)


def numbered(count: int, tag: str = "") -> list[dict[str, Any]]:
    return [{"i": i, "tag": tag} for i in range(count)]


def failing(records: Iterable[dict[str, Any]], after: int) -> Iterator[dict[str, Any]]:
    """Yield ``after`` records, then fail as a capture cursor losing its connection would."""
    for index, record in enumerate(records):
        if index == after:
            raise RuntimeError(f"source lost after {after} records")
        yield record
    raise RuntimeError(f"source lost after {after} records")


SAMPLE: list[dict[str, Any]] = [
    {"z_first": 1, "a_second": 2, "name": "orders", "rows": 10_000_000_000, "ratio": 0.1, "none": None},
    {"nested": {"cols": [{"name": "id", "pk": True}, {"name": "note", "pk": False}], "empty": {}},
     "list": [1, 2.5, "x", None, [], [[]]], "flag": False},
    {"unicode": "naïve 日本語 — 🙂 \u0000 ok", "emoji_key_🙂": "v", "quote": "it's \"quoted\" \\ \n\t"},
    {"floats": [0.1 + 0.2, -0.0, 1e-300, 1.7976931348623157e308, 2.0, -1.5], "ints": [-(2**63), 2**63 - 1, 0]},
    {},
    {"z_first": 3, "sql": "SELECT * FROM t WHERE a = 'b' -- ünïcode"},
]


# --- write / read ---------------------------------------------------------------------------------


def test_roundtrip_keeps_order_values_and_types(store: Store) -> None:
    assert store.write(KEY, iter(SAMPLE)) == len(SAMPLE)
    got = store.read_all(KEY)
    assert got == SAMPLE
    assert exact(got) == exact(SAMPLE)


def test_records_come_back_in_write_order_not_sorted(store: Store) -> None:
    records = [{"i": i} for i in (5, 3, 9, 1, 7, 2)]
    store.write(KEY, records)
    assert [r["i"] for r in store.read(KEY)] == [5, 3, 9, 1, 7, 2]


def test_read_of_absent_partition_is_empty(store: Store) -> None:
    assert list(store.read(KEY)) == []
    assert store.info(KEY) is None
    assert not store.exists(KEY)


def test_rewrite_replaces_without_duplicates(store: Store, backend: Backend) -> None:
    store.write(KEY, numbered(5, "old"))
    assert store.write(KEY, numbered(3, "new")) == 3
    assert store.read_all(KEY) == numbered(3, "new")
    assert store.info(KEY)["count"] == 3
    assert store.keys("db1") == [KEY]
    assert backend.raw_record_count() == 3  # the old records are gone, not just hidden


def test_rewrite_from_its_own_stream(store: Store) -> None:
    """A task that transforms a partition in place reads the old records while writing new ones."""
    store.write(KEY, numbered(2500, "v1"))
    assert store.write(KEY, ({**r, "tag": "v2"} for r in store.read(KEY))) == 2500
    assert store.read_all(KEY) == numbered(2500, "v2")


@pytest.mark.parametrize("fail_after", [0, 1, 999, 1000, 2500])
def test_failed_write_leaves_old_partition_exactly(store: Store, backend: Backend, fail_after: int) -> None:
    store.write(KEY, numbered(1200, "old"), meta={"run": 1})
    before = store.info(KEY)
    with pytest.raises(RuntimeError, match="source lost"):  # the caller's error, not a wrapped one
        store.write(KEY, failing(numbered(5000, "new"), fail_after), meta={"run": 2})
    assert store.info(KEY) == before
    assert store.read_all(KEY) == numbered(1200, "old")
    assert backend.raw_record_count() == 1200  # no half-written generation left behind


def test_failed_first_write_leaves_no_partition(store: Store, backend: Backend) -> None:
    with pytest.raises(RuntimeError):
        store.write(KEY, failing(numbered(1500), 1100))
    assert store.info(KEY) is None
    assert store.keys("db1") == []
    assert backend.raw_record_count() == 0


def test_invalid_record_mid_stream_rolls_back(store: Store) -> None:
    store.write(KEY, numbered(10, "old"))
    bad = numbered(1500, "new")
    bad[1234]["when"] = dt.datetime(2026, 11, 21)
    with pytest.raises(StoreError, match=r"obj\.table record 1234 .*field 'when'"):
        store.write(KEY, bad)
    assert store.read_all(KEY) == numbered(10, "old")


def test_empty_partition(store: Store) -> None:
    assert store.write(KEY, []) == 0
    assert store.exists(KEY)
    assert store.info(KEY)["count"] == 0
    assert store.read_all(KEY) == []
    assert store.keys("db1") == [KEY]
    store.write(KEY, numbered(3))
    store.write(KEY, iter(()))
    assert store.read_all(KEY) == []
    assert store.info(KEY)["count"] == 0


# --- keys / info / delete -------------------------------------------------------------------------


def _populate(store: Store, keys: Iterable[PartitionKey]) -> None:
    for key in keys:
        store.write(key, [{"key": [key.instance, key.window, key.kind]}])


def test_keys_filter_by_window_and_kind_prefix(store: Store) -> None:
    wanted = [PartitionKey("db1", w, k) for w in (W1, W2) for k in ("obj.table", "obj.index", "slowlog.digest")]
    decoys = [PartitionKey("db1", W1, "objXtable"),  # '.' must not act as a regex wildcard
              PartitionKey("db1", W1, "findingsAB"),  # '_' must not act as a LIKE wildcard
              PartitionKey("db1", W1, "findings_B"),
              PartitionKey("db10", W1, "obj.table"),  # an instance whose name extends another
              PartitionKey("db", W1, "obj.table")]
    _populate(store, reversed(wanted + decoys))

    assert store.keys("db1") == sorted(wanted + decoys[:3])
    assert store.keys("db1", window=W2) == sorted(k for k in wanted if k.window == W2)
    assert store.keys("db1", kind_prefix="obj.") == sorted(k for k in wanted if k.kind.startswith("obj."))
    assert store.keys("db1", window=W1, kind_prefix="obj.t") == [PartitionKey("db1", W1, "obj.table")]
    assert store.keys("db1", kind_prefix="findings_") == [PartitionKey("db1", W1, "findings_B")]
    assert store.keys("db1", window="20300101T000000Z_20300102T000000Z") == []
    assert store.keys("nobody") == []


def test_read_kind_reads_one_kind_of_many_instances_in_key_order(store: Store) -> None:
    for instance in ("db2", "db1", "db10", "other"):
        for window in (W2, W1):
            store.write(PartitionKey(instance, window, "report"), [{"i": instance, "w": window}, {"second": 1}])
            store.write(PartitionKey(instance, window, "report.x"), [{"decoy": True}])
    store.write(PartitionKey("db3", W1, "report"), [])  # empty partitions yield nothing

    pairs = list(store.read_kind(["db2", "db1", "db10", "db3", "nobody", "db1"], "report"))

    assert [(k.instance, k.window) for k, _ in pairs] == [
        (i, w) for i in ("db1", "db10", "db2") for w in (W1, W1, W2, W2)]
    assert {k.kind for k, _ in pairs} == {"report"}
    assert pairs[0][1] == {"i": "db1", "w": W1} and pairs[1][1] == {"second": 1}
    latest = [(k.instance, k.window) for k, _ in store.read_kind(["db1", "db2"], "report", latest=1)]
    assert latest == [("db1", W2), ("db1", W2), ("db2", W2), ("db2", W2)]
    assert list(store.read_kind([], "report")) == []
    with pytest.raises(StoreError):
        list(store.read_kind(["bad|name"], "report"))


def test_info_reports_count_time_and_meta(store: Store) -> None:
    meta = {"source": "performance_schema", "rows": 3, "nested": {"a": [1, None, "ü"]}}
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    store.write(KEY, numbered(3), meta=meta)
    info = store.info(KEY)
    assert set(info) == {"count", "written_at", "meta"}
    assert info["count"] == 3
    assert exact(info["meta"]) == exact(meta)
    written = dt.datetime.fromisoformat(info["written_at"])
    assert written.tzinfo is not None
    assert started <= written <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)

    store.write(KEY, numbered(1))
    assert store.info(KEY)["meta"] == {}  # meta belongs to the write, not the partition
    assert dt.datetime.fromisoformat(store.info(KEY)["written_at"]) >= written


def test_invalid_meta_is_rejected_and_nothing_written(store: Store) -> None:
    with pytest.raises(StoreError, match=r"meta .*field 'at'"):
        store.write(KEY, numbered(2), meta={"at": dt.date(2026, 1, 1)})
    assert store.info(KEY) is None


def test_delete(store: Store, backend: Backend) -> None:
    other = PartitionKey("db1", W1, "obj.index")
    store.write(KEY, numbered(1500))
    store.write(other, numbered(2))
    assert store.delete(KEY) is True
    assert store.info(KEY) is None
    assert store.read_all(KEY) == []
    assert store.keys("db1") == [other]
    assert backend.raw_record_count() == 2
    assert store.delete(KEY) is False
    assert store.read_all(other) == numbered(2)


def test_partitions_are_independent(store: Store) -> None:
    keys = [KEY, PartitionKey("db2", W1, "obj.table"), PartitionKey("db1", W2, "obj.table"),
            PartitionKey("db1", W1, "obj.tables"), PartitionKey("db1", W1, "obj")]
    for n, key in enumerate(keys):
        store.write(key, numbered(n + 1, key.kind), meta={"n": n})
    store.write(KEY, numbered(7, "again"))
    store.delete(keys[1])
    with pytest.raises(RuntimeError):
        store.write(keys[2], failing(numbered(10), 5))

    assert store.read_all(KEY) == numbered(7, "again")
    assert store.read_all(keys[1]) == []
    for n, key in list(enumerate(keys))[2:]:
        assert store.read_all(key) == numbered(n + 1, key.kind)
        assert store.info(key)["meta"] == {"n": n}


# --- streaming ------------------------------------------------------------------------------------


def test_large_partition_streams_both_ways(store: Store) -> None:
    consumed = 0

    def source() -> Iterator[dict[str, Any]]:
        nonlocal consumed
        for i in range(20_000):
            consumed += 1
            yield {"i": i, "digest": f"{i:032x}", "text": "SELECT 1" * 5}

    assert store.write(KEY, source()) == 20_000
    assert consumed == 20_000
    stream = store.read(KEY)
    assert not isinstance(stream, (list, tuple))
    assert next(stream)["i"] == 0
    assert [r["i"] for r in stream] == list(range(1, 20_000))
    assert store.info(KEY)["count"] == 20_000


def test_reader_sees_old_or_new_never_a_mix(store: Store) -> None:
    store.write(KEY, numbered(3000, "old"))
    stream = store.read(KEY)
    first = next(stream)
    store.write(KEY, numbered(3000, "new"))  # an open reader must not block or corrupt the writer
    assert store.read_all(KEY) == numbered(3000, "new")
    try:
        rest = list(stream)
    except StoreError:
        return  # detected the replacement: acceptable
    assert [first, *rest] == numbered(3000, "old")


def test_abandoned_reader_does_not_block(store: Store) -> None:
    store.write(KEY, numbered(2500))
    stream = store.read(KEY)
    next(stream)
    del stream
    store.write(KEY, numbered(1))
    assert store.delete(KEY)


# --- keys and values that cannot be stored --------------------------------------------------------


@pytest.mark.parametrize("parts", [("", W1, "k"), ("db1", "", "k"), ("db1", W1, ""), (None, W1, "k"), ("db1", 7, "k")])
def test_malformed_key_is_rejected(parts: tuple[Any, Any, Any]) -> None:
    with pytest.raises(StoreError):
        PartitionKey(*parts)


@pytest.mark.parametrize("key", [PartitionKey("db|1", W1, "k"), PartitionKey("db1", W1 + "|x", "k"),
                                 PartitionKey("db\x001", W1, "k"), ("db1", W1, "k")])
def test_unstorable_key_is_rejected_by_every_operation(store: Store, key: Any) -> None:
    for operation in (lambda: store.write(key, []), lambda: store.read(key), lambda: store.info(key),
                      lambda: store.delete(key), lambda: store.exists(key)):
        with pytest.raises(StoreError):
            operation()


def test_kind_may_contain_the_separator(store: Store) -> None:
    a, b = PartitionKey("db1", W1, "x|y"), PartitionKey("db1", W1, "x|y|z")
    store.write(a, [{"k": "a"}])
    store.write(b, [{"k": "b"}])
    assert store.read_all(a) == [{"k": "a"}]
    assert store.keys("db1", kind_prefix="x|") == [a, b]


@pytest.mark.parametrize("instance, window", [("", None), ("db1", ""), ("a|b", None)])
def test_keys_rejects_bad_filters(store: Store, instance: str, window: str | None) -> None:
    with pytest.raises(StoreError):
        store.keys(instance, window)


@pytest.mark.parametrize("value, path", [
    (dt.datetime(2026, 1, 1), "v"), (decimal.Decimal("1.5"), "v"), ((1, 2), "v"), ({1, 2}, "v"),
    (b"raw", "v"), (float("nan"), "v"), (float("inf"), "v"), (2**63, "v"), (-(2**63) - 1, "v"),
    ({"inner": [1, {"deep": object()}]}, "v.inner[1].deep"), ({1: "int key"}, "v.1"),
])
def test_non_json_value_is_rejected_naming_field_and_kind(store: Store, value: Any, path: str) -> None:
    with pytest.raises(StoreError) as caught:
        store.write(KEY, [{"ok": 1}, {"v": value}])
    message = str(caught.value)
    assert "obj.table" in message and "record 1" in message and path in message
    assert store.info(KEY) is None


def test_non_dict_record_is_rejected(store: Store) -> None:
    with pytest.raises(StoreError, match="record 0 .* list"):
        store.write(KEY, [["not", "a", "dict"]])  # type: ignore[list-item]


# --- several handles, several processes -----------------------------------------------------------


def test_two_stores_on_the_same_storage_see_each_other(backend: Backend) -> None:
    with backend.open() as first, backend.open() as second:
        first.write(KEY, numbered(2, "first"))
        assert second.read_all(KEY) == numbered(2, "first")
        second.write(KEY, numbered(3, "second"))
        assert first.read_all(KEY) == numbered(3, "second")
        assert first.info(KEY)["count"] == 3
        assert second.delete(KEY) and not first.exists(KEY)


_WRITER = """
import sys
from themis.store.base import PartitionKey
from themis.store.local import LocalStore

store = LocalStore(sys.argv[1])
writer = int(sys.argv[2])
for round_ in range(15):
    for kind in ("a", "b", "c"):
        key = PartitionKey("db1", "w", kind)
        store.write(key, ({"writer": writer, "round": round_, "i": i} for i in range(300)))
"""


def test_local_store_is_shared_safely_by_processes(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    reader = LocalStore(path)
    writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n)], stderr=subprocess.PIPE)
               for n in range(4)]
    snapshots = 0
    while any(p.poll() is None for p in writers):
        for kind in ("a", "b", "c"):
            _assert_one_complete_write(reader.read_all(PartitionKey("db1", "w", kind)))
            snapshots += 1
    for process in writers:
        assert process.wait() == 0, process.stderr.read().decode()
    for kind in ("a", "b", "c"):
        records = reader.read_all(PartitionKey("db1", "w", kind))
        assert len(records) == 300 and records[0]["round"] == 14
        _assert_one_complete_write(records)
    assert snapshots > 0


def _assert_one_complete_write(records: list[dict[str, Any]]) -> None:
    """Empty (not yet written) or all 300 records of exactly one writer's round, in order."""
    if records:
        assert [r["i"] for r in records] == list(range(300))
        assert len({(r["writer"], r["round"]) for r in records}) == 1


# --- local specifics ------------------------------------------------------------------------------


def test_local_file_uses_wal_and_indexed_reads(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "store.sqlite3"
    LocalStore(path).write(KEY, numbered(3))
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        plan = " ".join(row[-1] for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT r.doc FROM partitions AS p JOIN records AS r ON r.partition_id = p.id "
            'WHERE p.instance = ? AND p."window" = ? AND p.kind = ? ORDER BY r.seq', ("a", "b", "c")))
    assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan


def test_local_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("THEMIS_STORE_PATH", str(tmp_path / "env" / "s.sqlite3"))
    assert LocalStore().path == tmp_path / "env" / "s.sqlite3"
    assert (tmp_path / "env" / "s.sqlite3").exists()
    monkeypatch.delenv("THEMIS_STORE_PATH")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with LocalStore() as store:
        store.write(KEY, [{"a": 1}])
    assert (tmp_path / "home" / ".themis" / "store.sqlite3").exists()


def test_local_rejects_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="junk.sqlite3"):
        LocalStore(path)


# --- open_store ------------------------------------------------------------------------------------


def test_open_store_local(tmp_path: Path) -> None:
    path = tmp_path / "via-settings.sqlite3"
    with open_store({"backend": "local", "path": str(path)}) as store:
        assert isinstance(store, LocalStore)
        store.write(KEY, [{"a": 1}])
    assert path.exists()
    with open_store({"backend": "local", "path": str(path)}) as again:
        assert again.read_all(KEY) == [{"a": 1}]


def test_open_store_unknown_backend() -> None:
    with pytest.raises(StoreError, match=r"unknown store backend 'redis'.*'local' or 'mongo'"):
        open_store({"backend": "redis"})


# --- Mongo specifics --------------------------------------------------------------------------------


@pytest.fixture
def mongomock_client(monkeypatch: pytest.MonkeyPatch) -> mongomock.MongoClient:
    """The Airflow connection comes from the environment; the client MongoHook builds is mongomock."""
    from airflow.providers.mongo.hooks.mongo import MongoHook

    client = mongomock.MongoClient()
    calls: list[str] = []

    def get_conn(hook: MongoHook) -> mongomock.MongoClient:
        calls.append(hook.uri)
        return client

    monkeypatch.setenv("AIRFLOW_CONN_THEMIS_MONGO", "mongo://localhost:27017/themis")
    monkeypatch.setattr(MongoHook, "get_conn", get_conn)
    client.hook_calls = calls
    return client


def test_from_conn_id_builds_client_through_mongohook(mongomock_client: Any) -> None:
    store = MongoStore.from_conn_id()
    store.write(KEY, [{"a": 1}])
    assert mongomock_client.hook_calls == ["mongodb://localhost:27017/themis"]
    assert store.client is mongomock_client
    assert mongomock_client["themis"]["partitions"].count_documents({}) == 1
    assert open_store({"backend": "mongo"}).read_all(KEY) == [{"a": 1}]


def test_from_conn_id_database_comes_from_schema_or_argument(mongomock_client: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_THEMIS_MONGO", "mongo://localhost:27017/auditdb")
    MongoStore.from_conn_id().write(KEY, [{"a": 1}])
    MongoStore.from_conn_id(database="other").write(KEY, [{"b": 2}])
    assert list(mongomock_client["auditdb"]["records"].find({}, {"_id": 0, "doc": 1})) == [{"doc": {"a": 1}}]
    assert list(mongomock_client["other"]["records"].find({}, {"_id": 0, "doc": 1})) == [{"doc": {"b": 2}}]


def test_from_conn_id_missing_connection_is_a_store_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRFLOW_CONN_NO_SUCH_MONGO", raising=False)
    with pytest.raises(StoreError, match="no_such_mongo"):
        MongoStore.from_conn_id("no_such_mongo")


def test_mongo_indexes_serve_the_queries(mongo_backend: Backend) -> None:
    store = mongo_backend.open()
    records = store.client[store.database]["records"].index_information()
    partitions = store.client[store.database]["partitions"].index_information()
    assert [field for field, _ in records["partition_gen_seq"]["key"]] == ["instance", "window", "kind", "gen", "seq"]
    assert [field for field, _ in partitions["instance_window_kind"]["key"]] == ["instance", "window", "kind"]


def test_mongo_crash_before_switch_keeps_old_partition(mongo_backend: Backend,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    store = mongo_backend.open()
    store.write(KEY, numbered(1500, "old"))

    def lost(*args: Any, **kwargs: Any) -> None:
        raise AutoReconnect("connection lost during the switch")

    monkeypatch.setattr(store, "_switch", lost)
    with pytest.raises(StoreError, match="connection lost"):
        store.write(KEY, numbered(2000, "new"))
    monkeypatch.undo()
    assert store.read_all(KEY) == numbered(1500, "old")
    assert store.info(KEY)["count"] == 1500
    assert mongo_backend.raw_record_count() == 3500  # the uncommitted generation is an orphan now

    store.write(KEY, numbered(10, "next"))  # too soon: the orphan might be a writer still inserting
    assert mongo_backend.raw_record_count() == 2010
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
    monkeypatch.setattr("themis.store.mongo.utc_now", lambda: later)
    store.write(KEY, numbered(10, "much later"))
    assert mongo_backend.raw_record_count() == 10
    assert store.read_all(KEY) == numbered(10, "much later")


def test_mongo_next_write_cleans_old_orphans_but_not_live_writers(mongo_backend: Backend) -> None:
    store = mongo_backend.open()
    records = store.client[store.database]["records"]
    ident = {"instance": KEY.instance, "window": KEY.window, "kind": KEY.kind}
    crashed = ObjectId.from_datetime(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))
    in_flight = ObjectId()
    records.insert_many([{**ident, "gen": crashed, "seq": i, "doc": {"i": i}} for i in range(5)]
                        + [{**ident, "gen": in_flight, "seq": i, "doc": {"i": i}} for i in range(4)])
    assert store.read_all(KEY) == []  # orphans are invisible: no partition points at them

    store.write(KEY, numbered(2))
    assert records.count_documents({"gen": crashed}) == 0
    assert records.count_documents({"gen": in_flight}) == 4
    assert store.read_all(KEY) == numbered(2)


def test_mongo_short_read_is_detected(mongo_backend: Backend) -> None:
    store = mongo_backend.open()
    store.write(KEY, numbered(5))
    store.client[store.database]["records"].delete_one({"seq": 3})
    with pytest.raises(StoreError, match="4 of 5 records"):
        store.read_all(KEY)
