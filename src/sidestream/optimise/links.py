"""The candidate-link table: the one input of the network optimisation.

Evaluation (``sidestream.evaluation.links.link_table``) turns matches into one row per
candidate supply → demand link with what it is worth and what it costs; the optimiser
chooses among the rows. The table is plain pandas so that it can also be built by hand,
in a notebook or by a test, and is checked here once, at the boundary (validate, then
compute): every later step may trust its columns, types and signs.

Units live in the names: ``quantity_max`` and the two capacities are per year in the
row's ``quantity_unit`` (``MWh/yr``, ``t/yr`` …), money is EUR, emissions t CO2e.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sidestream.errors import OptimisationError
from sidestream.i18n import N_
from sidestream.optimise.metrics import METRICS

LINK_COLUMNS = [
    "link_id",
    "supply_id",
    "demand_id",
    "quantity_max",
    "quantity_unit",
    "supply_capacity",
    "demand_capacity",
    "value_eur_per_unit",
    "fixed_cost_eur_per_yr",
    "capex_eur",
    "co2e_t_per_unit",
    "distance_km",
    "category",
]
# Optional, with the value used when absent: CO2e of the heat a pipe loses (t/yr),
# subtracted once when the link is built, and the same for the energy it loses (MWh/yr).
OPTIONAL_COLUMNS = {"co2e_fixed_t_per_yr": 0.0, "energy_fixed_mwh_per_yr": 0.0}
# The metric set per unit exchanged (:data:`sidestream.optimise.metrics.METRICS`) is
# optional too, but absent or NaN means unknown (a table built by hand), not 0.
TEXT_COLUMNS = ["link_id", "supply_id", "demand_id", "quantity_unit", "category"]
NUMBER_COLUMNS = [c for c in [*LINK_COLUMNS, *OPTIONAL_COLUMNS] if c not in TEXT_COLUMNS]
# Quantities, costs, distances and the metric set cannot be negative; value and CO2e
# per unit can (a link may cost more to run than it saves, or emit more in transport
# than it avoids).
NON_NEGATIVE = [
    "quantity_max",
    "supply_capacity",
    "demand_capacity",
    "fixed_cost_eur_per_yr",
    "capex_eur",
    "distance_km",
    "energy_fixed_mwh_per_yr",
    *METRICS,
]


def check_links(links: pd.DataFrame, *, strict: bool = True) -> pd.DataFrame:
    """A clean copy of ``links`` with the columns of :data:`LINK_COLUMNS`, or a clear error.

    Rows that evaluation marks ``evaluable`` False are left out. Checks: every column
    present; link ids unique; numbers finite (an infinite
    ``quantity_max`` would make the model unbounded); quantities, costs and distances
    not negative; each supply has one unit and one capacity across its links (a
    demand's capacity is per link, in the link's unit). With ``strict=False`` a supply
    whose links disagree on its capacity takes the smallest one instead of failing.
    The metric columns of :data:`METRICS` are kept, NaN where absent or unknown, and
    must otherwise be finite and not negative.

    >>> table = pd.DataFrame([{"link_id": "a", "supply_id": "s", "demand_id": "d",
    ...     "quantity_max": 5.0, "quantity_unit": "t/yr", "supply_capacity": 5.0,
    ...     "demand_capacity": 8.0, "value_eur_per_unit": 10.0, "fixed_cost_eur_per_yr": 1.0,
    ...     "capex_eur": 10.0, "co2e_t_per_unit": 0.5, "distance_km": 3.0, "category": "material"}])
    >>> checked = check_links(table)
    >>> list(checked.columns) == [*LINK_COLUMNS, *OPTIONAL_COLUMNS, *METRICS]
    True
    >>> bool(checked["water_m3_per_unit"].isna().all())  # not given: unknown
    True
    """
    missing = [c for c in LINK_COLUMNS if c not in links.columns]
    if missing:
        raise OptimisationError(
            N_(
                "the link table lacks the column(s) {missing}; build it with "
                "sidestream.evaluation.links.link_table"
            ),
            missing=", ".join(missing),
        )
    if "evaluable" in links:  # evaluation marks links it could not value; they are not candidates
        links = links[links["evaluable"].fillna(False).astype(bool)]
    out = links[LINK_COLUMNS].copy()
    for column, default in OPTIONAL_COLUMNS.items():
        out[column] = links[column].fillna(default) if column in links else default
    for column in TEXT_COLUMNS:
        out[column] = out[column].astype(str)
    for column in NUMBER_COLUMNS:
        out[column] = _numbers(out, out[column], column, unknown_allowed=False)
    for column in METRICS:  # NaN is allowed (unknown); text or infinity is not
        out[column] = (
            _numbers(out, links[column], column, unknown_allowed=True) if column in links else np.nan
        )
    for column in NON_NEGATIVE:
        negative = out[column] < 0
        if negative.any():
            first = out.loc[negative, "link_id"].iloc[0]
            raise OptimisationError(
                N_("link {link_id}: {column} must not be negative"), link_id=first, column=column
            )
    duplicated = out["link_id"].duplicated()
    if duplicated.any():
        raise OptimisationError(
            N_("link id {link_id} appears twice"), link_id=out.loc[duplicated, "link_id"].iloc[0]
        )
    _check_supplies(out, strict)
    return out.reset_index(drop=True)


def _numbers(out: pd.DataFrame, raw: pd.Series, column: str, *, unknown_allowed: bool) -> pd.Series:
    """``raw`` as floats, or a clear error naming the first link whose value is text or
    infinite — or missing, unless ``unknown_allowed`` (NaN then means unknown)."""
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = np.isinf(values.to_numpy()) | (values.isna() & raw.notna()).to_numpy()
    if not unknown_allowed:
        bad |= values.isna().to_numpy()
    if bad.any():
        first = out.loc[bad, "link_id"].iloc[0]
        raise OptimisationError(
            N_("link {link_id}: {column} must be a finite number"), link_id=first, column=column
        )
    return values


def _check_supplies(links: pd.DataFrame, strict: bool) -> None:
    """One unit and one capacity per supply: its amount is a property of the flow."""
    side, key, capacity = "supply", "supply_id", "supply_capacity"
    groups = links[links["quantity_max"] > 0].groupby(key, sort=False)
    units = groups["quantity_unit"].nunique()
    if (units > 1).any():
        raise OptimisationError(
            N_("{side} {index} has links in more than one unit"), side=side, index=units[units > 1].index[0]
        )
    spread = groups[capacity].max() - groups[capacity].min()
    if (spread > 1e-9 * groups[capacity].max().abs().clip(lower=1.0)).any():
        if strict:
            raise OptimisationError(
                N_("{side} {index}: its links disagree on {capacity}; pass strict=False to use the smallest"),
                side=side,
                index=spread[spread > 0].index[0],
                capacity=capacity,
            )
        links[capacity] = links.groupby(key, sort=False)[capacity].transform("min")
