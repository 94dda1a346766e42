"""Hubs and the regional potential of a region, as one viewer may see them.

The mapping engines get only what the viewer may see: the flows they can open (the
same :func:`~sidestream.domain.visibility.can_see` policy as the flow registry) and
the matches whose *both* sides they can see (anonymised pairs are dropped, because a
hub or a hexagon sum built from a hidden flow would reveal its site and quantity).
Matching itself still runs on the whole region (as in :mod:`.matching`), so a visible
pair's score and estimate are the same for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer, can_see
from sidestream.mapping.hubs import Hub, HubParams, PairKey, co2e_by_pair, evaluations_from_matches, find_hubs
from sidestream.mapping.potential import RegionalPotential, regional_potential
from sidestream.matching import MatchParams
from sidestream.services.matching import MatchCache, _region_rows, region_matches, rows_to_frame
from sidestream.store.models import Region

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
    evaluations = evaluations_from_matches(matches)
    co2e = co2e_by_pair(evaluations)
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
    return find_hubs(flows, matches, co2e_t_per_yr=co2e_by_pair(evaluations_from_matches(matches)))
