"""Synthetic candidate-link tables for tests and benchmarks.

Shaped like what matching and evaluation give for a region: supplies and demands of
three categories scattered over an 80 km square, each supply linked to its 1–7
nearest demands of the same category (matching keeps the top K), with values, fixed
costs and CO2e of the right order of magnitude (assumptions below; they are for
exercising the solver, not estimates of anything):

- heat (MWh/yr): 10–35 EUR/MWh, pipe ≈ 1 MEUR/km capex, 0.05–0.2 t CO2e/MWh;
- material (t/yr): 10–60 EUR/t minus 0.1 EUR/(t·km) transport, 20–200 kEUR capex;
- water (m3/yr): 0.3–1.0 EUR/m3, pipe ≈ 0.3 MEUR/km, 0.3 kg CO2e/m3.

Fixed costs are capex × 8 % (annuity at 6 % over 25 years, rounded) plus 2 % opex.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

CATEGORIES = ("heat", "material", "water")
UNITS = {"heat": "MWh/yr", "material": "t/yr", "water": "m3/yr"}
ANNUAL_SHARE = 0.10  # annuity 8 % + fixed opex 2 % of capex per year
CENTRE = (66.0, 14.0)
KM_PER_DEG_LAT = 111.2


def synthetic_links(n_links: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A link table of exactly ``n_links`` rows and the flows' positions (``id, lat, lon``).

    >>> links, positions = synthetic_links(40, seed=1)
    >>> len(links), links["link_id"].is_unique, set(links["supply_id"]) <= set(positions["id"])
    (40, True, True)
    """
    rng = np.random.default_rng(seed)
    n_supply = max(n_links // 4, 1)
    n_demand = max(n_links // 4, 8)
    supply_cat = rng.choice(len(CATEGORIES), n_supply, p=[0.4, 0.4, 0.2])
    demand_cat = rng.choice(len(CATEGORIES), n_demand, p=[0.4, 0.4, 0.2])
    supply_xy = rng.uniform(0, 80, (n_supply, 2))
    demand_xy = rng.uniform(0, 80, (n_demand, 2))
    size = {"heat": 20_000.0, "material": 5_000.0, "water": 200_000.0}
    supply_cap = np.array([size[CATEGORIES[c]] for c in supply_cat]) * rng.lognormal(0, 0.8, n_supply)
    demand_cap = np.array([size[CATEGORIES[c]] for c in demand_cat]) * rng.lognormal(0, 0.8, n_demand)
    rows: list[tuple[int, int, float]] = []
    wanted = rng.integers(1, 8, n_supply)
    for c in range(len(CATEGORIES)):
        demands = np.flatnonzero(demand_cat == c)
        supplies = np.flatnonzero(supply_cat == c)
        if not len(demands) or not len(supplies):
            continue
        tree = cKDTree(demand_xy[demands])
        k = min(7, len(demands))
        dist, nearest = tree.query(supply_xy[supplies], k=k)
        dist, nearest = (
            np.asarray(dist).reshape(len(supplies), k),
            np.asarray(nearest).reshape(len(supplies), k),
        )
        for i, s in enumerate(supplies):
            for j in range(min(int(wanted[s]), k)):
                rows.append((int(s), int(demands[nearest[i, j]]), float(dist[i, j]) * 1.3 + 0.2))
    while len(rows) < n_links:  # top up with the next nearest of random supplies
        si, di = int(rng.integers(n_supply)), int(rng.integers(n_demand))
        if demand_cat[di] == supply_cat[si]:
            rows.append((si, di, float(np.hypot(*(supply_xy[si] - demand_xy[di]))) * 1.3 + 0.2))
    order = rng.permutation(len(rows))[:n_links]
    s_idx = np.array([rows[i][0] for i in order])
    d_idx = np.array([rows[i][1] for i in order])
    km = np.array([rows[i][2] for i in order])
    category = np.array(CATEGORIES)[supply_cat[s_idx]]
    n = len(order)
    value = np.select(
        [category == "heat", category == "material"],
        [rng.uniform(10, 35, n), rng.uniform(10, 60, n) - 0.1 * km],
        rng.uniform(0.3, 1.0, n),
    )
    capex = np.select(
        [category == "heat", category == "material"],
        [1e5 + 1e6 * km * rng.uniform(0.6, 1.4, n), rng.uniform(2e4, 2e5, n)],
        5e4 + 3e5 * km * rng.uniform(0.6, 1.4, n),
    )
    co2e = np.select(
        [category == "heat", category == "material"],
        [rng.uniform(0.05, 0.2, n), rng.uniform(0.05, 0.8, n) - 1e-4 * km],
        np.full(n, 3e-4),
    )
    links = pd.DataFrame({
        "link_id": [f"L{i:06d}" for i in range(n)],
        "supply_id": [f"S{i:05d}" for i in s_idx],
        "demand_id": [f"D{i:05d}" for i in d_idx],
        "quantity_max": np.minimum(supply_cap[s_idx], demand_cap[d_idx]),
        "quantity_unit": [UNITS[c] for c in category],
        "supply_capacity": supply_cap[s_idx],
        "demand_capacity": demand_cap[d_idx],
        "value_eur_per_unit": value,
        "fixed_cost_eur_per_yr": capex * ANNUAL_SHARE,
        "capex_eur": capex,
        "co2e_t_per_unit": co2e,
        "distance_km": km,
        "category": category,
    })  # fmt: skip
    positions = pd.DataFrame({
        "id": [f"S{i:05d}" for i in range(n_supply)] + [f"D{i:05d}" for i in range(n_demand)],
        "lat": CENTRE[0] + np.concatenate([supply_xy[:, 1], demand_xy[:, 1]]) / KM_PER_DEG_LAT,
        "lon": CENTRE[1] + np.concatenate([supply_xy[:, 0], demand_xy[:, 0]])
        / (KM_PER_DEG_LAT * np.cos(np.radians(CENTRE[0]))),
    })  # fmt: skip
    return links, positions
