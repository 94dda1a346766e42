"""The documented-exchange benchmark sets are well-formed, and the held-out sets are truly held out.

A recall figure is only as good as its files: a dangling id silently drops a pair
from the denominator, and a held-out network that also appears in the tuned set
would leak the tuning into the "untuned" figure.
"""

from __future__ import annotations

import importlib.util
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from sidestream.io import read_flow_table

QUALITY = Path(__file__).resolve().parents[2] / "benchmarks" / "quality"
SETS = {
    "main": (QUALITY, "q-"),
    "heldout": (QUALITY / "heldout", "h-"),
    "heldout2": (QUALITY / "heldout2", "h2-"),
}
EARTH_RADIUS_KM = 6371.0088


def _great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance, the formula the `[distance … km]` labels were computed with."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


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


def test_second_heldout_set_is_disjoint_from_both_earlier_sets() -> None:
    """heldout2 measures generalisation after the fixes made on heldout: it must share
    no network, actor or id with either set the knowledge base was tuned on."""
    new_flows, new_expected, new_negatives = _load(SETS["heldout2"][0])
    for earlier in ("main", "heldout"):
        old_flows, _, _ = _load(SETS[earlier][0])
        assert set(new_flows["id"]).isdisjoint(old_flows["id"]), earlier
        assert set(new_flows["network"]).isdisjoint(old_flows["network"]), earlier
        assert set(new_flows["actor"]).isdisjoint(old_flows["actor"]), earlier
    # The brief of the second held-out set: >= 30 exchanges, >= 6 networks, >= 10 negatives,
    # and about a fifth of the categories left for the classifier to infer.
    assert len(new_expected) >= 30
    assert new_expected["network"].nunique() >= 6
    assert len(new_negatives) >= 10
    blank = new_flows["category"].str.strip().eq("").mean()
    assert 0.15 <= blank <= 0.30, blank
    # Every expected pair belongs to the network of its supply row.
    network = dict(zip(new_flows["id"], new_flows["network"], strict=True))
    assert new_expected["supply_id"].map(network).eq(new_expected["network"]).all()


def test_second_heldout_distance_labels_match_the_coordinates() -> None:
    """The `[distance … km]` label is what a reader checks a miss against (was it the
    radius?), so it must agree with the coordinates in flows.csv."""
    flows, expected, _ = _load(SETS["heldout2"][0])
    where = {
        row.id: (float(row.lat), float(row.lon))
        for row in flows[["id", "lat", "lon"]].itertuples(index=False)
    }
    for row in expected.itertuples(index=False):
        match = re.search(r"\[distance (\d+(?:\.\d+)?) km\]$", str(row.description))
        assert match is not None
        computed = _great_circle_km(*where[str(row.supply_id)], *where[str(row.demand_id)])
        assert abs(computed - float(match.group(1))) <= 0.06, (row.supply_id, row.demand_id, computed)


def test_benchmark_runner_knows_every_set_and_all_runs_them_all() -> None:
    """`make bench-quality` runs `run.py --set all`: a set folder the runner does not
    list would silently drop out of the reported figures. Only the set table is read;
    no set is evaluated here (heldout2 is run once, by hand)."""
    spec = importlib.util.spec_from_file_location("quality_run", QUALITY / "run.py")
    assert spec is not None and spec.loader is not None
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    listed = {name: folder for name, (folder, _report) in runner.SETS.items()}
    assert listed == {name: folder for name, (folder, _prefix) in SETS.items()}
    assert runner.GROUPS["all"] == list(runner.SETS)
    assert runner.GROUPS["both"] == ["main", "heldout"]
    on_disk = {p.parent for p in QUALITY.rglob("expected.csv")}
    assert on_disk == set(listed.values())
