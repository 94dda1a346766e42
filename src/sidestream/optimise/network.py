"""The network optimisation: which candidate links to build, and how much to exchange.

Three steps, as in PyPSA: :func:`prepare` turns the link table into *arcs* (one per way
a link can be built), :func:`build_model` adds one ``define_*`` per constraint family
(the maths in each docstring), :func:`optimise` solves with HiGHS and reads the
solution back with the solver status. Usable from a notebook::

    from sidestream.optimise import OptimiseParams, optimise
    result = optimise(links)                     # links: sidestream.evaluation.links.link_table(...)
    result.chosen                                # the links to build, with quantities and units

Notation: arcs ``a`` (a link built directly, or as a branch of a heat trunk), links
``l``, supplies ``s``, demands ``d``, trunks ``g``. Variables: ``x_a ≥ 0`` the quantity
per year, ``y_a ∈ {0, 1}`` built, ``z_g ∈ {0, 1}`` trunk built. Net benefit
``B = Σ v_a x_a − Σ f_a y_a − Σ F_g z_g`` (EUR/yr), CO2e avoided ``C = Σ e_a x_a``
(t/yr). The objective maximises ``w_B·B/S_B + w_C·C/S_C`` with ``(w_B, w_C)`` = (1, 0)
for net benefit, (0, 1) for CO2e and (W, 1 − W) for the mix, whose scales ``S`` are the
sums of every link's best stand-alone contribution, so that the two terms are comparable.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from sidestream.errors import InfeasibleError, OptimisationError
from sidestream.i18n import N_
from sidestream.optimise.blocks import BlockSolution, row_bounds, solve_blocks
from sidestream.optimise.links import check_links
from sidestream.optimise.metrics import FIXED_METRICS, METRIC_TOTALS, METRICS
from sidestream.optimise.trunks import Trunks

log = logging.getLogger(__name__)
QUANTITY_TOL = 1e-7  # relative to an arc's bound: below it a quantity is zero


class Objective(StrEnum):
    """What the network maximises."""

    NET_BENEFIT = "net-benefit"
    CO2E = "co2e"
    MIX = "mix"


class OptimiseParams(BaseModel):
    """The facilitator's choices for one optimisation run (JSON-ready, saved with scenarios)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    objective: Objective = Objective.NET_BENEFIT
    weight: float = Field(
        0.5, ge=0.0, le=1.0, description="mix only: weight of net benefit; CO2e gets 1 − weight"
    )
    budget_eur: float | None = Field(None, ge=0.0, description="upper bound on total capex, EUR")
    max_distance_km: float | None = Field(None, ge=0.0, description="links longer than this are not built")
    include: list[str] = Field(default_factory=list, description="link ids that must be built")
    exclude: list[str] = Field(default_factory=list, description="link ids that must not be built")
    trunks: bool = Field(True, description="offer shared heat trunks where trunk groups are given")
    mip_rel_gap: float = Field(1e-4, ge=0.0, le=1.0, description="relative MIP gap at which HiGHS stops")
    time_limit_s: float = Field(60.0, gt=0.0, description="solver time limit, seconds")
    decompose: bool = Field(True, description="without a budget, solve each connected component on its own")

    def weights(self) -> tuple[float, float]:
        """(weight of net benefit, weight of CO2e), summing to one.

        >>> OptimiseParams(objective="mix", weight=0.25).weights()
        (0.25, 0.75)
        """
        if self.objective == Objective.NET_BENEFIT:
            return 1.0, 0.0
        if self.objective == Objective.CO2E:
            return 0.0, 1.0
        return self.weight, 1.0 - self.weight


# --- step 1: arcs ---------------------------------------------------------------------


