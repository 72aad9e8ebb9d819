"""Page data without Airflow: the Fleet's paging, sorting and new/fixed counts, from a sample store."""

from __future__ import annotations

import datetime as dt

from themis.config import InstanceConfig
from themis.store.local import LocalStore
from themis.ui import charts, data, sample

END = dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


def instances(n: int) -> list[InstanceConfig]:
    return [InstanceConfig(id=f"db{i:02d}", db_type="oracle" if i % 3 == 0 else "mysql", conn_id="c",
                           schemas=["s"], tags=["even" if i % 2 == 0 else "odd"]) for i in range(n)]


def test_fleet_pages_sorts_and_counts_changes_with_or_without_stored_counts(tmp_path) -> None:
    configured = instances(7)
    with LocalStore(tmp_path / "a.sqlite3") as with_counts, LocalStore(tmp_path / "b.sqlite3") as without:
        for instance in configured[:6]:  # db06 has no audit yet
            for store, counts in ((with_counts, True), (without, False)):
                sample.write_history(store, instance.id, instance.db_type, 4, end=END, rules_per_dimension=3,
                                     change_counts=counts)
        pages = [data.fleet_page(with_counts, configured, data.FleetQuery(sort="overall", page=n, page_size=3))
                 for n in (1, 2, 3)]
        assert [p.pages for p in pages] == [3, 3, 3] and pages[0].total == 7
        ordered = [r for p in pages for r in p.rows]
        assert ordered[-1]["id"] == "db06" and ordered[-1]["overall"] is None  # no score: last
        scores = [r["overall"] for r in ordered[:-1]]
        assert scores == sorted(scores)
        assert all(len(r["trend"]) == 4 for r in ordered[:-1])
        computed = {r["id"]: r["changes"] for n in (1, 2, 3)
                    for r in data.fleet_page(without, configured, data.FleetQuery(sort="overall", page=n,
                                                                                    page_size=3)).rows}
        assert {r["id"]: r["changes"] for r in ordered} == computed
        assert any(c and (c["new"] or c["fixed"]) for c in computed.values())
        assert [r["id"] for r in data.fleet_page(with_counts, configured, data.FleetQuery(tag="even",
                                                                                          db_type="oracle")).rows] \
            == ["db00", "db06"]


def test_instance_windows_and_run_lookup(tmp_path) -> None:
    instance = instances(1)[0]
    with LocalStore(tmp_path / "s.sqlite3") as store:
        keys = sample.write_history(store, instance.id, instance.db_type, 3, end=END, rules_per_dimension=2)
        windows = data.instance_windows(store, instance)
        assert [w["window"] for w in windows] == keys
        assert windows[0]["changes"]["baseline"] is False and windows[1]["previous_window"] == keys[0]
        assert data.window_of_run(store, instance.id, windows[1]["run_id"]) == keys[1]
        assert data.window_of_run(store, instance.id, "manual__nope") is None


def test_charts_escape_labels_and_break_lines_at_missing_scores() -> None:
    spark = charts.sparkline([("<w1>", 50.0), ("w2", None), ("w3", 80.0)])
    assert "&lt;w1&gt;" in spark and "<w1>" not in spark
    assert spark.count("<polyline") == 2
    assert "no audit yet" in charts.sparkline([])
