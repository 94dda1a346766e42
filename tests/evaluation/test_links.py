"""The optimiser's contract: columns, types and a link computed by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sidestream.evaluation.links import LINK_COLUMNS, as_links, link_table
from sidestream.evaluation.parameters import Parameters
from sidestream.evaluation.valuation import evaluate_pairs
from sidestream.io import read_flow_table
from sidestream.matching import MatchParams, match
from tests.conftest import write_csv
from tests.evaluation.conftest import make_pair


def test_columns_and_types_on_a_matching_result(small_region: Path, params: Parameters) -> None:
    result = match(read_flow_table(small_region).frame, MatchParams(top_k=3))
    links = link_table(result, params=params)
    assert list(links.columns[: len(LINK_COLUMNS)]) == LINK_COLUMNS
    assert len(links) == len(result.pairs)
    for column in ("link_id", "supply_id", "demand_id", "quantity_unit", "category"):
        assert all(isinstance(v, str) for v in links[column])
    for column in (
        "quantity_max",
        "value_eur_per_unit",
        "fixed_cost_eur_per_yr",
        "capex_eur",
        "co2e_t_per_unit",
    ):
        assert links[column].dtype == float
        assert links[column].notna().all()
    assert links["link_id"].is_unique


def test_a_material_link_by_hand(tmp_path: Path, params: Parameters) -> None:
    # 1200 t/yr of steel slag all year; the road builder needs 600 t/yr in months 1-6.
    flows = write_csv(tmp_path / "f.csv", [
        "s1,Steelworks,company,24.10,Mo,66.31,14.13,supply,stålslagg,by-product,,1200,t/yr,,1-12,public,",
        "d1,Municipality,municipality,84.11,Mo,66.32,14.16,demand,pukk til veibygging,material,,600,t/yr,,1-6,public,",
    ])  # fmt: skip
    frame = read_flow_table(flows).frame
    pairs = pd.DataFrame(
        {"supply_id": ["s1"], "demand_id": ["d1"], "distance_km": [10.0], "transport": ["road"]}
    )
    link = link_table(pairs, frame, params).iloc[0]
    # supply share in the 6 shared months: 1200 × 6/12 = 600; the need: 600 × 6/6 = 600
    assert link["quantity_max"] == pytest.approx(600.0)
    assert link["quantity_unit"] == "t/yr"
    assert link["supply_capacity"] == 1200.0 and link["demand_capacity"] == 600.0
    # 10 EUR/t virgin aggregate − 0.1 EUR/(t·km) × 10 km
    assert link["value_eur_per_unit"] == pytest.approx(9.0)
    # 0.005 t/t − 0.0001 t/(t·km) × 10 km
    assert link["co2e_t_per_unit"] == pytest.approx(0.004)
    assert link["capex_eur"] == 0.0 and link["fixed_cost_eur_per_yr"] == 0.0
    # NPV = 9 × 600 × annuity(5 %, 10 yr) = 5400 × 7.72173
    assert link["npv_eur"] == pytest.approx(5400 * 7.721735, rel=1e-6)


# --- the metric set per unit exchanged -------------------------------------------------

PER_PAIR = {  # coefficient column → the evaluation's per-pair metric
    "diverted_t_per_unit": "diverted_t_per_yr",
    "virgin_material_t_per_unit": "virgin_material_saved_t_per_yr",
    "water_m3_per_unit": "water_saved_m3_per_yr",
    "hazardous_t_per_unit": "hazardous_avoided_t_per_yr",
    "energy_mwh_per_unit": "energy_delivered_mwh_per_yr",
}


def _kinds() -> pd.DataFrame:
    """One pair of every valuation model, with distinct link ids."""
    heat = {"unit": "MWh/yr", "demand_unit": "MWh/yr", "supply_amount": 10_000.0, "demand_amount": 12_000.0,
            "transport": "pipe", "distance_km": 2.0, "supply_class": "heat_25_40c",
            "demand_class": "district_heating"}  # fmt: skip
    rows = {
        "slag": {},  # a by-product: diverted and virgin material saved
        "sand": {"category": "material", "supply_class": "foundry_sand"},
        "dust": {"category": "waste", "hazardous": True, "supply_class": "eaf_dust"},
        "water": {"category": "water", "unit": "m3/yr", "demand_unit": "m3/yr", "transport": "pipe",
                  "supply_class": "process_water"},
        "wastewater": {"category": "wastewater", "unit": "m3/yr", "demand_unit": "m3/yr",
                       "transport": "pipe", "supply_class": "wastewater"},
        "pumped": {**heat, "category": "heat", "supply_temp": 30.0, "demand_temp": 70.0},
        "direct": {**heat, "category": "heat", "supply_temp": 90.0, "demand_temp": 70.0},
        "cooling": {**heat, "category": "cooling", "supply_class": "cooling"},
        "power": {**heat, "category": "electricity", "transport": "grid", "supply_class": "electricity"},
        "gas": {**heat, "category": "gas", "supply_class": "biogas"},
    }  # fmt: skip
    return pd.concat(
        [make_pair(link_id=k, supply_id=f"s-{k}", demand_id=f"d-{k}", **v) for k, v in rows.items()],
        ignore_index=True,
    )


def test_metric_coefficients_times_quantity_max_reproduce_the_evaluation(params: Parameters) -> None:
    pairs = _kinds()
    ev = evaluate_pairs(pairs, params)
    links = as_links(ev)
    assert links["evaluable"].all()  # precondition: every kind is valued
    q = links["quantity_max"].to_numpy()
    assert (q > 0).all()
    for coefficient, metric in PER_PAIR.items():
        expected = ev[metric].to_numpy()
        got = links[coefficient].to_numpy() * q
        if coefficient == "energy_mwh_per_unit":
            got = np.maximum(got - links["energy_fixed_mwh_per_yr"].to_numpy(), 0.0)
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), coefficient
    by_id = links.set_index("link_id")
    # by hand: which pair counts toward which metric
    assert by_id.loc["slag", ["diverted_t_per_unit", "virgin_material_t_per_unit"]].tolist() == [1.0, 1.0]
    assert by_id.loc["sand", ["diverted_t_per_unit", "virgin_material_t_per_unit"]].tolist() == [0.0, 1.0]
    assert by_id.loc["dust", "hazardous_t_per_unit"] == 1.0 and by_id.loc["slag", "hazardous_t_per_unit"] == 0
    assert by_id.loc[["water", "wastewater"], "water_m3_per_unit"].tolist() == [1.0, 1.0]
    assert by_id.loc[["direct", "cooling", "power", "gas"], "energy_mwh_per_unit"].tolist() == [1.0] * 4
    assert by_id.loc[["slag", "water"], "energy_mwh_per_unit"].tolist() == [0.0, 0.0]
    assert by_id.loc[["power", "gas"], "energy_fixed_mwh_per_yr"].tolist() == [0.0, 0.0]  # no heat pipe


def test_heat_delivered_per_unit_is_the_heat_pumps_gain_less_the_pipes_loss(params: Parameters) -> None:
    p = params.with_overrides({"heat_pump.carnot_fraction": 0.5}, "scenario")
    pairs = _kinds()
    pumped = pairs[pairs["link_id"] == "pumped"].reset_index(drop=True)
    ev = evaluate_pairs(pumped, p)
    link = as_links(ev).iloc[0]
    cop = 0.5 * 348.15 / 50  # 70 °C + 5 K over a 50 K lift
    loss = ev["heat_loss_mwh_per_yr"].iloc[0]
    assert loss > 0  # precondition: 2 km of pipe
    assert link["energy_mwh_per_unit"] == pytest.approx(cop / (cop - 1))
    assert link["energy_fixed_mwh_per_yr"] == pytest.approx(loss * cop / (cop - 1))
    # linear with a fixed part: the evaluation at any smaller quantity agrees too
    for x in (0.25 * link["quantity_max"], 0.8 * link["quantity_max"]):
        at_x = evaluate_pairs(pumped, p, quantity=np.array([x]))["energy_delivered_mwh_per_yr"].iloc[0]
        assert link["energy_mwh_per_unit"] * x - link["energy_fixed_mwh_per_yr"] == pytest.approx(at_x)


def test_a_pair_that_is_no_candidate_counts_toward_nothing(params: Parameters) -> None:
    ev = evaluate_pairs(make_pair(demand_unit="m3/yr"), params)  # units differ: not evaluable
    link = as_links(ev).iloc[0]
    assert not link["evaluable"]
    assert [link[c] for c in [*PER_PAIR, "energy_fixed_mwh_per_yr"]] == [0.0] * 6
