"""Evaluation as use cases: one saved synergy, or every match of a region — cut to
what the viewer may see.

A pair whose two sides the viewer may see gets the full evaluation (physical,
economic, environmental, with the parameters used). A pair with a hidden side gets
only decade bands of value, NPV and CO2e (:func:`~sidestream.evaluation.document.banded`):
the exchanged quantity is the smaller of the two sides, so an exact number would
measure the hidden flow. Region totals count fully visible pairs only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from sidestream.domain.geo import haversine_km
from sidestream.domain.visibility import Viewer
from sidestream.evaluation.document import (
    FINANCE_KEYS,
    Currency,
    banded,
    document,
    estimate_fields,
    records_of,
    tornado_records,
    totals,
    used_keys,
)
from sidestream.evaluation.document import record as evaluation_record
from sidestream.evaluation.pairs import DEFAULT_TRANSPORT, pairs_from_table
from sidestream.evaluation.sensitivity import tornado
from sidestream.evaluation.valuation import evaluate_pairs
from sidestream.i18n import normalise_lang
from sidestream.matching import MatchParams
from sidestream.matching.params import DEFAULT_DETOUR
from sidestream.services.matching import MatchCache, filter_record, match_ref, region_frame, run_region
from sidestream.services.parameters import region_parameters, synergy_parameters
from sidestream.services.synergies import _sees, get_synergy
from sidestream.store.models import Flow, Region, Site


def synergy_evaluation(
    session: Session,
    region: Region,
    viewer: Viewer,
    synergy_id: int,
    *,
    currency: Currency = "EUR",
    lang: str = "en",
    with_tornado: bool = False,
    pct: float = 0.2,
) -> dict[str, Any]:
    """The evaluation of one saved synergy with the region's and its own overrides."""
    lang = normalise_lang(lang)
    synergy = get_synergy(session, region, viewer, synergy_id)  # not found when hidden
    params = synergy_parameters(session, region, synergy)
    supply, demand = session.get(Flow, synergy.supply_flow_id), session.get(Flow, synergy.demand_flow_id)
    # deleting a flow deletes its synergies
    assert supply is not None
    assert demand is not None
    match = synergy.match or {}
    distance = match.get("distance_km")
    estimate = match.get("estimate") or {}
    transport = estimate.get("transport") or (match.get("rule") or {}).get("transport")
    transport = transport or DEFAULT_TRANSPORT.get(supply.category or "", "road")
    if distance is None:
        s_site, d_site = session.get(Site, supply.site_id), session.get(Site, demand.site_id)
        assert s_site is not None
        assert d_site is not None
        straight = float(haversine_km(s_site.lat, s_site.lon, d_site.lat, d_site.lon))
        distance = straight * DEFAULT_DETOUR.get(transport, 1.3)
    frame = region_frame(session, region)
    frame = frame[frame["id"].isin([supply.key, demand.key])]
    table = pd.DataFrame(
        {"supply_id": [supply.key], "demand_id": [demand.key], "distance_km": [float(distance)],
         "transport": [transport]}
    )  # fmt: skip
    pairs = pairs_from_table(table, frame)
    ev = evaluate_pairs(pairs, params)
    see_s, see_d = _sees(viewer, supply), _sees(viewer, demand)
    if not (see_s and see_d):
        row = records_of(ev)[0]
        return {
            "synergy_id": synergy.id,
            "anonymised": "demand" if see_s else "supply",
            "estimate": banded(estimate_fields(row, params)),
            "parameters": params.used(FINANCE_KEYS),
            "parameters_version": params.version,
        }
    out = document(ev, params, currency, lang)
    out["synergy_id"] = synergy.id
    out["anonymised"] = None
    if with_tornado:
        out["tornado"] = {"pct": pct * 100, "rows": tornado_records(tornado(pairs, params, pct=pct), currency,
                                                                     params.nok_per_eur)}  # fmt: skip
    return out


def region_evaluation(
    session: Session,
    region: Region,
    viewer: Viewer,
    params: MatchParams,
    *,
    secret: str,
    currency: Currency = "EUR",
    lang: str = "en",
    cache: MatchCache | None = None,
) -> dict[str, Any]:
    """Every match of the region evaluated at once, as the viewer may see it."""
    lang = normalise_lang(lang)
    parameters = region_parameters(session, region)
    params = params.model_copy(update={"supply_ids": None, "demand_ids": None})
    run = run_region(session, region, params, lang, cache, parameters)
    records = run.document["matches"]
    if not records:
        empty = evaluate_pairs(pairs_from_table(_pairs_table([]), region_frame(session, region)), parameters)
        return _region_doc([], empty, parameters, currency, lang)
    pairs = pairs_from_table(_pairs_table(records), region_frame(session, region))
    ev = evaluate_pairs(pairs, parameters)
    rows = records_of(ev)
    items: list[dict[str, Any]] = []
    visible = []
    for i, rec in enumerate(records):
        supply, demand = run.flows[str(rec["supply"]["id"])], run.flows[str(rec["demand"]["id"])]
        ref = match_ref(secret, region.id, supply.pk, demand.pk)
        shown = filter_record(rec, supply, demand, viewer, lang, ref)
        if shown is None:
            continue
        item: dict[str, Any] = {
            "match_ref": ref, "anonymised": shown["anonymised"], "supply": shown["supply"],
            "demand": shown["demand"], "score": shown["score"],
        }  # fmt: skip
        if shown["anonymised"]:
            item["estimate"] = banded(estimate_fields(rows[i], parameters))
        else:
            item["evaluation"] = evaluation_record(rows[i], parameters, currency, lang)
            visible.append(i)
        items.append(item)
    return _region_doc(items, ev.iloc[visible], parameters, currency, lang)


def _pairs_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "supply_id": [str(r["supply"]["id"]) for r in records],
            "demand_id": [str(r["demand"]["id"]) for r in records],
            "distance_km": [float(r["distance_km"]) for r in records],
            "transport": [(r.get("estimate") or {}).get("transport") or None for r in records],
        }
    )


def _region_doc(
    items: list[dict[str, Any]], visible: pd.DataFrame, parameters: Any, currency: Currency, lang: str
) -> dict[str, Any]:
    doc = document(visible, parameters, currency, lang)
    return {
        "version": doc["version"],
        "parameters_version": doc["parameters_version"],
        "currency": currency,
        "matches": items,
        "totals": totals(visible, parameters, currency),
        "parameters": parameters.used(used_keys(visible, parameters)),
        "assumptions": doc["assumptions"],
    }
