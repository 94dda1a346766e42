"""Steps 4 and 5 — feasibility and the score, vectorised over candidate pairs.

The score is a weighted geometric mean of parts in (0, 1]: a pair is only as good as
its weakest essential part, the result stays in [0, 1], and because only the distance
part depends on distance the score is monotone in distance. Hard constraints (no
overlap in time, hazardous waste into food or feed, water that is not a potable-grade
raw water into a drinking-water intake, heat too cold even for a heat pump, beyond a
rule's distance limit) make a pair infeasible instead of lowering it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sidestream.evaluation.heat import heat_pump_cop

WEIGHTS: dict[str, float] = {
    "compatibility": 3.0,
    "confidence": 1.0,
    "distance": 2.0,
    "quantity": 1.0,
    "timing": 1.0,
    "temperature": 1.0,
}
UNKNOWN_QUANTITY_PART = 0.7
UNKNOWN_TEMPERATURE_PART = 0.8
MIN_PART = 1e-3
# Direct heat use: ambient reference for the exergy share, and the part's floor.
AMBIENT_C = 10.0
DIRECT_FLOOR = 0.85


@dataclass(frozen=True)
class PairInputs:
    """Everything scoring needs, one array element per candidate pair."""

    strength: NDArray[np.float64]
    confidence_supply: NDArray[np.float64]
    confidence_demand: NDArray[np.float64]
    route_km: NDArray[np.float64]
    radius_km: NDArray[np.float64]  # hard limit (the supply category's search radius)
    distance_scale_km: NDArray[np.float64]  # typical reach of the route (≤ radius)
    supply_amount: NDArray[np.float64]  # canonical annual amount, NaN if unknown
    demand_amount: NDArray[np.float64]
    same_unit: NDArray[np.bool_]
    supply_months: NDArray[np.int64]
    demand_months: NDArray[np.int64]
    thermal: NDArray[np.bool_]
    supply_temp: NDArray[np.float64]  # NaN if unknown
    demand_temp: NDArray[np.float64]
    heat_pump_allowed: NDArray[np.bool_]
    rule_min_temp: NDArray[np.float64]  # NaN if none
    hazardous_supply: NDArray[np.bool_]
    forbids_hazardous: NDArray[np.bool_]
    non_potable_supply: NDArray[np.bool_]  # not a raw-water source fit for drinking water
    potable_demand: NDArray[np.bool_]  # the demand ends in drinking water

    def subset(self, index: NDArray[np.intp]) -> PairInputs:
        return PairInputs(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})


@dataclass(frozen=True)
class Scored:
    score: NDArray[np.float64]
    feasible: NDArray[np.bool_]
    parts: dict[str, NDArray[np.float64]]
    cop: NDArray[np.float64]  # NaN where no heat pump is needed
    overlap_months: NDArray[np.int64]
    exchanged: NDArray[np.float64]  # canonical annual amount, NaN if unknown
    infeasible_reason: NDArray[np.int8]


# Infeasibility codes (0 = feasible), rendered by ``explain``.
FEASIBLE, NO_OVERLAP, HAZARDOUS, TOO_COLD, TOO_FAR, NOT_POTABLE = 0, 1, 2, 3, 4, 5


def distance_part(route_km: NDArray[np.float64], radius_km: NDArray[np.float64]) -> NDArray[np.float64]:
    """exp(−2·d/R): 1 next door, e⁻² ≈ 0.14 at the edge of the radius.

    >>> distance_part(np.array([0.0, 25.0]), np.array([50.0, 50.0])).round(3).tolist()
    [1.0, 0.368]
    """
    return np.asarray(np.exp(-2.0 * route_km / np.maximum(radius_km, 1e-9)))


def quantity_part(supply: NDArray[np.float64], demand: NDArray[np.float64],
                  same_unit: NDArray[np.bool_]) -> NDArray[np.float64]:  # fmt: skip
    """0.35 + 0.65·√(min/max): equal amounts score 1; a tiny supply for a huge demand
    ranks low but stays visible."""
    known = same_unit & np.isfinite(supply) & np.isfinite(demand) & (supply > 0) & (demand > 0)
    ratio = np.where(
        known, np.minimum(supply, demand) / np.where(known, np.maximum(supply, demand), 1.0), 0.0
    )
    return np.where(known, 0.35 + 0.65 * np.sqrt(ratio), UNKNOWN_QUANTITY_PART)


def score_pairs(p: PairInputs, max_lift_k: float = 70.0, carnot_fraction: float = 0.5) -> Scored:
    n = p.strength.size
    reason = np.zeros(n, dtype=np.int8)

    overlap = np.bitwise_count(p.supply_months & p.demand_months).astype(np.int64)
    needed = np.maximum(np.bitwise_count(p.demand_months).astype(np.int64), 1)
    timing = overlap / needed
    reason[overlap == 0] = NO_OVERLAP

    reason[(reason == 0) & p.hazardous_supply & p.forbids_hazardous] = HAZARDOUS
    reason[(reason == 0) & p.non_potable_supply & p.potable_demand] = NOT_POTABLE
    reason[(reason == 0) & (p.route_km > p.radius_km)] = TOO_FAR

    # Temperature: the sink needs at least max(demand temperature, rule minimum).
    # Stated temperatures are nominal: a supply at least as hot as the need serves it
    # directly; the heat pump model adds the exchanger approach on both sides.
    temperature, too_cold, cop = _temperature(p, max_lift_k, carnot_fraction)
    reason[(reason == 0) & too_cold] = TOO_COLD

    parts = {
        "compatibility": p.strength,
        "confidence": np.sqrt(np.clip(p.confidence_supply, 0, 1) * np.clip(p.confidence_demand, 0, 1)),
        "distance": distance_part(p.route_km, p.distance_scale_km),
        "quantity": quantity_part(p.supply_amount, p.demand_amount, p.same_unit),
        "timing": timing,
        "temperature": temperature,
    }
    total_w = sum(WEIGHTS.values())
    log_sum = np.zeros(n)
    for name, w in WEIGHTS.items():
        log_sum += w * np.log(np.clip(parts[name], MIN_PART, 1.0))
    score = np.exp(log_sum / total_w)
    feasible = reason == FEASIBLE
    score = np.where(feasible, score, 0.0)

    supply_share = p.supply_amount * overlap / np.maximum(np.bitwise_count(p.supply_months), 1)
    demand_share = p.demand_amount * overlap / needed
    exchanged = np.where(p.same_unit, np.fmin(supply_share, demand_share), np.nan)
    return Scored(score, feasible, parts, cop, overlap, exchanged, reason)


def _temperature(
    p: PairInputs, max_lift_k: float, carnot_fraction: float
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Temperature part, too-cold flag and COP for thermal pairs (all arrays full size)."""
    n = p.strength.size
    thermal, supply_temp, target, pump = (
        np.broadcast_to(a, (n,))
        for a in (p.thermal, p.supply_temp, np.fmax(p.demand_temp, p.rule_min_temp), p.heat_pump_allowed)
    )
    return temperature_part(thermal, supply_temp, target, pump, max_lift_k, carnot_fraction)


