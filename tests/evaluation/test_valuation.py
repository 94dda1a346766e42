"""Whole-synergy evaluations computed by hand, and invariants (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidestream.evaluation.parameters import Parameters, default_parameters
from sidestream.evaluation.valuation import evaluate_pairs
from tests.evaluation.conftest import make_pair

HEAT = {
    "price.heat": {"value": 50, "unit": "EUR/MWh"},
    "price.electricity": {"value": 100, "unit": "EUR/MWh"},
    "heat_pump.capex": {"value": 1000, "unit": "EUR/kW"},
    "heat.substation_capex": {"value": 100, "unit": "EUR/kW"},
    "heat.full_load_hours": {"value": 5000, "unit": "h/yr"},
    "heat_pump.carnot_fraction": 0.5,
    "ef.heat.district_heating": {"value": 0.1, "unit": "t/MWh"},
    "finance.om_share": {"value": 0, "unit": "1/yr"},
}


def heat_pair(**fields: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "category": "heat", "supply_class": "heat_25_40c", "demand_class": "district_heating",
        "unit": "MWh/yr", "demand_unit": "MWh/yr", "supply_amount": 10_000.0, "demand_amount": 12_000.0,
        "supply_temp": 30.0, "demand_temp": 70.0, "transport": "pipe", "distance_km": 1.0,
    }  # fmt: skip
    base.update(fields)
    return make_pair(**base)


def test_heat_through_a_heat_pump_by_hand(params: Parameters) -> None:
    p = params.with_overrides(HEAT, "scenario")
    r = evaluate_pairs(heat_pair(), p).iloc[0]
    cop = 0.5 * 348.15 / 50  # 3.4815 (5 K approach each side)
    assert r["cop"] == pytest.approx(cop)
    # The need (12 000 MWh) binds: the source gives 12 000 × (COP−1)/COP, the pump adds the rest.
    assert r["delivered_mwh_per_yr"] == pytest.approx(12_000.0)
    electricity = 12_000 / cop  # 3446.78 MWh
    assert r["electricity_mwh_per_yr"] == pytest.approx(electricity)
    loss = 20 * 1000 * 8766 / 1e6  # DN100 (1.71 MW source load ≤ 3 MW): 175.32 MWh
    assert r["pipe_class"] == "DN100"
    assert r["heat_loss_mwh_per_yr"] == pytest.approx(loss)
    assert r["quantity"] == pytest.approx(12_000 * (cop - 1) / cop + loss)
    # 2 400 kW at the taker (12 000 MWh / 5 000 h): pump 2.4 M€, substation 0.24 M€; pipe 600 €/m × 1 km
    assert r["capex_eur"] == pytest.approx(2_400_000 + 240_000 + 600_000)
    net = 12_000 * 50 - electricity * 100  # 255 322 €/yr (project fixed cost 0, O&M 0)
    assert r["net_annual_eur"] == pytest.approx(net)
    assert r["npv_eur"] == pytest.approx(-3_240_000 + net * 7.721735, rel=1e-6)
    assert r["payback_yr"] == pytest.approx(3_240_000 / net)
    # LCOH = (capex × CRF(5 %, 10 yr) + electricity cost) / MWh delivered
    assert r["lcoh_eur_per_mwh"] == pytest.approx(
        (3_240_000 * 0.1295046 + electricity * 100) / 12_000, rel=1e-6
    )
    # CO2e: displaced district heat 0.1 t/MWh − pump electricity at the Norwegian grid factor 0.015 t/MWh
    assert r["co2e_avoided_t_per_yr"] == pytest.approx(12_000 * 0.1 - electricity * 0.015)
    assert r["co2e_electricity_t_per_yr"] == pytest.approx(electricity * 0.015)


def test_direct_heat_loses_heat_in_the_pipe(params: Parameters) -> None:
    p = params.with_overrides(HEAT, "scenario")
    r = evaluate_pairs(heat_pair(supply_temp=90.0, demand_amount=20_000.0, distance_km=2.0), p).iloc[0]
    assert np.isnan(r["cop"])
    # the supply binds: 10 000 MWh / 5 000 h = 2 MW ≤ 3 MW → DN100, 20 W/m × 2000 m × 8766 h
    loss = 20 * 2000 * 8766 / 1e6
    assert r["pipe_class"] == "DN100"
    assert r["delivered_mwh_per_yr"] == pytest.approx(10_000 - loss)
    assert r["net_annual_eur"] == pytest.approx((10_000 - loss) * 50)
    assert r["capex_eur"] == pytest.approx(600 * 2000 + 2000 * 100)  # pipe + 2 MW substation


def test_material_co2e_is_net_of_transport(params: Parameters) -> None:
    r = evaluate_pairs(make_pair(distance_km=30.0, transport="sea"), params).iloc[0]
    ship = default_parameters()["transport.ef.ship"]  # 0.013 kg/(t·km), UK DESNZ 2023
    assert ship == pytest.approx(0.013e-3)
    assert r["co2e_transport_t_per_yr"] == pytest.approx(600 * 30 * 0.013e-3)
    assert r["co2e_avoided_t_per_yr"] == pytest.approx(600 * 0.005 - 600 * 30 * 0.013e-3)
    assert r["virgin_material_saved_t_per_yr"] == 600.0
    assert r["diverted_t_per_yr"] == 600.0  # a by-product kept out of disposal


def test_waste_avoids_disposal_and_hazardous_waste_is_counted(params: Parameters) -> None:
    p = params.with_overrides({"gate_fee.hazardous": {"value": 300, "unit": "EUR/t"}}, "scenario")
    r = evaluate_pairs(make_pair(category="waste", hazardous=True, supply_class="eaf_dust"), p).iloc[0]
    assert r["avoided_disposal_eur_per_yr"] == pytest.approx(600 * 300)
    assert r["hazardous_avoided_t_per_yr"] == 600.0
    mixed = params.with_overrides(
        {"disposal.landfill_share": 0.25, "gate_fee.landfill": {"value": 80, "unit": "EUR/t"},
         "tax.landfill": {"value": 40, "unit": "EUR/t"}, "gate_fee.incineration": {"value": 100, "unit": "EUR/t"},
         "tax.incineration": {"value": 20, "unit": "EUR/t"}}, "scenario",
    )  # fmt: skip
    r = evaluate_pairs(make_pair(category="waste"), mixed).iloc[0]
    assert r["avoided_disposal_eur_per_yr"] == pytest.approx(600 * (0.25 * 120 + 0.75 * 120))


def test_water_saves_mains_water(params: Parameters) -> None:
    p = params.with_overrides({"price.water": {"value": 2, "unit": "EUR/m3"},
                               "water_pipe.cost": {"value": 200, "unit": "EUR/m"}}, "scenario")  # fmt: skip
    pair = make_pair(category="water", unit="m3/yr", demand_unit="m3/yr", supply_class="process_water",
                     supply_amount=50_000.0, demand_amount=80_000.0, distance_km=0.5, transport="pipe")  # fmt: skip
    r = evaluate_pairs(pair, p).iloc[0]
    assert r["water_saved_m3_per_yr"] == 50_000.0
    assert r["capex_eur"] == pytest.approx(200 * 500)
    assert r["net_annual_eur"] == pytest.approx(50_000 * 2 - 0.02 * 100_000)  # minus 2 %/yr O&M
    # UK DESNZ 2023: water supply 0.149 kg/m3
    assert r["co2e_avoided_t_per_yr"] == pytest.approx(50_000 * 0.149e-3)


def test_different_units_are_not_evaluated(params: Parameters) -> None:
    r = evaluate_pairs(make_pair(demand_unit="m3/yr"), params).iloc[0]
    assert not r["evaluable"] and "units" in r["note"]
    assert r["npv_eur"] == 0.0 and r["capex_eur"] == 0.0


# --- invariants ---------------------------------------------------------------------

months = st.integers(min_value=1, max_value=0xFFF)
amounts = st.floats(min_value=1.0, max_value=1e6)
kinds = st.sampled_from(["material", "heat_direct", "heat_pump", "water", "waste"])


def _pair(kind: str, s: float, d: float, sm: int, dm: int, km: float) -> pd.DataFrame:
    common = {
        "supply_amount": s,
        "demand_amount": d,
        "supply_months": sm,
        "demand_months": dm,
        "distance_km": km,
    }
    if kind == "material":
        return make_pair(**common)
    if kind == "waste":
        return make_pair(category="waste", transport="road", **common)
    if kind == "water":
        return make_pair(category="water", unit="m3/yr", demand_unit="m3/yr", transport="pipe", **common)
    return heat_pair(supply_temp=90.0 if kind == "heat_direct" else 35.0, demand_temp=70.0, **common)


@settings(max_examples=60, deadline=None)
@given(kinds, amounts, amounts, months, months, st.floats(0.0, 40.0), st.floats(0.01, 40.0))
def test_more_distance_never_raises_net_benefit(
    kind: str, s: float, d: float, sm: int, dm: int, km: float, extra: float
) -> None:
    params = default_parameters()
    near = evaluate_pairs(_pair(kind, s, d, sm, dm, km), params).iloc[0]
    far = evaluate_pairs(_pair(kind, s, d, sm, dm, km + extra), params).iloc[0]
    assert far["npv_eur"] <= near["npv_eur"] + 1e-6 * max(1.0, abs(near["npv_eur"]))
    assert far["net_annual_eur"] <= near["net_annual_eur"] + 1e-6 * max(1.0, abs(near["net_annual_eur"]))
    assert far["co2e_avoided_t_per_yr"] <= near["co2e_avoided_t_per_yr"] + 1e-9 * max(
        1.0, near["co2e_avoided_t_per_yr"]
    )


@settings(max_examples=40, deadline=None)
@given(kinds, amounts, months, months, st.floats(0.0, 40.0), st.booleans())
def test_zero_quantity_gives_zero_value_and_co2e(kind: str, d: float, sm: int, dm: int, km: float,
                                                 supply_side: bool) -> None:  # fmt: skip
    pair = _pair(kind, 0.0, d, sm, dm, km) if supply_side else _pair(kind, d, 0.0, sm, dm, km)
    r = evaluate_pairs(pair, default_parameters()).iloc[0]
    for column in (
        "npv_eur",
        "net_annual_eur",
        "capex_eur",
        "co2e_avoided_t_per_yr",
        "opex_fixed_eur_per_yr",
    ):
        assert r[column] == 0.0, column
    forced = evaluate_pairs(_pair(kind, d, d, sm, dm, km), default_parameters(), quantity=np.zeros(1)).iloc[0]
    assert forced["npv_eur"] == 0.0 and forced["co2e_avoided_t_per_yr"] == 0.0


@settings(max_examples=60, deadline=None)
@given(kinds, amounts, amounts, months, months, st.floats(0.0, 10.0))
def test_month_overlap_never_exchanges_more_than_either_side(
    kind: str, s: float, d: float, sm: int, dm: int, km: float
) -> None:
    r = evaluate_pairs(_pair(kind, s, d, sm, dm, km), default_parameters()).iloc[0]
    assert r["quantity"] <= s * (1 + 1e-12)
    if kind.startswith("heat"):
        assert r["delivered_mwh_per_yr"] <= d * (1 + 1e-9)  # what reaches the taker
    else:
        assert r["quantity"] <= d * (1 + 1e-12)
    if int(np.bitwise_count(sm & dm)) == 0:
        assert r["quantity"] == 0.0
