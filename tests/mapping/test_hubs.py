"""Hub detection: planted clusters are found exactly, noise is not a hub, the known
centres of the Helgeland demo are found, and potentials are hand-computed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidestream.domain.geo import haversine_km
from sidestream.errors import InvalidDataError
from sidestream.io import read_flow_table
from sidestream.knowledge.regions import demo_region_path
from sidestream.mapping.hubs import (
    HubParams,
    co2e_by_pair,
    evaluations_from_matches,
    find_hubs,
    hubs_geojson,
    max_exchange,
    outline_ring,
)
from sidestream.matching import MatchParams, match

KM_PER_DEG_LAT = math.pi / 180 * 6371.0088


def _flow(fid: str, actor: str, lat: float, lon: float, direction: str, amount: float) -> dict[str, Any]:
    return {"id": fid, "actor": actor, "site": actor, "lat": lat, "lon": lon, "direction": direction,
            "category": "heat", "annual_quantity": amount, "annual_unit": "MWh/yr"}  # fmt: skip


def _record(s: dict[str, Any], d: dict[str, Any], score: float, quantity: float | None) -> dict[str, Any]:
    side = lambda f: {"id": f["id"], "actor": f["actor"], "lat": f["lat"], "lon": f["lon"],  # noqa: E731
                      "category": "heat", "class_label": "Surplus heat 60–90 °C"}  # fmt: skip
    km = float(haversine_km(s["lat"], s["lon"], d["lat"], d["lon"]))
    est = {"quantity": quantity, "unit": "MWh/yr"} if quantity is not None else None
    return {"supply": side(s), "demand": side(d), "score": score, "distance_km": km, "estimate": est}


def planted(seed: int) -> tuple[pd.DataFrame, list[dict[str, Any]], list[set[str]]]:
    """Three parks 60+ km apart, each 4 supplies (100 MWh/yr) and 4 demands (50 MWh/yr)
    within 1 km, every supply matched to every demand (score 0.8); and 20 scattered
    sites far apart whose matches (score 0.7) run 20-60 km."""
    rng = np.random.default_rng(seed)
    centres = [(66.3, 14.1), (65.8, 13.2), (65.5, 12.2)]
    flows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    planted_sets = []
    for c, (lat0, lon0) in enumerate(centres):
        members = set()
        sups, dems = [], []
        for i in range(8):
            dy, dx = rng.uniform(-0.5, 0.5, 2)  # km
            lat = lat0 + dy / KM_PER_DEG_LAT
            lon = lon0 + dx / (KM_PER_DEG_LAT * math.cos(math.radians(lat0)))
            direction = "supply" if i < 4 else "demand"
            f = _flow(f"p{c}-{i}", f"Park{c} actor {i}", lat, lon, direction, 100.0 if i < 4 else 50.0)
            flows.append(f)
            members.add(f["actor"])
            (sups if i < 4 else dems).append(f)
        records += [_record(s, d, 0.8, 50.0) for s in sups for d in dems]
        planted_sets.append(members)
    noise = []
    for j in range(20):
        lat, lon = 64.0 + j * 0.25, 20.0 + (j % 2) * 0.5  # ≥ 20 km between neighbours
        noise.append(_flow(f"n{j}", f"Lone {j}", lat, lon, "supply" if j % 2 == 0 else "demand", 10.0))
    flows += noise
    records += [_record(noise[j], noise[j + 1], 0.7, 10.0) for j in range(0, 19, 2)]
    return pd.DataFrame(flows), records, planted_sets


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_planted_clusters_are_found_exactly(seed: int) -> None:
    flows, records, planted_sets = planted(seed)
    hubs = find_hubs(flows, records)
    assert len(hubs) == 3
    assert sorted(map(frozenset, planted_sets), key=sorted) == sorted(
        (frozenset(h.actors) for h in hubs), key=sorted
    )
    for h in hubs:
        # 4 supplies × 100 and 4 demands × 50, each pair limited to 50: the demands bind.
        assert h.potential == pytest.approx({"MWh/yr": 200.0})
        assert h.matches == 16
        assert h.co2e_t_per_yr is None


def test_hubs_ignore_weak_and_anonymised_matches() -> None:
    flows, records, _ = planted(1)
    weak = [dict(r, score=0.3) for r in records]
    assert find_hubs(flows, weak) == []
    hidden = [dict(r, anonymised="demand") for r in records]
    assert find_hubs(flows, hidden) == []


def test_a_dense_town_with_nothing_to_exchange_is_no_hub() -> None:
    flows = pd.DataFrame(
        [
            _flow(f"t{i}", f"Shop {i}", 66.3 + i * 0.001, 14.1, "supply" if i % 2 else "demand", 1.0)
            for i in range(30)
        ]
    )
    assert find_hubs(flows, []) == []


def test_co2e_follows_the_exchanged_share() -> None:
    flows, records, _ = planted(2)
    # Each pair avoids 10 t CO2e at its full 50 MWh; a hub exchanges 200 of the 16 × 50 = 800
    # MWh its pairs could carry, so it avoids 10 × 16 × 200 / 800 = 40 t/yr.
    co2e = {(r["supply"]["id"], r["demand"]["id"]): 10.0 for r in records}
    hubs = find_hubs(flows, records, co2e_t_per_yr=co2e)
    assert [h.co2e_t_per_yr for h in hubs] == pytest.approx([40.0, 40.0, 40.0])
    assert not any("CO2e not estimated" in " ".join(h.explain()) for h in hubs)


def test_explanations_say_why_in_both_languages() -> None:
    flows, records, _ = planted(3)
    hub = find_hubs(flows, records)[0]
    en, nb = hub.explain("en"), hub.explain("nb")
    assert any("4 supply and 4 demand flows" in line for line in en)
    assert any("16 matches with score ≥ 0.5 between 8 sites" in line for line in en)
    assert en != nb and len(en) == len(nb)


def test_outline_contains_its_sites_and_geojson_is_closed() -> None:
    flows, records, _ = planted(4)
    hubs = find_hubs(flows, records, HubParams(outline_buffer_km=0.3))
    collection = hubs_geojson(hubs)
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 3
    for h, feature in zip(hubs, collection["features"], strict=True):
        ring = feature["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        for m in h.members:
            assert min(lons) < m.lon < max(lons) and min(lats) < m.lat < max(lats)


def test_outline_of_one_site_is_a_circle_of_the_buffer() -> None:
    ring = outline_ring([66.0], [14.0], 2.0)
    distances = haversine_km(66.0, 14.0, [p[1] for p in ring], [p[0] for p in ring])
    assert np.allclose(distances, 2.0, rtol=0.01)


def test_max_exchange_by_hand() -> None:
    # a (12) → x (8) and y (6); b (5) → x. y takes 6 from a; x takes 8 from a's
    # remaining 6 and b's 5: 14 in all, and neither side over-counted.
    total, per_pair = max_exchange([("a", "x", 10), ("a", "y", 10), ("b", "x", 10)], {"a": 12, "b": 5},
                                   {"x": 8, "y": 6})  # fmt: skip
    assert total == 14.0
    assert per_pair[("a", "y")] == 6.0
    assert per_pair[("a", "x")] + per_pair[("b", "x")] == 8.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.floats(0, 100)), min_size=1, max_size=12),
    st.lists(st.floats(0, 100), min_size=4, max_size=4),
    st.lists(st.floats(0, 100), min_size=4, max_size=4),
)
def test_max_exchange_never_exceeds_any_capacity(
    edges: list[tuple[int, int, float]], supply: list[float], demand: list[float]
) -> None:
    pairs = list({(f"s{s}", f"d{d}"): (f"s{s}", f"d{d}", q) for s, d, q in edges}.values())
    total, per_pair = max_exchange(pairs, {f"s{i}": v for i, v in enumerate(supply)},
                                   {f"d{i}": v for i, v in enumerate(demand)})  # fmt: skip
    assert total <= sum(supply) + 1e-6 and total <= sum(demand) + 1e-6
    assert total <= sum(q for _, _, q in pairs) + 1e-6
    for s, d, q in pairs:
        assert -1e-9 <= per_pair[(s, d)] <= q + 1e-6


def test_bad_coordinates_are_refused_with_a_fix() -> None:
    flows = pd.DataFrame([_flow("a", "A", 95.0, 14.0, "supply", 1.0)])
    with pytest.raises(InvalidDataError, match="WGS84"):
        find_hubs(flows, [])
    with pytest.raises(InvalidDataError, match="lacks column"):
        find_hubs(flows.drop(columns=["lat"]), [])


@pytest.fixture(scope="module")
def helgeland_hubs():  # type: ignore[no-untyped-def]
    table = read_flow_table(demo_region_path("helgeland"))
    doc = match(table.frame, MatchParams(top_k=5)).to_json("en")
    return find_hubs(table.frame, doc["matches"])


# Mo Industripark (Elkem Rana's site, hel-001 in the demo table's coordinates) and the
# centre of Mosjøen.
MO_INDUSTRIPARK = (66.32155, 14.12620)
MOSJOEN = (65.8370, 13.1913)  # town centre


def test_helgeland_finds_mo_i_rana_first_and_mosjoen(helgeland_hubs) -> None:  # type: ignore[no-untyped-def]
    names = [h.name for h in helgeland_hubs]
    assert names[0] == "Mo i Rana"
    assert "Mosjøen" in names
    mo = helgeland_hubs[0]
    assert {"Elkem Rana AS", "Celsa Armeringsstål AS"} <= set(mo.actors)
    assert float(haversine_km(*mo.centroid, *MO_INDUSTRIPARK)) < 3.0
    mosjoen = helgeland_hubs[names.index("Mosjøen")]
    assert any("Alcoa" in a for a in mosjoen.actors)
    assert mosjoen.municipality == "Vefsn" and mo.municipality == "Rana"
    # Mo i Rana and Mosjøen are 66 km apart: never one hub; each hub's sites lie in its town.
    assert all(float(haversine_km(m.lat, m.lon, *MO_INDUSTRIPARK)) < 10 for m in mo.members)
    assert all(float(haversine_km(m.lat, m.lon, *MOSJOEN)) < 10 for m in mosjoen.members)
    assert mo.potential.get("MWh/yr", 0) > 0


def test_evaluations_are_read_from_match_estimates() -> None:
    flows, records, _ = planted(5)
    for i, r in enumerate(records):
        evaluable = i % 2 == 0
        r["estimate"] = {**r["estimate"], "evaluable": evaluable, "co2e_avoided": {"value": 10.0, "unit": "t/yr"},
                         "net_annual": {"value": 500.0, "unit": "EUR/yr"}}  # fmt: skip
    ev = evaluations_from_matches(records)
    assert len(ev) == (len(records) + 1) // 2
    first = records[0]
    assert ev[(first["supply"]["id"], first["demand"]["id"])]["co2e_t_per_yr"] == 10.0
    assert co2e_by_pair({}) is None
    hubs = find_hubs(flows, records, co2e_t_per_yr=co2e_by_pair(ev))
    assert all(h.co2e_t_per_yr is not None and h.co2e_t_per_yr > 0 for h in hubs)
