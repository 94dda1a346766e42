"""What each synergy is worth — physics, money, CO2e — vectorised over all pairs.

Every pair's annual result is linear in the exchanged quantity ``q`` (in the supply's
canonical unit) once the link is built:

    net annual benefit  = v · q − F          (EUR/yr)
    CO2e avoided        = c · q − C          (t/yr)

with ``v`` and ``c`` per unit (avoided purchase and disposal, minus transport and
heat-pump electricity) and ``F``, ``C`` fixed per year (operation and maintenance,
and the value and CO2e of the heat a pipe loses). Capex is sized once, for the most
the link can carry. NPV = −capex + (v·q − F) · annuity factor. An unbuilt link
(``q = 0``) is worth nothing and costs nothing.

The metric set industrial-symbiosis programmes report (diverted from landfill or
incineration, virgin material saved, water saved, hazardous waste avoided, in t/yr or
m3/yr) is ``m · q`` with ``m`` 1 or 0 by the pair's unit and category; energy
delivered (MWh/yr) is ``e · q − E`` for a pipe (``e`` the heat pump's gain, ``E`` the
heat the pipe loses, as delivered; never below 0) and ``q`` for other MWh. The
coefficients are columns (``*_per_unit``, ``energy_fixed_mwh_per_yr``) so that the
optimiser can total them over the links it chooses.

Models by the supply's canonical unit and category (docs/evaluation.md):

- **heat / steam** (MWh/yr): pipe by DN class, heat loss W/m, optional heat pump
  (Carnot-fraction COP) with its electricity; displaces ``heat.displaced``. A
  utility's heat (``Parameters.is_produced``) costs its maker ``heat.production_cost``.
- **cooling** (MWh/yr): pipe; displaces electric chillers (``cooling.chiller_cop``),
  which a cooling utility runs itself: worth nothing extra.
- **electricity** (MWh/yr): cable; worth the taker's price above wholesale (the
  seller's alternative), no CO2e (the same MWh displaces the grid mix anyway).
- **gas** (MWh/yr or Nm3/yr): gas pipe; displaces natural gas, except a gas utility's
  gas, which is sold to the grid anyway.
- **water, wastewater** (m3/yr): pipe; displaces mains water (and the wastewater
  fee the supplier avoids).
- **materials, wastes, by-products and gases in t/yr**: truck, ship, rail or pipe per
  t·km, storage; displaces the virgin material of the class's valuation group, and for
  waste the landfill/incineration the supplier avoids.
- anything else (m2, h/yr, unknown units): not evaluated (``evaluable`` False).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sidestream.domain.units import HOURS_PER_YEAR
from sidestream.evaluation.economics import (
    annuity_factor,
    capital_recovery_factor,
    levelised_cost,
    simple_payback,
)
from sidestream.evaluation.emissions import displaced_heat_factor, grid_factor
from sidestream.evaluation.heat import heat_pump_cop, heat_pump_gain, pipe_class_index, pipe_heat_loss_mwh
from sidestream.evaluation.parameters import Parameters, pipe_classes
from sidestream.evaluation.transport import modes, per_tkm
from sidestream.i18n import N_

Array = NDArray[np.float64]
DAYS_PER_YEAR = HOURS_PER_YEAR / 24.0
HEAT_PUMP_MAX_LIFT_K = 70.0
WASTE_CATEGORIES = ("waste", "by-product")
THERMAL = ("heat", "steam")

# Reasons a pair has no evaluation (the ``note`` column).
NOTE_OK = ""
NOTE_UNITS = N_("units differ or are missing: the exchanged amount is unknown")
NOTE_NO_MODEL = N_("no valuation model for this category or unit")
NOTE_NO_OVERLAP = N_("no month in which both are available")


def months_count(mask: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.bitwise_count(mask).astype(np.int64)


def exchangeable(pairs: pd.DataFrame) -> tuple[Array, Array, Array, NDArray[np.int64]]:
    """(supply share, demand share, exchangeable quantity, overlap months) per pair.

    Each side's annual amount is spread evenly over its months; only the months both
    are available count. A missing amount on one side takes the other side's share.

    >>> p = pd.DataFrame({"supply_amount": [1200.0], "demand_amount": [600.0], "supply_months": [0xFFF],
    ...                   "demand_months": [0b111111], "unit": ["t/yr"], "demand_unit": ["t/yr"]})
    >>> [float(x[0]) for x in exchangeable(p)]
    [600.0, 600.0, 600.0, 6.0]
    """
    overlap = months_count(
        pairs["supply_months"].to_numpy(np.int64) & pairs["demand_months"].to_numpy(np.int64)
    )
    s_n = np.maximum(months_count(pairs["supply_months"].to_numpy(np.int64)), 1)
    d_n = np.maximum(months_count(pairs["demand_months"].to_numpy(np.int64)), 1)
    s_share = pairs["supply_amount"].to_numpy(float) * overlap / s_n
    d_share = pairs["demand_amount"].to_numpy(float) * overlap / d_n
    same_unit = (pairs["unit"].astype(object) == pairs["demand_unit"].astype(object)).to_numpy(bool)
    # Amounts in different units (t against Nm3) cannot be compared: no quantity.
    comparable = same_unit | ~np.isfinite(d_share)
    d_share = np.where(same_unit, d_share, np.nan)
    q = np.where(comparable, np.fmin(s_share, d_share), np.nan)  # fmin: a NaN side gives way
    return s_share, d_share, q, overlap


def evaluate_pairs(pairs: pd.DataFrame, params: Parameters, quantity: Array | None = None) -> pd.DataFrame:
    """Evaluate every pair (a table from :mod:`sidestream.evaluation.pairs`).

    ``quantity`` (canonical unit per year) evaluates at a given exchanged amount
    instead of the most the pair can exchange (capex stays sized for the most).
    Money in EUR, energy in MWh/yr, masses in t/yr, CO2e in t/yr.
    """
    n = len(pairs)
    unit = pairs["unit"].astype(object).to_numpy()
    category = pairs["category"].astype(object).fillna("").to_numpy()
    distance = np.nan_to_num(pairs["distance_km"].to_numpy(float), nan=0.0)
    length_m = distance * 1000.0
    s_share, d_share, q_pair, overlap = exchangeable(pairs)
    hours = params["heat.full_load_hours"] * overlap / 12.0
    op_hours = HOURS_PER_YEAR * overlap / 12.0

    is_mwh = unit == "MWh/yr"
    heat = is_mwh & np.isin(category, THERMAL)
    cooling = is_mwh & (category == "cooling")
    power = is_mwh & (category == "electricity")
    gas_mwh = is_mwh & ~heat & ~cooling & ~power
    gas_nm3 = unit == "Nm3/yr"
    water = unit == "m3/yr"
    material = unit == "t/yr"
    modelled = heat | cooling | power | gas_mwh | gas_nm3 | water | material

    p_el, ef_grid = params["price.electricity"], grid_factor(params)
    v = np.zeros(n)  # EUR per unit exchanged
    c = np.zeros(n)  # t CO2e avoided per unit exchanged
    revenue_unit = np.zeros(n)

    # --- heat: heat pump where the source is colder than the need ------------------
    t_s, t_d = pairs["supply_temp"].to_numpy(float), pairs["demand_temp"].to_numpy(float)
    lift = t_d - t_s
    pump = heat & np.isfinite(lift) & (lift > 0) & (lift <= HEAT_PUMP_MAX_LIFT_K)
    cop = np.full(n, np.nan)
    if pump.any():
        cop[pump] = heat_pump_cop(t_s[pump], t_d[pump], params["heat_pump.carnot_fraction"])
    gain = heat_pump_gain(cop)  # delivered per MWh of source heat
    el_per_unit = np.where(pump, gain / np.where(pump, cop, 1.0), 0.0)
    # A utility's product (steam raised in a boiler, network heat or cooling, grid gas)
    # is no surplus: its maker pays for the fuel or power, or could sell it elsewhere,
    # so only the taker's avoided cost above that is gained; for heat the CO2e is the
    # displaced heat's less the maker's (ef.heat.production).
    nace = pairs["supply_nace"] if "supply_nace" in pairs else pd.Series("", index=pairs.index)
    produced = params.is_produced(pairs["supply_class"], nace)
    f_heat = displaced_heat_factor(params)
    production_cost = np.where(heat & produced, params["heat.production_cost"], 0.0)
    v = np.where(heat, gain * params["price.heat"] - el_per_unit * p_el - production_cost, v)
    production_ef = np.where(heat & produced, params["ef.heat.production"], 0.0)
    c = np.where(heat, gain * f_heat - production_ef - el_per_unit * ef_grid, c)
    revenue_unit = np.where(heat, params["heat.source_price"], revenue_unit)
    # cooling displaces an electric chiller (a cooling plant's product: its own chillers)
    chiller_el = 1.0 / params["cooling.chiller_cop"]
    v = np.where(cooling, np.where(produced, 0.0, p_el * chiller_el), v)
    c = np.where(cooling, np.where(produced, 0.0, ef_grid * chiller_el), c)
    # Electricity: the seller could always sell to the grid at the wholesale price and
    # that MWh displaces the same grid mix either way, so a direct line is worth the
    # taker's price above wholesale (grid tariff and margin) and no CO2e.
    v = np.where(power, p_el - params["price.electricity_wholesale"], v)
    c = np.where(power, 0.0, c)
    v = np.where(gas_mwh, params["price.natural_gas"], v)
    c = np.where(gas_mwh, params["ef.fuel.natural_gas"], c)
    e_nm3 = params["gas.energy_content"]
    v = np.where(gas_nm3, params["price.natural_gas"] * e_nm3, v)
    c = np.where(gas_nm3, params["ef.fuel.natural_gas"] * e_nm3, c)
    # A gas utility's gas (biomethane, natural gas) is sold to the grid anyway: the
    # taker would have bought the same molecules there, so nothing is gained or avoided.
    gas_sold = (gas_mwh | gas_nm3) & produced
    v = np.where(gas_sold, 0.0, v)
    c = np.where(gas_sold, 0.0, c)
    # water: the taker saves mains water; a wastewater supplier saves its discharge fee
    wastewater = water & (category == "wastewater")
    v = np.where(water, params["price.water"] + np.where(wastewater, params["price.wastewater"], 0.0), v)
    c = np.where(
        water, params["ef.water.supply"] + np.where(wastewater, params["ef.water.treatment"], 0.0), c
    )

    # --- materials -------------------------------------------------------------------
    group = pairs["supply_class"].map(params.group_of).to_numpy(object)
    virgin_price = np.zeros(n)
    virgin_ef = np.zeros(n)
    for g in np.unique(group[material]) if material.any() else []:
        sel = material & (group == g)
        virgin_price[sel] = params[f"price.virgin.{g}"]
        virgin_ef[sel] = params[f"ef.virgin.{g}"]
    hazardous = pairs["hazardous"].to_numpy(bool)
    waste = material & (category == "waste")
    share = params["disposal.landfill_share"]
    disposal = share * (params["gate_fee.landfill"] + params["tax.landfill"]) + (1 - share) * (
        params["gate_fee.incineration"] + params["tax.incineration"]
    )
    avoided_disposal_unit = np.where(waste, np.where(hazardous, params["gate_fee.hazardous"], disposal), 0.0)
    mode = modes(pairs["transport"].astype(object))
    tkm_cost = np.where(material, per_tkm(params, mode, "cost") * distance, 0.0)
    tkm_ef = np.where(material, per_tkm(params, mode, "ef") * distance, 0.0)
    v = np.where(material, virgin_price + avoided_disposal_unit - tkm_cost, v)
    c = np.where(material, virgin_ef - tkm_ef, c)
    revenue_unit = np.where(material, virgin_price * params["market.byproduct_price_share"], revenue_unit)
    revenue_unit = np.where(gas_mwh | gas_nm3, 0.0, revenue_unit)

    # --- quantities ------------------------------------------------------------------
    # Size equipment on the loss-free flow the two sides allow: independent of
    # distance, so a longer route can only add cost.
    flow_src = np.fmin(s_share, d_share / gain)
    piped = heat | cooling
    load_mw = np.where(piped & (hours > 0), flow_src / np.where(hours > 0, hours, 1.0), 0.0)
    dns = pipe_classes(params)
    caps = np.array([params[f"heat_pipe.capacity.{dn}"] for dn in dns])
    dn_idx = pipe_class_index(load_mw, caps)
    n_parallel = np.maximum(np.ceil(load_mw / caps[dn_idx]), 1.0)
    pipe_cost = np.array([params[f"heat_pipe.cost.{dn}"] for dn in dns])[dn_idx] * n_parallel
    pipe_loss_w = np.array([params[f"heat_pipe.loss.{dn}"] for dn in dns])[dn_idx] * n_parallel
    loss = np.where(piped, pipe_heat_loss_mwh(pipe_loss_w, length_m, op_hours), 0.0)
    # Most the link can take: the supply's share, or what fills the need plus losses.
    q_max = np.where(piped, np.fmin(s_share, d_share / gain + loss), np.fmin(s_share, d_share))
    q_max = np.where(piped & ~(flow_src > 0), 0.0, q_max)  # no need (or no supply): no pipe
    q_max = np.where(modelled & np.isfinite(q_max) & np.isfinite(q_pair), np.maximum(q_max, 0.0), np.nan)
    q = q_max if quantity is None else np.minimum(np.asarray(quantity, float), np.nan_to_num(q_max))
    built = np.isfinite(q) & (q > 0)
    qb = np.where(built, q, 0.0)

    # --- capex -----------------------------------------------------------------------
    kw_out = np.where(piped, load_mw * gain * 1000.0, 0.0)  # at the taker
    capex_pipe = np.where(piped, pipe_cost * length_m, 0.0)
    capex_pipe = np.where(water, params["water_pipe.cost"] * length_m, capex_pipe)
    capex_pipe = np.where(gas_mwh | gas_nm3, params["gas_pipe.cost"] * length_m, capex_pipe)
    capex_pipe = np.where(power, params["cable.cost"] * length_m, capex_pipe)
    capex_hp = np.where(pump, kw_out * params["heat_pump.capex"], 0.0)
    capex_sub = np.where(piped, kw_out * params["heat.substation_capex"], 0.0)
    q_size = np.nan_to_num(q_max)
    capex_storage = np.where(
        material, q_size / DAYS_PER_YEAR * params["storage.buffer_days"] * params["storage.cost"], 0.0
    )
    capex = np.where(built, capex_pipe + capex_hp + capex_sub + capex_storage, 0.0)

    # --- annual money and CO2e --------------------------------------------------------
    loss_value = np.where(piped, loss * v, 0.0)  # heat lost never reaches the taker
    loss_co2 = np.where(piped, loss * c, 0.0)
    om = np.where(built, capex * params["finance.om_share"] + params["project.fixed_cost"], 0.0)
    delivered_src = np.where(piped, np.maximum(qb - loss, 0.0), qb)
    delivered = np.where(heat, delivered_src * gain, np.where(piped, delivered_src, np.nan))
    electricity = np.where(pump, delivered_src * el_per_unit, 0.0)
    net_variable = np.where(piped, delivered_src * v, qb * v)
    net_annual = np.where(built, net_variable - om, 0.0)
    co2e = np.where(built, np.where(piped, delivered_src * c, qb * c), 0.0)
    rate, years = params["finance.discount_rate"], params["finance.lifetime"]
    af = annuity_factor(rate, years)
    npv = np.where(built, -capex + net_annual * af, 0.0)
    # What the maker pays for what it hands over (fuel, its own chillers, or the grid
    # sale it forgoes); the avoided purchase is the taker's gross saving.
    maker_unit = np.where(power, params["price.electricity_wholesale"], production_cost)
    maker_unit = np.where(gas_mwh & produced, params["price.natural_gas"], maker_unit)
    maker_unit = np.where(gas_nm3 & produced, params["price.natural_gas"] * e_nm3, maker_unit)
    maker_unit = np.where(cooling & produced, p_el * chiller_el, maker_unit)
    production_cost_year = np.where(built, np.where(piped, delivered_src, qb) * maker_unit, 0.0)
    other_purchase = np.where(built, qb * (v + tkm_cost - avoided_disposal_unit + maker_unit), 0.0)
    avoided_purchase = np.where(
        heat, delivered * params["price.heat"], np.where(material, qb * virgin_price, other_purchase)
    )
    avoided_purchase = np.where(cooling, delivered_src * p_el * chiller_el, avoided_purchase)
    electricity_cost = electricity * p_el
    transport_cost = qb * tkm_cost
    lcoh_cost = om + electricity_cost + qb * np.where(heat, params["heat.source_price"], 0.0)
    lcoh_cost = lcoh_cost + np.where(heat, production_cost_year, 0.0)  # a utility's fuel
    lcoh = np.where(
        heat & built, levelised_cost(capex, lcoh_cost, np.nan_to_num(delivered), rate, years), np.nan
    )
    waste_like = material & np.isin(category, WASTE_CATEGORIES)

    note = np.full(n, NOTE_OK, dtype=object)
    note[~modelled] = NOTE_NO_MODEL
    note[modelled & ~np.isfinite(q_max)] = NOTE_UNITS
    note[modelled & (overlap == 0)] = NOTE_NO_OVERLAP
    return pd.DataFrame({
        "link_id": pairs["link_id"].to_numpy(),
        "supply_id": pairs["supply_id"].to_numpy(),
        "demand_id": pairs["demand_id"].to_numpy(),
        "category": category,
        "evaluable": modelled & np.isfinite(q_max) & (overlap > 0),
        "note": note,
        "quantity": np.where(np.isfinite(q_max), qb, np.nan),
        "quantity_max": q_max,
        "quantity_unit": unit,
        "supply_capacity": pairs["supply_amount"].to_numpy(float),
        "demand_capacity": np.where(piped, pairs["demand_amount"].to_numpy(float) / gain + loss,
                                    pairs["demand_amount"].to_numpy(float)),
        "overlap_months": overlap,
        "distance_km": distance,
        "transport_mode": mode,
        "group": pd.Series(group, dtype=object).where(material, None).to_numpy(),
        "cop": cop,
        "delivered_mwh_per_yr": delivered,
        "heat_loss_mwh_per_yr": np.where(piped & built, loss, np.where(piped, 0.0, np.nan)),
        "electricity_mwh_per_yr": np.where(heat, electricity, np.nan),
        "pipe_class": pd.Series(np.array(dns, dtype=object)[dn_idx]).where(piped, None).to_numpy(),
        "capacity_kw": np.where(piped, kw_out, np.nan),
        "capex_eur": capex,
        "capex_pipe_eur": np.where(built, capex_pipe, 0.0),
        "capex_heat_pump_eur": np.where(built, capex_hp, 0.0),
        "capex_substation_eur": np.where(built, capex_sub, 0.0),
        "capex_storage_eur": np.where(built, capex_storage, 0.0),
        "opex_fixed_eur_per_yr": om,
        "electricity_cost_eur_per_yr": electricity_cost,
        "transport_cost_eur_per_yr": transport_cost,
        "avoided_purchase_eur_per_yr": avoided_purchase,
        "avoided_disposal_eur_per_yr": qb * avoided_disposal_unit,
        "production_cost_eur_per_yr": production_cost_year,
        "revenue_eur_per_yr": qb * revenue_unit,
        "net_annual_eur": net_annual,
        "npv_eur": npv,
        "payback_yr": np.where(built, simple_payback(capex, net_annual), np.nan),
        "lcoh_eur_per_mwh": lcoh,
        "co2e_avoided_t_per_yr": co2e,
        "co2e_transport_t_per_yr": qb * tkm_ef,
        "co2e_electricity_t_per_yr": electricity * ef_grid,
        "diverted_t_per_yr": np.where(waste_like, qb, 0.0),
        "virgin_material_saved_t_per_yr": np.where(material, qb, 0.0),
        "water_saved_m3_per_yr": np.where(water, qb, 0.0),
        "hazardous_avoided_t_per_yr": np.where(material & hazardous, qb, 0.0),
        "energy_delivered_mwh_per_yr": np.where(is_mwh, np.nan_to_num(np.where(piped, delivered, qb)), 0.0),
        # the linear model (link_table)
        "value_eur_per_unit": np.where(modelled, v, np.nan),
        "fixed_cost_eur_per_yr": np.where(
            np.isfinite(q_max) & (np.nan_to_num(q_max) > 0),
            _capex_full(capex_pipe, capex_hp, capex_sub, capex_storage) * capital_recovery_factor(rate, years)
            + _capex_full(capex_pipe, capex_hp, capex_sub, capex_storage) * params["finance.om_share"]
            + params["project.fixed_cost"] + loss_value,
            0.0,
        ),
        "co2e_t_per_unit": np.where(modelled, c, np.nan),
        "co2e_fixed_t_per_yr": loss_co2,
        # the metric set per unit exchanged: each metric above is coefficient · q, except
        # piped energy, coefficient · q − what the pipe loses (delivered at the taker)
        **_metric_coefficients(
            q_max, {
                "diverted_t_per_unit": waste_like, "virgin_material_t_per_unit": material,
                "water_m3_per_unit": water, "hazardous_t_per_unit": material & hazardous,
                "energy_mwh_per_unit": np.where(heat, gain, 1.0) * is_mwh,
            }
        ),
        "energy_fixed_mwh_per_yr": np.where(piped, loss * np.where(heat, gain, 1.0), 0.0),
    })  # fmt: skip


def _metric_coefficients(q_max: Array, coefficients: dict[str, Array]) -> dict[str, Array]:
    """Each metric per unit exchanged (0 where the pair can exchange nothing, NaN where
    its quantity is unknown). The metrics are linear in ``q`` — a mass or volume is the
    quantity itself where the pair counts toward it, delivered energy the source heat
    times the heat pump's gain — so the coefficient does not depend on ``q``."""
    known = np.isfinite(q_max)
    return {
        name: np.where(known, np.where(np.nan_to_num(q_max) > 0, np.asarray(value, float), 0.0), np.nan)
        for name, value in coefficients.items()
    }


def _capex_full(*parts: Array) -> Array:
    total = np.zeros_like(parts[0])
    for part in parts:
        total = total + part
    return total
