"""How strong are Lagrangian bounds on the largest component, against HiGHS's root bound?

A diagnostic, not part of the optimiser: it measures whether the Lagrangian route
proposed in docs/optimisation.md ("Known limits") could close the gap that keeps the
20k benchmark above 10 s. The largest component of ``synthetic_links(20 000, seed=1)``
is a fixed-charge transportation problem (7 801 arcs, material): maximise
``Σ p_a x_a + Σ b_a y_a`` with ``0 ≤ x_a ≤ y_a`` (``x`` scaled to ``[0, 1]`` by the
arc's bound, as the optimiser does), ``y`` binary, supply rows ``Σ_{a∈s} σ_a x_a ≤ 1``
and demand rows ``Σ_{a∈d} δ_a x_a ≤ 1`` (only rows that can bind; ``σ = δ = 0`` on the
others). Printed, with the CPU seconds each took:

1. the LP relaxation (HiGHS), and HiGHS's MIP after ``--mip-seconds``: its incumbent
   and the bound of its root cut loop and first nodes;
2. the Lagrangian dual of the demand rows, ``min_{λ ≥ 0} L(λ)`` with
   ``L(λ) = Σ_d λ_d + Σ_s max {Σ (p_a − λ_d δ_a) x_a + Σ b_a y_a : supply s}``: each
   supply's single-node fixed-charge problem solved exactly (below), the dual solved
   exactly by column generation (Dantzig–Wolfe: the restricted master's objective is a
   lower bound on the dual, every ``L(λ)`` an upper bound; they meet at the optimum);
3. the variable-splitting (Lagrangian decomposition) bound, which keeps *both* the
   supply and the demand single-node hulls — copies ``(x, y)`` on each side, the copies'
   equality relaxed — run for ``--split-iterations`` rounds of column generation: the
   master's objective is then a *lower* bound on that dual, enough to compare it with
   HiGHS's root bound from above;
4. Lagrangian variable fixing with the best multipliers of 2 and 3 and HiGHS's
   incumbent: an arc is fixed off when ``L(λ | y_a = 1)`` is below the incumbent, on
   when ``L(λ | y_a = 0)`` is.

*Each node's problem* — ``max Σ P_a x_a + Σ B_a y_a``, ``0 ≤ x_a ≤ y_a``,
``Σ S_a x_a ≤ 1`` — is solved by enumerating the sets of open arcs (≤ 7 arcs a
supply, ≤ 13 a demand here; vectorised per degree) and filling each set by the
continuous knapsack's greedy rule (best ``P/S`` first, only ``P > 0``), which is exact
for a fixed set. The same enumeration gives, per arc, the best value with the arc open
and with it closed (for 4). It is checked against brute force (every set, its LP by
scipy) before the run.

Run: ``python benchmarks/lagrangian_bound.py`` (about 2 CPU minutes; the MIP part is
``--mip-seconds``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import linprog

from sidestream.optimise import OptimiseParams
from sidestream.optimise.blocks import quiet_stdout
from sidestream.optimise.network import components, prepare
from sidestream.optimise.synth import synthetic_links

Array = NDArray[np.float64]
INF = highspy.kHighsInf


@dataclass
class Groups:
    """Arcs of each node grouped by the node's degree, and every subset of each degree."""

    n_nodes: int
    by_degree: list[tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]]


def node_groups(node: NDArray[np.int64]) -> Groups:
    order = np.lexsort((np.arange(len(node)), node))
    degree = np.bincount(node)
    start = np.concatenate([[0], np.cumsum(degree)])
    out = []
    for k in range(1, int(degree.max()) + 1):
        nodes = np.flatnonzero(degree == k)
        if len(nodes):
            arcs = order[start[nodes][:, None] + np.arange(k)]
            masks = ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(bool)
            out.append((nodes, arcs, masks))
    return Groups(len(degree), out)


@dataclass
class NodeSolution:
    value: Array  # per node
    x: Array  # per arc, of the best set
    y: Array
    best_open: Array  # per arc: the node's best value with the arc open
    best_closed: Array  # ... and closed


