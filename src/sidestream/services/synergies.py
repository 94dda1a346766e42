"""Saved synergies: a match a person has looked at, with a status and comments.

Visibility follows the two flows: a synergy is visible to a region member who may
see at least one of its flows, and a side the viewer may not see is shown as the
same anonymised stub that match results use. A viewer who saw only one side of a
match saves it through the match's opaque ``match_ref``; without it, a pair with a
hidden side is "not found", exactly like a pair that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from sidestream.domain.categories import Visibility
from sidestream.domain.geo import haversine_km
from sidestream.domain.synergies import SynergyStatus
from sidestream.domain.visibility import Role, Viewer, can_see, visible_levels
from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    StaleWriteError,
)
from sidestream.i18n import N_, normalise_lang
from sidestream.services import audit
from sidestream.services.accounts import has_role, require_role
from sidestream.services.matching import (
    FlowAccess,
    match_ref,
    pair_record,
    region_flow_access,
    stub,
)
from sidestream.store.models import Flow, Region, Site, Synergy, SynergyComment

MAX_COMMENT_CHARS = 5000


def visible_flow_clause(flow: type[Flow] | Any, viewer: Viewer) -> ColumnElement[bool]:
    """SQL for ``can_see(viewer, flow.visibility, flow.organisation_id)``."""
    levels = [v.value for v in visible_levels(viewer)]
    clause = flow.visibility.in_(levels)
    if viewer.organisation_ids:
        clause = or_(clause, flow.organisation_id.in_(sorted(viewer.organisation_ids)))
    return clause


def _sees(viewer: Viewer, flow: Flow) -> bool:
    return can_see(viewer, Visibility(flow.visibility), flow.organisation_id)


def _not_found(synergy_id: int, region: Region) -> NotFoundError:
    return NotFoundError(f"no synergy with id {synergy_id} in region {region.slug}")


# --- reading -------------------------------------------------------------------------


def get_synergy(session: Session, region: Region, viewer: Viewer, synergy_id: int) -> Synergy:
    """The synergy if the viewer is a region member who may see one of its flows."""
    require_role(viewer, Role.VIEWER, N_("see saved synergies"))
    synergy = session.get(Synergy, synergy_id)
    if synergy is None or synergy.region_id != region.id:
        raise _not_found(synergy_id, region)
    supply, demand = session.get(Flow, synergy.supply_flow_id), session.get(Flow, synergy.demand_flow_id)
    if supply is None or demand is None or not (_sees(viewer, supply) or _sees(viewer, demand)):
        raise _not_found(synergy_id, region)
    return synergy


def list_synergies(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    status: SynergyStatus | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Synergy], int]:
    """The region's synergies the viewer may see (newest first) and their number."""
    require_role(viewer, Role.VIEWER, N_("see saved synergies"))
    supply, demand = aliased(Flow), aliased(Flow)
    where: list[ColumnElement[bool]] = [
        Synergy.region_id == region.id,
        or_(visible_flow_clause(supply, viewer), visible_flow_clause(demand, viewer)),
    ]
    if status is not None:
        where.append(Synergy.status == status.value)
    base = (
        select(Synergy)
        .join(supply, Synergy.supply_flow_id == supply.id)
        .join(demand, Synergy.demand_flow_id == demand.id)
        .where(*where)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(base.order_by(Synergy.id.desc()).offset(offset).limit(limit)).all()
    return list(rows), total


def comments(session: Session, synergy: Synergy) -> Sequence[SynergyComment]:
    return session.scalars(
        select(SynergyComment).where(SynergyComment.synergy_id == synergy.id).order_by(SynergyComment.id)
    ).all()


@dataclass(frozen=True)
class CommentView:
    id: int
    user_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class SynergyView:
    """A synergy as one viewer may see it (the data for both JSON and HTML)."""

    id: int
    region_id: int
    status: str
    score: float | None
    anonymised: str | None
    supply: dict[str, Any]
    demand: dict[str, Any]
    reasons: list[str]
    created_by: int | None
    created_at: datetime
    version: int
    comments: list[CommentView]


def _flow_side(flow: Flow, site: Site) -> dict[str, Any]:
    return {
        "flow_id": flow.id,
        "id": flow.key,
        "actor": flow.organisation.name,
        "site": site.name,
        "direction": flow.direction,
        "resource": flow.resource,
        "category": flow.category,
        "quantity": flow.quantity,
        "unit": flow.unit,
        "visibility": flow.visibility,
        "lat": site.lat,
        "lon": site.lon,
    }


def synergy_view(session: Session, synergy: Synergy, viewer: Viewer, lang: str = "en") -> SynergyView:
    """Render a synergy (already checked with :func:`get_synergy` or listed) for ``viewer``."""
    lang = normalise_lang(lang)
    supply = session.get(Flow, synergy.supply_flow_id)
    demand = session.get(Flow, synergy.demand_flow_id)
    # Deleting a flow cascades to its synergies, so both sides exist.
    assert supply is not None
    assert demand is not None
    s_site, d_site = session.get(Site, supply.site_id), session.get(Site, demand.site_id)
    assert s_site is not None
    assert d_site is not None
    record = synergy.match or {}
    distance = record.get("distance_km")
    if distance is None:
        distance = float(haversine_km(s_site.lat, s_site.lon, d_site.lat, d_site.lon))
    see_s, see_d = _sees(viewer, supply), _sees(viewer, demand)
    score = synergy.score
    reasons = list(record.get("reasons") or [])
    anonymised: str | None = None
    if see_s and see_d:
        s_side, d_side = _flow_side(supply, s_site), _flow_side(demand, d_site)
    else:
        anonymised = "demand" if see_s else "supply"
        hidden = demand if see_s else supply
        summary = record.get(anonymised) or {"category": hidden.category}
        hidden_side = stub(summary, anonymised, float(distance), lang)
        s_side = _flow_side(supply, s_site) if see_s else hidden_side
        d_side = _flow_side(demand, d_site) if see_d else hidden_side
        score = round(score, 2) if score is not None else None
        reasons = reasons[:1]
    return SynergyView(
        id=synergy.id,
        region_id=synergy.region_id,
        status=synergy.status,
        score=score,
        anonymised=anonymised,
        supply=s_side,
        demand=d_side,
        reasons=reasons,
        created_by=synergy.created_by,
        created_at=synergy.created_at,
        version=synergy.version,
        comments=[CommentView(c.id, c.user_id, c.text, c.created_at) for c in comments(session, synergy)],
    )


# --- writing -------------------------------------------------------------------------


def _resolve_by_ref(
    flows: dict[int, FlowAccess], region: Region, known: FlowAccess, ref: str, secret: str
) -> FlowAccess | None:
    want = "demand" if known.direction == "supply" else "supply"
    for other in flows.values():
        if other.direction != want:
            continue
        s, d = (known, other) if want == "demand" else (other, known)
        if match_ref(secret, region.id, s.pk, d.pk) == ref:
            return other
    return None


def save_synergy(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    secret: str,
    supply_flow_id: int | None = None,
    demand_flow_id: int | None = None,
    ref: str | None = None,
    lang: str = "en",
) -> Synergy:
    """Save a supply–demand pair as a proposed synergy. Commits.

    Give both flow ids, or one visible flow id and the ``match_ref`` from a match
    result. The viewer must be a member (or higher) and see at least one side; a
    side they may not see needs the ``match_ref`` that proves it came from a match.
    """
    require_role(viewer, Role.MEMBER, N_("save a synergy"))
    if supply_flow_id is None and demand_flow_id is None:
        raise InvalidDataError(N_("give supply_flow_id and demand_flow_id, or one of them and match_ref"))
    flows = region_flow_access(session, region)

    def missing() -> NotFoundError:
        return NotFoundError(f"no such supply and demand pair in region {region.slug}")

    def visible(pk: int | None) -> bool:
        f = flows.get(pk) if pk is not None else None
        return f is not None and can_see(viewer, Visibility(f.visibility), f.organisation_id)

    s = flows.get(supply_flow_id) if supply_flow_id is not None else None
    d = flows.get(demand_flow_id) if demand_flow_id is not None else None
    if s is None or d is None:
        known = s if s is not None and visible(s.pk) else d if d is not None and visible(d.pk) else None
        if known is None or ref is None:
            raise missing()
        other = _resolve_by_ref(flows, region, known, ref, secret)
        if other is None:
            raise missing()
        s, d = (known, other) if known.direction == "supply" else (other, known)
    if s.direction != "supply" or d.direction != "demand":
        raise missing()
    see_s, see_d = visible(s.pk), visible(d.pk)
    if not (see_s and see_d):
        expected = match_ref(secret, region.id, s.pk, d.pk)
        if not (see_s or see_d) or ref is None or ref != expected:
            raise missing()
    supply, demand = session.get(Flow, s.pk), session.get(Flow, d.pk)
    assert supply is not None
    assert demand is not None
    if session.scalar(
        select(Synergy.id).where(Synergy.supply_flow_id == s.pk, Synergy.demand_flow_id == d.pk)
    ):
        raise ConflictError(N_("this pair is already saved as a synergy"))
    record = pair_record(session, region, supply, demand, lang) or {}
    synergy = Synergy(
        region_id=region.id,
        supply_flow_id=s.pk,
        demand_flow_id=d.pk,
        status=SynergyStatus.PROPOSED.value,
        score=record.get("score"),
        match=record,
        created_by=viewer.user_id,
    )
    session.add(synergy)
    try:
        session.flush()
        audit.record(
            session, action="create", entity="synergy", entity_id=synergy.id, region_id=region.id,
            user_id=viewer.user_id, after=_synergy_state(synergy),
        )  # fmt: skip
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(N_("this pair is already saved as a synergy")) from None
    return synergy


def _synergy_state(s: Synergy) -> dict[str, object]:
    # No match record here: it describes both flows, and the audit trail is read by
    # facilitators who may not see a private side.
    return {
        "supply_flow_id": s.supply_flow_id,
        "demand_flow_id": s.demand_flow_id,
        "status": s.status,
        "score": s.score,
    }


def _may_edit(session: Session, synergy: Synergy, viewer: Viewer) -> bool:
    if has_role(viewer, Role.FACILITATOR):
        return True
    if not has_role(viewer, Role.MEMBER):
        return False
    if synergy.created_by is not None and synergy.created_by == viewer.user_id:
        return True
    owners = session.scalars(
        select(Flow.organisation_id).where(Flow.id.in_([synergy.supply_flow_id, synergy.demand_flow_id]))
    )
    return any(o in viewer.organisation_ids for o in owners)


def set_status(
    session: Session,
    synergy: Synergy,
    viewer: Viewer,
    status: SynergyStatus | str,
    *,
    expected_version: int | None = None,
) -> Synergy:
    """Move a synergy to ``status``. Facilitators, its creator and members of the
    organisations on either side may; a stale ``expected_version`` is refused. Commits."""
    try:
        new = SynergyStatus(status)
    except ValueError:
        choices = ", ".join(s.value for s in SynergyStatus)
        raise InvalidDataError(
            N_("unknown synergy status {status!r}: use one of {choices}"), status=status, choices=choices
        ) from None
    if not _may_edit(session, synergy, viewer):
        raise PermissionDeniedError(
            N_(
                "only facilitators, the person who saved it and the organisations involved may "
                "change its status"
            )
        )
    if expected_version is not None and expected_version != synergy.version:
        raise StaleWriteError(
            N_(
                "synergy {synergy_id} changed since you read it (version {expected_version}, now "
                "{version}): reload and try again"
            ),
            synergy_id=synergy.id,
            expected_version=expected_version,
            version=synergy.version,
        )
    before = _synergy_state(synergy)
    synergy.status = new.value
    audit.record(
        session, action="update", entity="synergy", entity_id=synergy.id, region_id=synergy.region_id,
        user_id=viewer.user_id, before=before, after=_synergy_state(synergy),
    )  # fmt: skip
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleWriteError(
            N_("synergy {synergy_id} was changed by someone else: reload and try again"),
            synergy_id=synergy.id,
        ) from None
    return synergy


def add_comment(session: Session, synergy: Synergy, viewer: Viewer, text: str) -> SynergyComment:
    """Add a comment; members (or higher) who may see the synergy may. Commits."""
    require_role(viewer, Role.MEMBER, N_("comment on a synergy"))
    body = text.strip()
    if not body or len(body) > MAX_COMMENT_CHARS:
        raise InvalidDataError(
            N_("a comment needs 1 to {max_comment_chars} characters"), max_comment_chars=MAX_COMMENT_CHARS
        )
    comment = SynergyComment(synergy_id=synergy.id, user_id=viewer.user_id, text=body)
    session.add(comment)
    session.commit()
    return comment
