"""Shared helpers for the session-4 experiments on the 20k benchmark's large blocks.

A component as arrays, in the optimiser's scaled variables (``x_a / bound_a``):
maximise ``Σ p_a x_a + Σ b_a y_a``, ``0 ≤ x_a ≤ y_a``, ``y`` binary, supply rows
``Σ_{a∈s} σ_a x_a ≤ 1`` and demand rows ``Σ_{a∈d} δ_a x_a ≤ 1`` (σ = δ = 0 where the
row cannot bind, as the optimiser leaves such rows out). Node coordinates (km) come from
the generator's positions.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse

from sidestream.optimise import OptimiseParams
from sidestream.optimise.blocks import quiet_stdout
from sidestream.optimise.network import components, prepare
from sidestream.optimise.synth import CENTRE, KM_PER_DEG_LAT, synthetic_links

Array = NDArray[np.float64]
INF = highspy.kHighsInf


@dataclass
class Comp:
    p: Array
    b: Array
    s: Array
    d: Array
    supply: NDArray[np.int64]  # local codes 0..ns-1
    demand: NDArray[np.int64]
    sxy: Array  # (ns, 2) km
    dxy: Array
    category: str

    @property
    def n(self) -> int:
        return len(self.p)

    @property
    def ns(self) -> int:
        return int(self.supply.max()) + 1

    @property
    def nd(self) -> int:
        return int(self.demand.max()) + 1


def load(n_links: int = 20000, seed: int = 1) -> tuple[list[Comp], Any]:
    """Components with more than one arc, largest first."""
    links, positions = synthetic_links(n_links, seed=seed)
    arcs = prepare(links, OptimiseParams())
    block, _ = components(arcs)
    f = arcs.frame
    pos = positions.set_index("id")
    x_km = (pos["lon"] - CENTRE[1]) * KM_PER_DEG_LAT * np.cos(np.radians(CENTRE[0]))
    y_km = (pos["lat"] - CENTRE[0]) * KM_PER_DEG_LAT
    sup_ids = pd.factorize(links["supply_id"])[1]
    dem_ids = pd.factorize(links["demand_id"])[1]
    out = []
    sizes = np.bincount(block)
    for label in np.argsort(-sizes):
        if sizes[label] < 2:
            break
        keep = block == label
        g = f[keep]
        bound = g["bound"].to_numpy(float)
        scale = np.where(bound > 0, bound, 1.0)
        sup_codes, supply = np.unique(g["supply"].to_numpy(), return_inverse=True)
        dem_codes, demand = np.unique(g["demand"].to_numpy(), return_inverse=True)
        s = scale / g["supply_cap"].to_numpy(float)
        d = scale / g["demand_cap"].to_numpy(float)
        s = np.where(np.bincount(supply, weights=s)[supply] > 1 + 1e-9, s, 0.0)
        d = np.where(np.bincount(demand, weights=d)[demand] > 1 + 1e-9, d, 0.0)
        sid, did = sup_ids[sup_codes], dem_ids[dem_codes]
        sxy = np.c_[x_km[sid].to_numpy(), y_km[sid].to_numpy()]
        dxy = np.c_[x_km[did].to_numpy(), y_km[did].to_numpy()]
        cat = str(links["category"].iloc[int(g["link"].iloc[0])])
        out.append(Comp(arcs.per_unit()[keep] * scale, arcs.per_build()[keep], s, d,
                        supply.astype(np.int64), demand.astype(np.int64), sxy, dxy, cat))  # fmt: skip
    return out, arcs


def region_total(n_links: int = 20000, seed: int = 1) -> float:
    return 1.10133e9


def make_lp(c: Comp, arcs: NDArray[np.int64] | None = None, p: Array | None = None,
            integer: bool = True, fixed_y: dict[int, float] | None = None) -> tuple[Any, NDArray[np.int64]]:  # fmt: skip
    """The MILP on the arcs ``arcs`` (all by default), objective ``p`` on x (default c.p).
    Rows: switch, then supply rows (binding ones), then demand rows, restricted to the
    arcs. Returns the lp and the arcs (column j ↔ x of arcs[j], n + j ↔ y)."""
    arcs = np.arange(c.n) if arcs is None else np.asarray(arcs)
    p = c.p if p is None else p
    n = len(arcs)
    j = np.arange(n)
    s, d = c.s[arcs], c.d[arcs]
    sup = np.flatnonzero(s > 0)
    dem = np.flatnonzero(d > 0)
    sup_rows = np.unique(c.supply[arcs][sup], return_inverse=True)[1] if len(sup) else np.zeros(0, int)
    dem_rows = np.unique(c.demand[arcs][dem], return_inverse=True)[1] if len(dem) else np.zeros(0, int)
    n_sup = int(sup_rows.max()) + 1 if len(sup) else 0
    n_dem = int(dem_rows.max()) + 1 if len(dem) else 0
    rows = np.concatenate([j, j, n + sup_rows, n + n_sup + dem_rows])
    cols = np.concatenate([j, n + j, sup, dem])
    vals = np.concatenate([np.ones(n), -np.ones(n), s[sup], d[dem]])
    n_rows = n + n_sup + n_dem
    a = sparse.csc_array((vals, (rows, cols)), shape=(n_rows, 2 * n))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 2 * n, n_rows
    lp.col_cost_ = np.concatenate([p[arcs], c.b[arcs]])
    lower, upper = np.zeros(2 * n), np.ones(2 * n)
    if fixed_y:
        for k, v in fixed_y.items():
            lower[n + k] = upper[n + k] = v
    lp.col_lower_, lp.col_upper_ = lower, upper
    lp.row_lower_ = np.full(n_rows, -INF)
    lp.row_upper_ = np.concatenate([np.zeros(n), np.ones(n_rows - n)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    if integer:
        kinds = [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger]
        lp.integrality_ = [kinds[int(i)] for i in np.repeat([False, True], n)]
    lp.sense_ = highspy.ObjSense.kMaximize
    return lp, arcs


def new_highs(**options: Any) -> Any:
    with quiet_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_allow_restart", False)
    h.setOptionValue("threads", 1)
    for k, v in options.items():
        h.setOptionValue(k, v)
    return h


@dataclass
class Solved:
    objective: float
    bound: float
    x: Array
    y: Array
    seconds: float
    cpu: float
    status: str
    row_dual: Array | None = None


def solve(lp: Any, **options: Any) -> Solved:
    h = new_highs(**options)
    h.passModel(lp)
    t, c = time.perf_counter(), time.process_time()
    h.run()
    t, c = time.perf_counter() - t, time.process_time() - c
    info = h.getInfo()
    sol = h.getSolution()
    n = lp.num_col_ // 2
    v = np.asarray(sol.col_value)
    mip = len(lp.integrality_) > 0
    obj = float(info.objective_function_value)
    bound = float(info.mip_dual_bound) if mip else obj
    dual = None if mip else np.asarray(sol.row_dual)
    return Solved(obj, bound, v[:n], v[n:], t, c, str(h.getModelStatus()), dual)


def load_str() -> str:
    la = os.getloadavg()
    return f"load {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"