def solve_nodes(groups: Groups, p: Array, s: Array, b: Array) -> NodeSolution:
    """Every node's ``max Σ p x + Σ b y, 0 ≤ x ≤ y, Σ s x ≤ 1`` exactly (see the module)."""
    n = len(p)
    out = NodeSolution(np.zeros(groups.n_nodes), np.zeros(n), np.zeros(n), np.empty(n), np.empty(n))
    for nodes, arcs, masks in groups.by_degree:
        ratio = np.where(s[arcs] > 0, p[arcs] / np.where(s[arcs] > 0, s[arcs], 1.0), np.inf)
        order = np.argsort(-ratio, axis=1)
        arcs = np.take_along_axis(arcs, order, 1)
        pp, ss, bb = p[arcs][:, None, :], s[arcs][:, None, :], b[arcs][:, None, :]
        is_open = masks[None]
        filled = is_open & (pp > 0)
        used = np.where(filled, ss, 0.0)
        room = 1.0 - (np.cumsum(used, axis=2) - used)
        fill = np.where(filled, np.where(ss > 0, np.clip(room / np.where(ss > 0, ss, 1.0), 0, 1), 1.0), 0.0)
        value = (fill * pp).sum(2) + (is_open * bb).sum(2)  # (nodes, sets)
        best = value.argmax(1)
        rows = np.arange(len(nodes))
        out.value[nodes] = value[rows, best]
        out.x[arcs] = fill[rows, best]
        out.y[arcs] = masks[best]
        out.best_open[arcs] = np.where(is_open, value[:, :, None], -np.inf).max(1)
        out.best_closed[arcs] = np.where(~is_open, value[:, :, None], -np.inf).max(1)
    return out


def check_against_brute_force(trials: int = 40, seed: int = 0) -> float:
    """Largest difference between :func:`solve_nodes` and every set's LP solved by scipy."""
    rng = np.random.default_rng(seed)
    worst = 0.0
    for _ in range(trials):
        k = int(rng.integers(1, 6))
        node = rng.permutation(np.repeat(np.arange(3), k))
        p, b = rng.normal(0, 5, 3 * k), rng.normal(-2, 3, 3 * k)
        s = np.where(rng.random(3 * k) < 0.2, 0.0, rng.uniform(0.1, 1.5, 3 * k))
        got = solve_nodes(node_groups(node), p, s, b)
        for j in range(3):
            arcs = np.flatnonzero(node == j)
            best, best_open, best_closed = -np.inf, dict.fromkeys(arcs, -np.inf), dict.fromkeys(arcs, -np.inf)
            for chosen in itertools.product([False, True], repeat=len(arcs)):
                opened = np.array(chosen)
                lp = linprog(-p[arcs], A_ub=s[arcs][None], b_ub=[1.0], bounds=[(0, float(o)) for o in opened])
                value = -lp.fun + b[arcs][opened].sum()
                best = max(best, value)
                for a, o in zip(arcs, opened, strict=True):
                    target = best_open if o else best_closed
                    target[a] = max(target[a], value)
            worst = max(worst, abs(best - got.value[j]))
            worst = max(worst, *(abs(best_open[a] - got.best_open[a]) for a in arcs))
            worst = max(worst, *(abs(best_closed[a] - got.best_closed[a]) for a in arcs))
    return worst


@dataclass
class Component:
    p: Array
    b: Array
    s: Array  # supply-row coefficient, 0 where the row cannot bind
    d: Array
    supply: NDArray[np.int64]
    demand: NDArray[np.int64]


