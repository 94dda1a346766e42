"""Idea 2 of session 4: take HiGHS's root cuts on the 20k material block (callback
``kCallbackMipGetCutPool``, presolve off so the cuts are in the model's own columns),
re-solve the LP with them, and fix arcs by reduced cost against an incumbent; then see
whether the arcs left free fall apart into small components.

The bound used for fixing is the Lagrangian bound of the cut LP at its row duals π,
``Σ_i max(π_i L_i, π_i U_i) + Σ_j max(d_j l_j, d_j u_j)``, ``d = c − Aᵀπ`` — valid for
any π, whatever the LP solver's tolerances. A column at a bound whose move to the other
bound would cost more than ``bound − incumbent`` is fixed: every solution better than the
incumbent keeps it there. (The cuts are valid for every solution better than HiGHS's
incumbent at the time: HiGHS derives them from the rows and its global domain, which it
tightens only by propagation and by reduced cost against its incumbent.)

Measured 2026-11-27 07:20 UTC (load 5.3–5.4): 2 429 cuts (17 751 non-zeros) after 3.66 CPU
s; the cut LP gives the root bound again (385 874 581) in 0.24 CPU s. Fixed by reduced
cost, with the incumbent: 385 783 000 (gap 9.2·10⁴) — 881 arcs off, 125 at their
bound, 6 795 free, still one component of 6 770 arcs; 385 765 000 — 782 fixed, one
component of 6 994; 385 685 000 — 239 fixed, 7 551 in one component. The fixings do not
split the block: this route is closed. (The cut LP's *solution* is the useful part: see
``root_cut_rens.py``.)
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

sys.path.insert(0, str(Path(__file__).parent))
from fctp_common import load, load_str, make_lp, new_highs
from root_race import OFF


def root_cuts(lp, start, extra=None):
    """Run HiGHS to the end of its root separation; return the cut rows (csr, lower,
    upper), the root dual bound, HiGHS's incumbent, and CPU seconds."""
    h = new_highs(mip_rel_gap=1e-6, time_limit=60.0, presolve="off", **OFF, **(extra or {}))
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(start)
        sol.value_valid = True
        h.setSolution(sol)
    got = {}

    def on_pool(event):
        out = event.data_out
        n_cut = int(out.cutpool_num_cut)
        start_ = np.asarray(out.cutpool_start, dtype=np.int64)[: n_cut + 1]
        index = np.asarray(out.cutpool_index, dtype=np.int64)[: start_[-1]]
        value = np.asarray(out.cutpool_value, dtype=float)[: start_[-1]]
        got["cuts"] = sparse.csr_array((value, index, start_), shape=(n_cut, int(out.cutpool_num_col)))
        got["lower"] = np.asarray(out.cutpool_lower, dtype=float)[:n_cut].copy()
        got["upper"] = np.asarray(out.cutpool_upper, dtype=float)[:n_cut].copy()

    def on_interrupt(event):
        out = event.data_out
        got["bound"], got["primal"] = float(out.mip_dual_bound), float(out.mip_primal_bound)
        if "cuts" in got:
            event.interrupt()

    h.cbMipGetCutPool.subscribe(on_pool)
    h.cbMipInterrupt.subscribe(on_interrupt)
    c0 = time.process_time()
    h.run()
    got["cpu"] = time.process_time() - c0
    info = h.getInfo()
    got["primal"] = float(info.objective_function_value)
    got["bound"] = float(info.mip_dual_bound)
    got["x"] = np.asarray(h.getSolution().col_value)
    return got


