"""Solving block by block meets the tolerance of the sum, as HiGHS on the whole model would.

The reference is the whole model solved through the undivided path with a tolerance of
1e-9 (a different route through HiGHS: one block, no gap allocation), so the expected
values are not the tested path's own output.
"""

from __future__ import annotations

import highspy
import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from sidestream.optimise import OptimiseParams, optimise, trunk_groups
from sidestream.optimise.blocks import row_bounds, solve_blocks
from sidestream.optimise.network import build_model, components, prepare, scaled_matrix
from sidestream.optimise.rootcuts import restricted
from sidestream.optimise.synth import synthetic_links


@pytest.mark.parametrize("seed", [3, 11])
def test_gap_of_the_sum_is_within_tolerance(seed: int) -> None:
    links, _ = synthetic_links(160, seed=seed)
    tolerance = 1e-3
    split = optimise(links, OptimiseParams(mip_rel_gap=tolerance))
    exact = optimise(links, OptimiseParams(mip_rel_gap=1e-9, decompose=False))
    arc_block, _ = components(prepare(links, OptimiseParams()))
    assert len(np.unique(arc_block)) > 1  # the instance does fall apart
    assert split.extra["n_blocks"] >= 1
    assert split.termination == "optimal"
    assert 0.0 <= split.mip_gap <= tolerance
    # within the tolerance of the true optimum, and never above it
    assert split.objective_value >= (1 - tolerance) * exact.objective_value
    assert split.objective_value <= exact.objective_value * (1 + 1e-7) + 1e-6


def test_two_blocks_are_solved_apart_and_summed() -> None:
    """max 3a + 2b s.t. a + b ≤ 1 (block 0) and max 5c s.t. c ≤ 0.5 (block 1), a, b
    binary, c continuous: by hand a = 1, b = 0, c = 0.5, objective 3 + 2.5 = 5.5."""
    a = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    solved = solve_blocks(
        sparse.csr_array(a),
        np.array([-np.inf, -np.inf]),
        np.array([1.0, 0.5]),
        np.array([3.0, 2.0, 5.0]),
        np.zeros(3),
        np.ones(3),
        np.array([True, True, False]),
        np.array([0, 0, 1]),
        mip_rel_gap=1e-4,
        time_limit_s=10.0,
        known_objective=1.0,
    )
    assert solved.n_blocks == 2
    assert solved.values.tolist() == pytest.approx([1.0, 0.0, 0.5])
    assert solved.objective == pytest.approx(5.5)
    assert solved.dual_bound == pytest.approx(5.5, abs=1e-4 * 6.5)
    assert solved.termination == "optimal"


def _rows(a: sparse.csr_array, lower: np.ndarray, upper: np.ndarray) -> list[tuple[object, ...]]:
    """Each row as (bounds, sorted (column, coefficient) pairs), rounded, for comparing
    two matrices whose rows come in different orders."""
    a = sparse.csr_array(a)
    out = []
    for r in range(a.shape[0]):
        span = slice(a.indptr[r], a.indptr[r + 1])
        entries = sorted(
            (int(c), round(float(v), 9)) for c, v in zip(a.indices[span], a.data[span], strict=True) if v
        )
        if entries:
            out.append((round(float(lower[r]), 9), round(float(upper[r]), 9), tuple(entries)))
    return sorted(out)


def test_scaled_matrix_is_the_linopy_model_rescaled() -> None:
    """The decomposed path's matrix is written with scipy, the whole path's with linopy:
    after undoing the scaling they must hold the same rows and objective (trunks and a
    must-include link included, so that every constraint family is present)."""
    links, positions = synthetic_links(60, seed=5)
    trunks = trunk_groups(links, positions)
    assert len(trunks)
    params = OptimiseParams(include=[str(links["link_id"].iloc[0])])
    arcs = prepare(links, params, trunks)
    direct = scaled_matrix(arcs)
    m = build_model(arcs, params).matrices
    position = np.full(int(m.vlabels.max()) + 1, -1)
    position[m.vlabels] = np.arange(len(m.vlabels))
    order = np.concatenate([position[build_model(arcs, params).variables[v].labels.values] for v in "xyz"])
    assert sorted(order.tolist()) == list(range(len(m.vlabels)))
    linopy_a = sparse.csr_array(sparse.csc_array(m.A)[:, order])
    lower, upper = row_bounds(m.b, m.sense)
    unscaled = sparse.csr_array(direct.a @ sparse.diags_array(1.0 / direct.scale))
    assert _rows(unscaled, direct.row_lower, direct.row_upper) == _rows(linopy_a, lower, upper)
    assert direct.cost / direct.scale == pytest.approx(np.asarray(m.c)[order])
    assert direct.col_upper * direct.scale == pytest.approx(np.asarray(m.ub)[order])
    assert direct.integer.tolist() == (np.asarray(m.vtypes)[order] != "C").tolist()


