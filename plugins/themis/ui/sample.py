"""Sample audit history in a store, shaped exactly as the DAG stores it, for the UI's tests, its
benchmark (``bench/ui_fleet.py``: 500 instances x 30 windows) and ``make ui`` (a trend to look at
before the DAGs have run many times).

Each window gets the four ``findings.<DIMENSION>`` partitions (the catalogue's real rules for the
instance's database type, scored by the real scoring functions) and the export's ``report`` summary.
Findings drift from window to window - most persist, some are fixed, some are new - so Fleet trends,
new/fixed counts and the Diff page have something to show. Every sample run id starts with
``sample__``, so sample windows are never mistaken for audits.

    python -m themis.ui.sample --store PATH [--instances demo,demo_oracle] [--windows 14] [--if-empty]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from typing import Any, Iterable

from themis.config import DIMENSIONS
from themis.store import PartitionKey, Store

RUN_PREFIX = "sample__"


def _rules(db_type: str) -> dict[str, list[Any]]:
    from themis.rules.catalog import load_catalog

    catalog = load_catalog(with_checks=False)
    return {d: [r for r in catalog.for_dimension(db_type, d) if r.status == "ON"] for d in DIMENSIONS}


def _rule_result(rule: Any, objects: list[str], statement: bool) -> dict[str, Any]:
    from themis.rules.scoring import rule_deduction

    columns = [c.model_dump() for c in rule.columns]
    findings = []
    for obj in objects:
        values = {c["name"]: obj if i == 0 else f"sample {c['name']}" for i, c in enumerate(columns)}
        findings.append({"object": obj, "values": values, "checksum": obj if statement else None})
    return {"id": rule.id, "summary": rule.summary, "description": rule.description, "status": "ran", "error": None,
            "not_evaluated": None, "weight": rule.weight, "max_score": rule.max_score, "params": rule.param_values(),
            "solution": list(rule.solution), "columns": columns, "findings_count": len(findings),
            "excluded_count": 0, "deduction": rule_deduction(len(findings), rule.weight, rule.max_score),
            "findings": findings, "excluded": [], "notes": []}


def _dimension(dimension: str, results: list[dict[str, Any]], run_id: str) -> dict[str, Any]:
    from themis.rules.engine import DIMENSION_TITLES
    from themis.rules.scoring import dimension_score

    score, total, deducted = dimension_score(results)
    return {"dimension": dimension, "title": DIMENSION_TITLES[dimension], "status": "ok", "reason": None,
            "score": score, "max_total": total, "deduction_total": deducted, "rules": results,
            "rules_ran": len(results), "rules_off": 0, "rules_failed": 0, "rules_not_evaluated": 0,
            "run_id": run_id}


def write_history(store: Store, instance_id: str, db_type: str, windows: int, *, end: dt.datetime | None = None,
                  period: dt.timedelta = dt.timedelta(days=1), seed: int | None = None,
                  findings_per_rule: int = 3, rules_per_dimension: int | None = None,
                  extra_kinds: Iterable[str] = (), change_counts: bool = True) -> list[str]:
    """Write ``windows`` consecutive sample windows of one instance, ending at ``end``; return their keys.

    ``extra_kinds`` adds a small partition of each of those kinds per window (as captures leave),
    so that a benchmark's store holds as many partitions as a real one. ``change_counts``: the summary
    carries the new/fixed counts against the window before (``changes.counts``, as the export's
    summary does once change detection is in the export task); without them the Fleet works them out
    from the findings."""
    from themis.rules.scoring import overall_score
    from themis.window import CaptureWindow

    rng = random.Random(seed if seed is not None else instance_id)
    end = (end or dt.datetime.now(dt.timezone.utc)).replace(minute=0, second=0, microsecond=0)
    rules = {d: rs[:rules_per_dimension] if rules_per_dimension else rs for d, rs in _rules(db_type).items()}
    # Each rule keeps a drifting set of findings: most persist, a few are fixed, a few appear.
    current = {(d, r.id): {f"sample.obj_{rng.randrange(10_000)}" for _ in range(rng.randint(0, findings_per_rule))}
               for d, rs in rules.items() for r in rs}
    from themis.report import changes as change_detection

    keys: list[str] = []
    before: list[dict[str, Any]] | None = None
    for index in range(windows):
        window = CaptureWindow(end - period * (windows - index), end - period * (windows - index - 1))
        run_id = f"{RUN_PREFIX}{window.start.strftime('%Y-%m-%dT%H:%M:%S')}+00:00"
        dimensions = []
        for dimension, dimension_rules in rules.items():
            results = []
            for rule in dimension_rules:
                objects = current[(dimension, rule.id)]
                objects = {o for o in objects if rng.random() > 0.12}
                while rng.random() < 0.25 and len(objects) < findings_per_rule * 3:
                    objects.add(f"sample.obj_{rng.randrange(10_000)}")
                current[(dimension, rule.id)] = objects
                results.append(_rule_result(rule, sorted(objects), dimension in ("TEXT", "SQLPLAN", "SQLSTAT")))
            result = _dimension(dimension, results, run_id)
            if not dimension_rules:
                result.update(status="not_available", score=None, reason=f"not yet available for {db_type}")
            store.write(PartitionKey(instance_id, window.key, f"findings.{dimension}"), [result],
                        meta={"run_id": run_id})
            dimensions.append(result)
        for kind in extra_kinds:
            store.write(PartitionKey(instance_id, window.key, kind), [{"sample": True, "n": i} for i in range(3)],
                        meta={"run_id": run_id})
        summary = {"instance": instance_id, "window": window.key, "run_id": run_id,
                   "overall_score": overall_score(dimensions),
                   "scores": {d["dimension"]: d["score"] for d in dimensions},
                   "missing": [d["dimension"] for d in dimensions if d["status"] != "ok"]}
        if change_counts:
            summary["changes"] = {"counts": change_detection.summary(change_detection.compare(before, dimensions))}
        before = dimensions
        store.write(PartitionKey(instance_id, window.key, "report"), [summary], meta={"run_id": run_id})
        keys.append(window.key)
    return keys


def main(argv: list[str] | None = None) -> int:
    from themis.config import load_config, store_settings
    from themis.store import open_store

    parser = argparse.ArgumentParser(prog="python -m themis.ui.sample", description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", help="SQLite store file (default: the instance config's store)")
    parser.add_argument("--instances", help="comma-separated instance ids (default: all configured)")
    parser.add_argument("--windows", type=int, default=14)
    parser.add_argument("--if-empty", action="store_true", help="leave instances that have stored audits alone")
    args = parser.parse_args(argv)
    project = load_config()
    wanted = set(args.instances.split(",")) if args.instances else None
    settings = {"backend": "local", "path": args.store} if args.store else store_settings(project)
    with open_store(settings) as store:
        for instance in project.instances:
            if wanted is not None and instance.id not in wanted:
                continue
            if args.if_empty and store.keys(instance.id, kind_prefix="findings."):
                print(f"{instance.id}: has stored audits, left alone")
                continue
            keys = write_history(store, instance.id, instance.db_type, args.windows,
                                 end=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1))
            print(f"{instance.id}: {len(keys)} sample windows, {keys[0]} .. {keys[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
