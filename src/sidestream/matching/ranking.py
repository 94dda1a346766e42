"""Steps 4–6 on candidate pairs — score every pair, keep the best K per supply, explain
only those — as one pass over cache-sized blocks.

Why a separate hot path next to :func:`~sidestream.matching.scoring.fast_score`: at
national scale a partition holds millions of pairs, and each temporary array of that
size costs a trip to main memory. Here everything that depends on one side only
(log confidence, months needed, usable amounts, unit codes) or on the two classes only
(log strength, detour, distance cap, hazard ban) is computed once per flow or per class
pair; the per-pair work is then a few gathers and a short chain of arithmetic over
blocks that stay in cache. The arithmetic is the same as ``fast_score``'s, term by term
and in the same order, so the scores are identical to the last bit (a test holds them
to :func:`~sidestream.matching.scoring.score_pairs`). Only the kept top-K pairs get the
detailed breakdown (parts, COP, overlap, exchanged amount).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sidestream.matching.compatibility import FAMILY_BASE, NO_RULE, SAME_RESOURCE, CompatibilityTable
from sidestream.matching.params import MatchParams
from sidestream.matching.scoring import (
    MIN_PART,
    WEIGHTS,
    PairInputs,
    quantity_part,
    score_pairs,
    temperature_part,
)

BLOCK_PAIRS = 1 << 16
LOG_MIN = float(np.log(MIN_PART))
MONTHS = 12
# log(overlap / needed) for every (overlap, needed) pair of month counts — the same
# expression fast_score evaluates per pair, looked up instead of recomputed.
_OVERLAP = np.arange(MONTHS + 1)
LOG_TIMING = np.log(np.maximum(_OVERLAP, 1)[:, None] / np.maximum(_OVERLAP, 1)[None, :]).ravel()
LOG_UNKNOWN_QUANTITY = float(np.log(quantity_part(np.array([np.nan]), np.array([1.0]), np.array([False]))[0]))
PART_NAMES = tuple(WEIGHTS)
PART_COLUMNS = [f"part_{name}" for name in PART_NAMES]
COLUMNS = ["supply_pos", "demand_pos", "score", "rank", "distance_km", "straight_km", "rule_code",
           "cop", "overlap_months", "exchanged", "beyond_typical_km", *PART_COLUMNS]  # fmt: skip


@dataclass(frozen=True)
class PairTables:
    """Everything about a pair that depends only on its two classes, as flat C×C
    lookup tables: one ``take`` per property instead of a chain of ``where``s over
    millions of pairs."""

    n_classes: int
    code: NDArray[np.int32]
    strength: NDArray[np.float64]
    log_strength: NDArray[np.float64]  # weight × log(strength), as fast_score adds it
    detour: NDArray[np.float64]
    scale_cap_km: NDArray[np.float64]
    rule_min_temp: NDArray[np.float64]
    forbids_hazardous: NDArray[np.bool_]
    thermal: NDArray[np.bool_]
    heat_pump: NDArray[np.bool_]

    @classmethod
    def build(cls, compat: CompatibilityTable, params: MatchParams, class_category: list[str]) -> PairTables:
        code = compat.rule_index
        explicit = code >= 0
        family = code <= FAMILY_BASE
        rc = np.where(explicit, code, 0)
        fc = np.where(family, FAMILY_BASE - code, 0)
        implicit_detour = np.array(
            [params.detour.get(compat.transport(SAME_RESOURCE, c), 1.3) for c in class_category]
        )
        detour = np.broadcast_to(implicit_detour[:, None], code.shape).copy()
        scale_cap = np.full(code.shape, np.inf)
        rule_min = np.full(code.shape, np.nan)
        forbids = np.broadcast_to(compat.food_demand[None, :], code.shape).copy()
        if compat.rules:
            rule_detour = np.array([params.detour.get(t, 1.3) for t in compat.rule_transport])
            detour = np.where(explicit, rule_detour[rc], detour)
            # A rule's distance limit is its typical reach: beyond it the score falls
            # fast, but the pair stays visible up to the category's search radius.
            scale_cap = np.where(explicit, compat.rule_max_km[rc], scale_cap)
            rule_min = np.where(explicit, compat.rule_min_temp[rc], rule_min)
            forbids |= explicit & (compat.rule_non_hazardous[rc] | compat.rule_food[rc])
        if compat.families:
            fam_detour = np.array([params.detour.get(f.transport, 1.3) for f in compat.families])
            fam_food = np.array([f.food_or_feed for f in compat.families], dtype=bool)
            detour = np.where(family, fam_detour[fc], detour)
            forbids |= family & fam_food[fc]
        thermal = (compat.thermal[:, None] & compat.thermal[None, :]) | (
            compat.thermal[:, None] & compat.heat_demand[None, :]
        )
        strength = compat.strength.ravel()
        return cls(
            n_classes=code.shape[0],
            code=code.ravel(),
            strength=strength,
            log_strength=WEIGHTS["compatibility"] * np.log(np.clip(strength, MIN_PART, 1.0)),
            detour=detour.ravel(),
            scale_cap_km=scale_cap.ravel(),
            rule_min_temp=rule_min.ravel(),
            forbids_hazardous=forbids.ravel(),
            thermal=thermal.ravel(),
            # Physics, not rules: any heat need can be served through a heat pump.
            heat_pump=np.broadcast_to(compat.heat_demand[None, :], code.shape).ravel().copy(),
        )


FlowArrays = dict[str, NDArray[Any]]


def add_derived(side: FlowArrays, *, demand: bool) -> None:
    """Per-flow terms of the score, computed once per flow instead of once per pair.

    ``unit_key`` makes "same known unit" one comparison: an unknown supply unit is 0,
    an unknown demand unit −1, so they never compare equal. ``usable`` is the amount
    where it can enter the quantity ratio (finite and positive), NaN otherwise.
    """
    conf = side["conf"]
    side["log_conf"] = np.log(np.clip(conf, 1e-12, 1.0))
    amount = side["amount"]
    ok = np.isfinite(amount) & (amount > 0)
    side["usable"] = np.where(ok, amount, np.nan)
    side["months16"] = side["months"].astype(np.uint16)
    side["cls32"] = side["cls"].astype(np.int32)
    if demand:
        side["unit_key"] = np.where(side["unit"] > 0, side["unit"], -1).astype(np.int8)
        needed = np.maximum(np.bitwise_count(side["months"]), 1).astype(np.intp)
        side["needed"] = needed
        # Most regions have no drinking-water intake: skip the check per pair then.
        side["potable_any"] = np.asarray(bool(side["potable_use"].any()))
    else:
        side["unit_key"] = side["unit"].astype(np.int8)


def _block_scores(
    si: NDArray[np.intp],
    di: NDArray[np.intp],
    straight_km: NDArray[np.float64],
    s: FlowArrays,
    d: FlowArrays,
    radius: NDArray[np.float64],
    t: PairTables,
    params: MatchParams,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Score, keep flag and route length of one block of pairs (fast_score's
    arithmetic, term by term)."""
    pair = s["cls32"].take(si) * np.int32(t.n_classes) + d["cls32"].take(di)
    route = straight_km * t.detour.take(pair)
    rad = radius.take(si)
    overlap = np.bitwise_count(s["months16"].take(si) & d["months16"].take(di))
    feasible = overlap > 0
    feasible &= route <= rad
    feasible &= ~(s["hazardous"].take(si) & t.forbids_hazardous.take(pair))
    if d["potable_any"]:
        feasible &= ~(s["non_potable"].take(si) & d["potable_use"].take(di))
    log_sum = t.log_strength.take(pair)
    conf = s["log_conf"].take(si)
    conf += d["log_conf"].take(di)
    conf *= 0.5
    log_sum += WEIGHTS["confidence"] * np.maximum(conf, LOG_MIN)
    scale = np.fmin(rad, t.scale_cap_km.take(pair))
    dist = -2.0 * route / np.maximum(scale, 1e-9)
    log_sum += WEIGHTS["distance"] * np.maximum(dist, LOG_MIN)
    sa, da = s["usable"].take(si), d["usable"].take(di)
    ratio = np.minimum(sa, da) / np.maximum(sa, da)
    known = (s["unit_key"].take(si) == d["unit_key"].take(di)) & ~np.isnan(ratio)
    qty = np.full(si.size, LOG_UNKNOWN_QUANTITY)
    if known.any():
        qty[known] = np.log(0.35 + 0.65 * np.sqrt(ratio[known]))
    log_sum += WEIGHTS["quantity"] * qty
    timing = LOG_TIMING.take(overlap.astype(np.intp) * (MONTHS + 1) + d["needed"].take(di))
    log_sum += WEIGHTS["timing"] * timing
    thermal = np.flatnonzero(t.thermal.take(pair))
    if thermal.size:
        ts, td, tp = si[thermal], di[thermal], pair[thermal]
        part, too_cold, _ = temperature_part(
            np.ones(thermal.size, dtype=bool), s["temp"].take(ts),
            np.fmax(d["temp"].take(td), t.rule_min_temp.take(tp)), t.heat_pump.take(tp),
            params.heat_pump_max_lift_k, params.carnot_fraction,
        )  # fmt: skip
        log_sum[thermal] += WEIGHTS["temperature"] * np.log(np.clip(part, MIN_PART, 1.0))
        feasible[thermal] &= ~too_cold
    score = np.where(feasible, np.exp(log_sum / sum(WEIGHTS.values())), 0.0)
    keep = feasible
    if params.min_score > 0:
        keep &= score >= params.min_score
    keep &= t.code.take(pair) != NO_RULE
    keep &= s["actor"].take(si) != d["actor"].take(di)
    return score, keep, route


