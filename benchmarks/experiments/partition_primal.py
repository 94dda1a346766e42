"""Idea 1's primal side and the root-bound race: a good incumbent for the 20k material
block from the parts (boundary rows priced at the LP duals, each part's MIP solved), made
feasible by a restricted MIP in which only arcs touching a boundary node keep a free
``y``; then HiGHS on the whole block with that incumbent given (``setSolution``), to see
when its bound comes within the allowance of it.

Measured 2026-11-27 07:1x UTC (load 5.8–7.4): P = 16, parts to 10⁻⁴ 14.9 CPU s, repair
with 2 555 free arcs (boundary + one layer) 5.6 CPU s: 385 684 738, 9.8·10⁴ below the
best known incumbent — worse than HiGHS's own and slower. (The root-cut RENS of
``root_cut_rens.py`` gives 385.78·10⁶ in ~6 CPU s.)
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import highspy
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from fctp_common import load, load_str, make_lp, new_highs, solve
from partition_bound import lp_duals, part_bound, partition


def repair(c, arc_part, bs, bd, sols, layers: int, gap: float):
    y = np.zeros(c.n)
    for arcs, sol in sols:
        y[arcs] = np.round(sol.y)
    free = bs[c.supply] | bd[c.demand]
    for _ in range(layers):
        ns = np.zeros(c.ns, bool)
        nd = np.zeros(c.nd, bool)
        ns[c.supply[free]] = True
        nd[c.demand[free]] = True
        free = ns[c.supply] | nd[c.demand]
    fixed = {int(k): float(y[k]) for k in np.flatnonzero(~free)}
    lp, _ = make_lp(c, fixed_y=fixed)
    r = solve(lp, mip_rel_gap=gap, time_limit=60.0)
    return r, int(free.sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", type=int, default=16)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument(
        "--full", type=float, default=30.0, help="seconds of the warm-started whole MIP (0: skip)"
    )
    ap.add_argument("--heur", type=float, default=None, help="mip_heuristic_effort for the whole MIP")
    args = ap.parse_args()
    print(load_str())
    cache = Path("/tmp/comps.pkl")
    c = pickle.load(cache.open("rb"))[0] if cache.exists() else load()[0][0]
    cpu0 = time.process_time()
    ls, ld, _ = lp_duals(c)
    arc_part, bs, bd = partition(c, args.parts, ls, ld, "dual")
    _ub, _ob, cpu, sols = part_bound(c, arc_part, bs, bd, ls, ld, args.parts, 1e-4, 60.0, verbose=False)
    r, n_free = repair(c, arc_part, bs, bd, sols, args.layers, 1e-6)
    print(f"P={args.parts}: parts {cpu:.1f} CPU s; repair ({n_free} free arcs) {r.objective:.0f} in {r.cpu:.1f} CPU s; "
          f"total {time.process_time() - cpu0:.1f} CPU s; − best known 385 783 000: {r.objective - 385.783e6:.0f}; {load_str()}", flush=True)  # fmt: skip
    np.save("/tmp/material_incumbent.npy", np.r_[r.x, r.y])
    if args.full <= 0:
        return
    lp, _ = make_lp(c)
    opts = {"mip_rel_gap": 1e-6, "time_limit": args.full}
    if args.heur is not None:
        opts["mip_heuristic_effort"] = args.heur
    h = new_highs(**opts)
    h.passModel(lp)
    sol = highspy.HighsSolution()
    sol.col_value = list(np.r_[r.x, np.round(r.y)])
    sol.value_valid = True
    h.setSolution(sol)
    t0, c0 = time.perf_counter(), time.process_time()
    trace = []
    reached = [None]

    def cb(event):
        out = event.data_out
        b, p = float(out.mip_dual_bound), float(out.mip_primal_bound)
        trace.append((time.perf_counter() - t0, time.process_time() - c0, b, p))
        if reached[0] is None and b - p <= 1.0e5:
            reached[0] = trace[-1]

    h.cbMipInterrupt.subscribe(cb)
    h.run()
    info = h.getInfo()
    print(f"whole MIP warm: primal {info.objective_function_value:.0f} bound {info.mip_dual_bound:.0f} "
          f"gap {info.mip_dual_bound - info.objective_function_value:.0f}; {time.perf_counter() - t0:.1f} s, "
          f"{time.process_time() - c0:.1f} CPU s; gap ≤ 1e5 first at {reached[0]}; {load_str()}")  # fmt: skip
    for k in range(0, len(trace), max(1, len(trace) // 15)):
        print("  ", tuple(round(v, 1) for v in trace[k]))


if __name__ == "__main__":
    main()
