"""Reports as use cases: gather a region's data under the reader's visibility, then
hand it to the renderer (:mod:`sidestream.reports.region`).

The report shows exactly what :func:`sidestream.services.mapping.region_mapping`
gives the reader: flows they may see, matches whose both sides they may see, hubs and
potential computed from those. The CLI runs as a region administrator (it has the
database file, so it runs the network), which sees public, network and facilitator
flows but — like every facilitator — never another organisation's private flows.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from sidestream.domain.visibility import Role, Viewer
from sidestream.i18n import N_, Message
from sidestream.mapping.hubs import HubParams
from sidestream.reports.region import RegionReport
from sidestream.services.mapping import region_mapping
from sidestream.services.matching import MatchCache
from sidestream.services.scenarios import network_view
from sidestream.store.models import Region

CLI_VIEWER = Viewer(user_id=0, role=Role.ADMIN)  # the command line acts as a region administrator

AUDIENCE = {
    "managers": N_("the region's facilitators: confidential flows included, private flows left out"),
    "members": N_("members of the network: only public and network flows"),
    "public": N_("the public: only public flows"),
}


def audience_of(viewer: Viewer) -> Message:
    """Who a report was compiled for, said in its header."""
    if viewer.manages_region:
        return Message(AUDIENCE["managers"])
    if viewer.role is not None:
        return Message(AUDIENCE["members"])
    return Message(AUDIENCE["public"])


def region_report(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    secret: str,
    lang: str = "en",
    cache: MatchCache | None = None,
    params: HubParams | None = None,
    now: datetime | None = None,
    with_network: bool = True,
) -> RegionReport:
    """Everything the region report shows, cut to ``viewer``."""
    m = region_mapping(session, region, viewer, secret=secret, lang=lang, cache=cache, params=params)
    return RegionReport(
        name=region.name,
        slug=region.slug,
        flows=m.flows,
        matches=m.matches,
        hubs=m.hubs,
        potential=m.potential,
        generated_at=now or datetime.now(UTC),
        audience=audience_of(viewer),
        evaluations=m.evaluations,
        network=network_view(session, region, viewer, secret=secret, lang=lang) if with_network else None,
    )
