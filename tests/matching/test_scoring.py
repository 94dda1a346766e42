"""Scoring invariants (hypothesis): in [0, 1], monotone in distance, hard constraints."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sidestream.domain.months import ALL_MONTHS
from sidestream.evaluation.heat import heat_pump_cop
from sidestream.matching.scoring import HAZARDOUS, NO_OVERLAP, TOO_COLD, PairInputs, score_pairs

unit = st.floats(0.0, 1.0)
pos = st.floats(0.0, 1e7)


def inputs(n: int = 1, **overrides: object) -> PairInputs:
    base: dict[str, object] = {
        "strength": np.full(n, 0.9), "confidence_supply": np.full(n, 1.0), "confidence_demand": np.full(n, 1.0),
        "route_km": np.full(n, 5.0), "radius_km": np.full(n, 50.0), "distance_scale_km": np.full(n, 50.0), "supply_amount": np.full(n, 100.0),
        "demand_amount": np.full(n, 100.0), "same_unit": np.ones(n, bool),
        "supply_months": np.full(n, ALL_MONTHS, np.int64), "demand_months": np.full(n, ALL_MONTHS, np.int64),
        "thermal": np.zeros(n, bool), "supply_temp": np.full(n, np.nan), "demand_temp": np.full(n, np.nan),
        "heat_pump_allowed": np.ones(n, bool), "rule_min_temp": np.full(n, np.nan),
        "hazardous_supply": np.zeros(n, bool), "forbids_hazardous": np.zeros(n, bool),
        "non_potable_supply": np.zeros(n, bool), "potable_demand": np.zeros(n, bool),
    }  # fmt: skip
    base.update({k: np.atleast_1d(np.asarray(v)) for k, v in overrides.items()})
    return PairInputs(**base)  # type: ignore[arg-type]


@given(strength=unit, cs=unit, cd=unit, d=st.floats(0, 60), sq=pos, dq=pos,
       sm=st.integers(1, ALL_MONTHS), dm=st.integers(1, ALL_MONTHS))  # fmt: skip
def test_score_is_in_unit_interval(
    strength: float, cs: float, cd: float, d: float, sq: float, dq: float, sm: int, dm: int
) -> None:
    s = score_pairs(inputs(strength=strength, confidence_supply=cs, confidence_demand=cd, route_km=d,
                           supply_amount=sq, demand_amount=dq, supply_months=sm, demand_months=dm))  # fmt: skip
    assert 0.0 <= s.score[0] <= 1.0
    for part in s.parts.values():
        assert np.all((part >= 0) & (part <= 1))


@given(d1=st.floats(0, 50), d2=st.floats(0, 50), strength=st.floats(0.05, 1.0))
def test_score_is_monotone_in_distance(d1: float, d2: float, strength: float) -> None:
    near, far = sorted([d1, d2])
    s = score_pairs(inputs(2, route_km=[near, far], strength=[strength, strength]))
    assert s.score[0] >= s.score[1]


@given(a=pos.filter(lambda v: v > 0), b=pos.filter(lambda v: v > 0))
def test_quantity_part_is_symmetric(a: float, b: float) -> None:
    s = score_pairs(inputs(2, supply_amount=[a, b], demand_amount=[b, a]))
    assert s.score[0] == s.score[1]


def test_tiny_supply_for_huge_demand_ranks_low_but_is_not_hidden() -> None:
    s = score_pairs(inputs(2, supply_amount=[1.0, 100.0], demand_amount=[1e6, 100.0]))
    assert 0 < s.score[0] < s.score[1]
    assert s.feasible.all()


def test_no_month_overlap_is_infeasible() -> None:
    s = score_pairs(inputs(supply_months=0b000000111111, demand_months=0b111111000000))
    assert not s.feasible[0]
    assert s.infeasible_reason[0] == NO_OVERLAP


def test_hazardous_supply_never_goes_where_forbidden() -> None:
    s = score_pairs(inputs(hazardous_supply=True, forbids_hazardous=True))
    assert s.score[0] == 0.0
    assert s.infeasible_reason[0] == HAZARDOUS


def test_heat_direct_pump_and_too_cold() -> None:
    s = score_pairs(
        inputs(3, thermal=True, supply_temp=[95.0, 35.0, 5.0], demand_temp=[80.0, 80.0, 95.0]), max_lift_k=70
    )
    assert np.isnan(s.cop[0]) and 0.95 < s.parts["temperature"][0] <= 1.0
    assert s.cop[1] == heat_pump_cop(35.0, 80.0)
    assert 0.5 <= s.parts["temperature"][1] < s.parts["temperature"][0]
    assert s.infeasible_reason[2] == TOO_COLD


def test_direct_heat_prefers_the_sink_of_its_grade() -> None:
    """95 °C heat serves a 90 °C network and a 12 °C heat-pump source directly (no
    COP), but the network uses its grade: its temperature part is higher, and even
    the coldest sink stays above the best heat-pump part (0.85)."""
    s = score_pairs(inputs(3, thermal=True, supply_temp=[95.0, 95.0, 95.0], demand_temp=[90.0, 12.0, 95.0]))
    network, source, exact = s.parts["temperature"]
    assert np.isnan(s.cop).all() and s.feasible.all()
    assert exact == 1.0 and source < network < exact
    assert source >= 0.85


def test_heat_pump_cop_follows_carnot_fraction() -> None:
    cop = float(heat_pump_cop(30.0, 75.0, 0.5))
    t_hot, t_cold = 75 + 5 + 273.15, 30 - 5 + 273.15
    assert cop == 0.5 * t_hot / (t_hot - t_cold)


@given(seed=st.integers(0, 10_000))
def test_fast_score_equals_full_score(seed: int) -> None:
    from sidestream.matching.scoring import fast_score

    rng = np.random.default_rng(seed)
    n = 50
    p = inputs(
        n,
        strength=rng.uniform(0.05, 1, n), confidence_supply=rng.uniform(0, 1, n),
        confidence_demand=rng.uniform(0, 1, n), route_km=rng.uniform(0, 60, n),
        distance_scale_km=rng.choice([5.0, 50.0], n), supply_amount=rng.choice([np.nan, 10.0, 1e4], n),
        demand_amount=rng.uniform(1, 1e4, n), same_unit=rng.random(n) < 0.7,
        supply_months=rng.integers(0, ALL_MONTHS + 1, n), demand_months=rng.integers(1, ALL_MONTHS + 1, n),
        thermal=rng.random(n) < 0.5, supply_temp=rng.choice([np.nan, 20.0, 45.0, 95.0], n),
        demand_temp=rng.choice([np.nan, 30.0, 80.0], n), hazardous_supply=rng.random(n) < 0.2,
        forbids_hazardous=rng.random(n) < 0.5,
    )  # fmt: skip
    full = score_pairs(p)
    fast, feasible = fast_score(p)
    np.testing.assert_array_equal(feasible, full.feasible)
    np.testing.assert_allclose(fast, full.score, rtol=1e-9, atol=1e-12)
