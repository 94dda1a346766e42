"""Idea 1, continued: how good can the boundary-row Lagrangian bound get when the
multipliers are improved beyond the LP duals (Polyak subgradient steps towards the best
known incumbent, every part's MIP re-solved each round)? If even many rounds leave the
bound more than the allowance (1.1e5 EUR/yr) above the incumbent, the route is closed.

Measured 2026-11-27 07:1x UTC (load 5–8), P = 8, cover weighted by LP duals (150 split
rows), parts to 10⁻⁵: UB − 385 783 000 = 2.74, 2.55, 2.32, 2.28, 2.16, 2.15·10⁵ after
rounds 0–5, 19–28 CPU s a round (136 CPU s in all; stopped there). Twenty seconds of
CPU per round for ~10⁴ EUR/yr of bound a round: not a route to < 10 s.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from fctp_common import load, load_str
from partition_bound import lp_duals, part_bound, partition

TARGET = 385.783e6  # best known incumbent of the material block


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--gap", type=float, default=1e-5)
    ap.add_argument("--weights", default="dual")
    args = ap.parse_args()
    print(load_str())
    cache = Path("/tmp/comps.pkl")
    c = pickle.load(cache.open("rb"))[0] if cache.exists() else load()[0][0]
    ls, ld, _ = lp_duals(c)
    arc_part, bs, bd = partition(c, args.parts, ls, ld, args.weights)
    print(f"P={args.parts}: boundary {bs.sum()} supplies, {bd.sum()} demands")
    best = np.inf
    total_cpu = 0.0
    for r in range(args.rounds):
        ub, _ob, cpu, sols = part_bound(
            c, arc_part, bs, bd, ls, ld, args.parts, args.gap, 60.0, verbose=False
        )
        total_cpu += cpu
        best = min(best, ub)
        us, ud = np.zeros(c.ns), np.zeros(c.nd)
        for arcs, sol in sols:
            np.add.at(us, c.supply[arcs], sol.x * c.s[arcs])
            np.add.at(ud, c.demand[arcs], sol.x * c.d[arcs])
        gs, gd = (1 - us) * bs, (1 - ud) * bd
        viol = float(np.maximum(-gs, 0).sum() + np.maximum(-gd, 0).sum())
        cs = float((ls * gs).sum() + (ld * gd).sum())
        print(f"round {r}: UB {ub:.0f} (−target {ub - TARGET:.0f}), best {best - TARGET:.0f}, "
              f"violation {viol:.3f}, λ·slack {cs:.0f}, CPU {cpu:.1f} (total {total_cpu:.1f}) {load_str()}",
              flush=True)  # fmt: skip
        norm = float((gs**2).sum() + (gd**2).sum())
        if norm < 1e-12:
            break
        step = 1.0 * (ub - TARGET) / norm
        ls = np.maximum(ls - step * gs, 0.0)
        ld = np.maximum(ld - step * gd, 0.0)


if __name__ == "__main__":
    main()
