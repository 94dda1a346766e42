"""Shared heat trunks: one pipe from a supply serving several sinks along a corridor.

A district-heating style trunk is cheaper than parallel pipes when several sinks lie
in roughly the same direction from one heat source. The rule here is deliberately
simple and documented (docs/optimisation.md):

1. Only links of the trunk categories (heat) from the same supply are grouped.
2. Corridor: the bearing from the supply to each sink. Taking sinks from the farthest
   down, each still-unassigned sink anchors a corridor, and every unassigned sink whose
   bearing lies within ``max_angle_deg`` of the anchor's joins it. A corridor with at
   least two sinks becomes a trunk group.
3. Geometry: the trunk runs from the supply along the anchor's bearing for
   ``L = min(d_l · cos Δθ_l)`` km (abreast of the nearest member, ``d_l`` the link's
   route distance, ``Δθ_l`` its angle to the corridor). Each member keeps a branch from
   the trunk's end of length ``√(d² + L² − 2·d·L·cos Δθ)`` (law of cosines).
4. Costs: a heat link's fixed cost and capex are taken as proportional to its length
   (the pipe dominates), so a branch costs ``b_l / d_l`` of the link's own costs, and
   the trunk costs ``L × max_l(cost_l / d_l) × cost_factor`` — sized for the combined
   flow, assumed ``cost_factor`` = 1.3 times the largest member's cost per km.

The optimiser then lets each member be built either on its own (full costs) or as a
branch of the trunk (branch costs, plus the trunk's costs once), whichever is better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

TRUNK_CATEGORIES = ("heat",)
DEFAULT_MAX_ANGLE_DEG = 20.0
DEFAULT_COST_FACTOR = 1.3
TRUNK_COLUMNS = ["trunk_id", "supply_id", "length_km", "fixed_cost_eur_per_yr", "capex_eur"]
MEMBER_COLUMNS = ["link_id", "trunk_id", "branch_km", "fixed_cost_eur_per_yr", "capex_eur"]


def bearing_deg(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> NDArray[np.float64]:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north.

    >>> [round(float(b)) for b in bearing_deg([60, 60], [10, 10], [61, 60], [10, 11])]
    [0, 90]
    """
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dl = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    x = np.sin(dl) * np.cos(p2)
    y = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.asarray(np.degrees(np.arctan2(x, y)) % 360.0, dtype=np.float64)


def angle_between_deg(a: ArrayLike, b: ArrayLike) -> NDArray[np.float64]:
    """Smallest angle between two bearings, in [0, 180].

    >>> float(angle_between_deg(350.0, 10.0))
    20.0
    """
    d = np.abs(np.asarray(a, float) - np.asarray(b, float)) % 360.0
    return np.asarray(np.minimum(d, 360.0 - d), dtype=np.float64)


@dataclass(frozen=True)
class Trunks:
    """Trunk groups and what each member link costs as a branch.

    ``trunks``: ``trunk_id, supply_id, length_km, fixed_cost_eur_per_yr, capex_eur``.
    ``members``: ``link_id, trunk_id, branch_km, fixed_cost_eur_per_yr, capex_eur``
    (the branch's own costs when built through the trunk).
    """

    trunks: pd.DataFrame
    members: pd.DataFrame

    @classmethod
    def empty(cls) -> Trunks:
        return cls(
            pd.DataFrame(
                columns=["trunk_id", "supply_id", "length_km", "fixed_cost_eur_per_yr", "capex_eur"]
            ),
            pd.DataFrame(columns=["link_id", "trunk_id", "branch_km", "fixed_cost_eur_per_yr", "capex_eur"]),
        )

    def __len__(self) -> int:
        return len(self.trunks)


def trunk_groups(
    links: pd.DataFrame,
    positions: pd.DataFrame,
    *,
    max_angle_deg: float = DEFAULT_MAX_ANGLE_DEG,
    cost_factor: float = DEFAULT_COST_FACTOR,
    categories: tuple[str, ...] = TRUNK_CATEGORIES,
) -> Trunks:
    """Trunk groups for the heat links of ``links`` (a checked link table).

    ``positions`` gives each flow's location: columns ``id``, ``lat``, ``lon`` (the
    flow table) — links whose supply or demand has no position are never grouped.
    """
    pos = positions.assign(id=positions["id"].astype(str)).drop_duplicates("id").set_index("id")
    heat = links[links["category"].isin(categories) & (links["distance_km"] > 0)]
    heat = heat[heat["supply_id"].isin(pos.index) & heat["demand_id"].isin(pos.index)]
    trunk_rows: list[dict[str, object]] = []
    member_rows: list[dict[str, object]] = []
    for supply_id, group in heat.groupby("supply_id", sort=True):
        if len(group) < 2:
            continue
        s = pos.loc[str(supply_id)]
        bearings = bearing_deg(
            s["lat"], s["lon"], pos.loc[group["demand_id"], "lat"], pos.loc[group["demand_id"], "lon"]
        )
        order = np.argsort(-group["distance_km"].to_numpy(), kind="stable")
        assigned = np.zeros(len(group), bool)
        for anchor in order:
            if assigned[anchor]:
                continue
            delta = angle_between_deg(bearings, bearings[anchor])
            members = np.flatnonzero(~assigned & (delta <= max_angle_deg))
            assigned[anchor] = True
            if len(members) < 2:
                continue
            assigned[members] = True
            trunk_id = f"trunk-{supply_id}-{len(trunk_rows) + 1}"
            _add_trunk(trunk_rows, member_rows, trunk_id, str(supply_id), group.iloc[members],
                       np.radians(delta[members]), cost_factor)  # fmt: skip
    if not trunk_rows:
        return Trunks.empty()
    return Trunks(pd.DataFrame(trunk_rows), pd.DataFrame(member_rows))


def _add_trunk(
    trunk_rows: list[dict[str, object]],
    member_rows: list[dict[str, object]],
    trunk_id: str,
    supply_id: str,
    members: pd.DataFrame,
    delta_rad: NDArray[np.float64],
    cost_factor: float,
) -> None:
    d = members["distance_km"].to_numpy(float)
    length = float(np.min(d * np.cos(delta_rad)))
    branch = np.sqrt(np.maximum(d**2 + length**2 - 2 * d * length * np.cos(delta_rad), 0.0))
    fixed, capex = members["fixed_cost_eur_per_yr"].to_numpy(float), members["capex_eur"].to_numpy(float)
    trunk_rows.append({
        "trunk_id": trunk_id,
        "supply_id": supply_id,
        "length_km": length,
        "fixed_cost_eur_per_yr": length * float(np.max(fixed / d)) * cost_factor,
        "capex_eur": length * float(np.max(capex / d)) * cost_factor,
    })  # fmt: skip
    share = branch / d
    for link_id, b, f, c in zip(members["link_id"], branch, fixed * share, capex * share, strict=True):
        member_rows.append({
            "link_id": str(link_id), "trunk_id": trunk_id, "branch_km": float(b),
            "fixed_cost_eur_per_yr": float(f), "capex_eur": float(c),
        })  # fmt: skip