def lagrangian_bound(a, c, lo, up, rl, ru, pi):
    """max c x s.t. rl ≤ A x ≤ ru, lo ≤ x ≤ up, bounded by π (any sign)."""
    pi = np.where((pi > 0) & ~np.isfinite(ru), 0.0, pi)
    pi = np.where((pi < 0) & ~np.isfinite(rl), 0.0, pi)
    d = c - a.T @ pi
    rows = np.where(pi > 0, pi * np.where(np.isfinite(ru), ru, 0), pi * np.where(np.isfinite(rl), rl, 0))
    cols = np.maximum(d * lo, d * up)
    return float(rows.sum() + cols.sum()), d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--start", default=None)
    ap.add_argument("--incumbent", type=float, nargs="+", default=[385.783e6, 385.765e6, 385.685e6])
    args = ap.parse_args()
    print(load_str())
    cache = Path("/tmp/comps.pkl")
    comp = pickle.load(cache.open("rb"))[0] if cache.exists() else load()[0][0]
    lp, _ = make_lp(comp)
    start = np.load(args.start) if args.start else None
    got = root_cuts(lp, start)
    cuts = got["cuts"]
    print(f"root: {cuts.shape[0]} cuts, {cuts.nnz} nonzeros, bound {got['bound']:.0f}, HiGHS incumbent "
          f"{got['primal']:.0f}, {got['cpu']:.2f} CPU s; {load_str()}")  # fmt: skip
    # the LP with the cuts
    n2 = lp.num_col_
    a0 = sparse.csc_array((lp.a_matrix_.value_, lp.a_matrix_.index_, lp.a_matrix_.start_),
                          shape=(lp.num_row_, n2)).tocsr()  # fmt: skip
    a = sparse.vstack([a0, cuts]).tocsr()
    rl = np.r_[np.asarray(lp.row_lower_), got["lower"]]
    ru = np.r_[np.asarray(lp.row_upper_), got["upper"]]
    cost, lo, up = np.asarray(lp.col_cost_), np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    relax = highspy.HighsLp()
    relax.num_col_, relax.num_row_ = n2, a.shape[0]
    relax.col_cost_, relax.col_lower_, relax.col_upper_ = cost, lo, up
    relax.row_lower_, relax.row_upper_ = rl, ru
    relax.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    relax.a_matrix_.start_ = a.indptr.astype(np.int32)
    relax.a_matrix_.index_ = a.indices.astype(np.int32)
    relax.a_matrix_.value_ = a.data
    relax.sense_ = highspy.ObjSense.kMaximize
    h = new_highs()
    h.passModel(relax)
    c0 = time.process_time()
    h.run()
    sol = h.getSolution()
    pi = np.asarray(sol.row_dual)
    bound, d = lagrangian_bound(a, cost, lo, up, rl, ru, pi)
    bound_neg, _ = lagrangian_bound(a, cost, lo, up, rl, ru, -pi)
    if bound_neg < bound:
        bound, d = lagrangian_bound(a, cost, lo, up, rl, ru, -pi)
    print(f"cut LP: {h.getInfo().objective_function_value:.0f}, Lagrangian bound at its duals {bound:.0f}, "
          f"{time.process_time() - c0:.2f} CPU s")  # fmt: skip
    x = np.asarray(sol.col_value)
    n = n2 // 2
    for inc in [*args.incumbent, got["primal"]]:
        gap = bound - inc
        if gap <= 0:
            continue
        loss = np.abs(d) * (up - lo)  # cost of moving a column across its box
        at_lo = x <= lo + 1e-9
        at_up = x >= up - 1e-9
        fix_lo = at_lo & (d < 0) & (loss > gap)
        fix_up = at_up & (d > 0) & (loss > gap)
        off = fix_lo[n:] | fix_lo[:n]  # y = 0 or x = 0 (then y = 0 at any optimum, b < 0)
        full = fix_up[:n]  # x at its bound: y = 1, capacity used
        free = ~off & ~full
        # components of the free arcs over binding rows
        nodes_s = np.where(comp.s > 0, comp.supply, -1)
        nodes_d = np.where(comp.d > 0, comp.demand, -1)
        idx = np.flatnonzero(free)
        g = sparse.coo_array((np.ones(len(idx)), (comp.supply[idx], comp.ns + comp.demand[idx])),
                             shape=(comp.ns + comp.nd,) * 2)  # fmt: skip
        _, lab = connected_components(g, directed=False)
        arc_lab = lab[comp.supply[idx]]
        sizes = np.sort(np.bincount(arc_lab)[np.unique(arc_lab)])[::-1]
        del nodes_s, nodes_d
        print(f"incumbent {inc:.0f} (gap {gap:.0f}): fixed off {off.sum()}, fixed full {full.sum()}, "
              f"y fixed on {fix_up[n:].sum()}, free {free.sum()}; components of free arcs: {len(sizes)}, "
              f"largest {sizes[:8].tolist()}")  # fmt: skip


if __name__ == "__main__":
    main()


def rens(comp, lp, x, tol=1e-6, time_limit=30.0, gap=1e-6):
    """Restricted MIP: y fixed where the cut LP's y is integral, free elsewhere."""
    from fctp_common import solve

    n = comp.n
    y = x[n:]
    integral = (y <= tol) | (y >= 1 - tol)
    fixed = {int(k): float(round(y[k])) for k in np.flatnonzero(integral)}
    sub, _ = make_lp(comp, fixed_y=fixed)
    return solve(sub, mip_rel_gap=gap, time_limit=time_limit), int((~integral).sum())
