"""Matching quality on documented real exchanges (recall@k vs a naive baseline).

Run: ``make bench-quality`` (part of ``make bench``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from sidestream.io import read_flow_table
from sidestream.matching.quality import KS, evaluate

HERE = Path(__file__).parent


def main() -> int:
    table = read_flow_table(HERE / "flows.csv")
    if not table.ok:
        for p in table.errors[:20]:
            print(f"row {p.row} {p.column}: {p.message}")
        return 1
    expected = pd.read_csv(HERE / "expected.csv", dtype=str)
    negatives = pd.read_csv(HERE / "negatives.csv", dtype=str)
    report = evaluate(table.frame, expected, negatives)
    ours, base = report["sidestream"], report["baseline"]
    print(
        f"quality: {len(expected)} documented exchanges, {len(negatives)} negative pairs, "
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
    out = HERE.parent / "results"
    out.mkdir(exist_ok=True)
    (out / "quality.json").write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