def largest_component(n_links: int, seed: int) -> Component:
    links, _ = synthetic_links(n_links, seed=seed)
    arcs = prepare(links, OptimiseParams())
    block, _ = components(arcs)
    keep = block == np.bincount(block).argmax()
    f = arcs.frame[keep]
    bound = f["bound"].to_numpy(float)
    scale = np.where(bound > 0, bound, 1.0)
    supply = np.unique(f["supply"].to_numpy(), return_inverse=True)[1].astype(np.int64)
    demand = np.unique(f["demand"].to_numpy(), return_inverse=True)[1].astype(np.int64)
    s = scale / f["supply_cap"].to_numpy(float)
    d = scale / f["demand_cap"].to_numpy(float)
    s = np.where(np.bincount(supply, weights=s)[supply] > 1 + 1e-9, s, 0.0)
    d = np.where(np.bincount(demand, weights=d)[demand] > 1 + 1e-9, d, 0.0)
    return Component(arcs.per_unit()[keep] * scale, arcs.per_build()[keep], s, d, supply, demand)


def highs(lp: Any, time_limit: float | None = None) -> Any:
    with quiet_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_allow_restart", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", time_limit)
    h.passModel(lp)
    h.run()
    return h


def make_lp(a: sparse.csr_array | sparse.csc_array, cost: Array, lower: Array, upper: Array,
            row_lower: Array, row_upper: Array, integer: NDArray[np.bool_] | None = None) -> Any:  # fmt: skip
    a = sparse.csc_array(a)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    if integer is not None:
        kinds = [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger]
        lp.integrality_ = [kinds[int(i)] for i in integer]
    lp.sense_ = highspy.ObjSense.kMaximize
    return lp


def mip_model(c: Component, integer: bool) -> tuple[Any, NDArray[np.int64]]:
    """The component's MILP (or its LP relaxation); also the demand rows' node codes."""
    n = len(c.p)
    arc = np.arange(n)
    sup = np.flatnonzero(c.s > 0)
    dem = np.flatnonzero(c.d > 0)
    sup_rows = np.unique(c.supply[sup], return_inverse=True)[1]
    dem_nodes, dem_rows = np.unique(c.demand[dem], return_inverse=True)
    n_sup = int(sup_rows.max()) + 1
    rows = np.concatenate([arc, arc, n + sup_rows, n + n_sup + dem_rows])
    cols = np.concatenate([arc, n + arc, sup, dem])
    vals = np.concatenate([np.ones(n), -np.ones(n), c.s[sup], c.d[dem]])
    n_rows = n + n_sup + len(dem_nodes)
    a = sparse.csc_array((vals, (rows, cols)), shape=(n_rows, 2 * n))
    lp = make_lp(a, np.concatenate([c.p, c.b]), np.zeros(2 * n), np.ones(2 * n), np.full(n_rows, -INF),
                 np.concatenate([np.zeros(n), np.ones(n_rows - n)]),
                 np.repeat([False, True], n) if integer else None)  # fmt: skip
    return lp, dem_nodes.astype(np.int64)


def cpu() -> float:
    return time.process_time()


def demand_row_dual(c: Component, groups: Groups, lam: Array, tol: float) -> tuple[float, float, Array, int]:
    """Column generation for the Lagrangian dual of the demand rows, from ``lam``.
    Returns (best L, master objective, best multipliers, iterations)."""
    n_supply, n_demand = groups.n_nodes, int(c.demand.max()) + 1
    binding = np.flatnonzero(np.bincount(c.demand, weights=c.d, minlength=n_demand) > 0)
    row_of = np.full(n_demand, -1)
    row_of[binding] = np.arange(len(binding))
    # columns: one per (round, supply); the empty set first (keeps the master feasible)
    objectives: list[Array] = [np.zeros(n_supply)]
    entries: list[tuple[NDArray[np.int64], NDArray[np.int64], Array]] = [
        (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    ]
    best_l, best_lam, master = np.inf, lam, -np.inf
    for iteration in range(1, 200):
        sub = solve_nodes(groups, c.p - lam[c.demand] * c.d, c.s, c.b)
        value = float(sub.value.sum() + lam.sum())
        if value < best_l:
            best_l, best_lam = value, lam
        if best_l - master <= tol * abs(best_l):
            return best_l, master, best_lam, iteration
        objectives.append(
            np.bincount(c.supply, weights=c.p * sub.x + c.b * sub.y, minlength=n_supply).astype(np.float64)
        )
        nz = np.flatnonzero((sub.x > 0) & (c.d > 0))
        entries.append((c.supply[nz], row_of[c.demand[nz]], c.d[nz] * sub.x[nz]))
        k = len(objectives)
        rows = [len(binding) + np.tile(np.arange(n_supply), k)]
        cols = [np.arange(k * n_supply)]
        vals = [np.ones(k * n_supply)]
        for j, (sup, row, coef) in enumerate(entries):
            rows.append(row)
            cols.append(j * n_supply + sup)
            vals.append(coef)
        n_rows = len(binding) + n_supply
        a = sparse.csc_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(n_rows, k * n_supply))  # fmt: skip
        upper = np.ones(n_rows)
        lower = np.concatenate([np.full(len(binding), -INF), np.ones(n_supply)])
        h = highs(make_lp(a, np.concatenate(objectives), np.zeros(k * n_supply), np.full(k * n_supply, INF),
                          lower, upper))  # fmt: skip
        master = float(h.getInfo().objective_function_value)
        lam = np.zeros(n_demand)
        lam[binding] = np.abs(np.asarray(h.getSolution().row_dual)[: len(binding)])
    return best_l, master, best_lam, 200


