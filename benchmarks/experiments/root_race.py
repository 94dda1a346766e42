"""How fast can HiGHS's own root bound on the 20k material block get within the
allowance? Whole block, one thread, restarts off; variants of the sub-MIP heuristics;
optionally started from a saved incumbent. Printed: the bound and incumbent against CPU
seconds (from the MIP-interrupt callback), and when bound − incumbent first ≤ 1e5.

Measured 2026-11-27 07:1x UTC (load 7–8; wall ≈ 1.5× CPU): with the sub-MIP heuristics
(RINS, RENS, root reduced cost, feasibility jump) off, the root bound reaches
385 879 920 after 3.2 CPU s — the same bound HiGHS's default settings reach after 8–10
CPU s (14 of 24 s of that root were sub-MIPs). The next 19 CPU s of branch and bound (13
nodes) lowered it by 400 EUR/yr only, and without the heuristics no better incumbent
was found: the bound is the root's, the incumbent must come from elsewhere.
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
from fctp_common import load, load_str, make_lp, new_highs

OFF = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
}


def race(lp, opts, start, seconds, threshold=1e5):
    h = new_highs(mip_rel_gap=1e-6, time_limit=seconds, **opts)
    h.passModel(lp)
    if start is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(start)
        sol.value_valid = True
        h.setSolution(sol)
    t0, c0 = time.perf_counter(), time.process_time()
    trace = []
    first = [None]

    def cb(event):
        try:
            inner(event)
        except Exception as e:
            print("callback error", repr(e))

    def inner(event):
        out = event.data_out
        b, p = float(out.mip_dual_bound), float(out.mip_primal_bound)
        trace.append((round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2), b, p))
        if first[0] is None and b - p <= threshold:
            first[0] = trace[-1]

    h.cbMipInterrupt.subscribe(cb)
    status = h.run()
    print("run:", status, h.getModelStatus())
    info = h.getInfo()
    return h, trace, first[0], info


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--variant", default="off", choices=["default", "off"])
    ap.add_argument("--start", default=None)
    args = ap.parse_args()
    print(load_str(), args)
    cache = Path("/tmp/comps.pkl")
    c = pickle.load(cache.open("rb"))[0] if cache.exists() else load()[0][0]
    lp, _ = make_lp(c)
    start = np.load(args.start) if args.start else None
    opts = OFF if args.variant == "off" else {}
    _h, trace, first, info = race(lp, opts, start, args.seconds)
    print(
        f"end: primal {info.objective_function_value:.0f} bound {info.mip_dual_bound:.0f} "
        f"nodes {info.mip_node_count}; gap ≤ 1e5 first at {first}; {load_str()}"
    )
    last = None
    for t in trace:
        if last is None or t[2] != last[2] or t[3] != last[3]:
            print("  wall, cpu, bound, incumbent:", t)
            last = t


if __name__ == "__main__":
    main()
