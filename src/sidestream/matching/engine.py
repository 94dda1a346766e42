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
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sidestream.domain.flows import Flow
from sidestream.errors import MatchingError
from sidestream.evaluation.parameters import Parameters
from sidestream.i18n import N_
from sidestream.io.flow_table import DERIVED, flows_to_frame, validate_raw
from sidestream.io.raw import RawTable
from sidestream.knowledge.base import KnowledgeBase, default_knowledge_base
from sidestream.knowledge.classifier import Classifier
from sidestream.matching.candidates import candidate_pairs, partitions
from sidestream.matching.compatibility import CompatibilityTable, build_compatibility
from sidestream.matching.params import MatchParams
from sidestream.matching.prepare import prepare_flows
from sidestream.matching.ranking import (
    COLUMNS,
    PairTables,
    add_derived,
    beyond_bound,
    rank_progressive,
)

Progress = Callable[[int, int], None]
SINGLE_PARTITION_MAX_FLOWS = 60_000
PARTITION_MAX_SUPPLIES = 3_000
# Shares of each supply's radius scored in turn; farther pairs only where they could rank.
ROUNDS = (0.4, 0.7, 1.0)
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


@cache
def default_engine() -> Engine:
    """The engine of the packaged knowledge base, compiled once per process."""
    return Engine.from_kb(default_knowledge_base())


