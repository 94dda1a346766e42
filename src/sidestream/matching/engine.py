"""The matching pipeline: classify → candidates → compatibility → feasibility → score
→ top K, partition by partition.

Usable from a notebook with no database or server::

    from sidestream.matching import match
    result = match(frame)            # a flow table DataFrame or a list of Flow
    result.to_json(lang="nb")
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sidestream.domain.flows import Flow
from sidestream.errors import MatchingError
from sidestream.evaluation.parameters import Parameters
from sidestream.io.flow_table import DERIVED, flows_to_frame, validate_raw
from sidestream.io.raw import RawTable
from sidestream.knowledge.base import KnowledgeBase, default_knowledge_base
from sidestream.knowledge.classifier import Classifier
from sidestream.matching.candidates import candidate_pairs, partitions
from sidestream.matching.compatibility import (
    FAMILY_BASE,
    NO_RULE,
    SAME_RESOURCE,
    CompatibilityTable,
    build_compatibility,
)
from sidestream.matching.params import MatchParams
from sidestream.matching.prepare import prepare_flows
from sidestream.matching.scoring import PairInputs, fast_score, score_pairs

Progress = Callable[[int, int], None]
SINGLE_PARTITION_MAX_FLOWS = 60_000
UNIT_CODES = {"t/yr": 1, "MWh/yr": 2, "m3/yr": 3, "Nm3/yr": 4, "m2": 5, "m3": 6, "m": 7, "h/yr": 8}


@dataclass
class Engine:
    """Knowledge compiled for matching: reuse one engine for many runs."""

    kb: KnowledgeBase
    classifier: Classifier
    compat: CompatibilityTable

    @classmethod
    def from_kb(cls, kb: KnowledgeBase | None = None) -> Engine:
        kb = kb or default_knowledge_base()
        return cls(kb, Classifier(kb), build_compatibility(kb))


_ENGINES: dict[int, Engine] = {}


def engine_for(kb: KnowledgeBase | None = None) -> Engine:
    kb = kb or default_knowledge_base()
    key = id(kb)
    if key not in _ENGINES:
        _ENGINES[key] = Engine.from_kb(kb)
    return _ENGINES[key]


@dataclass
class Matches:
    """Ranked pairs (top K per supply) plus the prepared flows they refer to."""

    pairs: pd.DataFrame
    supplies: pd.DataFrame
    demands: pd.DataFrame
    params: MatchParams
    engine: Engine
    stats: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pairs)

    def to_json(self, lang: str = "en", parameters: Parameters | None = None) -> dict[str, Any]:
        """The JSON contract; ``parameters`` are the evaluation's for the estimates."""
        from sidestream.matching.explain import matches_document

        return matches_document(self, lang, parameters)


