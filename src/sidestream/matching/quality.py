"""Measuring matching quality against documented exchanges.

A facilitator or researcher holds a set of *known* synergies (from the literature or
their own region). Recall@k asks: for each known exchange, is the real taker among the
top k demands the matcher proposes for that supply? The naive baseline proposes
demands of the same category within the radius, nearest first — what a spreadsheet
and a map would give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sidestream.domain.geo import haversine_km
from sidestream.matching.engine import Matches, match
from sidestream.matching.params import MatchParams

KS = (1, 5, 10)


@dataclass
class QualityReport:
    name: str
    ranks: dict[tuple[str, str], int | None]
    recall: dict[int, float] = field(default_factory=dict)
    mean_rank: float = float("nan")
    found: int = 0

    @classmethod
    def from_ranks(cls, name: str, ranks: dict[tuple[str, str], int | None]) -> QualityReport:
        values = list(ranks.values())
        report = cls(name, ranks)
        report.recall = {
            k: sum(1 for r in values if r is not None and r <= k) / max(len(values), 1) for k in KS
        }
        found = [r for r in values if r is not None]
        report.found = len(found)
        report.mean_rank = float(np.mean(found)) if found else float("nan")
        return report

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pairs": len(self.ranks),
            "found": self.found,
            "mean_rank_of_found": round(self.mean_rank, 3),
            **{f"recall@{k}": round(v, 4) for k, v in self.recall.items()},
        }


def ranks_from_matches(matches: Matches, expected: pd.DataFrame) -> dict[tuple[str, str], int | None]:
    pairs = matches.pairs
    lookup = {
        (s, d): int(r) for s, d, r in zip(pairs["supply_id"], pairs["demand_id"], pairs["rank"], strict=True)
    }
    return {
        (s, d): lookup.get((s, d)) for s, d in zip(expected["supply_id"], expected["demand_id"], strict=True)
    }


def baseline_ranks(
    prepared_supplies: pd.DataFrame,
    prepared_demands: pd.DataFrame,
    expected: pd.DataFrame,
    params: MatchParams,
) -> dict[tuple[str, str], int | None]:
    """Same category within the category's radius, nearest first."""
    out: dict[tuple[str, str], int | None] = {}
    demands = prepared_demands
    for s_id, d_id in zip(expected["supply_id"], expected["demand_id"], strict=True):
        s = prepared_supplies[prepared_supplies["id"] == s_id]
        if s.empty:
            out[(s_id, d_id)] = None
            continue
        row = s.iloc[0]
        same = demands[demands["category"] == row["category"]]
        dist = haversine_km(row["lat"], row["lon"], same["lat"].to_numpy(), same["lon"].to_numpy())
        radius = params.radius_for(row["category"])
        ranked = same.assign(_d=dist)[dist <= radius].sort_values(["_d", "id"])
        ids = ranked["id"].tolist()
        out[(s_id, d_id)] = ids.index(d_id) + 1 if d_id in ids else None
    return out


def evaluate(
    flows: pd.DataFrame,
    expected: pd.DataFrame,
    negatives: pd.DataFrame | None = None,
    params: MatchParams | None = None,
) -> dict[str, Any]:
    """Recall@1/5/10 and mean rank for the matcher and the naive baseline, plus the
    negative pairs that wrongly matched (must be none)."""
    params = (params or MatchParams()).model_copy(update={"top_k": max(KS) * 5})
    result = match(flows, params)
    ours = QualityReport.from_ranks("sidestream", ranks_from_matches(result, expected))
    base = QualityReport.from_ranks(
        "baseline", baseline_ranks(result.supplies, result.demands, expected, params)
    )
    violations: list[dict[str, str]] = []
    if negatives is not None:
        matched = set(zip(result.pairs["supply_id"], result.pairs["demand_id"], strict=True))
        for s, d, reason in zip(
            negatives["supply_id"], negatives["demand_id"], negatives["reason"], strict=True
        ):
            if (s, d) in matched:
                violations.append({"supply_id": s, "demand_id": d, "reason": reason})
    missed = [
        {"supply_id": s, "demand_id": d, "rank": r}
        for (s, d), r in ours.ranks.items()
        if r is None or r > max(KS)
    ]
    return {
        "sidestream": ours.as_dict(),
        "baseline": base.as_dict(),
        "negatives": {"pairs": 0 if negatives is None else len(negatives), "violations": violations},
        "missed": missed,
        "stats": result.stats,
    }
