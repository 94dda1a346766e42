"""A brute-force reference for the network optimisation, written independently of it.

Every way of building each link (off, direct, or — for trunk members — through its
trunk) is enumerated; for a fixed choice the quantities are a linear programme,
solved with scipy's ``linprog``. Written from the maths in docs/optimisation.md, not
from ``sidestream.optimise.network``: it shares no code with it beyond pandas.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog


@dataclass
class Best:
    objective: float | None  # None: no feasible network
    modes: dict[str, str]


def weights_and_scales(
    links: pd.DataFrame, objective: str, weight: float
) -> tuple[float, float, float, float]:
    if objective == "net-benefit":
        return 1.0, 0.0, 1.0, 1.0
    if objective == "co2e":
        return 0.0, 1.0, 1.0, 1.0
    sb = sum(
        max(0.0, r.value_eur_per_unit * r.quantity_max - r.fixed_cost_eur_per_yr) for r in links.itertuples()
    )
    sc = sum(max(0.0, r.co2e_t_per_unit * r.quantity_max - r.co2e_fixed_t_per_yr) for r in links.itertuples())
    return weight, 1.0 - weight, (sb or 1.0), (sc or 1.0)


def brute_force(
    links: pd.DataFrame,
    *,
    objective: str = "net-benefit",
    weight: float = 0.5,
    budget: float | None = None,
    max_distance: float | None = None,
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    members: pd.DataFrame | None = None,  # link_id, trunk_id, fixed_cost_eur_per_yr, capex_eur
    trunks: pd.DataFrame | None = None,  # trunk_id, fixed_cost_eur_per_yr, capex_eur
) -> Best:
    wb, wc, sb, sc = weights_and_scales(links, objective, weight)
    rows = list(links.itertuples(index=False))
    branch = {} if members is None else {r.link_id: r for r in members.itertuples(index=False)}
    trunk = {} if trunks is None else {r.trunk_id: r for r in trunks.itertuples(index=False)}
    options = []
    for r in rows:
        modes = ["off", "direct"] + (["trunk"] if r.link_id in branch else [])
        if r.link_id in exclude or (max_distance is not None and r.distance_km > max_distance):
            modes = ["off"]
        if r.link_id in include:
            modes = [m for m in modes if m != "off"]
        options.append(modes)
    best = Best(None, {})
    for choice in itertools.product(*options):
        fixed = capex = lost_co2 = 0.0
        used_trunks = set()
        for r, mode in zip(rows, choice, strict=True):
            if mode != "off":
                lost_co2 += r.co2e_fixed_t_per_yr
            if mode == "direct":
                fixed += r.fixed_cost_eur_per_yr
                capex += r.capex_eur
            elif mode == "trunk":
                fixed += branch[r.link_id].fixed_cost_eur_per_yr
                capex += branch[r.link_id].capex_eur
                used_trunks.add(branch[r.link_id].trunk_id)
        for t in used_trunks:
            fixed += trunk[t].fixed_cost_eur_per_yr
            capex += trunk[t].capex_eur
        if budget is not None and capex > budget + 1e-9:
            continue
        money, co2 = _lp(rows, choice, wb, wc, sb, sc)
        value = wb * (money - fixed) / sb + wc * (co2 - lost_co2) / sc
        if best.objective is None or value > best.objective + 1e-12:
            best = Best(value, {r.link_id: m for r, m in zip(rows, choice, strict=True)})
    return best


def _lp(
    rows: list, choice: tuple[str, ...], wb: float, wc: float, sb: float, sc: float
) -> tuple[float, float]:
    """Max of Σ (wb v/sb + wc e/sc) x over built links: returns (Σ v x, Σ e x) at that x."""
    built = [i for i, m in enumerate(choice) if m != "off"]
    if not built:
        return 0.0, 0.0
    coef = np.array([wb * rows[i].value_eur_per_unit / sb + wc * rows[i].co2e_t_per_unit / sc for i in built])
    a_ub, b_ub = [], []
    for flow in {rows[i].supply_id for i in built}:  # a supply's amount: Σ x ≤ cap
        a_ub.append([1.0 if rows[i].supply_id == flow else 0.0 for i in built])
        b_ub.append(min(rows[i].supply_capacity for i in built if rows[i].supply_id == flow))
    for flow in {rows[i].demand_id for i in built}:  # a demand's need, per link's unit: Σ x/cap ≤ 1
        a_ub.append([_share(rows[i]) if rows[i].demand_id == flow else 0.0 for i in built])
        b_ub.append(1.0)
    res = linprog(
        -coef,
        A_ub=np.array(a_ub),
        b_ub=np.array(b_ub),
        bounds=[(0, rows[i].quantity_max if rows[i].demand_capacity > 0 else 0.0) for i in built],
        method="highs",
    )
    assert res.status == 0
    x = res.x
    money = float(sum(rows[i].value_eur_per_unit * q for i, q in zip(built, x, strict=True)))
    co2 = float(sum(rows[i].co2e_t_per_unit * q for i, q in zip(built, x, strict=True)))
    return money, co2


def _share(row) -> float:  # type: ignore[no-untyped-def]
    return 1.0 / row.demand_capacity if row.demand_capacity > 0 else 0.0
