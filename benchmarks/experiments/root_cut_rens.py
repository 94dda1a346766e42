"""Root-cut RENS on one block of the 20k benchmark (argument: 0 = the 7 801-arc
material block, 1 = the 3 419-arc heat block): HiGHS's root with the sub-MIP heuristics
and presolve off (``cutpool_fixing.root_cuts``), the LP with its cut pool, then the
block with every binary fixed where that LP is integral, solved by HiGHS (default
options, then the sub-MIP heuristics off) with its incumbent traced against the root
bound.

Measured 2026-11-27 07:1x UTC, load average ≈ 5 (CPU seconds, one thread):

- material: root 3.07 CPU s, bound 385 874 581; 2 429 cuts; cut LP 0.29 CPU s, 451 of
  7 801 binaries fractional; restricted MIP (default options) finds 385 782 525 at
  2.6 CPU s — root bound − incumbent 9.2·10⁴, inside the region's allowance of
  1.10·10⁵ (best incumbent known before: 385.783·10⁶); solved to 10⁻⁶ it gives
  385 785 175 in 12.9 CPU s. With the sub-MIP heuristics off the restricted MIP is
  much worse (385.45·10⁶ after 10 s);
- heat: root 1.3 CPU s, bound 447 162 263 — already 1.03·10⁵ above the optimum
  (447 059 207), so no incumbent can meet the allowance from the root bound: the heat
  block needs branch and bound (5.7–7 CPU s alone to the needed gap).

Run: ``python benchmarks/experiments/root_cut_rens.py 0``.
"""

from __future__ import annotations

import pickle
import sys
import time
from pathlib import Path

import highspy
import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).parent))
from cutpool_fixing import root_cuts
from fctp_common import load, load_str, make_lp, new_highs
from root_race import OFF, race


def main() -> None:
    which = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    cache = Path("/tmp/comps.pkl")
    comp = pickle.load(cache.open("rb"))[which] if cache.exists() else load()[0][which]
    lp, _ = make_lp(comp)
    print(load_str(), comp.category, comp.n)
    got = root_cuts(lp, None)
    print("root", got["bound"], got["primal"], got["cpu"], got["cuts"].shape)
    n2 = lp.num_col_
    a0 = sparse.csc_array(
        (lp.a_matrix_.value_, lp.a_matrix_.index_, lp.a_matrix_.start_), shape=(lp.num_row_, n2)
    ).tocsr()
    a = sparse.vstack([a0, got["cuts"]]).tocsr()
    relax = highspy.HighsLp()
    relax.num_col_, relax.num_row_ = n2, a.shape[0]
    relax.col_cost_, relax.col_lower_, relax.col_upper_ = lp.col_cost_, lp.col_lower_, lp.col_upper_
    relax.row_lower_ = np.r_[np.asarray(lp.row_lower_), got["lower"]]
    relax.row_upper_ = np.r_[np.asarray(lp.row_upper_), got["upper"]]
    relax.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    relax.a_matrix_.start_ = a.indptr.astype(np.int32)
    relax.a_matrix_.index_ = a.indices.astype(np.int32)
    relax.a_matrix_.value_ = a.data
    relax.sense_ = highspy.ObjSense.kMaximize
    c0 = time.process_time()
    h = new_highs()
    h.passModel(relax)
    h.run()
    x = np.asarray(h.getSolution().col_value)
    print("cut LP", h.getInfo().objective_function_value, time.process_time() - c0)
    n = comp.n
    y = x[n:]
    integral = (y <= 1e-6) | (y >= 1 - 1e-6)
    print("fractional binaries", int((~integral).sum()))
    fixed = {int(k): float(round(y[k])) for k in np.flatnonzero(integral)}
    sub, _ = make_lp(comp, fixed_y=fixed)
    for name, opts in (("default", {}), ("off", OFF)):
        _h, trace, _first, info = race(sub, opts, None, 20.0, threshold=0)
        print(name, "final", info.objective_function_value, info.mip_dual_bound, load_str())
        last = None
        for t in trace:
            if last is None or t[3] != last[3]:
                print("   ", t, "root bound − incumbent", got["bound"] - t[3])
                last = t


if __name__ == "__main__":
    main()
