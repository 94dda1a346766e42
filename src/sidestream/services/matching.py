"""Matching for a region as a use case: run the engine on every flow of the region,
then show each viewer only what they may see.

Matching works across confidentiality — a facilitator-only supply can still be the
best taker of a public demand — but the result is cut to the viewer:

- a pair whose two sides the viewer can see is shown in full;
- a pair with one visible side shows the other as an anonymised stub (category,
  resource class, a distance bound such as "within 10 km": no id, actor, site,
  coordinates, quantity, temperature or months), and the reasons that would reveal
  the hidden side are left out; the estimate keeps only decade bands of value, NPV
  and CO2e (``evaluation.document.banded``);
- a pair with no visible side is dropped, and every count in the response counts
  only what is returned.

The engine's JSON contract (``Matches.to_json``) is kept: records gain fields
(``anonymised``, ``match_ref`` and ``flow_id``) but none is renamed.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.domain.categories import Visibility
from sidestream.domain.months import format_months
from sidestream.domain.visibility import Viewer, can_see
from sidestream.errors import MatchingError
from sidestream.evaluation.document import banded
from sidestream.evaluation.parameters import Parameters, fingerprint
from sidestream.i18n import N_, Message, normalise_lang
from sidestream.io.flow_table import COLUMNS, DERIVED
from sidestream.matching import MatchParams, match
from sidestream.matching.explain import CONTRACT_VERSION
from sidestream.services.cache import LRUCache
from sidestream.services.flows import get_flow
from sidestream.store.models import Flow, Organisation, Region, Site
from sidestream.store.versions import region_key

DISTANCE_BOUNDS_KM = (5, 10, 25, 50, 100)
STUB_TEXT = {
    "supply": N_("an organisation within {km} km has a matching supply"),
    "demand": N_("an organisation within {km} km has a matching need"),
}
HIDDEN_DETAILS = N_("details are confidential: a facilitator can put you in touch")
EXTRA_COLUMNS = ["flow_pk", "organisation_id"]


def distance_bound_km(distance_km: float) -> int:
    """The coarse upper bound shown instead of a hidden flow's distance.

    >>> distance_bound_km(0.4), distance_bound_km(7.2), distance_bound_km(51), distance_bound_km(260)
    (5, 10, 100, 300)
    """
    for bound in DISTANCE_BOUNDS_KM:
        if distance_km <= bound:
            return bound
    return int(math.ceil(distance_km / 100.0) * 100)


def match_ref(secret: str, region_id: int, supply_pk: int, demand_pk: int) -> str:
    """An opaque reference to a pair, so that a viewer who sees only one side can save
    it as a synergy without learning the other side's id."""
    message = f"{region_id}:{supply_pk}:{demand_pk}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class FlowAccess:
    """What the filter needs to know about one flow of the region."""

    pk: int
    key: str
    direction: str
    visibility: str
    organisation_id: int


@dataclass
class RegionRun:
    """The full (unfiltered) engine output for a region and how to filter it."""

    document: dict[str, Any]
    flows: dict[str, FlowAccess]  # by flow key (the flow table's id)


