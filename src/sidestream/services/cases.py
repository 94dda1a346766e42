"""The case pipeline as use cases: create a case, read it as a viewer may, change it.

Who sees a case: its team (owner, creator, members of partner organisations) always;
otherwise the case's own access level (:class:`~sidestream.facilitation.cases.CaseAccess`).
A case the viewer may not see is "not found", like a flow. Inside a visible case,
flows still follow their own visibility: a flow the viewer may not see is shown as
an anonymised stub, and partner organisations follow the directory's rule
(:func:`~sidestream.services.confidentiality.organisation_visible`).

Who changes a case: the region's facilitators and admins, and the case team if they
are members (viewers change nothing). Every change writes a :class:`CaseHistory` row
(who, when, before/after) and an audit event in the same transaction; updates take
the version the writer last read and raise :class:`StaleWriteError` when it moved on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from sidestream.domain.categories import Visibility
from sidestream.domain.visibility import Role, Viewer, can_see
from sidestream.errors import InvalidDataError, NotFoundError, PermissionDeniedError, StaleWriteError
from sidestream.facilitation.cases import CaseAccess, CaseStage, can_see_case, in_team, parse_access
from sidestream.services import audit
from sidestream.services.accounts import has_role, require_role
from sidestream.store.models import (
    Case,
    CaseFlow,
    CaseHistory,
    CasePartner,
    Flow,
    Organisation,
    Region,
)

MAX_TITLE_CHARS = 200
MAX_TEXT_CHARS = 20_000
ORIGIN_MAX_CHARS = 60


# --- permissions ---------------------------------------------------------------------


def partner_ids(case: Case) -> list[int]:
    return [p.organisation_id for p in case.partners]


def sees_case(viewer: Viewer, case: Case) -> bool:
    return can_see_case(
        viewer,
        case.visibility,
        owner_user_id=case.owner_user_id,
        created_by=case.created_by,
        partner_ids=partner_ids(case),
    )


def can_edit_case(viewer: Viewer, case: Case) -> bool:
    """Facilitators and admins; members of the case team."""
    if viewer.manages_region:
        return True
    if not has_role(viewer, Role.MEMBER):
        return False
    return in_team(
        viewer, owner_user_id=case.owner_user_id, created_by=case.created_by, partner_ids=partner_ids(case)
    )


def require_edit(viewer: Viewer, case: Case) -> None:
    if not can_edit_case(viewer, case):
        require_role(viewer, Role.MEMBER, "change a case")
        raise PermissionDeniedError(
            "only the region's facilitators and the case team (owner, partners) may change this case"
        )


def sees_flow(viewer: Viewer, flow: Flow) -> bool:
    return can_see(viewer, Visibility(flow.visibility), flow.organisation_id)


# --- history -------------------------------------------------------------------------


def case_state(case: Case) -> dict[str, Any]:
    """The case's own columns, JSON-ready (its parts are recorded by their own actions)."""
    state = audit.snapshot(case)
    for key in ("id", "region_id", "created_at", "updated_at"):
        state.pop(key, None)
    return state


