"""The contract between evaluation and the network optimiser: one row per candidate link.

Columns (docs/evaluation.md, "Contract for the optimiser"):

==========================  ======================================================
``link_id`` (str)           ``supply_id→demand_id``
``supply_id``, ``demand_id``  flow ids (str)
``quantity_max`` (float)    most the link can exchange per year, in ``quantity_unit``
                            (limited by both sides and the months they share)
``quantity_unit`` (str)     canonical unit of the supply: t/yr, MWh/yr, m3/yr, Nm3/yr
``supply_capacity``         the supply's whole annual amount (same unit)
``demand_capacity``         the demand's whole annual need *in this link's unit*: for
                            heat through a heat pump the source heat that fills it
                            (need/gain + pipe loss), so it can differ between links of
                            one demand — constrain Σ x_l / demand_capacity_l ≤ 1
``value_eur_per_unit``      net annual benefit per unit exchanged, without fixed
                            costs: avoided purchase + avoided disposal − variable
                            opex (heat-pump electricity) − transport. Revenue paid
                            between the partners is a transfer and nets out.
``fixed_cost_eur_per_yr``   annualised capex (capital recovery factor) + fixed O&M
                            + the value of heat the pipe loses; paid if built at all
``capex_eur``               investment if built (sized for ``quantity_max``)
``co2e_t_per_unit``         t CO2e avoided per unit exchanged, net of transport and
                            heat-pump electricity
``distance_km``             route distance
``category``                the supply's category
==========================  ======================================================

Extra columns (never renamed, may grow): ``co2e_fixed_t_per_yr`` (CO2e of the heat
a pipe loses, subtract when built), ``npv_eur``, ``evaluable``, ``note``, and the
metric set industrial-symbiosis programmes report, per unit exchanged:

==============================  ==================================================
``diverted_t_per_unit``         t diverted from landfill or incineration (waste and
                                by-products in t/yr: 1, else 0)
``virgin_material_t_per_unit``  t virgin material saved (anything in t/yr: 1)
``water_m3_per_unit``           m3 water saved (water and wastewater: 1)
``hazardous_t_per_unit``        t hazardous waste avoided (hazardous, in t/yr: 1)
``energy_mwh_per_unit``         MWh delivered per unit exchanged: per MWh of source
                                heat the heat pump's gain COP/(COP−1) (1 without a
                                pump, for cooling and for other MWh), else 0
``energy_fixed_mwh_per_yr``     MWh a pipe loses, as it would have been delivered:
                                subtract when built (as ``co2e_fixed_t_per_yr``)
==============================  ==================================================

Each is the evaluation's per-pair metric (``diverted_t_per_yr``,
``virgin_material_saved_t_per_yr``, ``water_saved_m3_per_yr``,
``hazardous_avoided_t_per_yr``, ``energy_delivered_mwh_per_yr``) at the evaluated
quantity — ``quantity_max`` — divided by it, 0 when it is 0; for a pipe's energy the
loss is a fixed part, so ``energy_mwh_per_unit · x − energy_fixed_mwh_per_yr`` (not
below 0) is the energy delivered at any ``x``, as the evaluation computes it.

Net annual benefit of a link carrying ``x`` is ``value_eur_per_unit · x −
fixed_cost_eur_per_yr`` when built; rows with ``evaluable`` False have
``quantity_max`` 0 and should be left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sidestream.evaluation.pairs import pairs_from_matches, pairs_from_table
from sidestream.evaluation.parameters import Parameters, default_parameters
from sidestream.evaluation.valuation import evaluate_pairs

LINK_COLUMNS = [
    "link_id", "supply_id", "demand_id", "quantity_max", "quantity_unit", "supply_capacity",
    "demand_capacity", "value_eur_per_unit", "fixed_cost_eur_per_yr", "capex_eur", "co2e_t_per_unit",
    "distance_km", "category",
]  # fmt: skip
METRIC_COLUMNS = [
    "diverted_t_per_unit", "virgin_material_t_per_unit", "water_m3_per_unit", "hazardous_t_per_unit",
    "energy_mwh_per_unit", "energy_fixed_mwh_per_yr",
]  # fmt: skip
EXTRA_COLUMNS = ["co2e_fixed_t_per_yr", "npv_eur", "evaluable", "note", *METRIC_COLUMNS]


def pairs_of(matches: Any, flows: pd.DataFrame | None) -> pd.DataFrame:
    """The pair table of a ``Matches`` or of a pairs DataFrame plus its flow table."""
    if isinstance(matches, pd.DataFrame):
        if flows is None:
            raise TypeError("a matches DataFrame needs the flow table (flows=...) it refers to")
        return pairs_from_table(matches, flows)
    return pairs_from_matches(matches)


def link_table(
    matches: Any,
    flows: pd.DataFrame | None = None,
    params: Parameters | None = None,
    link_overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """One row per candidate link (see the module docstring for the columns).

    ``matches`` is a :class:`~sidestream.matching.engine.Matches` (``flows`` unused) or
    a DataFrame with ``supply_id``, ``demand_id``, ``distance_km`` [, ``transport``]
    plus ``flows``, the flow table. ``link_overrides`` maps a ``link_id`` to parameter
    overrides for that link only (origin "synergy").
    """
    params = params or default_parameters()
    pairs = pairs_of(matches, flows)
    ev = evaluate_pairs(pairs, params)
    if link_overrides:
        for link_id, overrides in link_overrides.items():
            sel = np.flatnonzero(pairs["link_id"].to_numpy() == link_id)
            if sel.size:
                one = evaluate_pairs(pairs.iloc[sel], params.with_overrides(overrides, "synergy"))
                ev.iloc[sel] = one.to_numpy()
    return as_links(ev)


def as_links(ev: pd.DataFrame) -> pd.DataFrame:
    """The link columns of an evaluation frame, with unusable rows zeroed."""
    out = ev[LINK_COLUMNS + EXTRA_COLUMNS].copy()
    ok = out["evaluable"].astype(bool)
    out["quantity_max"] = np.where(ok, out["quantity_max"].astype(float), 0.0)
    for column in ("value_eur_per_unit", "co2e_t_per_unit", "supply_capacity", "demand_capacity"):
        out[column] = out[column].astype(float).where(ok, 0.0).fillna(out["quantity_max"])
    for column in ("link_id", "supply_id", "demand_id", "quantity_unit", "category"):
        out[column] = out[column].astype(str)
    for column in ("fixed_cost_eur_per_yr", "capex_eur", "distance_km", "co2e_fixed_t_per_yr", "npv_eur"):
        out[column] = out[column].astype(float)
    for column in METRIC_COLUMNS:  # a row that is no candidate counts toward nothing
        out[column] = out[column].astype(float).where(ok, 0.0)
    return out.reset_index(drop=True)