class MatchCache:
    """Engine runs keyed by the region's data stamp (:mod:`sidestream.store.versions`)
    and the parameters, so that repeated reads do not re-run matching and any write
    to the region — in any process — is seen by the next read. One per application;
    thread-safe; at most ``size`` runs."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: LRUCache[Hashable, RegionRun] = LRUCache(size)

    def get_or_run(self, key: Hashable, run: Callable[[], RegionRun]) -> RegionRun:
        return self._items.get_or_compute(key, run)


# --- the region as a flow table ------------------------------------------------------


_ROW_COLUMNS = (
    Flow.key, Organisation.name, Organisation.actor_type, Organisation.nace, Site.name, Site.lat,
    Site.lon, Flow.direction, Flow.resource, Flow.category, Flow.ewc, Flow.quantity, Flow.unit,
    Flow.temperature_c, Flow.months_mask, Flow.visibility, Flow.notes, Flow.hazardous,
    Flow.annual_quantity, Flow.annual_unit, Flow.id, Flow.organisation_id,
)  # fmt: skip


def _region_rows(session: Session, region: Region) -> list[tuple[Any, ...]]:
    query = (
        select(*_ROW_COLUMNS)
        .join(Organisation, Flow.organisation_id == Organisation.id)
        .join(Site, Flow.site_id == Site.id)
        .where(Flow.region_id == region.id)
        .order_by(Flow.id)
    )
    return [tuple(row) for row in session.execute(query)]


def rows_to_frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Database rows (see ``_region_rows``) as a validated flow-table frame."""
    records = []
    for i, r in enumerate(rows):
        (key, actor, actor_type, nace, site, lat, lon, direction, resource, category, ewc, quantity, unit,
         temperature, mask, visibility, notes, hazardous, annual_q, annual_u, pk, org_id) = r  # fmt: skip
        records.append({
            "id": key, "actor": actor, "actor_type": actor_type, "nace": nace, "site": site,
            "lat": lat, "lon": lon, "direction": direction, "resource": resource, "category": category,
            "ewc": ewc, "quantity": quantity, "unit": unit, "temperature_c": temperature,
            "months": format_months(int(mask)), "visibility": visibility, "notes": notes or "",
            "hazardous": hazardous, "months_mask": int(mask), "annual_quantity": annual_q,
            "annual_unit": annual_u, "row": i + 2, "flow_pk": pk, "organisation_id": org_id,
        })  # fmt: skip
    frame = pd.DataFrame.from_records(records, columns=COLUMNS + DERIVED + EXTRA_COLUMNS)
    for column in ("lat", "lon", "quantity", "temperature_c", "annual_quantity"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["months_mask"] = frame["months_mask"].astype("int64")
    frame["hazardous"] = frame["hazardous"].astype("object")
    frame["row"] = frame["row"].astype("int64")
    return frame


def _empty_document(params: MatchParams) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": CONTRACT_VERSION,
        "matches": [],
        "params": params.model_dump(mode="json"),
        "stats": {},
    }
    if params.include_suggestions:
        doc["suggestions"] = []
    return doc


def run_region(
    session: Session,
    region: Region,
    params: MatchParams,
    lang: str = "en",
    cache: MatchCache | None = None,
    parameters: Parameters | None = None,
) -> RegionRun:
    """Match every flow of the region (no visibility filter: never hand this out).
    Estimates use ``parameters`` (default: the region's evaluation parameters)."""
    lang = normalise_lang(lang)
    if parameters is None:
        from sidestream.services.parameters import region_parameters

        parameters = region_parameters(session, region)
    # The stamp is read before the rows: an entry is never older than its key says.
    key = (
        (region.id, region_key(session, region.id), params.model_dump_json(), lang, fingerprint(parameters))
        if cache
        else None
    )

    def run() -> RegionRun:
        rows = _region_rows(session, region)
        flows = {
            str(r[0]): FlowAccess(pk=int(r[20]), key=str(r[0]), direction=str(r[7]), visibility=str(r[15]),
                                  organisation_id=int(r[21]))
            for r in rows
        }  # fmt: skip
        frame = rows_to_frame(rows)
        try:
            document = (
                match(frame, params).to_json(lang, parameters) if len(frame) else _empty_document(params)
            )
        except MatchingError:
            # No supplies or no demands: an empty result, never an error, so that an
            # empty region and one whose flows are all hidden look the same.
            document = _empty_document(params)
        return RegionRun(document, flows)

    if cache is None or key is None:
        return run()
    return cache.get_or_run(key, run)


# --- filtering for a viewer ----------------------------------------------------------


def _visible(viewer: Viewer, flow: FlowAccess) -> bool:
    return can_see(viewer, Visibility(flow.visibility), flow.organisation_id)


