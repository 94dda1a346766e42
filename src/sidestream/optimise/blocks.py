"""Solve a block-separable MILP one block at a time with HiGHS.

Without a budget, the network model falls apart into independent pieces: two links
interact only through a shared supply, demand or trunk, so the connected components
of that graph share no constraint, and the optimum of the whole is the sum of the
optima of its components. Branch and bound does not see this: every node of one tree
carries every component's open gap, so a region of many small clusters can take
minutes as one model and milliseconds piece by piece. Here the linopy model's matrix
is permuted into its diagonal blocks and each block is handed to HiGHS (highspy) on
its own; the reported gap is that of the sum (Σ dual bounds vs Σ objectives).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy import sparse

INF = highspy.kHighsInf
# One redirect at a time: two threads interleaving dup/dup2 could leave fd 1 pointing
# at /dev/null for good.
_STDOUT_LOCK = threading.Lock()


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence C-level standard output while HiGHS starts: its constructor prints a
    banner (whatever ``output_flag`` says) that would corrupt ``--json`` output."""
    with _STDOUT_LOCK:
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # pragma: no cover - no file descriptor 1 (embedded interpreters)
            yield
            return
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


@dataclass
class BlockSolution:
    """Values aligned with the columns given, the sum of objectives and dual bounds,
    and the worst status met (``optimal``, ``time_limit`` or ``infeasible``)."""

    values: NDArray[np.float64]
    objective: float
    dual_bound: float
    termination: str
    n_blocks: int
    # Where the time went: the largest block's columns, seconds and own relative gap.
    largest_cols: int = 0
    largest_s: float = 0.0
    largest_gap: float = 0.0


def row_bounds(
    b: NDArray[np.float64], sense: NDArray[Any]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """linopy's ``(b, sense)`` as HiGHS row bounds.

    >>> row_bounds(np.array([1.0, 2.0, 3.0]), np.array(["<", ">", "="]))[0].tolist()[1:]
    [2.0, 3.0]
    """
    sense = np.asarray(sense).astype(str)
    lower = np.where(np.isin(sense, [">", "="]), b, -INF)
    upper = np.where(np.isin(sense, ["<", "="]), b, INF)
    return lower.astype(float), upper.astype(float)


def solve_blocks(
    a: sparse.csr_array | sparse.csr_matrix,
    row_lower: NDArray[np.float64],
    row_upper: NDArray[np.float64],
    cost: NDArray[np.float64],
    col_lower: NDArray[np.float64],
    col_upper: NDArray[np.float64],
    integer: NDArray[np.bool_],
    col_block: NDArray[np.int64],
    *,
    mip_rel_gap: float,
    time_limit_s: float,
    known_objective: float = 0.0,
) -> BlockSolution:
    """Maximise ``cost·v`` subject to ``row_lower ≤ A v ≤ row_upper`` and bounds, block by
    block. ``col_block`` labels each column's block; columns labelled −1 are left at 0
    and rows that touch only such columns are ignored. Every row must lie in one block.

    The tolerance is that of the sum, as HiGHS would apply it to the whole model:
    stop when ``Σ (bound_i − obj_i) ≤ mip_rel_gap · Σ obj_i``. Each block stops at its own
    relative gap or at the absolute gap still unspent (``mip_rel_gap`` times the
    objectives found so far, ``known_objective`` — pieces solved exactly elsewhere —
    included, minus the gaps left open so far). By induction the sum meets the tolerance
    whenever every block's objective is non-negative (as when building nothing is
    feasible); the caller reports the gap of the sum, so it is never understated.
    """
    started = time.perf_counter()
    a = sparse.csr_array(a)
    values = np.zeros(a.shape[1])
    nonempty = np.diff(a.indptr) > 0
    row_block = np.full(a.shape[0], -1, dtype=np.int64)
    row_block[nonempty] = col_block[a.indices[a.indptr[:-1][nonempty]]]
    col_order = np.argsort(col_block, kind="stable")
    row_order = np.argsort(row_block, kind="stable")
    permuted = sparse.csr_array(a[row_order][:, col_order])
    col_sorted, row_sorted = col_block[col_order], row_block[row_order]
    blocks = np.unique(col_sorted[col_sorted >= 0])
    c_start, c_stop = np.searchsorted(col_sorted, blocks), np.searchsorted(col_sorted, blocks, side="right")
    r_start, r_stop = np.searchsorted(row_sorted, blocks), np.searchsorted(row_sorted, blocks, side="right")
    # Small blocks first: if time runs out, it runs out on the one large block, which
    # HiGHS then returns with its best solution and bound, not on hundreds of small ones.
    by_size = np.argsort(c_stop - c_start, kind="stable")
    c_start, c_stop, r_start, r_stop = c_start[by_size], c_stop[by_size], r_start[by_size], r_stop[by_size]
    with quiet_stdout():
        h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 1)
    objective = dual_bound = 0.0
    termination = "optimal"
    kinds = [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger]
    largest = {"cols": 0, "s": 0.0, "gap": 0.0}

    def done(objective: float, bound: float, termination: str) -> BlockSolution:
        return BlockSolution(values, objective, bound, termination, len(blocks),
                             int(largest["cols"]), float(largest["s"]), float(largest["gap"]))  # fmt: skip

    for b0, b1, r0, r1 in zip(c_start, c_stop, r_start, r_stop, strict=True):
        cols = col_order[b0:b1]
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = int(b1 - b0), int(r1 - r0)
        lp.col_cost_ = cost[cols]
        lp.col_lower_, lp.col_upper_ = col_lower[cols], col_upper[cols]
        rows = row_order[r0:r1]
        lp.row_lower_, lp.row_upper_ = row_lower[rows], row_upper[rows]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        start = permuted.indptr[r0 : r1 + 1]
        lp.a_matrix_.start_ = (start - start[0]).astype(np.int32)
        lp.a_matrix_.index_ = (permuted.indices[start[0] : start[-1]] - b0).astype(np.int32)
        lp.a_matrix_.value_ = permuted.data[start[0] : start[-1]].astype(float)
        lp.integrality_ = [kinds[int(i)] for i in integer[cols]]
        lp.sense_ = highspy.ObjSense.kMaximize
        remaining = time_limit_s - (time.perf_counter() - started)
        if remaining <= 0:  # blocks left unsolved: their bound is unknown, so is the gap
            return done(objective, float("inf"), "time_limit")
        h.clearModel()
        h.setOptionValue("time_limit", float(remaining))
        spare = mip_rel_gap * (known_objective + objective) - (dual_bound - objective)
        h.setOptionValue("mip_abs_gap", float(max(spare, 0.0)))
        h.passModel(lp)
        block_started = time.perf_counter()
        h.run()
        if b1 - b0 >= largest["cols"]:  # blocks come smallest first
            largest = {"cols": b1 - b0, "s": time.perf_counter() - block_started, "gap": h.getInfo().mip_gap}
        status = h.getModelStatus()
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return done(objective, dual_bound, "infeasible")
        info = h.getInfo()
        if info.primal_solution_status != 2:  # no feasible solution within the time limit
            return done(objective, float("inf"), "time_limit")
        if status != highspy.HighsModelStatus.kOptimal:
            termination = "time_limit"
        values[cols] = np.asarray(h.getSolution().col_value)
        objective += float(info.objective_function_value)
        # A block without integers is an LP: its optimum is its bound (HiGHS leaves
        # mip_dual_bound unset for an LP).
        bound = float(info.mip_dual_bound) if integer[cols].any() else float(info.objective_function_value)
        dual_bound += bound if np.isfinite(bound) else float(info.objective_function_value)
    return done(objective, dual_bound, termination)