def temperature_part(
    thermal: NDArray[np.bool_],
    supply_temp: NDArray[np.float64],
    target: NDArray[np.float64],
    heat_pump_allowed: NDArray[np.bool_],
    max_lift_k: float,
    carnot_fraction: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Temperature part, too-cold flag and COP; ``target`` is the temperature the sink
    needs (max of its own and the rule's minimum), NaN if unknown."""
    n = thermal.size
    known_t = thermal & np.isfinite(supply_temp) & np.isfinite(target)
    direct = known_t & (supply_temp >= target)
    lift = np.where(known_t, target - supply_temp, 0.0)
    needs_pump = known_t & ~direct
    pump_ok = needs_pump & heat_pump_allowed & (lift <= max_lift_k)
    cop = np.full(n, np.nan)
    if pump_ok.any():
        cop[pump_ok] = heat_pump_cop(supply_temp[pump_ok], target[pump_ok], carnot_fraction)
    part = np.where(thermal, UNKNOWN_TEMPERATURE_PART, 1.0)
    part = np.where(direct, direct_use_part(supply_temp, target), part)
    part = np.where(pump_ok, np.clip(0.35 + 0.1 * np.nan_to_num(cop), 0.5, 0.85), part)
    return part, needs_pump & ~pump_ok, cop


def direct_use_part(supply_temp: NDArray[np.float64], target: NDArray[np.float64]) -> NDArray[np.float64]:
    """Temperature part of heat used directly: 1 when the grade fits, down to
    ``DIRECT_FLOOR`` when hot heat would only warm a cold sink.

    Why: heat should cascade by grade. The share of the supply's exergy the sink can
    use is (1 − T₀/T_sink) / (1 − T₀/T_supply) in kelvin, with T₀ the ambient
    reference: 95 °C heat keeps 95 % of it in a 90 °C network but under 1 % as a 12 °C
    heat-pump source. The floor keeps any direct use above a heat-pump lift (≤ 0.85),
    so grade decides between sinks of one supply, never feasibility.

    >>> direct_use_part(np.array([95.0, 95.0]), np.array([90.0, 12.0])).round(3).tolist()
    [0.993, 0.855]
    """
    t0 = AMBIENT_C + 273.15
    ts = np.maximum(np.nan_to_num(supply_temp, nan=AMBIENT_C) + 273.15, t0 + 1e-6)
    tt = np.clip(np.nan_to_num(target, nan=AMBIENT_C) + 273.15, t0, ts)
    share = (1.0 - t0 / tt) / (1.0 - t0 / ts)
    return np.asarray(DIRECT_FLOOR + (1.0 - DIRECT_FLOOR) * np.clip(share, 0.0, 1.0))


def fast_score(
    p: PairInputs, max_lift_k: float = 70.0, carnot_fraction: float = 0.5
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The same score as :func:`score_pairs`, computed in log space with fewer
    temporaries, for ranking tens of millions of pairs; details are computed
    afterwards for the few pairs that are kept."""
    log_min = np.log(MIN_PART)
    overlap = np.bitwise_count(p.supply_months & p.demand_months)
    needed = np.maximum(np.bitwise_count(p.demand_months), 1)
    feasible = (overlap > 0) & ~(p.hazardous_supply & p.forbids_hazardous) & (p.route_km <= p.radius_km)
    feasible &= ~(p.non_potable_supply & p.potable_demand)
    w = WEIGHTS
    log_sum = w["compatibility"] * np.log(np.clip(p.strength, MIN_PART, 1.0))
    conf = 0.5 * (
        np.log(np.clip(p.confidence_supply, 1e-12, 1.0)) + np.log(np.clip(p.confidence_demand, 1e-12, 1.0))
    )
    log_sum += w["confidence"] * np.maximum(conf, log_min)
    log_sum += w["distance"] * np.maximum(-2.0 * p.route_km / np.maximum(p.distance_scale_km, 1e-9), log_min)
    log_sum += w["quantity"] * np.log(quantity_part(p.supply_amount, p.demand_amount, p.same_unit))
    log_sum += w["timing"] * np.log(np.maximum(overlap, 1) / needed)
    thermal = np.flatnonzero(p.thermal)
    if thermal.size:
        part, too_cold, _ = temperature_part(
            np.ones(thermal.size, dtype=bool), p.supply_temp[thermal],
            np.fmax(p.demand_temp[thermal], p.rule_min_temp[thermal]), p.heat_pump_allowed[thermal],
            max_lift_k, carnot_fraction,
        )  # fmt: skip
        log_sum[thermal] += w["temperature"] * np.log(np.clip(part, MIN_PART, 1.0))
        feasible[thermal] &= ~too_cold
    score = np.where(feasible, np.exp(log_sum / sum(w.values())), 0.0)
    return score, feasible