def stub(side: Mapping[str, Any], direction: str, distance_km: float | None, lang: str) -> dict[str, Any]:
    """What a viewer learns about a flow they may not see."""
    km = distance_bound_km(distance_km) if distance_km is not None else None
    text = Message(STUB_TEXT[direction], {"km": km}).render(lang) if km is not None else None
    return {
        "anonymised": True,
        "direction": direction,
        "category": side.get("category"),
        "class": side.get("class"),
        "class_label": side.get("class_label"),
        "within_km": km,
        "text": text,
    }


def _full(side: Mapping[str, Any], flow: FlowAccess) -> dict[str, Any]:
    out = dict(side)
    out["flow_id"] = flow.pk
    out["visibility"] = flow.visibility
    return out


def filter_record(
    record: Mapping[str, Any],
    supply: FlowAccess,
    demand: FlowAccess,
    viewer: Viewer,
    lang: str,
    ref: str,
) -> dict[str, Any] | None:
    """The match record as ``viewer`` may see it, or None."""
    see_supply, see_demand = _visible(viewer, supply), _visible(viewer, demand)
    if not see_supply and not see_demand:
        return None
    out = dict(record)
    out["match_ref"] = ref
    if see_supply and see_demand:
        out["anonymised"] = None
        out["supply"] = _full(record["supply"], supply)
        out["demand"] = _full(record["demand"], demand)
        return out
    hidden = "demand" if see_supply else "supply"
    distance = float(record["distance_km"]) if record.get("distance_km") is not None else None
    # Built from a list of known-safe fields, not copied: a field the engine adds later
    # (and that might measure the hidden side) stays out until someone decides.
    # Dropped: exact distance, quantities, months, temperatures, the score's parts.
    # The first reason states the rule or family (kinds of resource only); with neither
    # it could be anything, so it goes too.
    reasons = list(record.get("reasons") or [])[:1] if record.get("rule") or record.get("family") else []
    return {
        "kind": record.get("kind", "match"),
        "anonymised": hidden,
        "supply": _full(record["supply"], supply)
        if see_supply
        else stub(record["supply"], "supply", distance, lang),
        "demand": _full(record["demand"], demand)
        if see_demand
        else stub(record["demand"], "demand", distance, lang),
        "rank": record.get("rank"),
        "score": round(float(record["score"]), 2),
        "distance_km": float(distance_bound_km(distance)) if distance is not None else None,
        "parts": {},
        "rule": record.get("rule"),
        "family": record.get("family"),
        "reasons": [*reasons, Message(HIDDEN_DETAILS).render(lang)],
        # Decade bands of value, NPV and CO2e only: exact numbers would measure the hidden flow.
        "estimate": banded(record.get("estimate")),
        "match_ref": ref,
    }


def filter_document(
    run: RegionRun,
    viewer: Viewer,
    secret: str,
    region_id: int,
    lang: str = "en",
    order_by_score: bool = False,
    limit: int | None = None,
) -> dict[str, Any]:
    """The run's document as ``viewer`` may see it; counts count what is returned."""
    lang = normalise_lang(lang)
    doc = run.document
    records: list[dict[str, Any]] = []
    for record in doc["matches"]:
        supply = run.flows[str(record["supply"]["id"])]
        demand = run.flows[str(record["demand"]["id"])]
        ref = match_ref(secret, region_id, supply.pk, demand.pk)
        shown = filter_record(record, supply, demand, viewer, lang, ref)
        if shown is not None:
            shown["_group"] = supply.key
            records.append(shown)
    if order_by_score:
        records.sort(key=lambda r: -float(r["score"]))
        records = records[:limit] if limit is not None else records
        for rank, r in enumerate(records, start=1):
            r["rank"] = rank
            r.pop("_group")
    else:
        # Renumber ranks among what is shown, so gaps do not count hidden demands.
        seen: dict[str, int] = {}
        for r in records:
            group = r.pop("_group")
            seen[group] = seen.get(group, 0) + 1
            r["rank"] = seen[group]
    out: dict[str, Any] = {
        "version": doc["version"],
        "matches": records,
        "params": doc["params"],
        "stats": {
            "matches": len(records),
            "anonymised": sum(1 for r in records if r["anonymised"]),
        },
    }
    if "suggestions" in doc:
        out["suggestions"] = _filter_suggestions(doc["suggestions"], run.flows, viewer)
    return out


