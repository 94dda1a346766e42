"""The matching pipeline end to end on small hand-built regions."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.conftest import write_csv

from sidestream.domain import Direction, Flow
from sidestream.errors import MatchingError
from sidestream.io import read_flow_table
from sidestream.matching import MatchParams, match


def pairs_of(result) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for s, d in zip(result.pairs["supply_id"], result.pairs["demand_id"], strict=True):
        out.setdefault(s, []).append(d)
    return out


def test_small_region_finds_the_obvious_synergies(small_region: Path) -> None:
    result = match(read_flow_table(small_region).frame)
    pairs = pairs_of(result)
    assert pairs["s1"][0] == "d1"  # 90 °C surplus heat → district heating, next door
    assert "d3" in pairs["s1"]  # … and to the fish farm 10 km away
    assert pairs["s2"][0] == "d2"  # steel slag → aggregates for road building
    assert "d4" not in pairs.get("s4", [])  # hazardous EAF dust never to fish feed


def test_json_contract(small_region: Path) -> None:
    doc = match(read_flow_table(small_region).frame, MatchParams(top_k=2)).to_json()
    assert set(doc) >= {"matches", "params", "version"}
    m = doc["matches"][0]
    assert {"supply", "demand", "score", "distance_km", "reasons", "estimate", "parts", "rank"} <= set(m)
    assert 0 <= m["score"] <= 1
    assert m["supply"]["id"].startswith("s") and m["demand"]["id"].startswith("d")
    assert all(isinstance(r, str) and r for r in m["reasons"])
    assert doc["params"]["top_k"] == 2
    json.dumps(doc)  # serialisable


def test_results_are_deterministic(small_region: Path) -> None:
    frame = read_flow_table(small_region).frame
    a = match(frame).to_json()
    b = match(frame.sample(frac=1.0, random_state=3)).to_json()
    for doc in (a, b):
        doc["stats"].pop("seconds")
    assert a == b


def test_mirror_image_demands_score_the_same() -> None:
    def flow(i: str, direction: Direction, resource: str, lon: float) -> Flow:
        return Flow(id=i, actor=i, direction=direction, resource=resource, lat=60.0, lon=lon)

    flows = [
        flow("s", Direction.SUPPLY, "steel slag", 10.0),
        flow("east", Direction.DEMAND, "aggregates", 10.2),
        flow("west", Direction.DEMAND, "aggregates", 9.8),
    ]
    result = match(flows)
    scores = dict(zip(result.pairs["demand_id"], result.pairs["score"], strict=True))
    assert scores["east"] == pytest.approx(scores["west"], abs=1e-12)


def test_heat_pump_is_proposed_for_cold_heat() -> None:
    frame = pd.DataFrame(
        [
            {"id": "s", "actor": "Smelter", "lat": 66.31, "lon": 14.13, "direction": "supply",
             "resource": "kjølevann 35 °C", "category": "heat", "quantity": 50, "unit": "GWh/yr", "temperature_c": 35},
            {"id": "d", "actor": "DH", "lat": 66.32, "lon": 14.14, "direction": "demand",
             "resource": "fjernvarme", "category": "heat", "quantity": 80, "unit": "GWh/yr", "temperature_c": 80},
        ]
    )  # fmt: skip
    doc = match(frame).to_json()
    m = doc["matches"][0]
    assert m["estimate"]["heat_pump"]["cop"] > 2
    assert any("heat pump" in r for r in m["reasons"])


def test_one_supply_and_one_demand_filters(small_region: Path) -> None:
    frame = read_flow_table(small_region).frame
    only = match(frame, MatchParams(supply_ids=["s2"]))
    assert set(only.pairs["supply_id"]) == {"s2"}
    rev = match(frame, MatchParams(demand_ids=["d1"]))
    assert set(rev.pairs["demand_id"]) == {"d1"}
    with pytest.raises(MatchingError, match="no supply flow with id nope"):
        match(frame, MatchParams(supply_ids=["nope"]))


def test_norwegian_reasons(small_region: Path) -> None:
    frame = read_flow_table(small_region).frame
    en = match(frame, MatchParams(top_k=1)).to_json("en")["matches"][0]["reasons"]
    nb = match(frame, MatchParams(top_k=1)).to_json("nb")["matches"][0]["reasons"]
    assert en != nb
    assert any("km" in r for r in nb)


def test_suggestions_are_separate_and_marked(small_region: Path) -> None:
    doc = match(read_flow_table(small_region).frame, MatchParams(include_suggestions=True)).to_json()
    assert doc["suggestions"]
    assert all(s["kind"] in {"suggestion", "case"} for s in doc["suggestions"])
    assert all(m["kind"] == "match" for m in doc["matches"])


def test_only_supplies_is_a_clear_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", ["s,A,company,,,60,10,supply,fly ash,,,,,,,,"])
    with pytest.raises(MatchingError, match="only supply flows"):
        match(read_flow_table(path).frame)
    doc = match(read_flow_table(path).frame, MatchParams(include_suggestions=True)).to_json()
    assert doc["matches"] == []


def test_empty_and_bad_tables_are_clear_errors() -> None:
    with pytest.raises(MatchingError, match="no valid rows"):
        match([])
    bad = pd.DataFrame(
        [{"actor": "A", "lat": float("nan"), "lon": 10, "direction": "supply", "resource": "ash"}]
    )
    with pytest.raises(MatchingError, match="lat"):
        match(bad)
    units = pd.DataFrame([{"actor": "A", "lat": 60, "lon": 10, "direction": "supply", "resource": "ash",
                           "quantity": 3, "unit": "furlongs per fortnight squared"}])  # fmt: skip
    with pytest.raises(MatchingError, match="unit"):
        match(units)


def _flow(i: str, direction: Direction, resource: str, lon: float, **kw: object) -> Flow:
    return Flow(id=i, actor=i, direction=direction, resource=resource, lat=51.3, lon=lon, **kw)  # type: ignore[arg-type]


def test_drinking_water_intake_takes_only_potable_grade_raw_water() -> None:
    """Cooling water, brackish water and effluent never reach a drinking-water
    intake, however the intake's text is classified; the same supplies still reach
    an industrial water demand, and a clean raw-water source still reaches the intake."""
    flows = [
        _flow("cool", Direction.SUPPLY, "Used cooling water from the canal, brackish, 28 °C", 3.80),
        _flow("eff", Direction.SUPPLY, "Treated municipal effluent", 3.81),
        _flow("lake", Direction.SUPPLY, "Lake water (raw water)", 3.82),
        _flow("intake", Direction.DEMAND, "Raw water for drinking-water production", 3.83),
        _flow("proc", Direction.DEMAND, "Process water for cooling towers", 3.84),
    ]
    pairs = pairs_of(match(flows))
    assert "intake" not in pairs.get("cool", []) and "intake" not in pairs.get("eff", [])
    assert "proc" in pairs["cool"] and "proc" in pairs["eff"]
    assert "intake" in pairs["lake"]


def test_stated_temperature_places_heat_in_its_band() -> None:
    flows = [
        _flow("s", Direction.SUPPLY, "Spillvärme från stålverket", 3.80, temperature_c=90.0),
        _flow("d", Direction.DEMAND, "Fjärrvärme till nätet", 3.81, temperature_c=85.0),
    ]
    result = match(flows)
    assert result.supplies.set_index("id").loc["s", "class_id"] == "heat_90_150c"