def _record(
    session: Session,
    case: Case,
    viewer: Viewer,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """A history row and an audit event for one change, in the caller's transaction."""
    session.add(
        CaseHistory(
            case_id=case.id,
            user_id=viewer.user_id,
            action=action,
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
        )
    )
    audit.record(
        session, action=action, entity="case", entity_id=case.id, region_id=case.region_id,
        user_id=viewer.user_id, before=before, after=after,
    )  # fmt: skip


@contextmanager
def optimistic(session: Session, case: Case) -> Iterator[None]:
    """Commit the block's changes, turning a lost race into :class:`StaleWriteError`."""
    try:
        yield
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleWriteError(
            f"case {case.id} was changed by someone else meanwhile: reload it and try again"
        ) from None


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleWriteError(
            f"case {case.id} is at version {case.version}, not {expected_version}: someone changed it"
            " since you read it; reload it and apply your change again"
        )


# --- reading -------------------------------------------------------------------------


def _missing(region: Region, case_id: int) -> NotFoundError:
    return NotFoundError(f"no case with id {case_id} in region {region.slug}")


def _load() -> Any:
    return (
        selectinload(Case.partners).selectinload(CasePartner.organisation),
        selectinload(Case.flows).selectinload(CaseFlow.flow),
        selectinload(Case.barriers),
        selectinload(Case.steps),
        selectinload(Case.links),
        selectinload(Case.figures),
    )


def get_case(session: Session, region: Region, viewer: Viewer, case_id: int) -> Case:
    """The case if the viewer may see it; else :class:`NotFoundError` (same as missing)."""
    case = session.scalar(
        select(Case).where(Case.id == case_id, Case.region_id == region.id).options(*_load())
    )
    if case is None or not sees_case(viewer, case):
        raise _missing(region, case_id)
    return case


def list_cases(session: Session, region: Region, viewer: Viewer) -> list[Case]:
    """Every case of the region the viewer may see, oldest first.

    Case visibility depends on the team, so it is decided on the loaded rows; regions
    have tens to hundreds of cases, not millions.
    """
    if viewer.role is None:
        return []
    rows = session.scalars(
        select(Case).where(Case.region_id == region.id).options(*_load()).order_by(Case.id)
    )
    return [c for c in rows if sees_case(viewer, c)]


# --- creating ------------------------------------------------------------------------


def _text(value: str, name: str, limit: int, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidDataError(f"{name}: write at least one character")
    if len(text) > limit:
        raise InvalidDataError(f"{name}: at most {limit} characters (got {len(text)})")
    return text


def region_organisation(session: Session, region: Region, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.region_id != region.id:
        raise NotFoundError(f"no organisation with id {organisation_id} in region {region.slug}")
    return organisation


def visible_region_flow(session: Session, region: Region, viewer: Viewer, flow_id: int) -> Flow:
    """A flow of the region the viewer may see — a case may only name flows its
    author can see, so attaching one never confirms that a hidden flow exists."""
    flow = session.get(Flow, flow_id)
    if flow is None or flow.region_id != region.id or not sees_flow(viewer, flow):
        raise NotFoundError(f"no flow with id {flow_id} in region {region.slug}")
    return flow


def create_case(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    title: str,
    description: str = "",
    organisation_ids: Sequence[int] = (),
    flow_ids: Sequence[int] = (),
    synergy_id: int | None = None,
    origin: str | None = None,
    visibility: CaseAccess | str = CaseAccess.NETWORK,
) -> Case:
    """Open a case at the idea stage, owned by its creator. Commits.

    Facilitators and members may; members only with flows they can see and, unless
    they facilitate, the case team includes them as its owner. ``synergy_id`` links a
    saved synergy ("develop as case"): its flows that the viewer may see join the
    case (a hidden side stays out, so the case never reveals it). ``origin`` says
    where the case came from (``"workshop:12"``, ``"synergy"``).
    """
    require_role(viewer, Role.MEMBER, "open a case")
    access = parse_access(visibility)
    title = _text(title, "title", MAX_TITLE_CHARS, required=True)
    description = _text(description, "description", MAX_TEXT_CHARS)
    if origin is not None:
        origin = _text(origin, "origin", ORIGIN_MAX_CHARS) or None
    orgs = [region_organisation(session, region, o) for o in dict.fromkeys(organisation_ids)]
    flows = [visible_region_flow(session, region, viewer, f) for f in dict.fromkeys(flow_ids)]
    if synergy_id is not None:
        from sidestream.services.synergies import get_synergy

        synergy = get_synergy(session, region, viewer, synergy_id)
        for fid in (synergy.supply_flow_id, synergy.demand_flow_id):
            flow = session.get(Flow, fid)
            if flow is not None and sees_flow(viewer, flow) and flow not in flows:
                flows.append(flow)
        if origin is None:
            origin = "synergy"
    case = Case(
        region_id=region.id,
        title=title,
        description=description,
        stage=CaseStage.IDEA.value,
        owner_user_id=viewer.user_id,
        synergy_id=synergy_id,
        origin=origin,
        visibility=access.value,
        readiness={},
        created_by=viewer.user_id,
    )
    session.add(case)
    session.flush()
    for organisation in orgs:
        case.partners.append(CasePartner(organisation_id=organisation.id, role="other"))
    for flow in flows:
        case.flows.append(CaseFlow(flow_id=flow.id))
    session.flush()
    after = case_state(case) | {
        "partner_ids": [o.id for o in orgs],
        "flow_ids": [f.id for f in flows],
    }
    _record(session, case, viewer, "create", None, after)
    session.commit()
    return case
