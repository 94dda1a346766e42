"""Solve a block-separable MILP one block at a time with HiGHS.

Without a budget, the network model falls apart into independent pieces: two links
interact only through a shared supply, demand or trunk, so the connected components
of that graph share no constraint, and the optimum of the whole is the sum of the
optima of its components. Branch and bound does not see this: every node of one tree
carries every component's open gap, so a region of many small clusters can take
minutes as one model and milliseconds piece by piece. Here the model's matrix is
permuted into its diagonal blocks and each block is handed to HiGHS (highspy) on its
own, two blocks at a time on two threads; the reported gap is that of the sum (Σ dual
bounds vs Σ objectives).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
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


@dataclass
class _Block:
    """One block's model and, once started, what its solver last reported."""

    cols: NDArray[np.int64]
    lp: Any  # highspy.HighsLp
    state: str = "waiting"  # waiting, running, done
    objective: float = -INF  # incumbent (−inf: none yet)
    bound: float = INF
    seconds: float = 0.0
    own_gap: float = 0.0


class _Ledger:
    """The blocks' incumbents and bounds, shared by the workers, and the stopping rule
    of the sum (see :func:`solve_blocks`)."""

    def __init__(self, blocks: list[_Block], mip_rel_gap: float, known_objective: float) -> None:
        self.blocks, self.tolerance, self.known = blocks, mip_rel_gap, known_objective
        self.lock = threading.Lock()
        self.waiting = len(blocks)

    def start(self, block: _Block) -> None:
        with self.lock:
            block.state = "running"
            self.waiting -= 1

    def report(self, block: _Block, objective: float, bound: float) -> bool:
        """Record a block's incumbent and bound; True when the sum meets the tolerance:
        every block started, each has an incumbent, and ``Σ (bound − objective) ≤ tol ·
        (known + Σ objective)``. Bounds only fall and incumbents only rise, so once true
        it stays true, whatever the blocks still running do afterwards."""
        with self.lock:
            if np.isfinite(objective):
                block.objective = max(block.objective, objective)
            if np.isfinite(bound):
                block.bound = min(block.bound, bound)
            if self.waiting:
                return False
            total = self.known + sum(b.objective for b in self.blocks)
            open_gap = sum(max(b.bound - b.objective, 0.0) for b in self.blocks)
            return bool(np.isfinite(total) and np.isfinite(open_gap) and open_gap <= self.tolerance * total)


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
    workers: int | None = None,
) -> BlockSolution:
    """Maximise ``cost·v`` subject to ``row_lower ≤ A v ≤ row_upper`` and bounds, block by
    block. ``col_block`` labels each column's block; columns labelled −1 are left at 0
    and rows that touch only such columns are ignored. Every row must lie in one block.

    The tolerance is that of the sum, as HiGHS would apply it to the whole model:
    ``Σ (bound_i − obj_i) ≤ mip_rel_gap · (known_objective + Σ obj_i)``
    (``known_objective``: pieces solved exactly elsewhere). A block stops at its own
    relative gap (``bound_i − obj_i ≤ mip_rel_gap / 10 · obj_i``; if every block does,
    the sum meets the tolerance) or as soon as the sum does, checked from a HiGHS callback
    against every block's latest incumbent and bound once every block has started (it
    then stays met: bounds only fall, incumbents only rise). The sum is met whenever
    every block's objective is non-negative (as when building nothing is feasible); the
    caller reports the gap of the sum, so it is never understated.

    ``workers`` threads (default: two, or one on a single core) solve blocks at the same
    time — highspy releases the GIL while HiGHS runs. One worker takes the largest
    block first, the others the smallest first, so that every block has started (and
    the sum's rule can stop the large ones) as early as possible, and a time limit is
    spent on the large blocks, not on hundreds of small ones left unstarted.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    a = sparse.csr_array(a)
    values = np.zeros(a.shape[1])
    nonempty = np.diff(a.indptr) > 0
    row_block = np.full(a.shape[0], -1, dtype=np.int64)
    row_block[nonempty] = col_block[a.indices[a.indptr[:-1][nonempty]]]
    col_order = np.argsort(col_block, kind="stable")
    row_order = np.argsort(row_block, kind="stable")
    permuted = sparse.csr_array(a[row_order][:, col_order])
    col_sorted, row_sorted = col_block[col_order], row_block[row_order]
    labels = np.unique(col_sorted[col_sorted >= 0])
    c_start, c_stop = np.searchsorted(col_sorted, labels), np.searchsorted(col_sorted, labels, side="right")
    r_start, r_stop = np.searchsorted(row_sorted, labels), np.searchsorted(row_sorted, labels, side="right")
    kinds = [highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger]
    blocks = []
    for b0, b1, r0, r1 in sorted(
        zip(c_start, c_stop, r_start, r_stop, strict=True), key=lambda r: r[1] - r[0]
    ):
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
        blocks.append(_Block(cols, lp))
    ledger = _Ledger(blocks, mip_rel_gap, known_objective)
    queue = deque(blocks)  # smallest first
    n_workers = max(1, min(workers or min(2, os.cpu_count() or 1), len(blocks)))
    failures: list[str] = []  # "infeasible" or "time_limit"
    solvers = []
    for _ in range(n_workers):
        with quiet_stdout():
            solvers.append(highspy.Highs())  # type: ignore[no-untyped-call]

    # A block that stops on its own gap spends that gap out of the sum's allowance; at a
    # tenth of the tolerance it leaves the rest to the blocks still running (the large
    # ones, stopped by the sum's rule), while the other worker would otherwise idle.
    alone_gap = mip_rel_gap / 10 if len(blocks) > 1 else mip_rel_gap

    def work(h: Any, largest_first: bool) -> None:
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", float(alone_gap))
        h.setOptionValue("threads", 1)
        # Restarts re-run presolve and the root cut loop after reduced-cost fixing; on
        # these fixed-charge blocks they cost more than they save (1 000 links: the
        # largest block 5.8 s with restarts, 1.2 s without, same optimum).
        h.setOptionValue("mip_allow_restart", False)
        current: list[_Block] = []

        def interrupt(event: Any) -> None:
            out = event.data_out
            # Stop when another block failed (the run's answer is decided) or the sum's
            # rule is met.
            stop = bool(failures) or (
                bool(current)
                and ledger.report(current[0], float(out.mip_primal_bound), float(out.mip_dual_bound))
            )
            if stop:
                event.interrupt()

        h.cbMipInterrupt.subscribe(interrupt)
        while True:
            with ledger.lock:
                if failures or not queue:
                    return
                block = queue.pop() if largest_first else queue.popleft()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:  # blocks left unstarted: their bound is unknown, so is the gap
                with ledger.lock:
                    failures.append("time_limit")
                return
            ledger.start(block)
            current[:] = [block]
            h.clearModel()
            h.setOptionValue("time_limit", float(remaining))
            h.passModel(block.lp)
            block_started = time.perf_counter()
            h.run()
            block.seconds = time.perf_counter() - block_started
            status, info = h.getModelStatus(), h.getInfo()
            if status in (
                highspy.HighsModelStatus.kInfeasible,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                with ledger.lock:
                    failures.append("infeasible")
                return
            if info.primal_solution_status != 2:  # no feasible solution within the time limit
                with ledger.lock:
                    failures.append("time_limit")
                return
            values[block.cols] = np.asarray(h.getSolution().col_value)
            objective = float(info.objective_function_value)
            # A block without integers is an LP: its optimum is its bound (HiGHS leaves
            # mip_dual_bound unset for an LP).
            mip = bool(integer[block.cols].any())
            bound = float(info.mip_dual_bound) if mip else objective
            bound = bound if np.isfinite(bound) else objective
            within = status == highspy.HighsModelStatus.kOptimal or (
                status == highspy.HighsModelStatus.kInterrupt
            )
            with ledger.lock:
                block.objective, block.bound, block.state = objective, max(bound, objective), "done"
                block.own_gap = float(info.mip_gap) if mip else 0.0
                if not within:
                    failures.append("time_limit_solved")

    errors: list[BaseException] = []

    def guarded(h: Any, largest_first: bool) -> None:
        """Run a worker; an error is kept for the caller's thread (a thread's exception
        would otherwise only be printed) and stops the other worker's block."""
        try:
            work(h, largest_first)
        except BaseException as error:  # re-raised below, in the caller's thread
            with ledger.lock:
                errors.append(error)
                failures.append("error")

    threads = [
        threading.Thread(target=guarded, args=(h, i == 0 and n_workers > 1)) for i, h in enumerate(solvers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    done = [b for b in blocks if b.state == "done"]
    objective = float(sum(b.objective for b in done))
    largest = max(blocks, key=lambda b: len(b.cols), default=None)
    profile = (len(largest.cols), largest.seconds, largest.own_gap) if largest is not None else (0, 0.0, 0.0)
    if "infeasible" in failures:
        return BlockSolution(values, objective, float("inf"), "infeasible", len(blocks), *profile)
    if len(done) < len(blocks):
        return BlockSolution(values, objective, float("inf"), "time_limit", len(blocks), *profile)
    dual_bound = float(sum(b.bound for b in done))
    termination = "time_limit" if failures else "optimal"
    return BlockSolution(values, objective, dual_bound, termination, len(blocks), *profile)