@dataclass(frozen=True)
class Arcs:
    """Everything the model needs, as arrays; shared with the PuLP benchmark model.

    ``frame`` has one row per arc: ``link`` (position in the link table), ``supply``,
    ``demand`` (integer codes), ``trunk`` (code, −1 when built directly), ``bound``
    (the tightest upper bound of ``x_a``: the link's maximum and both capacities),
    ``value``, ``co2e``, ``fixed``, ``capex``. Arcs that can never improve the objective
    are already left out (see :func:`prepare`).
    """

    frame: pd.DataFrame
    links: pd.DataFrame
    supply_capacity: np.ndarray[Any, np.dtype[np.float64]]
    demand_capacity: np.ndarray[Any, np.dtype[np.float64]]
    trunks: pd.DataFrame
    include: np.ndarray[Any, np.dtype[np.intp]]  # link positions that must be built
    scales: tuple[float, float]  # S_B (EUR/yr) and S_C (t/yr)
    weights: tuple[float, float]

    def per_unit(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Objective coefficient of ``x_a``: ``w_B v_a / S_B + w_C e_a / S_C``."""
        (wb, wc), (sb, sc) = self.weights, self.scales
        return np.asarray(wb * self.frame["value"] / sb + wc * self.frame["co2e"] / sc, dtype=np.float64)

    def per_build(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Objective coefficient of ``y_a``: ``−w_B f_a / S_B − w_C k_a / S_C`` (``k_a`` the
        CO2e of heat a pipe loses, t/yr, paid when built)."""
        (wb, wc), (sb, sc) = self.weights, self.scales
        cost = wb * self.frame["fixed"] / sb + wc * self.frame["co2e_fixed"] / sc
        return np.asarray(-cost, dtype=np.float64)

    def per_trunk(self) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.asarray(
            -self.weights[0] * self.trunks["fixed_cost_eur_per_yr"] / self.scales[0], dtype=np.float64
        )


def objective_scales(links: pd.DataFrame) -> tuple[float, float]:
    """``S_B = Σ max(0, v q − f)`` and ``S_C = Σ max(0, e q)`` over links (q the link's
    maximum), each 1 when zero: what the region could gain if every link were alone.

    >>> t = pd.DataFrame({"value_eur_per_unit": [10.0, 1.0], "quantity_max": [2.0, 5.0],
    ...     "fixed_cost_eur_per_yr": [5.0, 9.0], "co2e_t_per_unit": [0.5, -1.0]})
    >>> objective_scales(t)
    (15.0, 1.0)
    """
    q = links["quantity_max"].to_numpy(float)
    benefit = np.maximum(links["value_eur_per_unit"].to_numpy(float) * q - links["fixed_cost_eur_per_yr"], 0)
    co2e_fixed = links.get("co2e_fixed_t_per_yr", 0.0)
    co2e = np.maximum(links["co2e_t_per_unit"].to_numpy(float) * q - co2e_fixed, 0)
    sb, sc = float(np.sum(benefit)), float(np.sum(co2e))
    return (sb if sb > 0 else 1.0), (sc if sc > 0 else 1.0)


def prepare(links: pd.DataFrame, params: OptimiseParams, trunks: Trunks | None = None) -> Arcs:
    """Check the choices against the table and build the arcs.

    Left out, because an optimum never needs them: excluded links, links beyond the
    distance limit, and arcs whose best contribution ``max(0, c_a)·bound_a + b_a`` is not
    positive (``c_a``, ``b_a`` the coefficients of ``x_a`` and ``y_a``) — setting such an
    arc's ``x`` and ``y`` to zero keeps every constraint (all are upper bounds) and never
    lowers the objective. Must-include links are always kept.
    """
    links = check_links(links)
    ids = pd.Index(links["link_id"])
    include, exclude = _positions(ids, params.include, "include"), _positions(ids, params.exclude, "exclude")
    both = np.intersect1d(include, exclude)
    if len(both):
        raise OptimisationError(
            N_("link {link_id} is both included and excluded; choose one"), link_id=ids[both[0]]
        )
    keep = np.ones(len(links), bool)
    keep[exclude] = False
    if params.max_distance_km is not None:
        far = links["distance_km"].to_numpy() > params.max_distance_km
        too_far = np.intersect1d(include, np.flatnonzero(far))
        if len(too_far):
            raise InfeasibleError(
                N_(
                    "link {link_id} must be built but is longer than the distance limit of "
                    "{max_distance_km} km; raise the limit or drop the choice"
                ),
                link_id=ids[too_far[0]],
                max_distance_km=format(params.max_distance_km, "g"),
            )
        keep &= ~far
    supply_codes = pd.factorize(links["supply_id"])[0]
    demand_codes = pd.factorize(links["demand_id"])[0]
    supply_capacity = links.groupby(supply_codes)["supply_capacity"].min().to_numpy(float)
    # A demand's capacity is per link, in the link's unit (a heat pump's source heat
    # differs with the source's temperature): the demand row is Σ x_l / cap_l ≤ 1.
    demand_capacity = np.ones(int(demand_codes.max()) + 1 if len(demand_codes) else 0)
    bound = np.minimum.reduce([
        links["quantity_max"].to_numpy(float),
        supply_capacity[supply_codes],
        links["demand_capacity"].to_numpy(float),
    ])  # fmt: skip
    direct = pd.DataFrame({
        "link": np.arange(len(links)), "supply": supply_codes, "demand": demand_codes, "trunk": -1,
        "bound": bound, "value": links["value_eur_per_unit"].to_numpy(float),
        "co2e": links["co2e_t_per_unit"].to_numpy(float),
        "co2e_fixed": links["co2e_fixed_t_per_yr"].to_numpy(float),
        "supply_cap": supply_capacity[supply_codes], "demand_cap": links["demand_capacity"].to_numpy(float),
        "fixed": links["fixed_cost_eur_per_yr"].to_numpy(float), "capex": links["capex_eur"].to_numpy(float),
    })  # fmt: skip
    frames = [direct[keep]]
    trunk_table = Trunks.empty().trunks
    if params.trunks and trunks is not None and len(trunks):
        trunk_table = trunks.trunks.reset_index(drop=True)
        members = trunks.members.merge(
            pd.DataFrame({"link_id": links["link_id"], "link": np.arange(len(links))}), on="link_id"
        )
        via = direct.iloc[members["link"].to_numpy()].copy()
        via["trunk"] = pd.Index(trunk_table["trunk_id"]).get_indexer(members["trunk_id"])
        via["fixed"] = members["fixed_cost_eur_per_yr"].to_numpy(float)
        via["capex"] = members["capex_eur"].to_numpy(float)
        frames.append(via[keep[via["link"].to_numpy()]])
    arcs = pd.concat(frames, ignore_index=True)
    weights = params.weights()
    scales = objective_scales(links) if params.objective == Objective.MIX else (1.0, 1.0)
    result = Arcs(arcs, links, supply_capacity, demand_capacity, trunk_table, include, scales, weights)
    best = np.maximum(result.per_unit(), 0.0) * arcs["bound"].to_numpy() + result.per_build()
    useful = (best > 0) | arcs["link"].isin(include).to_numpy()
    return Arcs(arcs[useful].reset_index(drop=True), links, supply_capacity, demand_capacity, trunk_table,
                include, scales, weights)  # fmt: skip


def _positions(ids: pd.Index, chosen: list[str], what: str) -> np.ndarray[Any, np.dtype[np.intp]]:
    positions = ids.get_indexer(pd.Index([str(c) for c in chosen], dtype=object))
    if (positions < 0).any():
        unknown = [c for c, p in zip(chosen, positions, strict=True) if p < 0]
        raise OptimisationError(
            N_("cannot {what} unknown link id(s): {unknown}"), what=what, unknown=", ".join(map(str, unknown))
        )
    return np.unique(positions).astype(np.intp)


# --- step 2: the model ----------------------------------------------------------------


def build_model(arcs: Arcs, params: OptimiseParams) -> linopy.Model:
    """The MILP of the module docstring, one ``define_*`` per constraint family."""
    m = linopy.Model()
    f = arcs.frame
    index = pd.RangeIndex(len(f), name="arc")
    bound = xr.DataArray(f["bound"].to_numpy(float), coords=[index])
    x = m.add_variables(lower=0.0, upper=bound, name="x")
    y = m.add_variables(binary=True, coords=[index], name="y")
    define_switch(m, x, y, bound)
    define_capacity(m, x, f["supply"].to_numpy(), f["supply_cap"].to_numpy(float), "supply")
    define_capacity(m, x, f["demand"].to_numpy(), f["demand_cap"].to_numpy(float), "demand")
    define_one_mode(m, y, f["link"].to_numpy())
    define_include(m, y, f["link"].to_numpy(), arcs.include)
    z = define_trunks(m, y, f["trunk"].to_numpy(), len(arcs.trunks))
    if params.budget_eur is not None:
        define_budget(m, y, z, f["capex"].to_numpy(float), arcs.trunks, params.budget_eur)
    objective = (xr.DataArray(arcs.per_unit(), coords=[index]) * x).sum() + (
        xr.DataArray(arcs.per_build(), coords=[index]) * y
    ).sum()
    if z is not None:
        trunk_index = pd.RangeIndex(len(arcs.trunks), name="trunk")
        objective = objective + (xr.DataArray(arcs.per_trunk(), coords=[trunk_index]) * z).sum()
    m.add_objective(objective, sense="max")
    return m


def define_switch(m: linopy.Model, x: linopy.Variable, y: linopy.Variable, bound: xr.DataArray) -> None:
    """Nothing flows on an arc that is not built: ``x_a ≤ bound_a · y_a``."""
    m.add_constraints(x - bound * y <= 0, name="switch")


def define_capacity(
    m: linopy.Model,
    x: linopy.Variable,
    codes: np.ndarray[Any, np.dtype[Any]],
    capacity: np.ndarray[Any, np.dtype[np.float64]],
    side: str,
) -> None:
    """A supply is split across its takers within its amount, a demand is filled at
    most to its need: ``Σ_{a∈s} x_a / cap_a ≤ 1`` with ``cap_a`` the flow's capacity in
    the arc's unit (for a demand it may differ between links: a heat pump's source heat).
    Only flows whose arcs could together exceed it get a row (the others cannot bind)."""
    arc_bound = np.asarray(x.upper.values, float)
    share = np.divide(1.0, capacity, out=np.zeros_like(capacity), where=capacity > 0)
    total = np.bincount(codes, weights=arc_bound * share)
    binding = np.flatnonzero(total > 1.0 + 1e-9)
    if not len(binding):
        return
    arcs = np.flatnonzero(np.isin(codes, binding))
    index = pd.Index(arcs, name="arc")
    group = xr.DataArray(codes[arcs], coords=[index], name=side)
    lhs = (xr.DataArray(share[arcs], coords=[index]) * x.sel(arc=arcs)).groupby(group).sum()
    m.add_constraints(lhs <= 1.0, name=f"{side}_capacity")


def define_one_mode(m: linopy.Model, y: linopy.Variable, link: np.ndarray[Any, np.dtype[Any]]) -> None:
    """A link is built at most one way (directly or as a trunk branch): ``Σ_{a∈l} y_a ≤ 1``."""
    counts = np.bincount(link)
    multi = np.flatnonzero(counts > 1)
    if not len(multi):
        return
    arcs = np.flatnonzero(np.isin(link, multi))
    group = xr.DataArray(link[arcs], coords=[pd.Index(arcs, name="arc")], name="link")
    m.add_constraints(y.sel(arc=arcs).groupby(group).sum() <= 1, name="one_mode")


def define_include(
    m: linopy.Model,
    y: linopy.Variable,
    link: np.ndarray[Any, np.dtype[Any]],
    include: np.ndarray[Any, np.dtype[np.intp]],
) -> None:
    """Facilitator's must-include links are built (one way): ``Σ_{a∈l} y_a = 1``."""
    if not len(include):
        return
    arcs = np.flatnonzero(np.isin(link, include))
    group = xr.DataArray(link[arcs], coords=[pd.Index(arcs, name="arc")], name="included")
    m.add_constraints(y.sel(arc=arcs).groupby(group).sum() == 1, name="include")


def define_trunks(
    m: linopy.Model, y: linopy.Variable, trunk: np.ndarray[Any, np.dtype[Any]], n_trunks: int
) -> linopy.Variable | None:
    """A branch needs its trunk: ``y_a ≤ z_g`` for every arc ``a`` through trunk ``g``."""
    arcs = np.flatnonzero(trunk >= 0)
    if not len(arcs) or n_trunks == 0:
        return None
    z = m.add_variables(binary=True, coords=[pd.RangeIndex(n_trunks, name="trunk")], name="z")
    lhs = y.sel(arc=arcs) - z.sel(trunk=xr.DataArray(trunk[arcs], coords=[pd.Index(arcs, name="arc")]))
    m.add_constraints(lhs <= 0, name="trunk")
    return z


def define_budget(
    m: linopy.Model,
    y: linopy.Variable,
    z: linopy.Variable | None,
    capex: np.ndarray[Any, np.dtype[np.float64]],
    trunks: pd.DataFrame,
    budget_eur: float,
) -> None:
    """Total investment within the budget: ``Σ capex_a y_a + Σ capex_g z_g ≤ B``."""
    lhs = (xr.DataArray(capex, coords=[y.indexes["arc"]]) * y).sum()
    if z is not None:
        trunk_capex = xr.DataArray(trunks["capex_eur"].to_numpy(float), coords=[z.indexes["trunk"]])
        lhs = lhs + (trunk_capex * z).sum()
    m.add_constraints(lhs <= budget_eur, name="budget")


# --- step 3: solve and read back -------------------------------------------------------


@dataclass
class NetworkResult:
    """The chosen network and how it was found.

    ``chosen``: one row per link to build — ``link_id, supply_id, demand_id, quantity,
    quantity_unit, mode`` (``direct`` or ``trunk``), ``trunk_id``, ``net_benefit_eur_per_yr``
    (value of the quantity minus the link's fixed cost; a trunk's cost is in ``trunks``),
    ``co2e_t_per_yr``, ``capex_eur``, ``distance_km``, ``category`` and the metric set of
    :data:`METRIC_TOTALS` (``diverted_t_per_yr`` …, NaN when the link table does not
    give it; :mod:`sidestream.optimise.metrics`). Totals are in the field names' units;
    a metric's total is None when any chosen link's is unknown (a sum over the others
    would understate it).
    """

    params: OptimiseParams
    chosen: pd.DataFrame
    trunks: pd.DataFrame
    objective_value: float
    net_benefit_eur_per_yr: float
    co2e_t_per_yr: float
    capex_eur: float
    status: str
    termination: str
    mip_gap: float
    solve_time_s: float
    build_time_s: float
    n_candidates: int
    n_arcs: int
    diverted_t_per_yr: float | None = None
    virgin_material_saved_t_per_yr: float | None = None
    water_saved_m3_per_yr: float | None = None
    hazardous_avoided_t_per_yr: float | None = None
    energy_delivered_mwh_per_yr: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> dict[str, float | None]:
        """The metric set's totals by name (:data:`METRIC_TOTALS`)."""
        return {name: getattr(self, name) for name in METRIC_TOTALS}

    @property
    def link_ids(self) -> list[str]:
        return sorted(self.chosen["link_id"].astype(str))

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON (numbers carry their unit in their name)."""
        return {
            "params": self.params.model_dump(mode="json"),
            "status": self.status,
            "termination": self.termination,
            "objective": str(self.params.objective),
            "objective_value": self.objective_value,
            "net_benefit_eur_per_yr": self.net_benefit_eur_per_yr,
            "co2e_t_per_yr": self.co2e_t_per_yr,
            "capex_eur": self.capex_eur,
            **self.metrics(),
            "mip_gap": self.mip_gap if math.isfinite(self.mip_gap) else None,  # None: unknown
            "solve_time_s": self.solve_time_s,
            "build_time_s": self.build_time_s,
            "n_candidates": self.n_candidates,
            "n_chosen": len(self.chosen),
            "links": _records(self.chosen),
            "trunks": _records(self.trunks),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record in frame.to_dict(orient="records"):
        out.append(
            {str(k): (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}
        )
    return out


def optimise(
    links: pd.DataFrame,
    params: OptimiseParams | None = None,
    trunks: Trunks | None = None,
    progress: Callable[[float], None] | None = None,
) -> NetworkResult:
    """Choose the links to build. Raises :class:`~sidestream.errors.InfeasibleError`
    when no network meets the constraints and :class:`~sidestream.errors.OptimisationError`
    when the solver stops without a usable answer.

    ``progress`` (for a progress bar) gets the share of the solve done, in [0, 1], never
    decreasing: the share of columns in solved blocks as blocks finish (from the solver's
    worker threads; see :func:`~sidestream.optimise.blocks.solve_blocks`), and 1.0 at the
    end."""
    params = params or OptimiseParams()
    started = time.perf_counter()
    arcs = prepare(links, params, trunks)
    if arcs.frame.empty:
        build_time = time.perf_counter() - started
        if progress is not None:
            progress(1.0)
        return _read_back(arcs, params, np.zeros(0), np.zeros(0), "ok", "optimal", 0.0, 0.0, build_time)
    profile: dict[str, Any] = {}
    if params.budget_eur is None and params.decompose:
        matrix = scaled_matrix(arcs)  # written directly: linopy's build costs more than it helps here
        build_time = time.perf_counter() - started
        started = time.perf_counter()
        x, y, termination, gap = _solve_by_component(arcs, matrix, params, profile, progress)
    else:
        m = build_model(arcs, params)
        build_time = time.perf_counter() - started
        started = time.perf_counter()
        x, y, termination, gap = _solve_whole(m, arcs, params, profile, progress)
    status = "ok"
    solve_time = time.perf_counter() - started
    result = _read_back(arcs, params, x, y, status, termination, gap, solve_time, build_time)
    result.extra.update(profile)
    if progress is not None:
        progress(1.0)
    return result


Values = np.ndarray[Any, np.dtype[np.float64]]
Progress = Callable[[float], None] | None


def _infeasible() -> InfeasibleError:
    return InfeasibleError(
        "no network meets the constraints: the must-include links together cost more than "
        "the budget allows; raise the budget or include fewer links"
    )


def _solve_whole(
    m: linopy.Model, arcs: Arcs, params: OptimiseParams, profile: dict[str, Any], progress: Progress = None
) -> tuple[Values, Values, str, float]:
    """The whole model as one block (needed when a budget couples every link)."""
    return _solve_matrix(m, np.zeros(len(arcs.frame), dtype=np.int64), None, np.zeros(len(arcs.frame), bool),
                         params, profile, progress=progress)  # fmt: skip


def components(arcs: Arcs) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, np.dtype[np.int64]]]:
    """Connected component of each arc and of each trunk in the graph whose nodes are
    supplies, demands and trunks and whose edges are the arcs: pieces that share no
    constraint unless a budget joins them."""
    f = arcs.frame
    ns, nd, nt = len(arcs.supply_capacity), len(arcs.demand_capacity), len(arcs.trunks)
    via = f["trunk"].to_numpy() >= 0
    rows = np.concatenate([f["supply"].to_numpy(), f["supply"].to_numpy()[via]])
    cols = np.concatenate([ns + f["demand"].to_numpy(), ns + nd + f["trunk"].to_numpy()[via]])
    n = ns + nd + nt
    graph = sparse.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels[f["supply"].to_numpy()].astype(np.int64), labels[ns + nd + np.arange(nt)].astype(np.int64)


@dataclass
class ScaledMatrix:
    """The MILP of :func:`build_model` (without a budget) as arrays, written directly
    with scipy rather than through linopy, in the scaled variables HiGHS is given.

    Columns: ``x'_a = x_a / scale_a`` (``scale_a`` the arc's bound, 1 when the bound is
    0), then ``y_a``, then ``z_g``. Rows, in order: switch ``scale_a x'_a − bound_a y_a
    ≤ 0``; supply and demand capacity ``Σ scale_a x'_a / cap_a ≤ 1`` (only rows that can
    bind, as :func:`define_capacity`); one mode ``Σ_{a∈l} y_a ≤ 1`` (links with several
    arcs); include ``Σ_{a∈l} y_a = 1``; trunk ``y_a − z_g ≤ 0``. Objective (maximised)
    ``Σ c_a scale_a x'_a + Σ b_a y_a + Σ F_g z_g``. The same families as the linopy
    model, row for row; the whole-model path still goes through linopy, so the
    brute-force tests that run both paths compare two independent constructions.
    """

    a: sparse.csr_array
    row_lower: Values
    row_upper: Values
    cost: Values
    col_lower: Values
    col_upper: Values
    integer: np.ndarray[Any, np.dtype[np.bool_]]
    scale: Values


def scaled_matrix(arcs: Arcs) -> ScaledMatrix:
    """Build :class:`ScaledMatrix` with numpy and scipy: at 20 000 links this takes a
    few hundredths of a second against ~0.2–0.5 s through linopy."""
    f = arcs.frame
    n, nt = len(f), len(arcs.trunks)
    bound = f["bound"].to_numpy(float)
    scale = np.where(bound > 0, bound, 1.0)
    arc = np.arange(n)
    rows: list[np.ndarray[Any, np.dtype[np.int64]]] = [arc, arc]
    cols: list[np.ndarray[Any, np.dtype[np.int64]]] = [arc, n + arc]
    vals: list[Values] = [scale, -bound]
    upper: list[Values] = [np.zeros(n)]
    lower: list[Values] = [np.full(n, -np.inf)]
    n_rows = n

    def add(
        members: np.ndarray[Any, np.dtype[np.int64]],
        groups: np.ndarray[Any, np.dtype[np.int64]],
        columns: np.ndarray[Any, np.dtype[np.int64]],
        values: Values,
        lo: float,
        hi: float,
    ) -> None:
        nonlocal n_rows
        if not len(members):
            return
        labels, row = np.unique(groups, return_inverse=True)
        rows.append(n_rows + row.astype(np.int64))
        cols.append(columns)
        vals.append(values)
        lower.append(np.full(len(labels), lo))
        upper.append(np.full(len(labels), hi))
        n_rows += len(labels)

    for side, cap in (("supply", "supply_cap"), ("demand", "demand_cap")):
        codes, capacity = f[side].to_numpy(), f[cap].to_numpy(float)
        share = np.divide(1.0, capacity, out=np.zeros_like(capacity), where=capacity > 0)
        total = np.bincount(codes, weights=bound * share)
        members = np.flatnonzero(np.isin(codes, np.flatnonzero(total > 1.0 + 1e-9)))
        add(members, codes[members], members, share[members] * scale[members], -np.inf, 1.0)
    link = f["link"].to_numpy()
    members = np.flatnonzero(np.isin(link, np.flatnonzero(np.bincount(link) > 1)))
    add(members, link[members], n + members, np.ones(len(members)), -np.inf, 1.0)
    members = np.flatnonzero(np.isin(link, arcs.include))
    add(members, link[members], n + members, np.ones(len(members)), 1.0, 1.0)
    trunk = f["trunk"].to_numpy()
    via = np.flatnonzero(trunk >= 0) if nt else np.zeros(0, np.int64)
    if len(via):
        rows.extend([n_rows + np.arange(len(via)), n_rows + np.arange(len(via))])
        cols.extend([n + via, 2 * n + trunk[via]])
        vals.extend([np.ones(len(via)), -np.ones(len(via))])
        lower.append(np.full(len(via), -np.inf))
        upper.append(np.zeros(len(via)))
        n_rows += len(via)
    a = sparse.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, 2 * n + nt)
    )
    cost = np.concatenate(
        [arcs.per_unit() * scale, arcs.per_build(), arcs.per_trunk() if nt else np.zeros(0)]
    )
    col_upper = np.concatenate([bound / scale, np.ones(n + nt)])
    integer = np.concatenate([np.zeros(n, bool), np.ones(n + nt, bool)])
    return ScaledMatrix(a, np.concatenate(lower), np.concatenate(upper), cost, np.zeros(2 * n + nt),
                        col_upper, integer, np.concatenate([scale, np.ones(n + nt)]))  # fmt: skip


def _solve_by_component(
    arcs: Arcs,
    matrix: ScaledMatrix,
    params: OptimiseParams,
    profile: dict[str, Any],
    progress: Progress = None,
) -> tuple[Values, Values, str, float]:
    """Each component on its own (see :mod:`sidestream.optimise.blocks`); a component of
    one direct arc is solved in closed form: it survived :func:`prepare`, so building it
    at its bound pays (or it is a must-include link, built with ``x = bound`` only if a
    unit is worth something)."""
    arc_block, trunk_block = components(arcs)
    f = arcs.frame
    n = len(f)
    single = (np.bincount(arc_block)[arc_block] == 1) & (f["trunk"].to_numpy() < 0)
    if len(trunk_block):
        single &= ~np.isin(arc_block, trunk_block)
    x = np.where(single & (arcs.per_unit() > 0), f["bound"].to_numpy(float), 0.0)
    y = single.astype(float)
    closed = float(np.sum(arcs.per_unit()[single] * x[single] + arcs.per_build()[single]))
    block = np.where(single, -1, arc_block)
    col_block = np.concatenate([block, block, trunk_block])
    solved = solve_blocks(
        matrix.a, matrix.row_lower, matrix.row_upper, matrix.cost, matrix.col_lower, matrix.col_upper,
        matrix.integer, col_block, mip_rel_gap=params.mip_rel_gap, time_limit_s=params.time_limit_s,
        known_objective=closed, progress=progress,
    )  # fmt: skip
    values = solved.values * matrix.scale
    _profile(profile, solved)
    if solved.termination == "infeasible":
        raise _infeasible()
    x[~single], y[~single] = values[:n][~single], values[n : 2 * n][~single]
    total = closed + solved.objective
    gap = (solved.dual_bound - solved.objective) / max(abs(total), 1e-9) if solved.n_blocks else 0.0
    return x, y, solved.termination, max(gap, 0.0)  # gap inf when a block was never solved


def _profile(profile: dict[str, Any], solved: BlockSolution) -> None:
    profile.update(n_blocks=solved.n_blocks, largest_block_columns=solved.largest_cols,
                   largest_block_s=solved.largest_s, largest_block_gap=solved.largest_gap,
                   blocks_unstarted=solved.n_unstarted, blocks_open=solved.n_open,
                   block_reruns=solved.n_reruns, parked_blocks=solved.n_parked)  # fmt: skip


def _solve_matrix(
    m: linopy.Model,
    arc_block: np.ndarray[Any, np.dtype[np.int64]],
    trunk_block: np.ndarray[Any, np.dtype[np.int64]] | None,
    skip: np.ndarray[Any, np.dtype[np.bool_]],
    params: OptimiseParams,
    profile: dict[str, Any],
    closed: float = 0.0,
    progress: Progress = None,
) -> tuple[Values, Values, str, float]:
    """Solve the linopy model's matrix block by block (arcs in ``skip`` are left out;
    trunks share their arcs' blocks, or block 0 when ``trunk_block`` is None)."""
    matrices = m.matrices
    position = np.full(int(matrices.vlabels.max()) + 1, -1, dtype=np.int64)
    position[matrices.vlabels] = np.arange(len(matrices.vlabels))
    col_block = np.full(len(matrices.vlabels), -1, dtype=np.int64)
    x_cols, y_cols = position[m.variables["x"].labels.values], position[m.variables["y"].labels.values]
    col_block[x_cols] = np.where(skip, -1, arc_block)
    col_block[y_cols] = np.where(skip, -1, arc_block)
    if "z" in m.variables:
        z_cols = position[m.variables["z"].labels.values]
        col_block[z_cols] = trunk_block if trunk_block is not None else 0
    lower, upper = row_bounds(matrices.b, matrices.sense)
    assert matrices.A is not None
    # Solve in x_a / bound_a ∈ [0, 1] (exact change of variables, undone below): in
    # physical units the matrix spans 1/capacity ≈ 1e-6 to bound ≈ 1e6 and HiGHS's
    # branch and bound stalls (a 412-arc water block: 4 % gap after 60 s, against
    # optimal in 0.4 s scaled).
    scale = np.ones(len(matrices.vlabels))
    bound = np.asarray(matrices.ub[x_cols], float)
    scale[x_cols] = np.where(bound > 0, bound, 1.0)
    a = sparse.csc_array(matrices.A) @ sparse.diags_array(scale)
    solved = solve_blocks(
        a, lower, upper, matrices.c * scale, matrices.lb / scale, matrices.ub / scale, matrices.vtypes != "C",
        col_block, mip_rel_gap=params.mip_rel_gap, time_limit_s=params.time_limit_s, known_objective=closed,
        progress=progress,
    )  # fmt: skip
    solved.values = solved.values * scale
    _profile(profile, solved)
    if solved.termination == "infeasible":
        raise _infeasible()
    total = closed + solved.objective
    gap = (solved.dual_bound - solved.objective) / max(abs(total), 1e-9) if solved.n_blocks else 0.0
    # inf when a block was never solved (time limit)
    return solved.values[x_cols], solved.values[y_cols], solved.termination, max(gap, 0.0)