def split_dual(c: Component, supply_groups: Groups, demand_groups: Groups, mu: Array, nu: Array,
               incumbent: tuple[Array, Array], rounds: int) -> tuple[float, float, Array, Array]:  # fmt: skip
    """Column generation for the variable-splitting bound (supply copy carries the
    objective; the demand copy is priced at the link's multipliers ``mu``, ``nu``).
    Returns (best L, master objective — a lower bound on the dual —, best mu, nu)."""
    n = len(c.p)
    ns, nd = supply_groups.n_nodes, demand_groups.n_nodes
    columns_s: list[tuple[Array, Array]] = [(np.zeros(n), np.zeros(n)), incumbent]
    columns_d: list[tuple[Array, Array]] = [(np.zeros(n), np.zeros(n)), incumbent]
    best = (np.inf, mu, nu)
    master = -np.inf
    arc = np.arange(n)
    for _ in range(rounds):
        side_s = solve_nodes(supply_groups, c.p - mu, c.s, c.b - nu)
        side_d = solve_nodes(demand_groups, mu, c.d, nu)
        value = float(side_s.value.sum() + side_d.value.sum())
        if value < best[0]:
            best = (value, mu, nu)
        columns_s.append((side_s.x, side_s.y))
        columns_d.append((side_d.x, side_d.y))
        ks, kd = len(columns_s), len(columns_d)
        rows, cols, vals = [], [], []
        for k, (x, y) in enumerate(columns_s):
            rows += [arc, n + arc]
            cols += [k * ns + c.supply] * 2
            vals += [x, y]
        offset = ks * ns
        for k, (x, y) in enumerate(columns_d):
            rows += [arc, n + arc]
            cols += [offset + k * nd + c.demand] * 2
            vals += [-x, -y]
        rows += [2 * n + np.arange(ks * ns) % ns, 2 * n + ns + np.arange(kd * nd) % nd]
        cols += [np.arange(ks * ns), offset + np.arange(kd * nd)]
        vals += [np.ones(ks * ns), np.ones(kd * nd)]
        n_cols = offset + kd * nd
        a = sparse.csc_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(2 * n + ns + nd, n_cols))  # fmt: skip
        a.sum_duplicates()
        cost = np.concatenate(
            [np.concatenate([np.bincount(c.supply, weights=c.p * x + c.b * y, minlength=ns) for x, y in columns_s]),
             np.zeros(kd * nd)]
        )  # fmt: skip
        rhs = np.concatenate([np.zeros(2 * n), np.ones(ns + nd)])
        h = highs(make_lp(a, cost, np.zeros(n_cols), np.full(n_cols, INF), rhs, rhs))
        master = float(h.getInfo().objective_function_value)
        dual = np.asarray(h.getSolution().row_dual)
        mu, nu = dual[:n], dual[n : 2 * n]
    return best[0], master, best[1], best[2]


