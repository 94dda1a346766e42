"""The fast ranking path equals scoring every pair, and its shortcuts are exact."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sidestream.domain.geo import haversine_km
from sidestream.knowledge.base import default_knowledge_base, load_knowledge_base
from sidestream.matching import MatchParams, engine, match, ranking
from sidestream.matching.engine import _fill_class_temperatures, _select, engine_for, pair_arrays
from sidestream.matching.prepare import prepare_flows
from sidestream.matching.ranking import PairTables, beyond_bound, score_all, top_k
from sidestream.matching.scoring import score_pairs
from sidestream.scale.synth import synthetic_flows


def flat(**kw: object) -> MatchParams:
    factors = dict.fromkeys(MatchParams().category_radius_factor, 1.0)
    return MatchParams(category_radius_factor=factors, **kw)  # type: ignore[arg-type]


def dense_region(n: int, seed: int) -> pd.DataFrame:
    """Flows packed within a few km of each town: hundreds of candidates per supply,
    where pruning actually skips pairs."""
    return synthetic_flows(n, seed=seed, spread_km=3.0)


def test_ranking_doctests() -> None:
    assert doctest.testmod(ranking).failed == 0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6), n=st.integers(1, 300))
def test_top_k_equals_a_plain_sort(seed: int, k: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 8, n)
    # Coarse scores and distances force ties at every level of the ordering.
    score = rng.choice([0.0, 0.25, 0.5, 0.5 + 1e-12, 1.0], n)
    distance = rng.choice([1.0, 2.0], n)
    tie = rng.permutation(n)
    got, rank = top_k(group, score, distance, tie, k)
    expected = []
    for g in sorted(set(group.tolist())):
        members = sorted(np.flatnonzero(group == g), key=lambda i: (-score[i], distance[i], tie[i]))
        expected += members[:k]
    assert got.tolist() == expected
    assert all(0 <= r < k for r in rank.tolist())


def _prepared(frame: pd.DataFrame, params: MatchParams):  # type: ignore[no-untyped-def]
    eng = engine_for()
    supplies, demands = _select(prepare_flows(frame, eng.kb, eng.classifier), params)
    _fill_class_temperatures(supplies, eng)
    _fill_class_temperatures(demands, eng)
    s, d = pair_arrays(supplies, demands, eng)
    class_category = [eng.kb.classes[c].category.value for c in eng.compat.class_ids]
    tables = PairTables.build(eng.compat, params, class_category)
    return eng, supplies, demands, s, d, tables


def test_matches_equal_scoring_every_pair_of_a_cross_join() -> None:
    """The engine's top K, scores included, equal a brute-force cross join scored by
    the reference ``score_pairs`` and ranked by (score, distance, demand)."""
    frame = dense_region(1_200, seed=5)
    params = flat(top_k=4)
    _, supplies, demands, s, d, tables = _prepared(frame, params)
    si, di = np.meshgrid(np.flatnonzero(s["cls"] >= 0), np.flatnonzero(d["cls"] >= 0), indexing="ij")
    si, di = si.ravel(), di.ravel()
    km = haversine_km(s["lat"][si], s["lon"][si], d["lat"][di], d["lon"][di])
    ok = (km <= 50.0) & (tables.code[s["cls"][si] * tables.n_classes + d["cls"][di]] != -1)
    si, di, km = si[ok], di[ok], km[ok]
    radius = np.full(len(supplies), 50.0)
    inputs, _ = ranking.pair_inputs(si, di, km, s, d, radius, tables)
    ref = score_pairs(inputs)
    keep = ref.feasible & (s["actor"][si] != d["actor"][di])
    expected: dict[tuple[str, str], float] = {}
    order = np.lexsort((di, inputs.route_km, -ref.score, si))
    count: dict[int, int] = {}
    for i in order[keep[order]]:
        if count.get(int(si[i]), 0) < params.top_k:
            count[int(si[i])] = count.get(int(si[i]), 0) + 1
            expected[(supplies["id"].iloc[si[i]], demands["id"].iloc[di[i]])] = float(ref.score[i])
    result = match(frame, params)
    got = dict(zip(zip(result.pairs["supply_id"], result.pairs["demand_id"], strict=True),
                   result.pairs["score"], strict=True))  # fmt: skip
    assert set(got) == set(expected)
    np.testing.assert_allclose([got[key] for key in expected], list(expected.values()), rtol=1e-12)


def test_pruned_partitioned_run_equals_one_global_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = dense_region(5_000, seed=11)
    params = flat(top_k=5)
    whole = match(frame, params)
    # Force the national-scale path: grid partitions, supply batches and pruning.
    monkeypatch.setattr(engine, "SINGLE_PARTITION_MAX_FLOWS", 0)
    monkeypatch.setattr(engine, "PARTITION_MAX_SUPPLIES", 150)
    split = match(frame, params.model_copy(update={"partition_km": 40.0}))
    assert split.stats["partitions"] > 10
    assert split.stats["candidates_scored"] < whole.stats["candidates_scored"]  # pruning skipped pairs
    pd.testing.assert_frame_equal(whole.pairs, split.pairs)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1_000), share=st.sampled_from([0.2, 0.4, 0.7]))
def test_bound_is_above_every_farther_pair(seed: int, share: float) -> None:
    frame = dense_region(800, seed=seed)
    params = flat()
    _, supplies, _demands, s, d, tables = _prepared(frame, params)
    si, di = np.meshgrid(np.flatnonzero(s["cls"] >= 0), np.flatnonzero(d["cls"] >= 0), indexing="ij")
    si, di = si.ravel(), di.ravel()
    km = haversine_km(s["lat"][si], s["lon"][si], d["lat"][di], d["lon"][di])
    radius = np.full(len(supplies), 50.0)
    compatible = tables.code[s["cls"][si] * tables.n_classes + d["cls"][di]] != -1
    far = compatible & (km > 50.0 * share) & (km <= 50.0)
    score, _, _ = score_all(si[far], di[far], km[far], s, d, radius, tables, params)
    bound = beyond_bound(s, d, radius, tables, radius * share)
    assert np.all(score <= bound[si[far]])


def test_default_engine_is_cached_and_a_custom_kb_gets_its_own() -> None:
    assert engine_for() is engine_for()
    assert engine_for(default_knowledge_base()) is engine_for()
    custom = load_knowledge_base()
    assert custom is not default_knowledge_base()
    assert engine_for(custom).kb is custom
