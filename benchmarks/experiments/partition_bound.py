"""Idea 1 of session 4: split the 20k material block into parts, relax only the boundary
nodes' capacity rows (Lagrangian, multipliers from the LP duals), solve each part's MIP
with HiGHS, and sum: ``UB = Σ_parts bound_p(λ) + Σ_boundary λ_n`` is a valid upper bound
for every ``λ ≥ 0`` (each part keeps its own share of a boundary row, ``Σ_{a∈part} ≤ 1``,
which the whole row implies).

Partition: nodes (supplies and demands) split by recursive coordinate bisection into
``P`` parts balanced by arc count; an arc whose ends fall in different parts is given to
one end's part, chosen by a minimum vertex cover of the cut arcs (bipartite, so the LP
is integral; nodes whose row cannot bind cost 0 — sharing them relaxes nothing) so that
the fewest binding rows are split.

Measured 2026-11-27 07:0x UTC, load average 2.4 → 5.3 (others' jobs), 20k seed 1,
material block 7 801 arcs, each part's MIP to 10⁻⁶ (P=2: 60 s limit), bound − best known
incumbent 385 783 000 EUR/yr against the allowance of 1.1·10⁵ for the whole region:

| P | boundary rows split (supplies/demands) | UB − incumbent | parts' CPU s |
|---|---|---|---|
| 2 | 20 / 14 | 1.15·10⁵ (parts not finished: 60 s each) | 108 |
| 4 | 41 / 21 | 1.86·10⁵ | 64 |
| 8 | 85 / 50 | 3.33·10⁵ | 21 |
| 16 | 133 / 81 | 5.09·10⁵ | 13 |
| 8, cover weighted by LP duals | 69 / 81 | 2.74·10⁵ | 20 |
| 16, same | 119 / 126 | 4.25·10⁵ | 17 |

About 2–2.5·10³ EUR/yr lost per split row at the LP duals: parts small enough to be
fast (≤ 1 000 arcs) split > 100 rows, so the bound is 2.5–5× the allowance.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import highspy
from fctp_common import INF, Comp, load, load_str, make_lp, solve
from scipy import sparse


def bisect(xy: np.ndarray, weight: np.ndarray, parts: int) -> np.ndarray:
    """Recursive coordinate bisection: label per point, ``parts`` labels (power of 2 not
    needed: splits in proportion)."""
    label = np.zeros(len(xy), np.int64)

    def rec(idx: np.ndarray, k: int, first: int) -> None:
        if k == 1:
            label[idx] = first
            return
        k1 = k // 2
        span = xy[idx].max(0) - xy[idx].min(0)
        axis = int(np.argmax(span))
        order = idx[np.argsort(xy[idx, axis], kind="stable")]
        cum = np.cumsum(weight[order])
        cut = int(np.searchsorted(cum, cum[-1] * k1 / k))
        rec(order[: cut + 1], k1, first)
        rec(order[cut + 1 :], k - k1, first + k1)

    rec(np.arange(len(xy)), parts, 0)
    return label


def vertex_cover(c: Comp, cut: np.ndarray, w_s: np.ndarray, w_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-weight vertex cover of the cut arcs (LP; integral on a bipartite graph)."""
    arcs = np.flatnonzero(cut)
    ns, nd = c.ns, c.nd
    rows = np.concatenate([np.arange(len(arcs)), np.arange(len(arcs))])
    cols = np.concatenate([c.supply[arcs], ns + c.demand[arcs]])
    a = sparse.csc_array((np.ones(len(rows)), (rows, cols)), shape=(len(arcs), ns + nd))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = ns + nd, len(arcs)
    lp.col_cost_ = np.concatenate([w_s, w_d])
    lp.col_lower_, lp.col_upper_ = np.zeros(ns + nd), np.ones(ns + nd)
    lp.row_lower_, lp.row_upper_ = np.ones(len(arcs)), np.full(len(arcs), INF)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    from fctp_common import new_highs

    h = new_highs()
    h.passModel(lp)
    h.run()
    v = np.asarray(h.getSolution().col_value)
    v = v > 0.5
    # make sure every cut arc is covered (rounding)
    unc = ~(v[c.supply[arcs]] | v[ns + c.demand[arcs]])
    v[ns + c.demand[arcs[unc]]] = True
    return v[:ns], v[ns:]