def engine_for(kb: KnowledgeBase | None = None) -> Engine:
    """The cached default engine, or a fresh one for a custom knowledge base (reuse
    :meth:`Engine.from_kb` yourself to amortise it over many runs)."""
    if kb is None or kb is default_knowledge_base():
        return default_engine()
    return Engine.from_kb(kb)


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
                N_("the flow table has {length} problem(s); first: row {row} {column}: {message}"),
                length=len(table.errors),
                row=first.row,
                column=first.column or "",
                message=first.message,
            )
        return table.frame
    return flows_to_frame(flows)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _select(frame: pd.DataFrame, params: MatchParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    # One stable sort by id and one ``take`` per side: the prepared frame is wide, and
    # every pandas filter or sort copies all of its columns.
    by_id = np.argsort(frame["id"].to_numpy(dtype=object), kind="stable")
    direction = frame["direction"].to_numpy(dtype=object)[by_id]
    supplies = frame.take(by_id[direction == "supply"])
    demands = frame.take(by_id[direction == "demand"])
    if params.supply_ids:
        missing = sorted(set(params.supply_ids) - set(supplies["id"]))
        if missing:
            raise MatchingError(N_("no supply flow with id {missing}"), missing=", ".join(missing))
        supplies = supplies[supplies["id"].isin(params.supply_ids)]
    if params.demand_ids:
        missing = sorted(set(params.demand_ids) - set(demands["id"]))
        if missing:
            raise MatchingError(N_("no demand flow with id {missing}"), missing=", ".join(missing))
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
        raise MatchingError(N_("the flow table has no valid rows to match"))
    if not (frame["direction"] == "supply").any():
        raise MatchingError(N_("the flow table has no supply flows: add rows with direction=supply"))
    if not (frame["direction"] == "demand").any() and not params.include_suggestions:
        raise MatchingError(
            N_(
                "the flow table has only supply flows: add demand flows, or ask for urban-sink "
                "suggestions (--include-suggestions)"
            )
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


def _lookup(values: pd.Series, mapping: dict[Any, Any], default: Any, dtype: Any) -> NDArray[Any]:
    """``values.map(mapping)`` with a default, computed once per distinct value (flow
    tables repeat a handful of classes, units and categories thousands of times)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([mapping.get(u, default) for u in uniques] + [default], dtype=dtype)
    return table.take(codes)  # code −1 (missing) takes the trailing default


def _fill_class_temperatures(frame: pd.DataFrame, eng: Engine) -> None:
    """Flows without a stated temperature get their heat class's band midpoint, marked."""
    stated = frame["temperature_c"].notna().to_numpy()
    midpoints = {
        cid: float(sum(rc.temperature_c) / 2) for cid, rc in eng.kb.classes.items() if rc.temperature_c
    }
    mids = _lookup(frame["class_id"], midpoints, np.nan, float)
    frame["temperature_assumed"] = ~stated & ~np.isnan(mids)
    frame["temperature_c"] = np.where(stated, frame["temperature_c"].to_numpy(float), mids)


def _arrays(frame: pd.DataFrame, eng: Engine) -> dict[str, NDArray[Any]]:
    return {
        "lat": frame["lat"].to_numpy(float),
        "lon": frame["lon"].to_numpy(float),
        "cls": _lookup(frame["class_id"], eng.compat.index, -1, np.intp),
        "conf": frame["class_confidence"].to_numpy(float),
        "amount": frame["annual_quantity"].to_numpy(float),
        "unit": _lookup(frame["annual_unit"], UNIT_CODES, 0, np.int64),
        "months": frame["months_mask"].to_numpy(np.int64),
        "temp": frame["temperature_c"].to_numpy(float),
        "hazardous": frame["hazardous"].to_numpy(bool),
        "non_potable": ~frame["potable_source"].to_numpy(bool),
        "potable_use": frame["potable_use"].to_numpy(bool),
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
    add_derived(s, demand=False)
    add_derived(d, demand=True)
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
    category_code, categories = pd.factorize(s["category"], use_na_sentinel=True)
    by_category = [*(params.radius_for(c) for c in categories), params.radius_for(None)]
    radius = np.array(by_category, dtype=float).take(category_code)
    class_category = [eng.kb.classes[c].category.value for c in compat.class_ids]
    tables = PairTables.build(compat, params, class_category)
    n_total = len(supplies) + len(demands)
    cell_km = params.partition_km
    if cell_km is None:
        cell_km = 1e9 if n_total <= SINGLE_PARTITION_MAX_FLOWS else max(2 * params.max_radius_km, 100.0)
    # A small region is one partition (one tree, one pass); batches of supplies bound
    # the memory of crowded cells at national scale.
    batch = max(len(supplies), 1) if n_total <= SINGLE_PARTITION_MAX_FLOWS else PARTITION_MAX_SUPPLIES
    # Pruning pays where supplies have hundreds of candidates, not in a small region.
    shares = ROUNDS if n_total > SINGLE_PARTITION_MAX_FLOWS else (1.0,)
    rounds = [
        (share, beyond_bound(s, d, radius, tables, radius * share) if share < 1 else np.zeros(0))
        for share in shares
    ]
    parts = list(
        partitions(s["lat"][s_ok], s["lon"][s_ok], d["lat"][d_ok], d["lon"][d_ok],
                   cell_km, float(radius.max(initial=0.0)), max_supplies=batch)
    )  # fmt: skip

    def run_partition(
        part: tuple[NDArray[np.intp], NDArray[np.intp]],
    ) -> tuple[dict[str, NDArray[Any]] | None, int]:
        ps, pd_ = part
        si_glob, di_glob = s_ok[ps], d_ok[pd_]
        d_lat, d_lon, d_cls = d["lat"][di_glob], d["lon"][di_glob], d["cls"][di_glob]

        def query(
            local: NDArray[np.intp], radii: NDArray[np.float64]
        ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
            sg = si_glob[local]
            cand = candidate_pairs(
                s["lat"][sg], s["lon"][sg], s["cls"][sg], radii, d_lat, d_lon, d_cls, compat
            )
            return local[cand.supply], di_glob[cand.demand], cand.straight_km

        return rank_progressive(query, si_glob, s, d, radius, rounds, tables, params)

    # Partitions are independent (that is what makes them Dask-ready); numpy and
    # scipy release the GIL in their heavy loops, so threads use both cores here.
    chunks: list[dict[str, NDArray[Any]]] = []
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
    pairs = pd.DataFrame({c: np.concatenate([ch[c] for ch in chunks]) for c in COLUMNS}) if chunks else None
    if pairs is None:
        pairs = pd.DataFrame(columns=COLUMNS)
    elif len(pairs):
        order = np.lexsort((pairs["rank"].to_numpy(), pairs["supply_pos"].to_numpy()))
        pairs = pairs.take(order).reset_index(drop=True)
    s_pos = pairs["supply_pos"].to_numpy(np.intp)
    d_pos = pairs["demand_pos"].to_numpy(np.intp)
    pairs["supply_id"] = supplies["id"].array.take(s_pos)
    pairs["demand_id"] = demands["id"].array.take(d_pos)
    return pairs, {"candidates_scored": scored_total, "partitions": len(parts)}
