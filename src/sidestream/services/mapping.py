"""Hubs and the regional potential of a region, as one viewer may see them.

The mapping engines get only what the viewer may see: the flows they can open (the
same :func:`~sidestream.domain.visibility.can_see` policy as the flow registry) and
the matches whose *both* sides they can see (anonymised pairs are dropped, because a
hub or a hexagon sum built from a hidden flow would reveal its site and quantity).
Matching itself still runs on the whole region (as in :mod:`.matching`), so a visible
pair's score and estimate are the same for everyone.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer, can_see
from sidestream.mapping.hubs import Hub, HubParams, PairKey, find_hubs
from sidestream.mapping.potential import RegionalPotential, regional_potential
from sidestream.matching import MatchParams
from sidestream.services.matching import MatchCache, _region_rows, region_matches, rows_to_frame
from sidestream.store.models import Region

log = logging.getLogger(__name__)
DEFAULT_TOP_K = 5


@dataclass(frozen=True)
class RegionMapping:
    """The visible flows and full matches of a region, and what the engines made of them."""

    region: Region
    flows: pd.DataFrame
    matches: list[dict[str, Any]]
    hubs: list[Hub]
    potential: RegionalPotential
    co2e_estimated: bool = False
    evaluations: dict[PairKey, dict[str, Any]] = field(default_factory=dict)


def visible_frame(session: Session, region: Region, viewer: Viewer) -> pd.DataFrame:
    """The region's flows ``viewer`` may see, as a flow-table frame."""
    rows = [
        r
        for r in _region_rows(session, region)
        # r[15] visibility, r[21] organisation id (see services.matching._ROW_COLUMNS)
        if can_see(viewer, str(r[15]), int(r[21]))
    ]
    return rows_to_frame(rows)


def full_matches(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    secret: str,
    lang: str,
    cache: MatchCache | None,
    top_k: int = DEFAULT_TOP_K,
) -> list[dict[str, Any]]:
    """The region's matches whose two sides ``viewer`` may see."""
    doc = region_matches(
        session, region, viewer, MatchParams(top_k=top_k), secret=secret, lang=lang, cache=cache
    )
    return [r for r in doc["matches"] if not r.get("anonymised")]


def evaluate_pairs(
    flows: pd.DataFrame, matches: Sequence[Mapping[str, Any]]
) -> dict[PairKey, dict[str, Any]]:
    """Evaluations of the pairs by :mod:`sidestream.evaluation` when it offers
    ``link_table(flows, matches) -> DataFrame`` (columns ``supply_id``, ``demand_id``
    and ``co2e_t_per_yr``; more are passed through); empty when it does not yet."""
    module = importlib.import_module("sidestream.evaluation")
    link_table = getattr(module, "link_table", None)
    if link_table is None or not matches:
        return {}
    try:
        table = link_table(flows, list(matches))
    except Exception:  # an optional enrichment must not break the report
        log.exception("evaluation of the matches failed; the report goes on without it")
        return {}
    if not {"supply_id", "demand_id", "co2e_t_per_yr"} <= set(table.columns):
        log.warning("evaluation.link_table lacks supply_id/demand_id/co2e_t_per_yr; not used")
        return {}
    out: dict[PairKey, dict[str, Any]] = {}
    for rec in table.to_dict("records"):
        out[(str(rec["supply_id"]), str(rec["demand_id"]))] = rec
    return out


def region_mapping(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
    params: HubParams | None = None,
) -> RegionMapping:
    """Hubs and potential of ``region`` computed from what ``viewer`` may see."""
    flows = visible_frame(session, region, viewer)
    matches = full_matches(session, region, viewer, secret=secret, lang=lang, cache=cache)
    evaluations = evaluate_pairs(flows, matches) if len(flows) else {}
    co2e = {k: float(v["co2e_t_per_yr"]) for k, v in evaluations.items()} if evaluations else None
    hubs = find_hubs(flows, matches, params, co2e_t_per_yr=co2e) if len(flows) else []
    potential = regional_potential(flows, matches, lang=lang)
    return RegionMapping(region, flows, matches, hubs, potential, co2e is not None, evaluations)


def region_hubs(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
) -> list[Hub]:
    """Only the hubs (for the overview map's hub layer), cut to ``viewer``."""
    flows = visible_frame(session, region, viewer)
    if not len(flows):
        return []
    matches = full_matches(session, region, viewer, secret=secret, lang=lang, cache=cache)
    return find_hubs(flows, matches)
