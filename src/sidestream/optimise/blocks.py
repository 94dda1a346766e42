"""Solve a block-separable MILP one block at a time with HiGHS.

Without a budget, the network model falls apart into independent pieces: two links
interact only through a shared supply, demand or trunk, so the connected components
of that graph share no constraint, and the optimum of the whole is the sum of the
optima of its components. Branch and bound does not see this: every node of one tree
carries every component's open gap, so a region of many small clusters can take
minutes as one model and milliseconds piece by piece. Here the model's matrix is
permuted into its diagonal blocks and each block is handed to HiGHS (highspy) on its
own, two blocks at a time on two threads; the reported gap is that of the sum (Σ dual
bounds vs Σ objectives). The time limit is shared out between the blocks (each run gets
a budget, see :func:`solve_blocks`) so that every block has an incumbent and a bound at
the deadline and that gap stays known. Large blocks first try a heuristic from HiGHS's
own root cuts (:mod:`sidestream.optimise.rootcuts`) and are run further only if the
sum's tolerance is not met without it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from sidestream.optimise.rootcuts import DEFAULT_OPTIONS, ROOT_OPTIONS, CutPool, restricted, with_cuts

INF = highspy.kHighsInf
log = logging.getLogger(__name__)
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
    # How the time was shared: blocks never run (0 unless an error or an infeasible
    # block stopped the run), blocks left at their budget short of their own gap, and
    # second runs.
    n_unstarted: int = 0
    n_open: int = 0
    n_reruns: int = 0
    # Blocks that went the root-cut route (see solve_blocks), resumed afterwards or not.
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
    """One block's model and what its solver runs reported so far."""

    cols: NDArray[np.int64]
    lp: Any  # highspy.HighsLp
    zero_feasible: bool  # building nothing is feasible: an incumbent of objective 0
    weight: float  # its claim on the time: its number of columns
    state: str = "waiting"  # waiting, running, open (stopped at its budget), done
    objective: float = -INF  # incumbent (−inf: none yet)
    bound: float = INF
    solution: NDArray[np.float64] | None = None  # the incumbent's values
    best: float = -INF  # and its objective
    seconds: float = 0.0
    own_gap: float = 0.0
    runs: int = 0
    budget: float = 0.0  # the time limit of its latest run, seconds
    until: float = 0.0  # when that run must stop (perf_counter)
    # Parked after the root-cut heuristic (state "open"): its incumbent and HiGHS's root
    # bound count in the sum; it is resumed only if the sum is not met once no other
    # block is running — its restricted MIP first, then its full MIP.
    parked: bool = False
    finished_once: bool = False  # a run of it has ended (progress counts it)
    restricted: Any = None


class _Ledger:
    """The blocks' incumbents and bounds, shared by the workers, and the stopping rule
    of the sum (see :func:`solve_blocks`)."""

    def __init__(self, blocks: list[_Block], mip_rel_gap: float, known_objective: float) -> None:
        self.blocks, self.tolerance, self.known = blocks, mip_rel_gap, known_objective
        self.lock = threading.Lock()
        self.waiting = len(blocks)

    def start(self, block: _Block, limit: float) -> None:
        """Mark ``block`` running for ``limit`` seconds (caller holds the lock)."""
        if block.state == "waiting":
            self.waiting -= 1
        block.state, block.budget, block.until = "running", limit, time.perf_counter() + limit

    def report(self, block: _Block, objective: float, bound: float) -> bool:
        """Record a block's incumbent and bound; True when the sum meets the tolerance."""
        with self.lock:
            if np.isfinite(objective):
                block.objective = max(block.objective, objective)
            if np.isfinite(bound):
                block.bound = min(block.bound, bound)
            return self.met()

    def met(self) -> bool:
        """The sum's rule (caller holds the lock): every block started, each has an
        incumbent, and ``Σ (bound − objective) ≤ tol · (known + Σ objective)``. Bounds
        only fall and incumbents only rise (a block run again keeps the better of its
        runs' values), so once true it stays true, whatever the blocks still running do."""
        if self.waiting:
            return False
        total = self.known + sum(b.objective for b in self.blocks)
        open_gap = sum(max(b.bound - b.objective, 0.0) for b in self.blocks)
        return bool(np.isfinite(total) and np.isfinite(open_gap) and open_gap <= self.tolerance * total)