def partition(c: Comp, parts: int, lp_dual_s: np.ndarray, lp_dual_d: np.ndarray, weight_mode: str = "unit"):
    """Part of each arc and the boundary (binding rows split across parts)."""
    xy = np.r_[c.sxy, c.dxy]
    deg = np.r_[np.bincount(c.supply, minlength=c.ns), np.bincount(c.demand, minlength=c.nd)]
    node_part = bisect(xy, deg.astype(float), parts)
    ps, pd_ = node_part[: c.ns], node_part[c.ns :]
    cut = ps[c.supply] != pd_[c.demand]
    binding_s = np.bincount(c.supply, weights=c.s, minlength=c.ns) > 0
    binding_d = np.bincount(c.demand, weights=c.d, minlength=c.nd) > 0
    if weight_mode == "unit":
        w_s, w_d = binding_s * 1.0, binding_d * 1.0
    else:  # prefer cutting at rows with small duals
        w_s = binding_s * (1.0 + np.abs(lp_dual_s) / (np.abs(lp_dual_s).mean() + 1e-9))
        w_d = binding_d * (1.0 + np.abs(lp_dual_d) / (np.abs(lp_dual_d).mean() + 1e-9))
    w_s, w_d = w_s + 1e-3, w_d + 1e-3
    cov_s, cov_d = vertex_cover(c, cut, w_s, w_d)
    arc_part = ps[c.supply].copy()
    # arc goes to the end NOT in the cover; if the supply is in the cover, the demand's part
    to_demand = cut & cov_s[c.supply] & ~cov_d[c.demand]
    arc_part[to_demand] = pd_[c.demand][to_demand]

    # boundary: nodes whose arcs lie in ≥ 2 parts and whose row binds
    def multi(node: np.ndarray, n: int) -> np.ndarray:
        lo = np.full(n, parts)
        hi = np.full(n, -1)
        np.minimum.at(lo, node, arc_part)
        np.maximum.at(hi, node, arc_part)
        return hi > lo

    bs = multi(c.supply, c.ns) & binding_s
    bd = multi(c.demand, c.nd) & binding_d
    return arc_part, bs, bd


def lp_duals(c: Comp) -> tuple[np.ndarray, np.ndarray, float]:
    lp, _ = make_lp(c, integer=False)
    r = solve(lp)
    n = c.n
    dual = np.abs(r.row_dual[n:])
    sup_nodes = np.unique(c.supply[c.s > 0])
    dem_nodes = np.unique(c.demand[c.d > 0])
    ls, ld = np.zeros(c.ns), np.zeros(c.nd)
    ls[sup_nodes] = dual[: len(sup_nodes)]
    ld[dem_nodes] = dual[len(sup_nodes) :]
    return ls, ld, r.objective


def part_bound(c: Comp, arc_part, bs, bd, ls, ld, parts: int, gap: float, time_limit: float, verbose=True):
    pen = (
        c.p
        - np.where(bs[c.supply], ls[c.supply] * c.s, 0.0)
        - np.where(bd[c.demand], ld[c.demand] * c.d, 0.0)
    )
    total_bound = float(ls[bs].sum() + ld[bd].sum())
    total_obj = total_bound
    cpu = 0.0
    sols = []
    for k in range(parts):
        arcs = np.flatnonzero(arc_part == k)
        lp, _ = make_lp(c, arcs, p=pen)
        r = solve(lp, mip_rel_gap=gap, time_limit=time_limit)
        total_bound += r.bound
        total_obj += r.objective
        cpu += r.cpu
        sols.append((arcs, r))
        if verbose:
            print(
                f"  part {k}: {len(arcs)} arcs, bound {r.bound:.0f}, obj {r.objective:.0f}, {r.cpu:.2f} CPU s {r.status}"
            )
    return total_bound, total_obj, cpu, sols


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", type=int, nargs="+", default=[2, 4, 8])
    ap.add_argument("--gap", type=float, default=1e-6)
    ap.add_argument("--weights", default="unit")
    args = ap.parse_args()
    print(load_str())
    cache = Path("/tmp/comps.pkl")
    comps = pickle.load(cache.open("rb")) if cache.exists() else load()[0]
    c = comps[0]
    ls, ld, lp_obj = lp_duals(c)
    print(f"material: {c.n} arcs, LP {lp_obj:.0f}")
    for parts in args.parts:
        t = time.process_time()
        arc_part, bs, bd = partition(c, parts, ls, ld, args.weights)
        sizes = np.bincount(arc_part)
        print(
            f"P={parts}: sizes {sizes.tolist()}, boundary supplies {bs.sum()}, demands {bd.sum()} "
            f"(partition {time.process_time() - t:.2f} s)"
        )
        ub, _ob, cpu, _ = part_bound(c, arc_part, bs, bd, ls, ld, parts, args.gap, 60.0)
        print(
            f"P={parts}: UB {ub:.0f} (− best incumbent 385 783 000: {ub - 385.783e6:.0f}), "
            f"part CPU {cpu:.2f} s, {load_str()}"
        )


if __name__ == "__main__":
    main()