def pair_inputs(
    si: NDArray[np.intp],
    di: NDArray[np.intp],
    straight_km: NDArray[np.float64],
    s: FlowArrays,
    d: FlowArrays,
    radius: NDArray[np.float64],
    t: PairTables,
) -> tuple[PairInputs, NDArray[np.int32]]:
    """The full :class:`PairInputs` of some pairs (for the detailed breakdown)."""
    pair = s["cls"][si] * t.n_classes + d["cls"][di]
    supply_radius = radius[si]
    inputs = PairInputs(
        strength=t.strength[pair],
        confidence_supply=s["conf"][si],
        confidence_demand=d["conf"][di],
        route_km=straight_km * t.detour[pair],
        radius_km=supply_radius,
        distance_scale_km=np.fmin(supply_radius, t.scale_cap_km[pair]),
        supply_amount=s["amount"][si],
        demand_amount=d["amount"][di],
        same_unit=(s["unit"][si] == d["unit"][di]) & (s["unit"][si] > 0),
        supply_months=s["months"][si],
        demand_months=d["months"][di],
        thermal=t.thermal[pair],
        supply_temp=s["temp"][si],
        demand_temp=d["temp"][di],
        heat_pump_allowed=t.heat_pump[pair],
        rule_min_temp=t.rule_min_temp[pair],
        hazardous_supply=s["hazardous"][si],
        forbids_hazardous=t.forbids_hazardous[pair],
        non_potable_supply=s["non_potable"][si],
        potable_demand=d["potable_use"][di],
    )
    return inputs, t.code[pair]


