"""A primal heuristic for large blocks from HiGHS's own root cuts ("root-cut RENS").

On the large fixed-charge blocks the proof of the bound is cheap and the incumbent is
not: on the 20k benchmark's 7 801-arc material block HiGHS's root separation alone
(sub-MIP heuristics off) reaches its root bound in ~3 CPU s, and that bound is already
within the region's allowance of the best solution known — but HiGHS's own heuristics
take 8–40 CPU s to find such a solution. The LP *with the root cuts* is nearly integral
(≈ 450 of 7 801 binaries fractional), so fixing every integer column where it is
integral and solving the rest as a MIP (RENS) gives a solution as good as the best
known in ~3 CPU s.

Only the *incumbent* comes from here. The bound reported for the block is HiGHS's proven
dual bound of the root (or of a later full run), never anything computed from the cuts,
so nothing in this module needs the cuts to be valid: a wrong cut can only make the
heuristic's solution worse, and that solution is feasible for the block because the
restricted model is the block with some integer columns fixed.

HiGHS hands its cut pool to a ``kCallbackMipGetCutPool`` callback at the end of the
root separation loop, in the columns of the model it solves; presolve is switched off
for that run so that these are the block's own columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy import sparse

# Options of the root run: no presolve (cuts in the block's own columns) and none of the
# sub-MIP heuristics, which take most of the root's time on these blocks (20k material
# block: 8–10 CPU s with them, 3 without; the root bound is the same).
ROOT_OPTIONS: dict[str, Any] = {
    "presolve": "off",
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_feasibility_jump": False,
}
# Their defaults, restored after the root run.
DEFAULT_OPTIONS: dict[str, Any] = {
    "presolve": "choose",
    "mip_heuristic_run_rins": True,
    "mip_heuristic_run_rens": True,
    "mip_heuristic_run_root_reduced_cost": True,
    "mip_heuristic_run_feasibility_jump": True,
}
INTEGRAL = 1e-6  # an integer column's LP value this close to an integer is fixed there


@dataclass
class CutPool:
    """The cuts HiGHS held in its LP at the end of the root: ``lower ≤ A x ≤ upper``."""

    a: sparse.csr_array
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]

    @classmethod
    def from_callback(cls, out: Any) -> CutPool:
        """Copy the pool out of the callback's data (HiGHS frees it on return)."""
        n_cut, n_col = int(out.cutpool_num_cut), int(out.cutpool_num_col)
        start = np.array(out.cutpool_start, dtype=np.int64)[: n_cut + 1]
        nnz = int(start[-1]) if n_cut else 0
        index = np.array(out.cutpool_index, dtype=np.int64)[:nnz]
        value = np.array(out.cutpool_value, dtype=np.float64)[:nnz]
        if not n_cut:
            start = np.zeros(1, dtype=np.int64)
        return cls(
            sparse.csr_array((value, index, start), shape=(n_cut, n_col)),
            np.array(out.cutpool_lower, dtype=np.float64)[:n_cut],
            np.array(out.cutpool_upper, dtype=np.float64)[:n_cut],
        )


def with_cuts(lp: Any, pool: CutPool) -> Any:
    """The block's LP relaxation (no integrality) with the cut rows appended."""
    a = sparse.csr_array(
        sparse.vstack([_rows(lp), pool.a if pool.a.shape[1] == lp.num_col_ else pool.a[:, : lp.num_col_]])
    )
    out = highspy.HighsLp()
    out.num_col_, out.num_row_ = lp.num_col_, a.shape[0]
    out.col_cost_, out.col_lower_, out.col_upper_ = lp.col_cost_, lp.col_lower_, lp.col_upper_
    out.row_lower_ = np.concatenate([np.asarray(lp.row_lower_, dtype=float), pool.lower])
    out.row_upper_ = np.concatenate([np.asarray(lp.row_upper_, dtype=float), pool.upper])
    out.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    out.a_matrix_.start_ = a.indptr.astype(np.int32)
    out.a_matrix_.index_ = a.indices.astype(np.int32)
    out.a_matrix_.value_ = a.data.astype(float)
    out.sense_ = lp.sense_
    out.offset_ = lp.offset_
    return out


def restricted(lp: Any, values: NDArray[np.float64], integer: NDArray[np.bool_]) -> tuple[Any, int]:
    """The block with every integer column whose ``values`` entry is integral fixed
    there (RENS); also the number of integer columns left free."""
    lower = np.array(lp.col_lower_, dtype=float)
    upper = np.array(lp.col_upper_, dtype=float)
    rounded = np.round(values)
    fixed = integer & (np.abs(values - rounded) <= INTEGRAL) & (rounded >= lower) & (rounded <= upper)
    lower[fixed] = upper[fixed] = rounded[fixed]
    out = highspy.HighsLp()
    out.num_col_, out.num_row_ = lp.num_col_, lp.num_row_
    out.col_cost_, out.col_lower_, out.col_upper_ = lp.col_cost_, lower, upper
    out.row_lower_, out.row_upper_ = lp.row_lower_, lp.row_upper_
    out.a_matrix_ = lp.a_matrix_
    out.integrality_ = lp.integrality_
    out.sense_ = lp.sense_
    out.offset_ = lp.offset_
    return out, int((integer & ~fixed).sum())


def _rows(lp: Any) -> sparse.csr_array:
    m = lp.a_matrix_
    shape = (lp.num_row_, lp.num_col_)
    arrays = (np.asarray(m.value_, dtype=float), np.asarray(m.index_), np.asarray(m.start_))
    if m.format_ == highspy.MatrixFormat.kRowwise:
        return sparse.csr_array(arrays, shape=shape)
    return sparse.csr_array(sparse.csc_array(arrays, shape=shape))
