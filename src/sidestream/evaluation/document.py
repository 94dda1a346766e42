"""Evaluation results as JSON with explicit units, and the parameters they used.

Every number is ``{"value": 12.3, "unit": "t/yr"}``; money is in the requested
currency (EUR or NOK at ``fx.nok_per_eur``). The same records feed the CLI, the API
and the web pages. :func:`banded` is what a viewer sees of an estimate whose other
side is confidential: orders of magnitude, never the exact amount.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd

from sidestream.evaluation.parameters import Parameters, pipe_classes
from sidestream.i18n import N_, translate

Currency = Literal["EUR", "NOK"]
DOCUMENT_VERSION = "1.0"
FINANCE_KEYS = ("finance.discount_rate", "finance.lifetime", "finance.om_share", "project.fixed_cost",
                "fx.nok_per_eur")  # fmt: skip

ASSUMPTIONS = [
    N_("estimate: screening-level costs and emission factors from the parameter file, not a design"),
    N_("capex at year 0, the same net benefit every year, real discount rate"),
    N_("equipment sized for the most both sides can exchange, before pipe losses"),
    N_("payments between the partners (revenue) are transfers: the joint value counts avoided costs"),
]


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) or math.isinf(v) else v


def quantity(value: Any, unit: str, digits: int = 3) -> dict[str, Any] | None:
    """``{"value", "unit"}`` rounded to ``digits`` significant digits, or None.

    >>> quantity(1234.5678, "t/yr")
    {'value': 1230.0, 'unit': 't/yr'}
    """
    v = _finite(value)
    if v is None:
        return None
    return {"value": float(f"{v:.{digits}g}"), "unit": unit}


def money(value_eur: Any, unit_suffix: str, currency: Currency, nok_per_eur: float) -> dict[str, Any] | None:
    """Money in ``currency``; ``unit_suffix`` is e.g. "/yr" or "/MWh".

    >>> money(100.0, "/yr", "NOK", 11.5)
    {'value': 1150.0, 'unit': 'NOK/yr'}
    """
    v = _finite(value_eur)
    if v is None:
        return None
    return quantity(v * (nok_per_eur if currency == "NOK" else 1.0), f"{currency}{unit_suffix}", 4)


def used_keys(rows: pd.DataFrame, params: Parameters) -> list[str]:
    """The parameters the evaluated rows depended on."""
    keys: set[str] = set(FINANCE_KEYS)
    categories = set(rows["category"].dropna().astype(str)) if len(rows) else set()
    units = set(rows["quantity_unit"].dropna().astype(str)) if len(rows) else set()
    grid = f"ef.grid.{params.choice('grid.country')}"
    if "MWh/yr" in units and categories & {"heat", "steam"}:
        displaced = params.choice("heat.displaced")
        keys |= {"price.heat", "price.electricity", "heat.displaced", "grid.country", grid,
                 "heat.source_price", "heat_pump.carnot_fraction", "heat_pump.capex",
                 "heat.substation_capex", "heat.full_load_hours"}  # fmt: skip
        keys |= {"ef.heat.district_heating"} if displaced == "district_heating" else set()
        if displaced in ("natural_gas", "oil", "coal", "wood_chips"):
            keys |= {f"ef.fuel.{displaced}", "heat.boiler_efficiency"}
        for dn in set(rows["pipe_class"].dropna().astype(str)) or set(pipe_classes(params)[:1]):
            keys |= {f"heat_pipe.cost.{dn}", f"heat_pipe.loss.{dn}", f"heat_pipe.capacity.{dn}"}
    if "cooling" in categories:
        keys |= {"price.electricity", "cooling.chiller_cop", "grid.country", grid}
    if "electricity" in categories:
        keys |= {"price.electricity", "grid.country", grid, "cable.cost"}
    if units & {"Nm3/yr"} or ("gas" in categories and "MWh/yr" in units):
        keys |= {"price.natural_gas", "ef.fuel.natural_gas", "gas.energy_content", "gas_pipe.cost"}
    if "m3/yr" in units:
        keys |= {"price.water", "ef.water.supply", "water_pipe.cost"}
        if "wastewater" in categories:
            keys |= {"price.wastewater", "ef.water.treatment"}
    if "t/yr" in units:
        keys |= {"storage.buffer_days", "storage.cost", "market.byproduct_price_share"}
        for group in set(rows["group"].dropna().astype(str)):
            keys |= {f"price.virgin.{group}", f"ef.virgin.{group}"}
        for mode in set(rows["transport_mode"].dropna().astype(str)) - {""}:
            keys |= {f"transport.cost.{mode}", f"transport.ef.{mode}"}
        if "waste" in categories:
            keys |= {"disposal.landfill_share", "tax.landfill", "tax.incineration", "gate_fee.landfill",
                     "gate_fee.incineration", "gate_fee.hazardous"}  # fmt: skip
    return sorted(k for k in keys if k in params.items)


def record(
    row: Mapping[str, Any], params: Parameters, currency: Currency = "EUR", lang: str = "en"
) -> dict[str, Any]:
    """One evaluated pair (a row of ``evaluate_pairs``) as JSON with units."""
    fx = params.nok_per_eur
    unit = str(row.get("quantity_unit") or "")

    def m(key: str, suffix: str) -> dict[str, Any] | None:
        return money(row.get(key), suffix, currency, fx)

    return {
        "link_id": row["link_id"],
        "supply_id": row["supply_id"],
        "demand_id": row["demand_id"],
        "category": row.get("category"),
        "evaluable": bool(row.get("evaluable")),
        "note": translate(str(row["note"]), lang) if row.get("note") else None,
        "physical": {
            "quantity": quantity(row.get("quantity"), unit),
            "quantity_max": quantity(row.get("quantity_max"), unit),
            "months": int(row.get("overlap_months") or 0),
            "distance": quantity(row.get("distance_km"), "km"),
            "transport_mode": row.get("transport_mode") or None,
            "heat_delivered": quantity(row.get("delivered_mwh_per_yr"), "MWh/yr"),
            "heat_loss": quantity(row.get("heat_loss_mwh_per_yr"), "MWh/yr"),
            "electricity": quantity(row.get("electricity_mwh_per_yr"), "MWh/yr"),
            "cop": None if _finite(row.get("cop")) is None else round(float(row["cop"]), 2),
            "pipe_class": row.get("pipe_class"),
            "capacity": quantity(row.get("capacity_kw"), "kW"),
        },
        "economic": {
            "capex": m("capex_eur", ""),
            "capex_parts": {
                "pipe": m("capex_pipe_eur", ""),
                "heat_pump": m("capex_heat_pump_eur", ""),
                "substation": m("capex_substation_eur", ""),
                "storage": m("capex_storage_eur", ""),
            },
            "opex_fixed": m("opex_fixed_eur_per_yr", "/yr"),
            "electricity_cost": m("electricity_cost_eur_per_yr", "/yr"),
            "transport_cost": m("transport_cost_eur_per_yr", "/yr"),
            "avoided_purchase": m("avoided_purchase_eur_per_yr", "/yr"),
            "avoided_disposal": m("avoided_disposal_eur_per_yr", "/yr"),
            "production_cost": m("production_cost_eur_per_yr", "/yr"),
            "revenue": m("revenue_eur_per_yr", "/yr"),
            "net_annual": m("net_annual_eur", "/yr"),
            "npv": m("npv_eur", ""),
            "payback": quantity(row.get("payback_yr"), "yr"),
            "lcoh": m("lcoh_eur_per_mwh", "/MWh"),
        },
        "environmental": {
            "co2e_avoided": quantity(row.get("co2e_avoided_t_per_yr"), "t/yr"),
            "co2e_transport": quantity(row.get("co2e_transport_t_per_yr"), "t/yr"),
            "co2e_electricity": quantity(row.get("co2e_electricity_t_per_yr"), "t/yr"),
            "diverted_from_disposal": quantity(row.get("diverted_t_per_yr"), "t/yr"),
            "virgin_material_saved": quantity(row.get("virgin_material_saved_t_per_yr"), "t/yr"),
            "water_saved": quantity(row.get("water_saved_m3_per_yr"), "m3/yr"),
            "hazardous_waste_avoided": quantity(row.get("hazardous_avoided_t_per_yr"), "t/yr"),
        },
    }


def totals(ev: pd.DataFrame, params: Parameters, currency: Currency = "EUR") -> dict[str, Any]:
    """Sums over the evaluable rows (the metric set IS programmes report)."""
    ok = ev[ev["evaluable"].astype(bool)] if len(ev) else ev
    fx = params.nok_per_eur

    def s(col: str) -> float:
        return float(ok[col].sum()) if len(ok) else 0.0

    return {
        "synergies": len(ok),
        "capex": money(s("capex_eur"), "", currency, fx),
        "net_annual": money(s("net_annual_eur"), "/yr", currency, fx),
        "npv": money(s("npv_eur"), "", currency, fx),
        "co2e_avoided": quantity(s("co2e_avoided_t_per_yr"), "t/yr"),
        "diverted_from_disposal": quantity(s("diverted_t_per_yr"), "t/yr"),
        "virgin_material_saved": quantity(s("virgin_material_saved_t_per_yr"), "t/yr"),
        "water_saved": quantity(s("water_saved_m3_per_yr"), "m3/yr"),
        "hazardous_waste_avoided": quantity(s("hazardous_avoided_t_per_yr"), "t/yr"),
        "energy_delivered": quantity(s("energy_delivered_mwh_per_yr"), "MWh/yr"),
    }


def document(
    ev: pd.DataFrame, params: Parameters, currency: Currency = "EUR", lang: str = "en"
) -> dict[str, Any]:
    """The evaluation of several pairs: records, totals, parameters used, assumptions."""
    rows = records_of(ev)
    return {
        "version": DOCUMENT_VERSION,
        "parameters_version": params.version,
        "currency": currency,
        "evaluations": [record(r, params, currency, lang) for r in rows],
        "totals": totals(ev, params, currency),
        "parameters": params.used(used_keys(ev, params)),
        "assumptions": [translate(a, lang) for a in ASSUMPTIONS],
    }


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as plain dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def tornado_records(table: pd.DataFrame, currency: Currency, nok_per_eur: float) -> list[dict[str, Any]]:
    """Tornado rows as JSON (money in ``currency``)."""
    out = []
    for r in records_of(table):
        out.append({
            "key": r["key"],
            "base": {"value": r["base"], "unit": r["unit"]},
            "low": {"value": r["low"], "unit": r["unit"]},
            "high": {"value": r["high"], "unit": r["unit"]},
            "delta_npv_low": money(r["delta_npv_low_eur"], "", currency, nok_per_eur),
            "delta_npv_high": money(r["delta_npv_high_eur"], "", currency, nok_per_eur),
            "delta_co2e_low": quantity(r["delta_co2e_low_t_per_yr"], "t/yr"),
            "delta_co2e_high": quantity(r["delta_co2e_high_t_per_yr"], "t/yr"),
            "origin": r["origin"],
        })  # fmt: skip
    return out


# --- what a viewer sees when one side is confidential ---------------------------------


def band(value: Any) -> list[float] | None:
    """The decade a magnitude lies in, [10^k, 10^(k+1)); the sign is kept.

    >>> band(3456.0), band(-20.0), band(0.0)
    ([1000.0, 10000.0], [-100.0, -10.0], [0.0, 0.0])
    """
    v = _finite(value)
    if v is None:
        return None
    if v == 0:
        return [0.0, 0.0]
    k = math.floor(math.log10(abs(v)))
    lo, hi = 10.0**k, 10.0 ** (k + 1)
    return [lo, hi] if v > 0 else [-hi, -lo]


def banded(estimate: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An estimate cut for a viewer who may not see one side: only decade bands of
    value, NPV and CO2e (no quantity, months, COP, capex parts or payback, which
    would measure the hidden flow)."""
    if not estimate:
        return None
    out: dict[str, Any] = {"banded": True, "assumptions": list(estimate.get("assumptions") or [])[:1]}
    if estimate.get("evaluable") is False:  # its zeros mean "not valued", not "worth nothing"
        return out
    for key in ("net_annual", "npv", "co2e_avoided"):
        item = estimate.get(key)
        if isinstance(item, Mapping) and item.get("value") is not None and float(item["value"]) != 0.0:
            out[key] = {"band": band(item["value"]), "unit": item.get("unit")}
    return out


def estimate_fields(row: Mapping[str, Any], params: Parameters) -> dict[str, Any]:
    """Fields added to a match's ``estimate`` (JSON contract 1.0: added, never renamed)."""
    fields: dict[str, Any] = {
        "evaluable": bool(row.get("evaluable")),
        "net_annual": money(row.get("net_annual_eur"), "/yr", "EUR", 1.0),
        "npv": money(row.get("npv_eur"), "", "EUR", 1.0),
        "capex": money(row.get("capex_eur"), "", "EUR", 1.0),
        "payback": quantity(row.get("payback_yr"), "yr"),
        "co2e_avoided": quantity(row.get("co2e_avoided_t_per_yr"), "t/yr"),
        "parameters_version": params.version,
    }
    if _finite(row.get("lcoh_eur_per_mwh")) is not None:
        fields["lcoh"] = money(row.get("lcoh_eur_per_mwh"), "/MWh", "EUR", 1.0)
    if row.get("note"):
        fields["note"] = row["note"]
    return fields
