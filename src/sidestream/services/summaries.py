"""Region summary counts — of the flows the viewer may see, never of hidden ones."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer
from sidestream.services.confidentiality import flow_visible
from sidestream.store.models import Flow, Region


@dataclass(frozen=True)
class RegionSummary:
    region: str
    flows: int
    supplies: int
    demands: int
    by_category: dict[str, int] = field(default_factory=dict)


def region_summary(session: Session, region: Region, viewer: Viewer) -> RegionSummary:
    """How many flows of the region ``viewer`` may see, by direction and category."""
    rows = session.execute(
        select(Flow.direction, Flow.category, func.count())
        .where(Flow.region_id == region.id, flow_visible(viewer))
        .group_by(Flow.direction, Flow.category)
    ).all()
    by_direction: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for direction, category, n in rows:
        by_direction[direction] = by_direction.get(direction, 0) + n
        key = category or "unknown"
        by_category[key] = by_category.get(key, 0) + n
    return RegionSummary(
        region=region.slug,
        flows=sum(by_direction.values()),
        supplies=by_direction.get("supply", 0),
        demands=by_direction.get("demand", 0),
        by_category=dict(sorted(by_category.items())),
    )
