"""Golden tests on the packaged demo regions and the documented-exchange benchmark."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sidestream.io import read_flow_table
from sidestream.knowledge.regions import demo_region_path, demo_regions
from sidestream.matching import MatchParams, match
from sidestream.matching.quality import evaluate

QUALITY = Path(__file__).resolve().parents[2] / "benchmarks" / "quality"


@pytest.fixture(scope="module")
def helgeland():  # type: ignore[no-untyped-def]
    table = read_flow_table(demo_region_path("helgeland"))
    return table, match(table.frame, MatchParams(top_k=5))


def test_demo_regions_are_valid_and_large_enough() -> None:
    assert {"helgeland", "kalundborg"} <= set(demo_regions())
    for name, actors, flows in (("helgeland", 40, 150), ("kalundborg", 15, 50)):
        table = read_flow_table(demo_region_path(name))
        assert table.ok, table.errors[:3]
        assert table.frame["actor"].nunique() >= actors
        assert len(table.frame) >= flows
        assert table.frame["source"].str.len().gt(0).all()


def _ranked(result, supply_actor: str, supply_text: str, demand_actor: str) -> int | None:  # type: ignore[no-untyped-def]
    s = result.supplies
    d = result.demands.set_index("id")
    ids = s[(s["actor"].str.contains(supply_actor)) & (s["resource"].str.contains(supply_text, case=False))][
        "id"
    ]
    pairs = result.pairs[result.pairs["supply_id"].isin(ids)]
    hits = pairs[pairs["demand_id"].map(lambda i: demand_actor in d.loc[i, "actor"])]
    return int(hits["rank"].min()) if len(hits) else None


@pytest.mark.parametrize(
    ("supply_actor", "supply_text", "demand_actor", "within"),
    [
        ("Elkem Rana", "kjølevatn", "Mo Fjernvarme", 2),  # Mo Fjernvarme runs on smelter heat
        ("Celsa", "slagg", "Rana kommune", 3),  # EAF slag as road aggregate
        ("Alcoa", "district heating", "Mosjøen Fjernvarme", 3),
        ("Ferroglobe", "CO-gass", "Mo Fjernvarme", 3),  # CO gas for peak-load boilers
    ],
)
def test_known_helgeland_synergies_rank_high(
    helgeland, supply_actor, supply_text, demand_actor, within
) -> None:  # type: ignore[no-untyped-def]
    _, result = helgeland
    rank = _ranked(result, supply_actor, supply_text, demand_actor)
    assert rank is not None and rank <= within


def test_no_self_matches_and_no_hazardous_feed(helgeland) -> None:  # type: ignore[no-untyped-def]
    _, result = helgeland
    s = result.supplies.set_index("id")
    d = result.demands.set_index("id")
    for sid, did in zip(result.pairs["supply_id"], result.pairs["demand_id"], strict=True):
        assert s.loc[sid, "actor"] != d.loc[did, "actor"]
        if s.loc[sid, "hazardous"]:
            assert d.loc[did, "class_id"] not in {"animal_feed", "fish_feed"}


def test_documented_exchanges_are_found() -> None:
    table = read_flow_table(QUALITY / "flows.csv")
    report = evaluate(
        table.frame,
        pd.read_csv(QUALITY / "expected.csv", dtype=str),
        pd.read_csv(QUALITY / "negatives.csv", dtype=str),
    )
    assert report["negatives"]["violations"] == []
    assert report["sidestream"]["recall@10"] >= 0.9
    assert report["sidestream"]["recall@10"] > report["baseline"]["recall@10"] + 0.2
