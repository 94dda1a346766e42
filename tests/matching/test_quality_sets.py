"""The documented-exchange benchmark sets are well-formed, and the held-out set is truly held out.

A recall figure is only as good as its files: a dangling id silently drops a pair
from the denominator, and a held-out network that also appears in the tuned set
would leak the tuning into the "untuned" figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from sidestream.io import read_flow_table

QUALITY = Path(__file__).resolve().parents[2] / "benchmarks" / "quality"
SETS = {"main": (QUALITY, "q-"), "heldout": (QUALITY / "heldout", "h-")}


def _load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    flows = pd.read_csv(folder / "flows.csv", dtype=str, keep_default_na=False)
    expected = pd.read_csv(folder / "expected.csv", dtype=str, keep_default_na=False)
    negatives = pd.read_csv(folder / "negatives.csv", dtype=str, keep_default_na=False)
    return flows, expected, negatives


@pytest.mark.parametrize("name", sorted(SETS))
def test_quality_set_files_are_consistent(name: str) -> None:
    folder, prefix = SETS[name]
    table = read_flow_table(folder / "flows.csv")
    assert table.ok, table.errors[:3]
    flows, expected, negatives = _load(folder)

    assert flows["id"].is_unique
    assert flows["id"].str.fullmatch(re.escape(prefix) + r"\d{4}").all()
    assert flows["source"].str.strip().ne("").all()
    assert flows["network"].str.strip().ne("").all()
    direction = dict(zip(flows["id"], flows["direction"], strict=True))

    for frame in (expected, negatives):
        assert frame["supply_id"].map(direction).eq("supply").all(), "unknown id or not a supply"
        assert frame["demand_id"].map(direction).eq("demand").all(), "unknown id or not a demand"
    assert not expected.duplicated(["supply_id", "demand_id"]).any()
    assert not negatives.duplicated(["supply_id", "demand_id"]).any()
    assert expected["source"].str.strip().ne("").all()
    assert expected["source"].str.contains(r"https?://|doi", case=False).all()
    assert expected["description"].str.contains(r"\[distance \d+(?:\.\d+)? km\]$").all()
    assert negatives["reason"].str.strip().ne("").all()
    pairs = set(zip(expected["supply_id"], expected["demand_id"], strict=True))
    assert pairs.isdisjoint(zip(negatives["supply_id"], negatives["demand_id"], strict=True))


def test_heldout_set_is_disjoint_from_the_tuned_set() -> None:
    main_flows, _, _ = _load(SETS["main"][0])
    held_flows, held_expected, _ = _load(SETS["heldout"][0])
    assert set(held_flows["id"]).isdisjoint(main_flows["id"])
    # New networks and new actors: nothing the knowledge base was tuned on.
    assert set(held_flows["network"]).isdisjoint(main_flows["network"])
    assert set(held_flows["actor"]).isdisjoint(main_flows["actor"])
    # The brief of the held-out set: at least 30 exchanges from at least 6 networks.
    assert len(held_expected) >= 30
    assert held_expected["network"].nunique() >= 6
