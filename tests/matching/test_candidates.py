"""Candidate search equals brute force, and partitions equal one global run."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sidestream.domain.geo import haversine_km
from sidestream.knowledge.base import KnowledgeBase
from sidestream.matching.candidates import candidate_pairs, partitions
from sidestream.matching.compatibility import NO_RULE, build_compatibility


def brute_force(s_lat, s_lon, s_cls, s_r, d_lat, d_lon, d_cls, compat):  # type: ignore[no-untyped-def]
    out = set()
    for i in range(s_lat.size):
        dist = haversine_km(s_lat[i], s_lon[i], d_lat, d_lon)
        ok = (compat.rule_index[s_cls[i], d_cls] != NO_RULE) & (dist <= s_r[i])
        out |= {(i, int(j)) for j in np.flatnonzero(ok)}
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n_s=st.integers(0, 60), n_d=st.integers(0, 60))
def test_candidates_equal_brute_force(kb: KnowledgeBase, seed: int, n_s: int, n_d: int) -> None:
    compat = build_compatibility(kb)
    rng = np.random.default_rng(seed)
    classes = np.array(
        [
            compat.index[c]
            for c in ("heat_40_60c", "district_heating", "steel_slag", "aggregates", "fgd_gypsum", "gypsum")
        ]
    )
    s_lat, s_lon = 66 + rng.normal(0, 0.5, n_s), 14 + rng.normal(0, 1, n_s)
    d_lat, d_lon = 66 + rng.normal(0, 0.5, n_d), 14 + rng.normal(0, 1, n_d)
    s_cls, d_cls = rng.choice(classes, n_s), rng.choice(classes, n_d)
    s_r = rng.choice([10.0, 30.0, 150.0], n_s)
    cand = candidate_pairs(s_lat, s_lon, s_cls, s_r, d_lat, d_lon, d_cls, compat)
    got = set(zip(cand.supply.tolist(), cand.demand.tolist(), strict=True))
    # Chord-vs-arc rounding can differ at the last ulp; compare away from the edge.
    expected = brute_force(s_lat, s_lon, s_cls, s_r * (1 - 1e-9), d_lat, d_lon, d_cls, compat)
    loose = brute_force(s_lat, s_lon, s_cls, s_r * (1 + 1e-9), d_lat, d_lon, d_cls, compat)
    assert expected <= got <= loose
    if len(cand):
        true_km = haversine_km(s_lat[cand.supply], s_lon[cand.supply], d_lat[cand.demand], d_lon[cand.demand])
        np.testing.assert_allclose(cand.straight_km, true_km, rtol=1e-6, atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), cell_km=st.sampled_from([20.0, 50.0, 120.0]))
def test_partitions_hold_every_candidate(kb: KnowledgeBase, seed: int, cell_km: float) -> None:
    compat = build_compatibility(kb)
    rng = np.random.default_rng(seed)
    n = 80
    classes = np.array([compat.index[c] for c in ("steel_slag", "aggregates", "excavated_rock")])
    s_lat, s_lon = 63 + rng.normal(0, 1.5, n), 12 + rng.normal(0, 3, n)
    d_lat, d_lon = 63 + rng.normal(0, 1.5, n), 12 + rng.normal(0, 3, n)
    s_cls, d_cls = rng.choice(classes, n), rng.choice(classes, n)
    s_r = np.full(n, 90.0)
    whole = candidate_pairs(s_lat, s_lon, s_cls, s_r, d_lat, d_lon, d_cls, compat)
    expected = set(zip(whole.supply.tolist(), whole.demand.tolist(), strict=True))
    got: set[tuple[int, int]] = set()
    seen_supplies: list[int] = []
    for ps, pd_ in partitions(s_lat, s_lon, d_lat, d_lon, cell_km, 90.0):
        seen_supplies.extend(ps.tolist())
        part = candidate_pairs(
            s_lat[ps], s_lon[ps], s_cls[ps], s_r[ps], d_lat[pd_], d_lon[pd_], d_cls[pd_], compat
        )
        got |= set(zip(ps[part.supply].tolist(), pd_[part.demand].tolist(), strict=True))
    assert sorted(seen_supplies) == list(range(n))
    assert got == expected