def score_all(
    si: NDArray[np.intp],
    di: NDArray[np.intp],
    straight_km: NDArray[np.float64],
    s: FlowArrays,
    d: FlowArrays,
    radius: NDArray[np.float64],
    tables: PairTables,
    params: MatchParams,
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64]]:
    """Score, keep flag and route length of every pair, block by block."""
    n = si.size
    score = np.empty(n)
    route = np.empty(n)
    keep = np.empty(n, dtype=bool)
    for start in range(0, n, BLOCK_PAIRS):
        sl = slice(start, start + BLOCK_PAIRS)
        score[sl], keep[sl], route[sl] = _block_scores(
            si[sl], di[sl], straight_km[sl], s, d, radius, tables, params
        )
    return score, keep, route


def details(
    si: NDArray[np.intp],
    di: NDArray[np.intp],
    straight_km: NDArray[np.float64],
    score: NDArray[np.float64],
    rank: NDArray[np.intp],
    s: FlowArrays,
    d: FlowArrays,
    radius: NDArray[np.float64],
    tables: PairTables,
    params: MatchParams,
) -> dict[str, NDArray[Any]]:
    """The output columns of the kept pairs: the score's parts, COP, overlap and
    exchanged amount, computed for these few pairs only."""
    inputs, code = pair_inputs(si, di, straight_km, s, d, radius, tables)
    detail = score_pairs(inputs, params.heat_pump_max_lift_k, params.carnot_fraction)
    out: dict[str, NDArray[Any]] = {
        "supply_pos": si,
        "demand_pos": di,
        "score": score,
        "rank": rank + 1,
        "distance_km": inputs.route_km,
        "straight_km": straight_km,
        "rule_code": code,
        "cop": detail.cop,
        "overlap_months": detail.overlap_months,
        "exchanged": detail.exchanged,
        "beyond_typical_km": inputs.route_km > inputs.distance_scale_km,
    }
    for name in PART_NAMES:
        out[f"part_{name}"] = np.broadcast_to(detail.parts[name], si.shape).astype(float)
    return out