def as_frame(flows: pd.DataFrame | Sequence[Flow]) -> pd.DataFrame:
    """Accept a validated flow table frame, any DataFrame with flow-table columns, or
    a list of :class:`Flow`; always return a validated frame."""
    if isinstance(flows, pd.DataFrame):
        if all(c in flows.columns for c in DERIVED):
            return flows
        raw = RawTable(
            header=[str(c) for c in flows.columns],
            rows=[[None if _missing(v) else v for v in row] for row in flows.itertuples(index=False)],
            line_numbers=list(range(2, len(flows) + 2)),
            format="dataframe",
        )
        table = validate_raw(raw, "dataframe")
        if not table.ok:
            first = table.errors[0]
            raise MatchingError(
                f"the flow table has {len(table.errors)} problem(s); first: row {first.row}"
                f" {first.column or ''}: {first.message}"
            )
        return table.frame
    return flows_to_frame(flows)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _select(frame: pd.DataFrame, params: MatchParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    supplies = frame[frame["direction"] == "supply"].sort_values("id", kind="stable")
    demands = frame[frame["direction"] == "demand"].sort_values("id", kind="stable")
    if params.supply_ids:
        missing = sorted(set(params.supply_ids) - set(supplies["id"]))
        if missing:
            raise MatchingError(f"no supply flow with id {', '.join(missing)}")
        supplies = supplies[supplies["id"].isin(params.supply_ids)]
    if params.demand_ids:
        missing = sorted(set(params.demand_ids) - set(demands["id"]))
        if missing:
            raise MatchingError(f"no demand flow with id {', '.join(missing)}")
        demands = demands[demands["id"].isin(params.demand_ids)]
    if params.category:
        supplies = supplies[supplies["category"] == params.category]
        demands = demands[demands["category"] == params.category]
    return supplies.reset_index(drop=True), demands.reset_index(drop=True)


def match(
    flows: pd.DataFrame | Sequence[Flow],
    params: MatchParams | None = None,
    kb: KnowledgeBase | None = None,
    progress: Progress | None = None,
) -> Matches:
    """Rank, for every supply flow, the best ``top_k`` demand flows."""
    params = params or MatchParams()
    eng = engine_for(kb)
    started = time.perf_counter()
    frame = as_frame(flows)
    if frame.empty:
        raise MatchingError("the flow table has no valid rows to match")
    if not (frame["direction"] == "supply").any():
        raise MatchingError("the flow table has no supply flows: add rows with direction=supply")
    if not (frame["direction"] == "demand").any() and not params.include_suggestions:
        raise MatchingError(
            "the flow table has only supply flows: add demand flows, or ask for urban-sink"
            " suggestions (--include-suggestions)"
        )
    prepared = prepare_flows(frame, eng.kb, eng.classifier)
    supplies, demands = _select(prepared, params)
    _fill_class_temperatures(supplies, eng)
    _fill_class_temperatures(demands, eng)
    pairs, stats = _run(supplies, demands, params, eng, progress)
    stats.update(
        flows=len(frame),
        supplies=len(supplies),
        demands=len(demands),
        unclassified=int(prepared["class_id"].isna().sum()),
        seconds=round(time.perf_counter() - started, 4),
    )
    return Matches(pairs, supplies, demands, params, eng, stats)


def _fill_class_temperatures(frame: pd.DataFrame, eng: Engine) -> None:
    """Flows without a stated temperature get their heat class's band midpoint, marked."""
    stated = frame["temperature_c"].notna()

    midpoints = {
        cid: float(sum(rc.temperature_c) / 2) for cid, rc in eng.kb.classes.items() if rc.temperature_c
    }
    mids = frame["class_id"].map(midpoints).astype(float)
    frame["temperature_assumed"] = ~stated & mids.notna()
    frame["temperature_c"] = frame["temperature_c"].fillna(mids)


def _arrays(frame: pd.DataFrame, eng: Engine) -> dict[str, NDArray[Any]]:
    cls = frame["class_id"].map(eng.compat.index).fillna(-1).astype(np.intp)
    return {
        "lat": frame["lat"].to_numpy(float),
        "lon": frame["lon"].to_numpy(float),
        "cls": cls.to_numpy(np.intp),
        "conf": frame["class_confidence"].to_numpy(float),
        "amount": frame["annual_quantity"].to_numpy(float),
        "unit": frame["annual_unit"].map(UNIT_CODES).fillna(0).to_numpy(np.int64),
        "months": frame["months_mask"].to_numpy(np.int64),
        "temp": frame["temperature_c"].to_numpy(float),
        "hazardous": frame["hazardous"].to_numpy(bool),
        "category": frame["category"].astype(object).to_numpy(),
    }


def pair_arrays(
    supplies: pd.DataFrame, demands: pd.DataFrame, eng: Engine
) -> tuple[dict[str, NDArray[Any]], dict[str, NDArray[Any]]]:
    """Column arrays of both sides, with actor codes shared between them: an
    organisation does not make a synergy with itself (same actor, no pair)."""
    s, d = _arrays(supplies, eng), _arrays(demands, eng)
    actors = pd.factorize(pd.concat([supplies["actor"], demands["actor"]]).str.strip().str.lower())[0]
    s["actor"], d["actor"] = actors[: len(supplies)], actors[len(supplies) :]
    return s, d


def _run(
    supplies: pd.DataFrame,
    demands: pd.DataFrame,
    params: MatchParams,
    eng: Engine,
    progress: Progress | None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    compat = eng.compat
    s, d = pair_arrays(supplies, demands, eng)
    s_ok = np.flatnonzero(s["cls"] >= 0)
    d_ok = np.flatnonzero(d["cls"] >= 0)
    radius = np.array([params.radius_for(c) for c in s["category"]], dtype=float)
    class_category = [eng.kb.classes[c].category.value for c in compat.class_ids]
    tables = PairTables.build(compat, params, class_category)
    n_total = len(supplies) + len(demands)
    cell_km = params.partition_km
    if cell_km is None:
        cell_km = 1e9 if n_total <= SINGLE_PARTITION_MAX_FLOWS else max(2 * params.max_radius_km, 100.0)
    parts = list(
        partitions(s["lat"][s_ok], s["lon"][s_ok], d["lat"][d_ok], d["lon"][d_ok],
                   cell_km, float(radius.max(initial=0.0)))
    )  # fmt: skip

    def run_partition(part: tuple[NDArray[np.intp], NDArray[np.intp]]) -> tuple[pd.DataFrame | None, int]:
        ps, pd_ = part
        si_glob, di_glob = s_ok[ps], d_ok[pd_]
        cand = candidate_pairs(
            s["lat"][si_glob], s["lon"][si_glob], s["cls"][si_glob], radius[si_glob],
            d["lat"][di_glob], d["lon"][di_glob], d["cls"][di_glob], compat,
        )  # fmt: skip
        if len(cand) == 0:
            return None, 0
        si, di = si_glob[cand.supply], di_glob[cand.demand]
        return _score_chunk(si, di, cand.straight_km, s, d, radius, tables, params), len(cand)

    # Partitions are independent (that is what makes them Dask-ready); numpy and
    # scipy release the GIL in their heavy loops, so threads use both cores here.
    chunks: list[pd.DataFrame] = []
    scored_total = 0
    workers = min(params.workers or (os.cpu_count() or 1), max(len(parts), 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(run_partition, parts) if workers > 1 else map(run_partition, parts)
        for done, (chunk, n_scored) in enumerate(results, start=1):
            scored_total += n_scored
            if chunk is not None:
                chunks.append(chunk)
            if progress:
                progress(done, len(parts))
    columns = ["supply_pos", "demand_pos", "score", "rank", "distance_km", "straight_km", "rule_code",
               "cop", "overlap_months", "exchanged", "beyond_typical_km", *PART_COLUMNS]  # fmt: skip
    pairs = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)
    if len(pairs):
        pairs = pairs.sort_values(["supply_pos", "rank"], kind="stable").reset_index(drop=True)
    pairs["supply_id"] = supplies["id"].to_numpy()[pairs["supply_pos"].to_numpy(np.intp)]
    pairs["demand_id"] = demands["id"].to_numpy()[pairs["demand_pos"].to_numpy(np.intp)]
    return pairs, {"candidates_scored": scored_total, "partitions": len(parts)}


PART_COLUMNS = [f"part_{name}" for name in
                ("compatibility", "confidence", "distance", "quantity", "timing", "temperature")]  # fmt: skip


@dataclass(frozen=True)
class PairTables:
    """Everything about a pair that depends only on its two classes, as flat C×C
    lookup tables: one ``take`` per property instead of a chain of ``where``s over
    millions of pairs."""

    n_classes: int
    code: NDArray[np.int32]
    strength: NDArray[np.float64]
    detour: NDArray[np.float64]
    scale_cap_km: NDArray[np.float64]
    rule_min_temp: NDArray[np.float64]
    forbids_hazardous: NDArray[np.bool_]
    thermal: NDArray[np.bool_]
    heat_pump: NDArray[np.bool_]

    @classmethod
    def build(cls, compat: CompatibilityTable, params: MatchParams, class_category: list[str]) -> PairTables:
        code = compat.rule_index
        n = code.shape[0]
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
        return cls(
            n_classes=n,
            code=code.ravel(),
            strength=compat.strength.ravel(),
            detour=detour.ravel(),
            scale_cap_km=scale_cap.ravel(),
            rule_min_temp=rule_min.ravel(),
            forbids_hazardous=forbids.ravel(),
            thermal=thermal.ravel(),
            # Physics, not rules: any heat need can be served through a heat pump.
            heat_pump=np.broadcast_to(compat.heat_demand[None, :], code.shape).ravel().copy(),
        )


def _score_chunk(
    si: NDArray[np.intp],
    di: NDArray[np.intp],
    straight_km: NDArray[np.float64],
    s: dict[str, NDArray[Any]],
    d: dict[str, NDArray[Any]],
    radius: NDArray[np.float64],
    tables: PairTables,
    params: MatchParams,
) -> pd.DataFrame:
    pair = s["cls"][si] * tables.n_classes + d["cls"][di]
    code = tables.code.take(pair)
    route = straight_km * tables.detour.take(pair)
    supply_radius = radius.take(si)
    scale = np.fmin(supply_radius, tables.scale_cap_km.take(pair))
    inputs = PairInputs(
        strength=tables.strength.take(pair),
        confidence_supply=s["conf"].take(si),
        confidence_demand=d["conf"].take(di),
        route_km=route,
        radius_km=supply_radius,
        distance_scale_km=scale,
        supply_amount=s["amount"].take(si),
        demand_amount=d["amount"].take(di),
        same_unit=(s["unit"].take(si) == d["unit"].take(di)) & (s["unit"].take(si) > 0),
        supply_months=s["months"].take(si),
        demand_months=d["months"].take(di),
        thermal=tables.thermal.take(pair),
        supply_temp=s["temp"].take(si),
        demand_temp=d["temp"].take(di),
        heat_pump_allowed=tables.heat_pump.take(pair),
        rule_min_temp=tables.rule_min_temp.take(pair),
        hazardous_supply=s["hazardous"].take(si),
        forbids_hazardous=tables.forbids_hazardous.take(pair),
    )
    score, feasible = fast_score(inputs, params.heat_pump_max_lift_k, params.carnot_fraction)
    keep = (
        feasible
        & (score >= params.min_score)
        & (code != NO_RULE)
        & (s["actor"].take(si) != d["actor"].take(di))
    )
    idx = np.flatnonzero(keep)
    top, rank = top_k(si[idx], score[idx], route[idx], di[idx], params.top_k)
    sel = idx[top]
    detail = score_pairs(inputs.subset(sel), params.heat_pump_max_lift_k, params.carnot_fraction)
    out = {
        "supply_pos": si[sel],
        "demand_pos": di[sel],
        "score": score[sel],
        "rank": rank + 1,
        "distance_km": route[sel],
        "straight_km": straight_km[sel],
        "rule_code": code[sel],
        "cop": detail.cop,
        "overlap_months": detail.overlap_months,
        "exchanged": detail.exchanged,
        "beyond_typical_km": (route[sel] > scale[sel]),
    }
    for name, values in detail.parts.items():
        out[f"part_{name}"] = np.broadcast_to(values, sel.shape)
    return pd.DataFrame(out)


def top_k(
    group: NDArray[np.intp],
    score: NDArray[np.float64],
    distance: NDArray[np.float64],
    tie: NDArray[np.intp],
    k: int,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Positions of the best ``k`` per group (score desc, distance asc, tie asc) and
    their 0-based ranks.

    Two stages keep this fast on tens of millions of pairs: one integer sort on
    (group, quantised score) keeps each group's best k *and everything tied with the
    k-th*, then an exact lexicographic sort orders the few survivors.

    >>> top_k(np.array([0, 0, 1]), np.array([0.2, 0.9, 0.5]), np.zeros(3), np.arange(3), 1)
    (array([1, 2]), array([0, 0]))
    """
    if group.size == 0:
        return np.empty(0, np.intp), np.empty(0, np.intp)
    levels = np.uint64(2**32 - 1)
    quant = (np.clip(score, 0.0, 1.0) * float(levels)).astype(np.uint64)
    key = group.astype(np.uint64) * np.uint64(2**32) + (levels - quant)
    order = np.argsort(key, kind="stable")
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    lengths = np.diff(np.r_[starts, g.size])
    kth = starts + np.minimum(lengths, k) - 1
    threshold = np.repeat(key[order][kth], lengths)
    survivors = order[key[order] <= threshold]
    exact = survivors[np.lexsort((tie[survivors], distance[survivors], -score[survivors], group[survivors]))]
    g2 = group[exact]
    starts2 = np.flatnonzero(np.r_[True, g2[1:] != g2[:-1]])
    rank = np.arange(g2.size) - np.repeat(starts2, np.diff(np.r_[starts2, g2.size]))
    keep = rank < k
    return exact[keep], rank[keep]