# The shortest time limit a block is given while there is time for it (HiGHS needs a
# few tenths of a second for presolve and the root LP of a block of a few thousand
# columns); less only when the time left, shared out, does not allow it.
FLOOR_S = 0.5
# A block stopped at its budget is run again (from its incumbent) with time left over
# only if the new budget is at least this many times its previous one: a MIP run starts
# again from the root, so a shorter run again would mostly repeat the first one.
RERUN_FACTOR = 2.0


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
    rerun: bool = True,
    rens_min_integers: int | None = None,
    progress: Callable[[float], None] | None = None,
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

    *Time.* Each run of a block gets a budget, not all the time left: its share, by
    columns, of the worker-seconds still free (``workers × time left`` minus what the
    blocks running on the other workers may still use) among the blocks still waiting,
    at least :data:`FLOOR_S` while the time allows. So every block is started before the
    deadline, and a block that stops at its budget keeps its incumbent and bound (the
    sum's gap stays known). Time a block does not use passes to the blocks after it;
    time left once every block has run goes to the blocks stopped at their budget, run
    again with a larger budget from their incumbent (``setSolution``; ``rerun=False``
    turns this off). A block HiGHS leaves without a solution keeps the all-zero
    solution when it is feasible (objective 0), and without a bound gets its LP
    relaxation's.

    *Large blocks.* Blocks of at least ``rens_min_integers`` integer columns (default
    :data:`RENS_MIN_INTEGERS`) first run HiGHS's root only and a heuristic from its cuts
    (:mod:`sidestream.optimise.rootcuts`): the root's proven bound and the heuristic's
    incumbent are recorded and the block is *parked*; it is resumed (its restricted MIP,
    then its full MIP, from that incumbent) only if the sum's rule is not met once every
    block has started and no other block is running.

    ``workers`` threads (default: two, or one on a single core) solve blocks at the same
    time — highspy releases the GIL while HiGHS runs. One worker takes the largest
    block first, the others the smallest first, so that every block has started (and
    the sum's rule can stop the large ones) as early as possible; when the largest block
    goes the root-cut route, the others start with the next largest instead.

    ``progress``, if given, is called with the share of the columns in blocks that
    have finished a run, each time a run finishes: from a worker thread, outside
    HiGHS, under the ledger's lock (so the values never decrease); it must be cheap.
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
        zero_feasible = bool(
            np.all(row_lower[rows] <= 0) and np.all(row_upper[rows] >= 0)
            and np.all(col_lower[cols] <= 0) and np.all(col_upper[cols] >= 0)
        )  # fmt: skip
        blocks.append(_Block(cols, lp, zero_feasible, float(len(cols))))
    ledger = _Ledger(blocks, mip_rel_gap, known_objective)
    queue = deque(blocks)  # smallest first
    n_workers = max(1, min(workers or min(2, os.cpu_count() or 1), len(blocks)))
    failures: list[str] = []  # "infeasible" or "error"
    solvers, lp_solvers = [], []
    for _ in range(n_workers):
        with quiet_stdout():
            solvers.append(highspy.Highs())  # type: ignore[no-untyped-call]
            lp_solvers.append(highspy.Highs())  # type: ignore[no-untyped-call]
    # The largest block goes the root-cut route: it is parked after a few seconds and its
    # worker moves on, so the other workers start with the next largest (on the 20k
    # benchmark: the heat block, 7–10 CPU s) rather than leave it to be started last.
    head_start = bool(blocks) and int(integer[blocks[-1].cols].sum()) >= rens_min_integers

    # A block that stops on its own gap spends that gap out of the sum's allowance; at a
    # tenth of the tolerance it leaves the rest to the blocks still running (the large
    # ones, stopped by the sum's rule), while the other worker would otherwise idle.
    alone_gap = mip_rel_gap / 10 if len(blocks) > 1 else mip_rel_gap

    def budget(block: _Block, pending: list[_Block], now: float) -> float:
        """The block's share of the free worker-seconds among ``pending`` (the blocks
        that still want time, ``block`` included; caller holds the lock)."""
        left = deadline - now
        if left <= 0:
            return 0.0
        busy = sum(min(max(b.until - now, 0.0), left) for b in blocks if b.state == "running")
        free = max(n_workers * left - busy, 0.0)
        # Kept back for running again the blocks already stopped at their budget (mostly
        # small blocks at the floor on a loaded machine), at most half the time free.
        if rerun:
            free -= min(sum(RERUN_FACTOR * b.budget for b in blocks if b.state == "open"), free / 2)
        share = free * block.weight / sum(b.weight for b in pending)
        return min(max(share, min(FLOOR_S, free / len(pending))), left)

    def next_block(largest_first: bool) -> tuple[_Block, float] | str | None:
        """The next block to run and its budget (caller holds the lock), ``"wait"`` to
        look again shortly, None when this worker is done: first every block once, then
        the open ones — stopped at their budget (if ``rerun``), or parked after the
        root-cut heuristic once no other block is running (a running block may still
        meet the sum, and on a shared machine a resumed block would slow it down) —
        the largest open gap first, with all the time left."""
        now = time.perf_counter()
        if queue:
            pending = list(queue)
            block = queue.pop() if largest_first else queue.popleft()
            return block, budget(block, pending, now)
        left = deadline - now
        if ledger.met() or left <= 0:
            return None
        # a run again must be long enough to do better than the last one
        again = [
            b for b in blocks
            if b.state == "open" and not b.parked and rerun and left >= RERUN_FACTOR * b.budget
        ]  # fmt: skip
        parked = [b for b in blocks if b.state == "open" and b.parked]
        others_running = any(b.state == "running" for b in blocks)
        candidates = again + ([] if others_running else parked)
        if candidates:
            return max(candidates, key=lambda b: b.bound - b.objective), left
        return "wait" if parked and others_running else None

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

        def solve(
            block: _Block, lp: Any, phase: str, limit: float, start: NDArray[np.float64] | None = None
        ) -> Any:
            """Run HiGHS on ``lp`` for ``block`` in ``phase`` for at most ``limit``
            seconds (and never past the deadline); returns its model status and info."""
            run.update(phase=phase, rule=False, fresh=True)
            h.clearModel()
            h.setOptionValue("time_limit", float(max(min(deadline - time.perf_counter(), limit), 1e-3)))
            for name, value in (ROOT_OPTIONS if phase == "root" else DEFAULT_OPTIONS).items():
                h.setOptionValue(name, value)
            h.passModel(lp)
            if start is not None:
                solution = highspy.HighsSolution()
                solution.col_value, solution.value_valid = start.tolist(), True
                h.setSolution(solution)
            h.run()
            return h.getModelStatus(), h.getInfo()

        def infeasible(status: Any) -> bool:
            if status in (
                highspy.HighsModelStatus.kInfeasible,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                with ledger.lock:
                    failures.append("infeasible")
                return True
            return False

        def ended(status: Any) -> bool:
            """The run is over for the block: optimal, or stopped by the sum's rule (or
            another block's failure) — not by its time limit."""
            return status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInterrupt)

        def found(info: Any) -> tuple[NDArray[np.float64] | None, float]:
            """The run's solution and objective, if it has one."""
            if info.primal_solution_status == 2:
                return np.asarray(h.getSolution().col_value, dtype=np.float64), float(
                    info.objective_function_value
                )
            return None, -INF

        def record(block: _Block, vals: NDArray[np.float64] | None, objective: float, bound: float,
                   finished: bool, limit: float) -> None:  # fmt: skip
            """Keep the better incumbent and the lower bound of the block's runs, and
            decide its state: done, or open (wants more time)."""
            if vals is None and block.solution is None and block.zero_feasible:
                vals, objective = np.zeros(len(block.cols)), 0.0
            if not np.isfinite(bound) and not np.isfinite(block.bound):
                bound = relaxation_bound(h, block)
            with ledger.lock:
                # The callback may already have raised block.objective to this run's
                # incumbent; HiGHS's final solution is at least as good.
                if vals is not None and objective > block.best:
                    block.best, block.solution = objective, vals
                    values[block.cols] = vals
                block.objective = max(block.objective, objective)
                if np.isfinite(bound):
                    block.bound = min(block.bound, bound)
                block.bound = max(block.bound, block.objective)
                block.own_gap = _gap(block)
                block.state = "done" if finished or block.own_gap <= alone_gap else "open"
                block.finished_once = True
                if progress is not None:
                    progress(sum(b.weight for b in blocks if b.finished_once) / sum(b.weight for b in blocks))
            log.debug(
                "block of %d columns, run %d (%s): budget %.2f s, incumbent %.6g, bound %.6g, %s",
                len(block.cols), block.runs, run["phase"], limit, block.objective, block.bound, block.state,
            )  # fmt: skip

        def full(block: _Block, limit: float) -> None:
            """The block's MIP, from its incumbent if it has one."""
            status, info = solve(block, block.lp, "full", limit, block.solution)
            if infeasible(status):
                return
            vals, objective = found(info)
            finished = ended(status)
            # A block without integers is an LP: its optimum is its bound (HiGHS leaves
            # mip_dual_bound unset for an LP).
            mip = bool(integer[block.cols].any())
            bound = float(info.mip_dual_bound) if mip else (objective if finished else INF)
            record(block, vals, objective, bound, finished, limit)

        def root_then_rens(block: _Block, limit: float) -> None:
            """Root cuts, then RENS from the cut LP (see :mod:`rootcuts`); the block is
            done, or parked (open) with its incumbent and HiGHS's root bound."""
            run["pool"] = None
            root_started = time.perf_counter()
            status, info = solve(block, block.lp, "root", limit)
            root_seconds = time.perf_counter() - root_started
            if infeasible(status):
                return
            vals, objective = found(info)
            pool: CutPool | None = run["pool"]
            if pool is None or status != highspy.HighsModelStatus.kInterrupt or run["rule"] or failures:
                # solved, stopped by the sum's rule or at its budget within the root
                finished = ended(status)
                record(block, vals, objective, float(info.mip_dual_bound), finished, limit)
                return
            root_bound = float(info.mip_dual_bound)
            ledger.report(block, objective, root_bound)
            lp_solver.clearModel()
            lp_solver.passModel(with_cuts(block.lp, pool))
            lp_solver.run()
            sub = None
            if lp_solver.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                relaxed = np.asarray(lp_solver.getSolution().col_value)
                sub, _free = restricted(block.lp, relaxed, integer[block.cols])
                run["root_bound"] = root_bound
                # no longer than the root took: its best solutions come early (20k
                # material block: 385.78·10⁶ after 2.6 of its 13 CPU s to optimality),
                # and a block parked sooner leaves the core to the others
                _status, sub_info = solve(
                    block, sub, "rens", max(RENS_MIN_SECONDS, RENS_TIME_SHARE * root_seconds)
                )
                better, better_objective = found(sub_info)
                if better is not None and better_objective > objective:
                    vals, objective = better, better_objective
            finished = bool(run["rule"]) or root_bound - objective <= alone_gap * abs(objective)
            if not finished:
                with ledger.lock:
                    block.parked, block.restricted = True, sub
            record(block, vals, objective, root_bound, finished, limit)

        def resume_restricted(block: _Block, limit: float) -> None:
            """Continue a parked block's restricted MIP from its incumbent; if it stops
            without meeting the sum's rule, the block stays open for its full MIP."""
            sub, block.restricted = block.restricted, None
            run["root_bound"] = block.bound  # the root's, or lower: every bound recorded is proven
            _status, info = solve(block, sub, "rens-resumed", limit, block.solution)
            vals, objective = found(info)
            record(block, vals, objective, block.bound, bool(run["rule"]), limit)

        first = head_start  # this worker's first pick: the largest, or the next largest
        while True:
            with ledger.lock:
                if failures:
                    return
                picked = next_block(largest_first or first)
                first = False
                if picked is None:
                    return
                if not isinstance(picked, str):
                    block, limit = picked
                    ledger.start(block, limit)
            if isinstance(picked, str):  # "wait": a parked block may be resumed once the others stop
                time.sleep(0.02)
                continue
            current[:] = [block]
            block_started = time.perf_counter()
            block.runs += 1
            if block.parked and block.restricted is not None:
                resume_restricted(block, limit)
            elif block.runs == 1 and int(integer[block.cols].sum()) >= rens_min_integers:
                root_then_rens(block, limit)
            else:
                full(block, limit)
            block.seconds += time.perf_counter() - block_started

    def relaxation_bound(h: Any, block: _Block) -> float:
        """The block's LP relaxation optimum (a bound on its MIP), given at least
        :data:`FLOOR_S`; the box bound ``Σ max(c·l, c·u)`` if even that does not finish."""
        h.clearModel()
        h.passModel(block.lp)
        h.setOptionValue("solve_relaxation", True)
        h.setOptionValue("time_limit", float(max(deadline - time.perf_counter(), FLOOR_S)))
        try:
            h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                return float(h.getInfo().objective_function_value)
        finally:
            h.setOptionValue("solve_relaxation", False)
        lp = block.lp
        c, lower, upper = (np.asarray(v) for v in (lp.col_cost_, lp.col_lower_, lp.col_upper_))
        return float(np.sum(np.maximum(c * lower, c * upper)))

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
    objective = float(sum(b.best for b in blocks if np.isfinite(b.best)))
    largest = max(blocks, key=lambda b: len(b.cols), default=None)
    profile = (len(largest.cols), largest.seconds, largest.own_gap) if largest is not None else (0, 0.0, 0.0)
    counts = {
        "n_unstarted": sum(b.runs == 0 for b in blocks),
        "n_open": sum(b.state == "open" for b in blocks),
        "n_reruns": sum(max(b.runs - 1, 0) for b in blocks),
        "n_parked": sum(b.parked for b in blocks),
    }
    if "infeasible" in failures:
        return BlockSolution(values, objective, float("inf"), "infeasible", len(blocks), *profile, **counts)
    if any(not np.isfinite(b.best) for b in blocks):  # no incumbent: the gap is unknown
        return BlockSolution(values, objective, float("inf"), "time_limit", len(blocks), *profile, **counts)
    dual_bound = float(sum(b.bound for b in blocks))
    with ledger.lock:
        met = ledger.met()
    termination = "optimal" if met or all(b.state == "done" for b in blocks) else "time_limit"
    return BlockSolution(values, objective, dual_bound, termination, len(blocks), *profile, **counts)


def _gap(block: _Block) -> float:
    """A block's own relative gap from its incumbent and bound (inf without either)."""
    if not (np.isfinite(block.objective) and np.isfinite(block.bound)):
        return float("inf")
    return max(block.bound - block.objective, 0.0) / max(abs(block.objective), 1e-9)