def test_one_or_two_workers_meet_the_same_tolerance() -> None:
    """The blocks shared out between two threads (largest first on one, smallest first on
    the other, the sum's rule checked from HiGHS's callback) and solved one after
    another give objectives within the tolerance of each other and of the true optimum."""
    links, _ = synthetic_links(400, seed=7)
    tolerance = 1e-3
    arcs = prepare(links, OptimiseParams())
    matrix = scaled_matrix(arcs)
    arc_block, _ = components(arcs)
    col_block = np.concatenate([arc_block, arc_block])
    assert len(np.unique(arc_block)) > 2
    exact = optimise(links, OptimiseParams(mip_rel_gap=1e-9, decompose=False)).objective_value
    for workers in (1, 2):
        solved = solve_blocks(
            matrix.a, matrix.row_lower, matrix.row_upper, matrix.cost, matrix.col_lower, matrix.col_upper,
            matrix.integer, col_block, mip_rel_gap=tolerance, time_limit_s=60.0, workers=workers,
        )  # fmt: skip
        assert solved.termination == "optimal"
        assert solved.dual_bound - solved.objective <= tolerance * solved.objective + 1e-6
        assert (1 - tolerance) * exact <= solved.objective <= exact * (1 + 1e-7) + 1e-6
        assert solved.dual_bound >= exact * (1 - 1e-7) - 1e-6  # a bound, never below the optimum


def test_an_error_in_a_worker_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """A solver error inside a worker thread is raised in the caller's thread, not
    swallowed into a wrong 'time_limit' answer."""

    class Broken(highspy.Highs):  # type: ignore[misc]
        def run(self) -> None:
            raise RuntimeError("solver broke")

    monkeypatch.setattr(highspy, "Highs", Broken)
    links, _ = synthetic_links(160, seed=3)
    with pytest.raises(RuntimeError, match="solver broke"):
        optimise(links, OptimiseParams())


@pytest.fixture(scope="module")
def hard_region() -> tuple[pd.DataFrame, float]:
    """700 generated links (seed 2): a 287-arc block that takes HiGHS a second or more,
    and a dozen small ones; with the optimum of the whole model solved to 10⁻⁹."""
    links, _ = synthetic_links(700, seed=2)
    exact = optimise(links, OptimiseParams(mip_rel_gap=1e-9, decompose=False))
    assert exact.termination == "optimal"
    return links, exact.objective_value


def test_a_short_time_limit_starts_every_block_and_reports_an_honest_gap(
    hard_region: tuple[pd.DataFrame, float],
) -> None:
    """With 0.1 s for the whole region the large block cannot finish; every block still
    runs (each gets its share of the time, not all of it), the network built is
    feasible, and the gap reported is finite and at least the true gap (the sum of the
    blocks' bounds is never below the optimum)."""
    links, exact = hard_region
    arcs = prepare(links, OptimiseParams())
    arc_block, _ = components(arcs)
    assert np.bincount(arc_block).max() > 200 and len(np.unique(arc_block)) > 5
    result = optimise(links, OptimiseParams(time_limit_s=0.1))
    assert result.extra["blocks_unstarted"] == 0
    assert result.extra["blocks_open"] >= 1  # at least the large block stopped at its budget
    assert result.termination == "time_limit"
    assert np.isfinite(result.mip_gap)
    true_gap = (exact - result.objective_value) / result.objective_value
    assert result.mip_gap >= true_gap * (1 - 1e-7) - 1e-9
    assert 0 < result.objective_value <= exact * (1 + 1e-7)
    # the links built respect every supply's and demand's capacity
    chosen = result.chosen.merge(links[["link_id", "supply_capacity", "demand_capacity"]], on="link_id")
    supply_share = (chosen["quantity"] / chosen["supply_capacity"]).groupby(chosen["supply_id"]).sum()
    demand_share = (chosen["quantity"] / chosen["demand_capacity"]).groupby(chosen["demand_id"]).sum()
    assert supply_share.max() <= 1 + 1e-6 and demand_share.max() <= 1 + 1e-6