def fixings(l_value: float, node_value: Array, node_of_arc: NDArray[np.int64], sol: NodeSolution,
            incumbent: float) -> tuple[int, int]:  # fmt: skip
    """Arcs fixed off (``L(λ | y_a = 1) < incumbent``) and on (``L(λ | y_a = 0) < incumbent``)."""
    rest = l_value - node_value[node_of_arc]
    return int(np.sum(rest + sol.best_open < incumbent)), int(np.sum(rest + sol.best_closed < incumbent))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--links", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mip-seconds", type=float, default=30.0)
    parser.add_argument("--split-iterations", type=int, default=40)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    t = cpu()
    print(
        f"node solver against brute force: max |error| {check_against_brute_force():.1e} ({cpu() - t:.1f} CPU s)"
    )
    c = largest_component(args.links, args.seed)
    supply_groups, demand_groups = node_groups(c.supply), node_groups(c.demand)
    print(f"largest component: {len(c.p)} arcs, {supply_groups.n_nodes} supplies "
          f"(≤ {supply_groups.by_degree[-1][1].shape[1]} arcs each), "
          f"{demand_groups.n_nodes} demands (≤ {demand_groups.by_degree[-1][1].shape[1]} arcs each)")  # fmt: skip

    t = cpu()
    lp, demand_nodes = mip_model(c, integer=False)
    h = highs(lp)
    lp_bound = float(h.getInfo().objective_function_value)
    lam = np.zeros(int(c.demand.max()) + 1)
    lam[demand_nodes] = np.abs(
        np.asarray(h.getSolution().row_dual)[len(c.p) + len(np.unique(c.supply[c.s > 0])) :]
    )
    print(f"LP relaxation bound {lp_bound:,.0f} ({cpu() - t:.1f} CPU s)")

    t = cpu()
    h = highs(mip_model(c, integer=True)[0], time_limit=args.mip_seconds)
    info = h.getInfo()
    incumbent, root = float(info.objective_function_value), float(info.mip_dual_bound)
    values = np.asarray(h.getSolution().col_value)
    x_inc, y_inc = values[: len(c.p)], np.round(values[len(c.p) :])
    print(f"HiGHS MIP after {cpu() - t:.1f} CPU s: incumbent {incumbent:,.0f}, bound {root:,.0f} "
          f"(gap {root - incumbent:,.0f})")  # fmt: skip

    t = cpu()
    best_l, master, best_lam, iterations = demand_row_dual(c, supply_groups, lam, tol=1e-9)
    sub = solve_nodes(supply_groups, c.p - best_lam[c.demand] * c.d, c.s, c.b)
    off, on = fixings(best_l, sub.value, c.supply, sub, incumbent)
    print(f"Lagrangian dual of the demand rows: {best_l:,.0f} (master {master:,.0f}, {iterations} rounds, "
          f"{cpu() - t:.1f} CPU s); gap to the incumbent {best_l - incumbent:,.0f}; fixes {off} off, {on} on")  # fmt: skip

    t = cpu()
    mu, nu = best_lam[c.demand] * c.d, np.zeros(len(c.p))
    split_l, split_master, mu, nu = split_dual(c, supply_groups, demand_groups, mu, nu, (x_inc, y_inc),
                                               args.split_iterations)  # fmt: skip
    side_s = solve_nodes(supply_groups, c.p - mu, c.s, c.b - nu)
    side_d = solve_nodes(demand_groups, mu, c.d, nu)
    l_value = float(side_s.value.sum() + side_d.value.sum())
    off_s, on_s = fixings(l_value, side_s.value, c.supply, side_s, incumbent)
    print(f"variable splitting after {args.split_iterations} rounds ({cpu() - t:.1f} CPU s): best L {split_l:,.0f}, "
          f"its dual ≥ master {split_master:,.0f} (≥ incumbent + {split_master - incumbent:,.0f}); "
          f"fixes {off_s} off, {on_s} on (supply side)")  # fmt: skip
    load = os.getloadavg()
    print(f"load average afterwards {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