def _read_back(
    arcs: Arcs,
    params: OptimiseParams,
    x: np.ndarray[Any, np.dtype[np.float64]],
    y: np.ndarray[Any, np.dtype[np.float64]],
    status: str,
    termination: str,
    gap: float,
    solve_time: float,
    build_time: float,
) -> NetworkResult:
    """Totals from the solution itself. An arc built but carrying nothing is dropped
    unless it was a must-include choice: with non-negative fixed costs that never lowers
    the objective, and a built pipe with no flow is not a recommendation."""
    f = arcs.frame
    bound = f["bound"].to_numpy(float)
    x = np.where(x > QUANTITY_TOL * np.maximum(bound, 1.0), np.clip(x, 0.0, bound), 0.0)
    built = (y > 0.5) & ((x > 0) | f["link"].isin(arcs.include).to_numpy())
    chosen_arcs = f[built].copy()
    chosen_arcs["quantity"] = x[built]
    trunk_used = np.unique(chosen_arcs.loc[chosen_arcs["trunk"] >= 0, "trunk"].to_numpy()).astype(int)
    trunks = arcs.trunks.iloc[trunk_used].reset_index(drop=True)
    links = arcs.links.iloc[chosen_arcs["link"].to_numpy()]
    q = chosen_arcs["quantity"].to_numpy()
    chosen = pd.DataFrame({
        "link_id": links["link_id"].to_numpy(),
        "supply_id": links["supply_id"].to_numpy(),
        "demand_id": links["demand_id"].to_numpy(),
        "quantity": q,
        "quantity_unit": links["quantity_unit"].to_numpy(),
        "mode": np.where(chosen_arcs["trunk"].to_numpy() >= 0, "trunk", "direct"),
        "trunk_id": [
            arcs.trunks["trunk_id"].iloc[t] if t >= 0 else None for t in chosen_arcs["trunk"].to_numpy()
        ],
        "net_benefit_eur_per_yr": chosen_arcs["value"].to_numpy() * q - chosen_arcs["fixed"].to_numpy(),
        "co2e_t_per_yr": chosen_arcs["co2e"].to_numpy() * q - chosen_arcs["co2e_fixed"].to_numpy(),
        "capex_eur": chosen_arcs["capex"].to_numpy(),
        "distance_km": links["distance_km"].to_numpy(),
        "category": links["category"].to_numpy(),
        **_link_metrics(links, q),
    }).sort_values("link_id", kind="stable", ignore_index=True)  # fmt: skip
    benefit = float(chosen["net_benefit_eur_per_yr"].sum() - trunks["fixed_cost_eur_per_yr"].sum())
    co2e = float(chosen["co2e_t_per_yr"].sum())
    capex = float(chosen["capex_eur"].sum() + trunks["capex_eur"].sum())
    (wb, wc), (sb, sc) = arcs.weights, arcs.scales
    metrics = {name: _total(chosen[name]) for name in METRIC_TOTALS}
    return NetworkResult(
        params=params,
        chosen=chosen,
        trunks=trunks,
        objective_value=wb * benefit / sb + wc * co2e / sc,
        net_benefit_eur_per_yr=benefit,
        co2e_t_per_yr=co2e,
        capex_eur=capex,
        status=status,
        termination=termination,
        mip_gap=gap,
        solve_time_s=solve_time,
        build_time_s=build_time,
        n_candidates=len(arcs.links),
        n_arcs=len(f),
        diverted_t_per_yr=metrics["diverted_t_per_yr"],
        virgin_material_saved_t_per_yr=metrics["virgin_material_saved_t_per_yr"],
        water_saved_m3_per_yr=metrics["water_saved_m3_per_yr"],
        hazardous_avoided_t_per_yr=metrics["hazardous_avoided_t_per_yr"],
        energy_delivered_mwh_per_yr=metrics["energy_delivered_mwh_per_yr"],
    )


def _link_metrics(links: pd.DataFrame, q: Values) -> dict[str, Values]:
    """Each chosen link's metric set at its quantity: ``m_l · x_l``, less the part a pipe
    loses where there is one (never below 0: a pipe delivers nothing when it loses all);
    NaN when the table does not give the coefficient."""
    out = {}
    for coefficient, name in METRICS.items():
        value = links[coefficient].to_numpy(float) * q
        if coefficient in FIXED_METRICS:
            value = np.maximum(value - links[FIXED_METRICS[coefficient]].to_numpy(float), 0.0)
        out[name] = value  # np.maximum keeps NaN
    return out


def _total(values: pd.Series) -> float | None:
    """Sum, or None when any value is unknown (NaN)."""
    return None if values.isna().any() else float(values.sum())