def score_chunk(
    si: NDArray[np.intp],
    di: NDArray[np.intp],
    straight_km: NDArray[np.float64],
    s: FlowArrays,
    d: FlowArrays,
    radius: NDArray[np.float64],
    tables: PairTables,
    params: MatchParams,
) -> dict[str, NDArray[Any]]:
    """Score candidate pairs (positions into ``s`` and ``d``) and return the best
    ``params.top_k`` per supply with their details, as columns."""
    score, keep, route = score_all(si, di, straight_km, s, d, radius, tables, params)
    idx = np.flatnonzero(keep)
    top, rank = top_k(si[idx], score[idx], route[idx], di[idx], params.top_k)
    sel = idx[top]
    return details(si[sel], di[sel], straight_km[sel], score[sel], rank, s, d, radius, tables, params)


def beyond_bound(
    s: FlowArrays,
    d: FlowArrays,
    radius: NDArray[np.float64],
    tables: PairTables,
    inner_km: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per supply, an upper bound of the score of any pair farther than ``inner_km``
    (straight line): its best class link at that distance, its confidence with the
    most confident demand, and quantity, timing and temperature parts at their
    maximum of 1. Computed per distinct (class, radius, inner radius)."""
    n_cls = tables.n_classes
    code = tables.code.reshape(n_cls, n_cls)
    log_strength = tables.log_strength.reshape(n_cls, n_cls)
    detour = tables.detour.reshape(n_cls, n_cls)
    cap = tables.scale_cap_km.reshape(n_cls, n_cls)
    combos, inverse = np.unique(
        np.column_stack([s["cls"].astype(float), radius, inner_km]), axis=0, return_inverse=True
    )
    best = np.full(len(combos), -np.inf)
    for i, (c, r, inner) in enumerate(combos):
        if c < 0:
            continue
        row = int(c)
        scale = np.maximum(np.fmin(r, cap[row]), 1e-9)
        dist = np.maximum(-2.0 * (inner * (1 - 1e-9)) * detour[row] / scale, LOG_MIN)
        link = np.where(code[row] != NO_RULE, log_strength[row] + WEIGHTS["distance"] * dist, -np.inf)
        best[i] = link.max()
    top_conf = float(d["log_conf"].max(initial=0.0)) if d["log_conf"].size else 0.0
    conf = WEIGHTS["confidence"] * np.maximum(0.5 * (s["log_conf"] + min(top_conf, 0.0)), LOG_MIN)
    return np.asarray(np.exp((best[inverse.ravel()] + conf) / sum(WEIGHTS.values())))


Pairs = tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]
Query = Callable[[NDArray[np.intp], NDArray[np.float64]], Pairs]


def rank_progressive(
    query: Query,
    supplies: NDArray[np.intp],
    s: FlowArrays,
    d: FlowArrays,
    radius: NDArray[np.float64],
    rounds: Sequence[tuple[float, NDArray[np.float64]]],
    tables: PairTables,
    params: MatchParams,
) -> tuple[dict[str, NDArray[Any]] | None, int]:
    """Exact top K per supply, scoring the near pairs first.

    ``rounds`` are (share of the radius, bound) with growing shares, the last 1.0.
    Round i scores the pairs between the previous and this share of each remaining
    supply's radius and ranks them together with that supply's best K so far (the
    best K of a union equals the best K of one part's best K and the other part). A
    supply is done when it has K kept pairs and its K-th best score is strictly above
    ``bound`` — the best score any pair beyond this share could reach — since no such
    pair could enter its top K. The result is identical to scoring every pair in the
    radius; only pairs that provably cannot rank are skipped, and only the supplies
    still open after the first round are searched over their whole radius.

    ``query(positions into supplies, radii)`` returns candidate pairs as (position
    into ``supplies``, global demand position, straight-line km). Returns the output
    columns and the number of pairs scored.
    """
    k = params.top_k
    n = supplies.size
    full_radius = radius[supplies]
    active = np.ones(n, dtype=bool)
    scored = 0
    done_cols: list[tuple[NDArray[Any], ...]] = []
    carry: tuple[NDArray[Any], ...] = tuple(np.empty(0, t) for t in (np.intp, np.intp, float, float, float))
    previous = -1.0
    whole: Pairs | None = None
    for share, bound in rounds:
        last = share >= 1.0
        if previous < 0 and not last:
            reach = full_radius * share
            ls, di, km = query(np.arange(n), reach * (1 + 1e-9))
            ring = km <= reach.take(ls)
        else:
            if whole is None:
                open_ = np.flatnonzero(active)
                whole = query(open_, full_radius[open_])
            ls, di, km = whole
            rel = km / full_radius.take(ls)
            ring = (rel > previous) & active.take(ls)
            if not last:
                ring &= rel <= share
        idx = np.flatnonzero(ring)
        ls, di, km = ls[idx], di[idx], km[idx]
        score, keep, route = score_all(supplies[ls], di, km, s, d, radius, tables, params)
        scored += int(idx.size)
        cols = tuple(
            np.concatenate([c, v[keep]]) for c, v in zip(carry, (ls, di, km, score, route), strict=True)
        )
        top, rank = top_k(cols[0], cols[3], cols[4], cols[1], k)
        cols = tuple(c[top] for c in cols)
        if last:
            done_cols.append((*cols, rank))
            break
        kth = np.zeros(n)
        full = rank == k - 1
        kth[cols[0][full]] = cols[3][full]
        done = kth > bound[supplies] * (1 + 1e-9)
        mine = done[cols[0]]
        done_cols.append((*(c[mine] for c in cols), rank[mine]))
        carry = tuple(c[~mine] for c in cols)
        active &= ~done
        previous = share
        if not active.any():
            break
    out_ls = np.concatenate([c[0] for c in done_cols])
    if out_ls.size == 0:
        return None, scored
    di_out, km_out, score_out, rank_out = (np.concatenate([c[i] for c in done_cols]) for i in (1, 2, 3, 5))
    out = details(supplies[out_ls], di_out, km_out, score_out, rank_out, s, d, radius, tables, params)
    return out, scored


def top_k(
    group: NDArray[np.intp],
    score: NDArray[np.float64],
    distance: NDArray[np.float64],
    tie: NDArray[np.intp],
    k: int,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Positions of the best ``k`` per group (score desc, distance asc, tie asc) and
    their 0-based ranks, ordered by group then rank.

    Two stages keep this fast on tens of millions of pairs: a plain sort of integer
    keys (group, quantised score) — several times cheaper than an argsort — gives each
    group's k-th best key; every pair at least that good survives (*everything tied
    with the k-th* included), and an exact lexicographic sort orders the few survivors.

    >>> top_k(np.array([0, 0, 1]), np.array([0.2, 0.9, 0.5]), np.zeros(3), np.arange(3), 1)
    (array([1, 2]), array([0, 0]))
    """
    if group.size == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    # 31-bit levels: float → int32 is one SIMD instruction, float → 64-bit is not.
    levels = 2**31 - 1
    below = levels - (np.clip(score, 0.0, 1.0) * float(levels)).astype(np.int32)
    local = (group - group.min()).astype(np.uint64)
    key = (local << np.uint64(32)) | below.astype(np.uint64)
    ordered = np.sort(key)
    g = ordered >> np.uint64(32)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    lengths = np.diff(np.r_[starts, g.size])
    threshold = np.zeros(int(g[-1]) + 1, dtype=np.uint64)
    threshold[g[starts].astype(np.intp)] = ordered[starts + np.minimum(lengths, k) - 1]
    survivors = np.flatnonzero(key <= threshold.take(local.astype(np.intp)))
    # Order survivors by key; only runs of equal keys (same group, scores within one
    # quantum) need the exact (score, distance, tie) order.
    survivor_key = key[survivors]
    by_key = np.argsort(survivor_key, kind="stable")
    exact = survivors[by_key]
    survivor_key = survivor_key[by_key]
    same = survivor_key[1:] == survivor_key[:-1]
    if same.any():
        in_run = np.zeros(exact.size, dtype=bool)
        in_run[1:] |= same
        in_run[:-1] |= same
        pos = np.flatnonzero(in_run)
        sub = exact[pos]
        exact[pos] = sub[np.lexsort((tie[sub], distance[sub], -score[sub], survivor_key[pos]))]
    g2 = group[exact]
    starts2 = np.flatnonzero(np.r_[True, g2[1:] != g2[:-1]])
    rank = np.arange(g2.size) - np.repeat(starts2, np.diff(np.r_[starts2, g2.size]))
    keep = rank < k
    return exact[keep], rank[keep]