@pytest.mark.parametrize("workers", [1, 2])
def test_blocks_with_no_time_keep_building_nothing_and_a_relaxation_bound(
    hard_region: tuple[pd.DataFrame, float], workers: int
) -> None:
    """With no time at all HiGHS may return no solution and no bound for a block: the
    all-zero network is still feasible (objective 0) and the LP relaxation still bounds
    it, so the sum keeps a finite gap, at least the true one; the values returned are
    feasible and worth the objective returned."""
    links, exact = hard_region
    arcs = prepare(links, OptimiseParams())
    matrix = scaled_matrix(arcs)
    arc_block, _ = components(arcs)
    col_block = np.concatenate([arc_block, arc_block])
    solved = solve_blocks(
        matrix.a, matrix.row_lower, matrix.row_upper, matrix.cost, matrix.col_lower, matrix.col_upper,
        matrix.integer, col_block, mip_rel_gap=1e-4, time_limit_s=1e-6, workers=workers,
    )  # fmt: skip
    assert solved.n_unstarted == 0
    assert solved.termination == "time_limit"
    assert np.isfinite(solved.dual_bound)
    assert solved.dual_bound >= exact * (1 - 1e-7) - 1e-6
    assert 0 <= solved.objective <= exact * (1 + 1e-7)
    v = solved.values
    assert solved.objective == pytest.approx(float(matrix.cost @ v), rel=1e-9, abs=1e-6)
    activity = matrix.a @ v
    assert np.all(activity <= matrix.row_upper + 1e-6) and np.all(activity >= matrix.row_lower - 1e-6)
    assert np.all(v >= matrix.col_lower - 1e-9) and np.all(v <= matrix.col_upper + 1e-9)


@pytest.mark.parametrize(("n_links", "seed", "tolerance"), [(400, 7, 1e-3), (300, 1, 1e-8), (600, 1, 1e-8)])
def test_root_cut_route_meets_the_tolerance(n_links: int, seed: int, tolerance: float) -> None:
    """Every block through the root-cut route (root bound, heuristic from the cut LP,
    parked, resumed when the sum is not met — the tight tolerance forces resuming):
    within the tolerance of the true optimum (the whole model solved to 1e-9 on the
    undivided path), the bound never below it, on one and on two workers."""
    links, _ = synthetic_links(n_links, seed=seed)
    arcs = prepare(links, OptimiseParams())
    matrix = scaled_matrix(arcs)
    arc_block, _ = components(arcs)
    col_block = np.concatenate([arc_block, arc_block])
    exact = optimise(links, OptimiseParams(mip_rel_gap=1e-9, decompose=False)).objective_value
    parked = 0
    for workers in (1, 2):
        solved = solve_blocks(
            matrix.a, matrix.row_lower, matrix.row_upper, matrix.cost, matrix.col_lower, matrix.col_upper,
            matrix.integer, col_block, mip_rel_gap=tolerance, time_limit_s=60.0, workers=workers,
            rens_min_integers=1,
        )  # fmt: skip
        assert solved.termination == "optimal"
        assert solved.dual_bound - solved.objective <= tolerance * solved.objective + 1e-6
        assert (1 - tolerance) * exact - 1e-6 <= solved.objective <= exact * (1 + 1e-7) + 1e-6
        assert solved.dual_bound >= exact * (1 - 1e-7) - 1e-6  # a bound, never below the optimum
        # the values are a feasible point of the model with the objective reported
        v = solved.values
        assert np.all(matrix.a @ v <= matrix.row_upper + 1e-7)
        assert np.all(v >= matrix.col_lower - 1e-9) and np.all(v <= matrix.col_upper + 1e-9)
        assert np.allclose(v[matrix.integer], np.round(v[matrix.integer]), atol=1e-6)
        assert float(matrix.cost @ v) == pytest.approx(solved.objective, rel=1e-7, abs=1e-6)
        parked += solved.n_parked
    if tolerance < 1e-6:  # these instances were picked because a block is parked there
        assert parked > 0


def test_restricted_fixes_only_integral_integer_columns() -> None:
    """RENS's model: integer columns at an integral LP value are fixed there; fractional
    ones and continuous columns keep their bounds."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 4, 0
    lp.col_cost_ = np.ones(4)
    lp.col_lower_, lp.col_upper_ = np.zeros(4), np.ones(4)
    lp.a_matrix_.start_ = np.zeros(5, dtype=np.int32)
    sub, free = restricted(lp, np.array([1.0, 0.4, 0.0, 1.0]), np.array([True, True, True, False]))
    assert free == 1
    assert np.asarray(sub.col_lower_).tolist() == [1.0, 0.0, 0.0, 0.0]
    assert np.asarray(sub.col_upper_).tolist() == [1.0, 1.0, 0.0, 1.0]
