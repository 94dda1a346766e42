"""Matching quality on documented real exchanges (recall@k vs a naive baseline).

Three sets share one file format: the main set (``benchmarks/quality/*.csv``), which
the knowledge base was partly tuned on; the first held-out set
(``benchmarks/quality/heldout/``), which was untuned up to its first run and has been
used for fixes since; and the second held-out set (``benchmarks/quality/heldout2/``),
written after those fixes and run once on the frozen engine. Reporting all three keeps
the tuned figures honest: the gap between a tuned set and an untouched one is the
overfitting.

Run: ``make bench-quality`` (part of ``make bench``) prints all three sets
(``--set all``); ``python benchmarks/quality/run.py --set main`` (the default),
``--set heldout`` or ``--set heldout2`` prints one; ``--set both`` prints the main and
first held-out set, the command the first held-out figures were recorded with.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from sidestream.io import read_flow_table
from sidestream.matching.quality import KS, evaluate

HERE = Path(__file__).parent
RESULTS = HERE.parent / "results"

# name -> (folder holding flows/expected/negatives.csv, JSON report written to RESULTS)
SETS: dict[str, tuple[Path, str]] = {
    "main": (HERE, "quality.json"),
    "heldout": (HERE / "heldout", "quality-heldout.json"),
    "heldout2": (HERE / "heldout2", "quality-heldout2.json"),
}

# Groups of sets selectable by one name. "both" keeps the meaning it had when the
# first held-out figures were recorded (main + first held-out set).
GROUPS: dict[str, list[str]] = {"all": list(SETS), "both": ["main", "heldout"]}


def run_set(name: str) -> int:
    """Evaluate one set, print its table and misses, and write its JSON report."""
    folder, report_name = SETS[name]
    table = read_flow_table(folder / "flows.csv")
    if not table.ok:
        for p in table.errors[:20]:
            print(f"row {p.row} {p.column}: {p.message}")
        return 1
    expected = pd.read_csv(folder / "expected.csv", dtype=str)
    negatives = pd.read_csv(folder / "negatives.csv", dtype=str)
    report = evaluate(table.frame, expected, negatives)
    ours, base = report["sidestream"], report["baseline"]
    print(
        f"quality [{name}]: {len(expected)} documented exchanges, {len(negatives)} negative pairs, "
        f"{len(table.frame)} flows"
    )
    print(f"{'metric':<12}{'sidestream':>12}{'baseline':>12}{'ratio':>10}")
    for k in KS:
        a, b = ours[f"recall@{k}"], base[f"recall@{k}"]
        ratio = f"{a / b:.2f}x" if b else "inf"
        print(f"{'recall@' + str(k):<12}{a:>12.3f}{b:>12.3f}{ratio:>10}")
    print(f"{'mean rank':<12}{ours['mean_rank_of_found']:>12.2f}{base['mean_rank_of_found']:>12.2f}")
    print(f"{'found':<12}{ours['found']:>12}{base['found']:>12}")
    print(f"negatives violated: {len(report['negatives']['violations'])} of {report['negatives']['pairs']}")
    for v in report["negatives"]["violations"]:
        print(f"  VIOLATION {v['supply_id']} -> {v['demand_id']}: {v['reason']}")
    for m in report["missed"]:
        print(f"  missed {m['supply_id']} -> {m['demand_id']} (rank {m['rank']})")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / report_name).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--set",
        choices=[*SETS, *GROUPS],
        default="main",
        help=(
            "main: the set the knowledge base was tuned on (default); heldout: the first held-out "
            "set (since used for fixes); heldout2: the second held-out set; all: the three; "
            "both: main and heldout"
        ),
    )
    args = parser.parse_args(argv)
    names = GROUPS.get(args.set, [args.set])
    status = 0
    for i, name in enumerate(names):
        if i:
            print()
        status = max(status, run_set(name))
    return status


if __name__ == "__main__":
    sys.exit(main())
