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

from sidestream.optimise.rootcuts import DEFAULT_OPTIONS, ROOT_OPTIONS, CutPool, restricted, with_cuts

INF = highspy.kHighsInf
# Blocks with at least this many integer columns first try the root-cut heuristic
# (:mod:`sidestream.optimise.rootcuts`); it costs a second root on the blocks where it
# does not meet the tolerance, and is measured to pay on the 20k material block (15 602
# columns, 7 801 integer) — see docs/performance.md.
RENS_MIN_INTEGERS = 4000
# The restricted MIP stops when its own open gap is this share of the block's (root
# bound − incumbent): searching it further cannot close the block's gap.
RENS_ENOUGH = 0.1
# The restricted MIP's time limit: this share of the root's time, at least RENS_MIN_SECONDS.
RENS_TIME_SHARE = 1.0
RENS_MIN_SECONDS = 1.0
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
    # Blocks parked after the root-cut heuristic (see solve_blocks), resumed or not.
    n_parked: int = 0


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
    state: str = "waiting"  # waiting, running, parked, done
    objective: float = -INF  # incumbent (−inf: none yet)
    bound: float = INF
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # of the worker's thread: the machine is shared
    own_gap: float = 0.0
    # Parked after the root-cut heuristic: its incumbent (values) and root bound count
    # in the sum; it is resumed only if the sum is not met once every block has started.
    start: NDArray[np.float64] | None = None
    restricted: Any = None  # its restricted MIP, continued first when it is resumed
    root_bound: float = INF


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
            return self.met()

    def met(self) -> bool:
        """The sum's rule (call with the lock held)."""
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
    rens_min_integers: int | None = None,
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

    Blocks of at least ``rens_min_integers`` integer columns first run HiGHS's root
    only and a heuristic from its cuts (:mod:`sidestream.optimise.rootcuts`): the root's
    proven bound and the heuristic's incumbent are recorded and the block is *parked*;
    it is resumed (its MIP, from that incumbent) only if the sum's rule is not met once
    every block has started and no other block is running.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    if rens_min_integers is None:
        rens_min_integers = RENS_MIN_INTEGERS
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
    solvers, lp_solvers = [], []
    for _ in range(n_workers):
        with quiet_stdout():
            solvers.append(highspy.Highs())  # type: ignore[no-untyped-call]
            lp_solvers.append(highspy.Highs())  # type: ignore[no-untyped-call]
    parked: list[_Block] = []

    # A block that stops on its own gap spends that gap out of the sum's allowance; at a
    # tenth of the tolerance it leaves the rest to the blocks still running (the large
    # ones, stopped by the sum's rule), while the other worker would otherwise idle.
    alone_gap = mip_rel_gap / 10 if len(blocks) > 1 else mip_rel_gap

    def work(h: Any, lp_solver: Any, largest_first: bool) -> None:
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", float(alone_gap))
        h.setOptionValue("threads", 1)
        lp_solver.setOptionValue("output_flag", False)
        lp_solver.setOptionValue("threads", 1)
        # Restarts re-run presolve and the root cut loop after reduced-cost fixing; on
        # these fixed-charge blocks they cost more than they save (1 000 links: the
        # largest block 5.8 s with restarts, 1.2 s without, same optimum).
        h.setOptionValue("mip_allow_restart", False)
        current: list[_Block] = []
        # phase: "full" (a block's MIP), "root" (stop once the root's cut pool is in),
        # "rens" (a restricted MIP: its incumbents are the block's, its bound is not —
        # the block's bound is the root's, in root_bound).
        run: dict[str, Any] = {"phase": "full", "root_bound": INF, "pool": None, "rule": False, "fresh": True}

        def interrupt(event: Any) -> None:
            out = event.data_out
            if run["fresh"]:
                # HiGHS keeps the interrupt flag of the previous run on this object
                event.interrupt(False)
                run["fresh"] = False
            if run["phase"] == "root" and run["pool"] is not None:
                ledger.report(current[0], float(out.mip_primal_bound), float(out.mip_dual_bound))
                event.interrupt()
                return
            bound = run["root_bound"] if run["phase"].startswith("rens") else float(out.mip_dual_bound)
            # Stop when another block failed (the run's answer is decided) or the sum's
            # rule is met.
            primal = float(out.mip_primal_bound)
            rule = bool(current) and ledger.report(current[0], primal, bound)
            if failures or rule:
                run["rule"] = rule
                event.interrupt()
            elif (
                run["phase"] == "rens"
                and np.isfinite(primal)
                and out.mip_dual_bound - primal <= RENS_ENOUGH * (bound - primal)
            ):
                # what the restricted MIP could still add is small against the block's gap
                event.interrupt()

        def cut_pool(event: Any) -> None:
            if run["phase"] == "root":
                run["pool"] = CutPool.from_callback(event.data_out)

        h.cbMipInterrupt.subscribe(interrupt)
        h.cbMipGetCutPool.subscribe(cut_pool)
        # When the largest block goes the root-cut route it is parked after a few
        # seconds and its worker moves on; the other workers then start with the next
        # largest (on the 20k benchmark: the heat block, 7–10 CPU s) rather than leave it
        # to be started last.
        head_start = bool(blocks) and int(integer[blocks[-1].cols].sum()) >= rens_min_integers

        def solve(
            block: _Block, lp: Any, phase: str, start: NDArray[np.float64] | None = None, limit: float = INF
        ) -> Any:
            """Run HiGHS on ``lp`` for ``block`` in ``phase``, for at most ``limit``
            seconds; returns its model status and info."""
            run.update(phase=phase, rule=False, fresh=True)
            h.clearModel()
            h.setOptionValue("time_limit", float(max(min(deadline - time.perf_counter(), limit), 0.0)))
            for name, value in (ROOT_OPTIONS if phase == "root" else DEFAULT_OPTIONS).items():
                h.setOptionValue(name, value)
            h.passModel(lp)
            if start is not None:
                solution = highspy.HighsSolution()
                solution.col_value = list(start)
                solution.value_valid = True
                h.setSolution(solution)
            h.run()
            return h.getModelStatus(), h.getInfo()

        def finish(block: _Block, status: Any, info: Any, vals: NDArray[np.float64] | None,
                   objective: float, bound: float) -> bool:  # fmt: skip
            """Record a block's final result; False when the worker must stop."""
            if status in (
                highspy.HighsModelStatus.kInfeasible,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                with ledger.lock:
                    failures.append("infeasible")
                return False
            if vals is None:  # no feasible solution within the time limit
                with ledger.lock:
                    failures.append("time_limit")
                return False
            values[block.cols] = vals
            within = status == highspy.HighsModelStatus.kOptimal or (
                status == highspy.HighsModelStatus.kInterrupt
            )
            with ledger.lock:
                block.objective, block.bound, block.state = objective, max(bound, objective), "done"
                block.own_gap = (block.bound - objective) / max(abs(objective), 1e-9)
                if not within:
                    failures.append("time_limit_solved")
            return True

        def final_bound(info: Any, mip: bool, objective: float) -> float:
            """The block's bound after a run: HiGHS's dual bound (infinite if the run
            stopped before its root LP), never above an earlier one (a parked block's
            root bound). A block without integers is an LP: its optimum is its bound
            (HiGHS leaves ``mip_dual_bound`` unset for an LP)."""
            if not mip:
                return objective
            bound = float(info.mip_dual_bound)
            return min(bound if np.isfinite(bound) else INF, current[0].bound)

        def full(block: _Block) -> bool:
            """The block's MIP (from its parked incumbent, if any)."""
            status, info = solve(block, block.lp, "full", block.start)
            mip = bool(integer[block.cols].any())
            found = info.primal_solution_status == 2
            vals = np.asarray(h.getSolution().col_value) if found else None
            objective = float(info.objective_function_value) if found else -INF
            if block.start is not None and (vals is None or objective < block.objective):
                vals, objective = block.start, block.objective  # HiGHS kept a worse one
                status = highspy.HighsModelStatus.kInterrupt if run["rule"] else status
            return finish(block, status, info, vals, objective, final_bound(info, mip, objective))

        def root_then_rens(block: _Block) -> bool | None:
            """Root cuts, then RENS from the cut LP (see :mod:`rootcuts`). True: the block
            is done; None: it is parked (incumbent and root bound recorded); False: the
            worker must stop."""
            run["pool"] = None
            root_started = time.perf_counter()
            status, info = solve(block, block.lp, "root")
            root_seconds = time.perf_counter() - root_started
            pool: CutPool | None = run["pool"]
            if pool is None or status != highspy.HighsModelStatus.kInterrupt or run["rule"] or failures:
                # solved (or stopped) within the root: an ordinary result
                found = info.primal_solution_status == 2
                vals = np.asarray(h.getSolution().col_value) if found else None
                objective = float(info.objective_function_value) if found else -INF
                return finish(block, status, info, vals, objective, final_bound(info, True, objective))
            root_bound = float(info.mip_dual_bound)
            best, best_obj = None, -INF
            if info.primal_solution_status == 2:
                best, best_obj = np.asarray(h.getSolution().col_value), float(info.objective_function_value)
            ledger.report(block, best_obj, root_bound)
            lp_solver.clearModel()
            lp_solver.passModel(with_cuts(block.lp, pool))
            lp_solver.run()
            relaxed_ok = lp_solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
            sub = None
            if relaxed_ok:
                relaxed = np.asarray(lp_solver.getSolution().col_value)
                sub, _free = restricted(block.lp, relaxed, integer[block.cols])
                run["root_bound"] = root_bound
                # no longer than the root took: its best solutions come early (20k
                # material block: 385.78·10⁶ after 2.6 of its 13 CPU s to optimality),
                # and a block parked sooner leaves the core to the others
                limit = max(RENS_MIN_SECONDS, RENS_TIME_SHARE * root_seconds)
                status, info = solve(block, sub, "rens", limit=limit)
                found = float(info.objective_function_value)
                if info.primal_solution_status == 2 and found > best_obj:
                    best, best_obj = np.asarray(h.getSolution().col_value), found
                ledger.report(block, best_obj, root_bound)
                if run["rule"] or root_bound - best_obj <= alone_gap * abs(best_obj):
                    done = highspy.HighsModelStatus.kInterrupt
                    return finish(block, done, info, best, best_obj, root_bound)
            if best is None:
                return full(block)
            with ledger.lock:
                block.start, block.state = best, "parked"
                block.restricted, block.root_bound = sub if relaxed_ok else None, root_bound
            return None

        def resume_restricted(block: _Block) -> bool | None:
            """Continue a parked block's restricted MIP (from its incumbent, no time
            limit but the run's) until the sum's rule is met; if it is solved out
            without meeting it, the block is parked again for its full MIP."""
            sub, block.restricted = block.restricted, None
            run["root_bound"] = block.root_bound
            _status, info = solve(block, sub, "rens-resumed", block.start)
            found = float(info.objective_function_value)
            if info.primal_solution_status == 2 and found > block.objective:
                with ledger.lock:
                    block.start = np.asarray(h.getSolution().col_value)
                ledger.report(block, found, block.root_bound)
            if run["rule"]:
                done = highspy.HighsModelStatus.kInterrupt
                return finish(block, done, info, block.start, block.objective, block.root_bound)
            if failures:
                return False
            return None  # parked again, without a restricted MIP: next time its full MIP

        while True:
            block: _Block | None
            with ledger.lock:
                if failures:
                    return
                if queue:
                    block = queue.pop() if largest_first or head_start else queue.popleft()
                    head_start = False
                else:
                    # every block started: resume a parked one only if the sum is not met
                    # once no other block is running (a running block may still meet it,
                    # and on a shared machine a resumed block would slow it down)
                    if not parked or ledger.met():
                        return
                    block = None if any(b.state == "running" for b in blocks) else parked.pop()
            if block is None:
                time.sleep(0.02)
                continue
            if deadline - time.perf_counter() <= 0:  # blocks left unfinished: the gap is unknown
                with ledger.lock:
                    failures.append("time_limit")
                return
            if block.state == "waiting":
                ledger.start(block)
            current[:] = [block]
            block_started, block_cpu = time.perf_counter(), time.thread_time()
            if block.state == "parked" and block.restricted is not None:
                ok: bool | None = resume_restricted(block)
            elif block.state == "parked":
                ok = full(block)
            elif int(integer[block.cols].sum()) >= rens_min_integers:
                ok = root_then_rens(block)
            else:
                ok = full(block)
            block.seconds += time.perf_counter() - block_started
            block.cpu_seconds += time.thread_time() - block_cpu
            if ok is None:
                with ledger.lock:
                    parked.append(block)
            elif not ok:
                return

    errors: list[BaseException] = []

    def guarded(h: Any, lp_solver: Any, largest_first: bool) -> None:
        """Run a worker; an error is kept for the caller's thread (a thread's exception
        would otherwise only be printed) and stops the other worker's block."""
        try:
            work(h, lp_solver, largest_first)
        except BaseException as error:  # re-raised below, in the caller's thread
            with ledger.lock:
                errors.append(error)
                failures.append("error")

    threads = [
        threading.Thread(target=guarded, args=(h, lp_h, i == 0 and n_workers > 1))
        for i, (h, lp_h) in enumerate(zip(solvers, lp_solvers, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    for block in blocks:  # parked, never resumed: the sum's rule was met with their incumbents
        if block.state == "parked" and block.start is not None:
            values[block.cols] = block.start
            block.state = "done"
            block.own_gap = (block.bound - block.objective) / max(abs(block.objective), 1e-9)
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
    n_parked = sum(b.start is not None for b in blocks)
    return BlockSolution(values, objective, dual_bound, termination, len(blocks), *profile, n_parked=n_parked)
