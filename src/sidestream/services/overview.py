"""A region at a glance, as one viewer may see it: counts, totals by category, the
flows on a map, the best matches as lines, and a Sankey of supplies to uses.

Every part is computed from what the viewer may see — the same visibility filters as
the flow registry (:mod:`sidestream.services.flows`) and the same cut of the match
results (:mod:`sidestream.services.matching`) — so the overview never counts, sizes
or draws a flow that the viewer could not open.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidestream.domain.categories import Category, Direction
from sidestream.domain.visibility import Viewer
from sidestream.mapping.sankey import Sankey, sankey_from_pairs
from sidestream.matching import MatchParams
from sidestream.services.confidentiality import flow_visible
from sidestream.services.flows import list_organisations, visible_flows
from sidestream.services.matching import MatchCache, region_matches
from sidestream.store.models import Flow, Region

# The match parameters of the overview and of the matches page by default: the same
# as the API's defaults, so the counts agree everywhere.
DEFAULT_TOP_K = 5
MAX_LINES = 25


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    """The summed canonical annual amount of one category, direction and unit."""

    category: str | None
    direction: str
    unit: str | None  # canonical annual unit (MWh/yr, t/yr, m3/yr ...), None if no amount
    flows: int
    amount: float | None


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One visible flow at its site; ``size`` in [0, 1] is its amount relative to the
    largest visible flow of the same category and unit (square-root scaled)."""

    flow_id: int
    key: str
    lat: float
    lon: float
    direction: str
    category: str | None
    resource: str
    organisation: str
    site: str
    quantity: float | None
    unit: str | None
    size: float


@dataclass(frozen=True, slots=True)
class MatchLine:
    """A match whose two sides the viewer may see, drawn from supply to demand."""

    supply_flow_id: int
    demand_flow_id: int
    supply_lat: float
    supply_lon: float
    demand_lat: float
    demand_lon: float
    score: float
    distance_km: float
    supply_label: str
    demand_label: str
    category: str | None


@dataclass(frozen=True, slots=True)
class RegionOverview:
    slug: str
    name: str
    actors: int
    flows: int
    supplies: int
    demands: int
    matches: int
    totals: list[CategoryTotal] = field(default_factory=list)
    points: list[MapPoint] = field(default_factory=list)
    lines: list[MatchLine] = field(default_factory=list)
    sankey: Sankey = field(default_factory=Sankey)


def _category_order(category: str | None) -> int:
    order = [c.value for c in Category]
    return order.index(category) if category in order else len(order)


def category_totals(session: Session, region: Region, viewer: Viewer) -> list[CategoryTotal]:
    """Totals of the visible flows by category, direction and canonical unit."""
    rows = session.execute(
        select(Flow.category, Flow.direction, Flow.annual_unit, func.count(), func.sum(Flow.annual_quantity))
        .where(Flow.region_id == region.id, flow_visible(viewer))
        .group_by(Flow.category, Flow.direction, Flow.annual_unit)
    ).all()
    totals = [
        CategoryTotal(category, direction, unit, int(n), float(amount) if amount is not None else None)
        for category, direction, unit, n, amount in rows
    ]
    directions = [d.value for d in Direction]
    return sorted(
        totals,
        key=lambda t: (_category_order(t.category), directions.index(t.direction), t.unit or "~"),
    )


def map_points(session: Session, region: Region, viewer: Viewer) -> list[MapPoint]:
    """The visible flows of the region, each at its site, largest first."""
    flows = session.scalars(visible_flows(region, viewer).order_by(Flow.id)).unique().all()
    largest: dict[tuple[str | None, str | None], float] = {}
    for f in flows:
        if f.annual_quantity is not None and f.annual_quantity > 0:
            key = (f.category, f.annual_unit)
            largest[key] = max(largest.get(key, 0.0), f.annual_quantity)
    points = []
    for f in flows:
        peak = largest.get((f.category, f.annual_unit))
        size = math.sqrt(f.annual_quantity / peak) if f.annual_quantity and peak else 0.0
        points.append(
            MapPoint(
                flow_id=f.id, key=f.key, lat=f.site.lat, lon=f.site.lon, direction=f.direction,
                category=f.category, resource=f.resource, organisation=f.organisation.name,
                site=f.site.name, quantity=f.quantity, unit=f.unit, size=round(size, 4),
            )
        )  # fmt: skip
    points.sort(key=lambda p: -p.size)
    return points


def _label(side: Mapping[str, Any]) -> str:
    return str(side.get("class_label") or side.get("category") or "?")


def match_lines(records: list[dict[str, Any]], limit: int = MAX_LINES) -> list[MatchLine]:
    """The ``limit`` best-scoring matches that are shown in full (no hidden side)."""
    full = [r for r in records if not r.get("anonymised")]
    full.sort(key=lambda r: -float(r["score"]))
    lines = []
    for r in full[:limit]:
        s, d = r["supply"], r["demand"]
        lines.append(
            MatchLine(
                supply_flow_id=int(s["flow_id"]), demand_flow_id=int(d["flow_id"]),
                supply_lat=float(s["lat"]), supply_lon=float(s["lon"]),
                demand_lat=float(d["lat"]), demand_lon=float(d["lon"]),
                score=float(r["score"]), distance_km=float(r["distance_km"]),
                supply_label=_label(s), demand_label=_label(d), category=s.get("category"),
            )
        )  # fmt: skip
    return lines


def matches_sankey(records: list[dict[str, Any]]) -> Sankey:
    """Each supply's best visible match, from its resource class to the demand's."""
    best = [r for r in records if r.get("rank") == 1]
    categories = {_label(r["supply"]): r["supply"].get("category") for r in best}
    categories.update({_label(r["demand"]): r["demand"].get("category") for r in best})
    return sankey_from_pairs(((_label(r["supply"]), _label(r["demand"])) for r in best), categories)


def region_overview(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
    top_k: int = DEFAULT_TOP_K,
) -> RegionOverview:
    """Everything the region's overview page shows, cut to ``viewer``."""
    totals = category_totals(session, region, viewer)
    by_direction: dict[str, int] = {}
    for t in totals:
        by_direction[t.direction] = by_direction.get(t.direction, 0) + t.flows
    actors = list_organisations(session, region, viewer, per_page=1).total
    document = region_matches(
        session, region, viewer, MatchParams(top_k=top_k), secret=secret, lang=lang, cache=cache
    )
    records: list[dict[str, Any]] = document["matches"]
    return RegionOverview(
        slug=region.slug,
        name=region.name,
        actors=actors,
        flows=sum(by_direction.values()),
        supplies=by_direction.get(Direction.SUPPLY.value, 0),
        demands=by_direction.get(Direction.DEMAND.value, 0),
        matches=len(records),
        totals=totals,
        points=map_points(session, region, viewer),
        lines=match_lines(records),
        sankey=matches_sankey(records),
    )
