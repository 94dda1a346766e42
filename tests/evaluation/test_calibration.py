"""Utility products, grid electricity and nutrient residues, computed by hand.

These are the valuation rules the calibration against Kalundborg Symbiosis changed
(docs/evaluation.md, "Calibration against Kalundborg"): a utility's steam, network heat,
cooling or grid gas is no surplus, so an exchange of it saves only the taker's cost
above the maker's; electricity sold to a neighbour instead of the grid is worth the
taker's price above wholesale and avoids no CO2e; digestate and biogas substrates are
worth their nutrients, not a feed price.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sidestream.evaluation.parameters import Parameters, default_parameters
from sidestream.evaluation.valuation import evaluate_pairs
from tests.evaluation.conftest import make_pair

# Round numbers; O&M and the project cost are zero so the net benefit is v·q by hand.
ENERGY: dict[str, object] = {
    "price.heat": {"value": 50, "unit": "EUR/MWh"},
    "heat.production_cost": {"value": 30, "unit": "EUR/MWh"},
    "ef.heat.production": {"value": 0.02, "unit": "t/MWh"},
    "ef.heat.district_heating": {"value": 0.1, "unit": "t/MWh"},
    "heat.full_load_hours": {"value": 5000, "unit": "h/yr"},
    "price.electricity": {"value": 100, "unit": "EUR/MWh"},
    "price.electricity_wholesale": {"value": 60, "unit": "EUR/MWh"},
    "price.natural_gas": {"value": 40, "unit": "EUR/MWh"},
    "gas.energy_content": {"value": 10, "unit": "kWh/Nm3"},
    "cooling.chiller_cop": 4.0,
    "finance.om_share": {"value": 0, "unit": "1/yr"},
}


@pytest.fixture
def energy(params: Parameters) -> Parameters:
    return params.with_overrides(ENERGY, "scenario")


def steam_pair(nace: str) -> pd.DataFrame:
    """1 000 MWh/yr of steam at 200 °C for a 5 000 MWh/yr need at 180 °C, 1 km of pipe."""
    return make_pair(
        category="steam", supply_class="steam_medium_pressure", demand_class="steam_medium_pressure",
        unit="MWh/yr", demand_unit="MWh/yr", supply_amount=1000.0, demand_amount=5000.0,
        supply_temp=200.0, demand_temp=180.0, transport="pipe", distance_km=1.0, supply_nace=nace,
    )  # fmt: skip


def test_a_utilitys_steam_is_worth_the_price_above_its_production_cost(energy: Parameters) -> None:
    r = evaluate_pairs(steam_pair("35.30"), energy).iloc[0]
    # 1 000 MWh / 5 000 h = 0.2 MW → DN50, 15 W/m × 1 000 m × 8 766 h = 131.49 MWh lost
    loss = 15 * 1000 * 8766 / 1e6
    delivered = 1000 - loss  # 868.51 MWh
    assert r["delivered_mwh_per_yr"] == pytest.approx(delivered)
    assert r["avoided_purchase_eur_per_yr"] == pytest.approx(delivered * 50)
    assert r["production_cost_eur_per_yr"] == pytest.approx(delivered * 30)
    assert r["net_annual_eur"] == pytest.approx(delivered * (50 - 30))  # 17 370.2 €/yr
    # displaced district heat 0.1 t/MWh less the maker's 0.02 t/MWh
    assert r["co2e_avoided_t_per_yr"] == pytest.approx(delivered * (0.1 - 0.02))
    # DN50 at 400 €/m × 1 000 m + a 200 kW substation at 100 €/kW; the LCOH carries the fuel:
    # (420 000 € × CRF(5 %, 10 yr) 0.1295046 + 868.51 MWh × 30 €/MWh) / 868.51 MWh
    assert r["capex_eur"] == pytest.approx(400 * 1000 + 200 * 100)
    assert r["lcoh_eur_per_mwh"] == pytest.approx(
        (420_000 * 0.1295046 + delivered * 30) / delivered, rel=1e-6
    )


def test_surplus_steam_of_a_refinery_carries_no_production_cost(energy: Parameters) -> None:
    r = evaluate_pairs(steam_pair("19.20"), energy).iloc[0]
    delivered = 1000 - 15 * 1000 * 8766 / 1e6
    assert r["production_cost_eur_per_yr"] == 0.0
    assert r["net_annual_eur"] == pytest.approx(delivered * 50)
    assert r["co2e_avoided_t_per_yr"] == pytest.approx(delivered * 0.1)


def test_a_power_plants_condenser_heat_stays_a_surplus(energy: Parameters) -> None:
    pair = steam_pair("35.30").assign(category="heat", supply_class="cooling_water", supply_temp=90.0,
                                      demand_temp=70.0)  # fmt: skip
    r = evaluate_pairs(pair, energy).iloc[0]
    delivered = 1000 - 15 * 1000 * 8766 / 1e6
    assert r["production_cost_eur_per_yr"] == 0.0
    assert r["net_annual_eur"] == pytest.approx(delivered * 50)


def test_network_heat_is_a_product_whoever_supplies_it(energy: Parameters) -> None:
    pair = steam_pair("36.00").assign(category="heat", supply_class="district_heating", supply_temp=80.0,
                                      demand_temp=70.0)  # fmt: skip
    r = evaluate_pairs(pair, energy).iloc[0]
    delivered = 1000 - 15 * 1000 * 8766 / 1e6
    assert r["net_annual_eur"] == pytest.approx(delivered * 20)


def test_electricity_is_worth_the_taker_price_above_wholesale_and_no_co2e(energy: Parameters) -> None:
    pair = make_pair(category="electricity", supply_class="surplus_electricity", demand_class="electricity",
                     unit="MWh/yr", demand_unit="MWh/yr", supply_amount=1000.0, demand_amount=2000.0,
                     transport="grid", distance_km=1.0, supply_nace="35.11")  # fmt: skip
    r = evaluate_pairs(pair, energy).iloc[0]
    assert r["quantity"] == 1000.0
    assert r["avoided_purchase_eur_per_yr"] == pytest.approx(1000 * 100)
    assert r["production_cost_eur_per_yr"] == pytest.approx(1000 * 60)  # the grid sale forgone
    assert r["net_annual_eur"] == pytest.approx(1000 * (100 - 60))
    # the MWh displaces the same grid mix whether it goes to the neighbour or the grid
    assert r["co2e_avoided_t_per_yr"] == 0.0
    assert r["capex_eur"] == pytest.approx(default_parameters()["cable.cost"] * 1000)


def gas_pair(nace: str) -> pd.DataFrame:
    return make_pair(category="gas", supply_class="biogas", demand_class="natural_gas", unit="Nm3/yr",
                     demand_unit="Nm3/yr", supply_amount=100_000.0, demand_amount=200_000.0,
                     transport="pipe", distance_km=0.0, supply_nace=nace)  # fmt: skip


def test_a_gas_utility_s_gas_gains_nothing_that_the_grid_would_not(energy: Parameters) -> None:
    sold = evaluate_pairs(gas_pair("35.21"), energy).iloc[0]
    # 100 000 Nm3 × 10 kWh/Nm3 = 1 000 MWh at 40 €/MWh bought, and sold to the grid anyway
    assert sold["avoided_purchase_eur_per_yr"] == pytest.approx(40_000)
    assert sold["production_cost_eur_per_yr"] == pytest.approx(40_000)
    assert sold["net_annual_eur"] == 0.0
    assert sold["co2e_avoided_t_per_yr"] == 0.0
    surplus = evaluate_pairs(gas_pair("20.59"), energy).iloc[0]  # an enzyme plant's own biogas
    assert surplus["net_annual_eur"] == pytest.approx(40_000)
    assert surplus["co2e_avoided_t_per_yr"] == pytest.approx(1000 * 56.1 * 3.6e-3)  # 56.1 t/TJ


def test_network_cooling_saves_nothing_its_chillers_do_not_spend(energy: Parameters) -> None:
    pair = make_pair(category="cooling", supply_class="district_cooling", demand_class="cooling_capacity",
                     unit="MWh/yr", demand_unit="MWh/yr", supply_amount=1000.0, demand_amount=1000.0,
                     supply_temp=6.0, demand_temp=6.0, transport="pipe", distance_km=0.0)  # fmt: skip
    r = evaluate_pairs(pair, energy).iloc[0]
    assert r["avoided_purchase_eur_per_yr"] == pytest.approx(1000 * 100 / 4)
    assert r["production_cost_eur_per_yr"] == pytest.approx(1000 * 100 / 4)
    assert r["net_annual_eur"] == 0.0
    assert r["co2e_avoided_t_per_yr"] == 0.0


def test_digestate_is_worth_its_nutrients(params: Parameters) -> None:
    p = params.with_overrides({"price.virgin.nutrients": {"value": 5, "unit": "EUR/t"},
                               "ef.virgin.nutrients": {"value": 0.03, "unit": "t/t"}}, "scenario")  # fmt: skip
    pair = make_pair(supply_class="digestate", demand_class="fertiliser", supply_amount=10_000.0,
                     demand_amount=20_000.0, distance_km=10.0)  # fmt: skip
    r = evaluate_pairs(pair, p).iloc[0]
    assert r["group"] == "nutrients"
    # 10 000 t × (5 €/t − 10 km × 0.1 €/(t·km)); storage cost and project cost are 0
    assert r["net_annual_eur"] == pytest.approx(10_000 * (5 - 1.0))
    assert r["co2e_avoided_t_per_yr"] == pytest.approx(10_000 * (0.03 - 10 * 0.1e-3))


def test_pairs_without_a_nace_column_are_surplus(energy: Parameters) -> None:
    pair = steam_pair("35.30").drop(columns=["supply_nace"])
    r = evaluate_pairs(pair, energy).iloc[0]
    assert r["production_cost_eur_per_yr"] == 0.0


def test_the_packaged_file_names_what_is_produced() -> None:
    p = default_parameters()
    assert {"district_heating", "district_cooling"} <= p.produced_classes
    assert "35" in p.produced_nace
    # the sources of the calibrated values are in the file
    assert "Forsyningstilsynet" in str(p.items["price.heat"].source.title)
    assert p["price.electricity_wholesale"] < p["price.electricity"]