def _filter_suggestions(
    items: Iterable[dict[str, Any]], flows: Mapping[str, FlowAccess], viewer: Viewer
) -> list[dict[str, Any]]:
    out = []
    for item in items:
        flow = flows.get(str(item.get("supply", {}).get("id")))
        if flow is not None and _visible(viewer, flow):
            shown = dict(item)
            shown["supply"] = _full(item["supply"], flow)
            out.append(shown)
    return out


# --- use cases -----------------------------------------------------------------------


def region_matches(
    session: Session,
    region: Region,
    viewer: Viewer,
    params: MatchParams,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
) -> dict[str, Any]:
    """Every supply's best demands in the region, as ``viewer`` may see them."""
    params = params.model_copy(update={"supply_ids": None, "demand_ids": None})
    run = run_region(session, region, params, lang, cache)
    return filter_document(run, viewer, secret, region.id, lang)


def visible_flow(session: Session, region: Region, viewer: Viewer, flow_id: int) -> Flow:
    """The flow if it is in the region and the viewer may see it; else the same
    not-found error as the flow registry gives, whether it is missing or hidden."""
    return get_flow(session, region, viewer, flow_id)


def flow_matches(
    session: Session,
    region: Region,
    viewer: Viewer,
    flow_id: int,
    params: MatchParams,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
) -> dict[str, Any]:
    """For a supply, its best ``top_k`` demands; for a demand, its best ``top_k``
    supplies — searched among all the region's flows, shown as the viewer may see."""
    flow = visible_flow(session, region, viewer, flow_id)
    if flow.direction == "supply":
        params = params.model_copy(update={"supply_ids": [flow.key], "demand_ids": None})
        run = run_region(session, region, params, lang, cache)
        return filter_document(run, viewer, secret, region.id, lang)
    top_k = params.top_k
    # Each supply ranks its demands; limited to this demand, each supply yields at
    # most one pair, and the best ``top_k`` of those are this demand's suppliers.
    params = params.model_copy(update={"supply_ids": None, "demand_ids": [flow.key], "top_k": 1})
    run = run_region(session, region, params, lang, cache)
    doc = filter_document(run, viewer, secret, region.id, lang, order_by_score=True, limit=top_k)
    doc["params"] = {**doc["params"], "top_k": top_k}
    return doc


def pair_record(
    session: Session, region: Region, supply: Flow, demand: Flow, lang: str = "en"
) -> dict[str, Any] | None:
    """The engine's full record for one supply–demand pair, or None if the engine
    finds no match between them."""
    params = MatchParams(top_k=1, supply_ids=[supply.key], demand_ids=[demand.key])
    doc = run_region(session, region, params, lang).document
    return doc["matches"][0] if doc["matches"] else None


def region_frame(session: Session, region: Region) -> pd.DataFrame:
    """Every flow of the region as a flow-table frame (no visibility filter)."""
    return rows_to_frame(_region_rows(session, region))


def region_flow_access(session: Session, region: Region) -> dict[int, FlowAccess]:
    """Visibility facts of every flow in the region by primary key."""
    rows = session.execute(
        select(Flow.id, Flow.key, Flow.direction, Flow.visibility, Flow.organisation_id).where(
            Flow.region_id == region.id
        )
    )
    return {
        int(pk): FlowAccess(int(pk), str(key), str(direction), str(vis), int(org))
        for pk, key, direction, vis, org in rows
    }
