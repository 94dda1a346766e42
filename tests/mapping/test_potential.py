"""Regional potential: bands, classes, water and municipalities summed by hand;
hexagons at about 10 km; the three-column Sankey."""

from __future__ import annotations

from typing import Any

import h3
import pandas as pd
import pytest

from sidestream.mapping.places import nearest_places
from sidestream.mapping.potential import H3_RESOLUTION, regional_potential, temperature_band, use_sankey


def flow(fid: str, direction: str, resource: str, category: str | None, amount: float | None, unit: str | None,
         lat: float = 66.32, lon: float = 14.13, temperature: float | None = None) -> dict[str, Any]:  # fmt: skip
    return {"id": fid, "actor": f"A{fid}", "site": f"S{fid}", "lat": lat, "lon": lon, "direction": direction,
            "resource": resource, "category": category, "annual_quantity": amount, "annual_unit": unit,
            "temperature_c": temperature}  # fmt: skip


@pytest.fixture
def flows() -> pd.DataFrame:
    return pd.DataFrame([
        flow("1", "supply", "surplus heat", "heat", 1000.0, "MWh/yr", temperature=30),
        flow("2", "supply", "surplus heat", "heat", 500.0, "MWh/yr", temperature=35),
        flow("3", "supply", "flue gas heat", "heat", 2000.0, "MWh/yr", temperature=120),
        flow("4", "demand", "space heating", "heat", 300.0, "MWh/yr", temperature=70),
        flow("5", "supply", "surplus heat", "heat", 40.0, "MW", temperature=65),  # not in MWh/yr: counted, not summed
        flow("6", "supply", "fly ash", "by-product", 700.0, "t/yr", lat=65.84, lon=13.19),
        flow("7", "supply", "fly ash", "by-product", 300.0, "t/yr", lat=65.84, lon=13.19),
        flow("8", "demand", "process water", "water", 5000.0, "m3/yr", lat=65.84, lon=13.19),
    ])  # fmt: skip


def test_heat_by_temperature_band(flows: pd.DataFrame) -> None:
    p = regional_potential(flows)
    bands = {r.key: r for r in p.heat_bands}
    assert list(bands) == ["lt25", "25-40", "40-60", "60-90", "ge90"]
    assert (bands["25-40"].supplies, bands["25-40"].supply_amount) == (2, 1500.0)
    assert (bands["ge90"].supplies, bands["ge90"].supply_amount) == (1, 2000.0)
    assert (bands["60-90"].supplies, bands["60-90"].supply_amount, bands["60-90"].unsummed) == (1, 0.0, 1)
    assert (bands["60-90"].demands, bands["60-90"].demand_amount) == (1, 300.0)
    assert bands["lt25"].supplies == 0


def test_band_edges() -> None:
    assert [temperature_band(t) for t in (24.9, 25.0, 40.0, 59.99, 60.0, 89.9, 90.0)] == [
        "lt25", "25-40", "40-60", "40-60", "60-90", "60-90", "ge90"
    ]  # fmt: skip


def test_materials_water_and_municipalities(flows: pd.DataFrame) -> None:
    p = regional_potential(flows)
    (ash,) = p.materials
    assert (ash.key, ash.supplies, ash.supply_amount) == ("coal_fly_ash", 2, 1000.0)
    (water,) = p.water
    assert (water.demands, water.demand_amount) == (1, 5000.0)
    towns = {m.municipality: m for m in p.municipalities}
    assert set(towns) == {"Rana", "Vefsn"}
    assert towns["Rana"].heat_supply_mwh_per_yr == 3500.0  # 1000 + 500 + 2000; the MW flow is not summed
    assert towns["Vefsn"].material_supply_t_per_yr == 1000.0
    assert towns["Vefsn"].flows == 3


def test_a_municipality_column_wins(flows: pd.DataFrame) -> None:
    p = regional_potential(flows.assign(municipality="Hemnes"))
    assert [m.municipality for m in p.municipalities] == ["Hemnes"]


def test_nearest_place_is_an_approximation_with_a_limit() -> None:
    mo, far = nearest_places([66.31, 0.0], [14.15, 0.0])
    assert mo is not None and mo.municipality == "Rana" and far is None


def test_hexagons_are_about_10_km_and_sum_by_cell(flows: pd.DataFrame) -> None:
    gj = regional_potential(flows).hexagons
    assert gj["type"] == "FeatureCollection"
    assert 8.0 < h3.average_hexagon_edge_length(H3_RESOLUTION, "km") < 12.0
    cells = {f["properties"]["h3"]: f for f in gj["features"]}
    assert len(cells) == 2  # Mo i Rana and Mosjøen
    mo = cells[h3.latlng_to_cell(66.32, 14.13, H3_RESOLUTION)]["properties"]
    assert (mo["flows"], mo["supplies"], mo["demands"]) == (5, 4, 1)
    assert mo["heat_supply_mwh_per_yr"] == 3500.0 and mo["heat_demand_mwh_per_yr"] == 300.0
    ring = cells[mo["h3"]]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 7


def test_sankey_source_use_sink_leaves_out_anonymised() -> None:
    def rec(s: str, d: str, actor: str, anonymised: str | None = None) -> dict[str, Any]:
        return {"supply": {"class_label": s, "category": "heat"}, "demand": {"class_label": d, "actor": actor},
                "score": 0.8, "anonymised": anonymised}  # fmt: skip

    s = use_sankey([rec("Heat", "District heating", "Mo Fjernvarme"), rec("Heat", "District heating", "Hospital"),
                    rec("Heat", "Greenhouse", "Secret", anonymised="demand")])  # fmt: skip
    names = [(n.name, n.side) for n in s.nodes]
    assert ("Secret", "sink") not in names and ("Greenhouse", "demand") not in names
    values = {(s.nodes[k.source].name, s.nodes[k.target].name): k.value for k in s.links}
    assert values == {("Heat", "District heating"): 2, ("District heating", "Mo Fjernvarme"): 1,
                      ("District heating", "Hospital"): 1}  # fmt: skip


def test_empty_table_gives_empty_tables() -> None:
    empty = pd.DataFrame(columns=["id", "actor", "site", "lat", "lon", "direction", "resource", "category",
                                  "annual_quantity", "annual_unit", "temperature_c"])  # fmt: skip
    p = regional_potential(empty)
    assert p.materials == [] and p.water == [] and p.municipalities == [] and p.hexagons["features"] == []
