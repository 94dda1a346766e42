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

import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from sidestream.domain.categories import Visibility
from sidestream.domain.visibility import Role, Viewer, can_see
from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    StaleWriteError,
)
from sidestream.facilitation import readiness as readiness_model
from sidestream.facilitation.benefits import REALISED_METRICS, Metric, parse_metric, to_metric_unit
from sidestream.facilitation.cases import (
    CaseAccess,
    CaseStage,
    FigureKind,
    PartnerRole,
    can_see_case,
    check_transition,
    in_team,
    parse_access,
    parse_barrier,
    parse_stage,
)
from sidestream.facilitation.experts import Needs
from sidestream.i18n import N_
from sidestream.knowledge.base import default_knowledge_base
from sidestream.knowledge.classifier import Classifier
from sidestream.services import audit
from sidestream.services.accounts import has_role, require_role
from sidestream.services.confidentiality import organisation_visible
from sidestream.store.models import (
    Case,
    CaseBarrier,
    CaseFigure,
    CaseFlow,
    CaseHistory,
    CaseLink,
    CasePartner,
    CaseStep,
    Flow,
    Membership,
    Organisation,
    Region,
    User,
    utcnow,
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
        require_role(viewer, Role.MEMBER, N_("change a case"))
        raise PermissionDeniedError(
            N_("only the region's facilitators and the case team (owner, partners) may change this case")
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
            N_("case {case_id} was changed by someone else meanwhile: reload it and try again"),
            case_id=case.id,
        ) from None


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise StaleWriteError(
            N_(
                "case {case_id} is at version {version}, not {expected_version}: someone changed "
                "it since you read it; reload it and apply your change again"
            ),
            case_id=case.id,
            version=case.version,
            expected_version=expected_version,
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
        raise InvalidDataError(N_("{name}: write at least one character"), name=name)
    if len(text) > limit:
        raise InvalidDataError(
            N_("{name}: at most {limit} characters (got {length})"), name=name, limit=limit, length=len(text)
        )
    return text


def region_organisation(session: Session, region: Region, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.region_id != region.id:
        raise NotFoundError(
            N_("no organisation with id {organisation_id} in region {region}"),
            organisation_id=organisation_id,
            region=region.slug,
        )
    return organisation


def visible_region_flow(session: Session, region: Region, viewer: Viewer, flow_id: int) -> Flow:
    """A flow of the region the viewer may see — a case may only name flows its
    author can see, so attaching one never confirms that a hidden flow exists."""
    flow = session.get(Flow, flow_id)
    if flow is None or flow.region_id != region.id or not sees_flow(viewer, flow):
        raise NotFoundError(
            N_("no flow with id {flow_id} in region {region}"), flow_id=flow_id, region=region.slug
        )
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
    require_role(viewer, Role.MEMBER, N_("open a case"))
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


# --- changing ------------------------------------------------------------------------


@contextmanager
def changing(
    session: Session, case: Case, viewer: Viewer, expected_version: int | None, action: str
) -> Iterator[dict[str, Any]]:
    """One change to a case, all or nothing: permission and version checks, then the
    block fills ``change["before"]``/``change["after"]``; the case's version moves on
    (every change, even to a part, is a new version), a history row and an audit
    event are written and everything is committed together."""
    require_edit(viewer, case)
    check_version(case, expected_version)
    change: dict[str, Any] = {"before": None, "after": None}
    try:
        yield change
        case.updated_at = utcnow()
        session.flush()
        _record(session, case, viewer, action, change["before"], change["after"])
        session.commit()
    except StaleDataError:
        session.rollback()
        raise StaleWriteError(
            N_("case {case_id} was changed by someone else meanwhile: reload it and try again"),
            case_id=case.id,
        ) from None
    except Exception:
        session.rollback()
        raise


def _region_member(session: Session, region_id: int, user_id: int) -> User:
    """The user, if they have a role in the region: a case is run by the region's people,
    and an outsider as owner would see the case without belonging to its network. Any
    other user id is reported as unknown, so the answer reveals no account."""
    member = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.region_id == region_id)
    )
    if member is None:
        raise NotFoundError(N_("no user with id {user_id} in this region"), user_id=user_id)
    return member


def update_case(
    session: Session,
    case: Case,
    viewer: Viewer,
    *,
    expected_version: int | None = None,
    title: str | None = None,
    description: str | None = None,
    owner_user_id: int | None = None,
    visibility: CaseAccess | str | None = None,
) -> Case:
    """Change the case's own fields (only those given). Commits."""
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = _text(title, "title", MAX_TITLE_CHARS, required=True)
    if description is not None:
        values["description"] = _text(description, "description", MAX_TEXT_CHARS)
    if visibility is not None:
        values["visibility"] = parse_access(visibility).value
    if owner_user_id is not None:
        values["owner_user_id"] = _region_member(session, case.region_id, owner_user_id).id
    with changing(session, case, viewer, expected_version, "update") as change:
        change["before"] = {k: getattr(case, k) for k in values}
        for key, value in values.items():
            setattr(case, key, value)
        change["after"] = dict(values)
    return case


def move_case(
    session: Session,
    case: Case,
    viewer: Viewer,
    stage: CaseStage | str,
    *,
    expected_version: int | None = None,
) -> Case:
    """Move a case along the pipeline (the transitions of ``facilitation.cases``). Commits.

    Pausing remembers the stage it left, so resuming can return there.
    """
    target = check_transition(case.stage, stage)
    with changing(session, case, viewer, expected_version, "move") as change:
        change["before"] = {"stage": case.stage}
        if target is CaseStage.PAUSED:
            case.paused_from = case.stage
        elif case.stage == CaseStage.PAUSED.value:
            case.paused_from = None
        case.stage = target.value
        change["after"] = {"stage": case.stage}
    return case


def resume_stage(case: Case) -> CaseStage:
    """The stage a paused case returns to (where it was paused; an idea if unknown)."""
    return parse_stage(case.paused_from) if case.paused_from else CaseStage.IDEA


# partners, flows, barriers, steps, links -------------------------------------------


def add_partner(
    session: Session,
    region: Region,
    case: Case,
    viewer: Viewer,
    organisation_id: int,
    role: PartnerRole | str = PartnerRole.OTHER,
    *,
    expected_version: int | None = None,
) -> Case:
    try:
        role_value = PartnerRole(role).value
    except ValueError:
        choices = ", ".join(r.value for r in PartnerRole)
        raise InvalidDataError(
            N_("unknown partner role {role!r}: use one of {choices}"), role=role, choices=choices
        ) from None
    organisation = region_organisation(session, region, organisation_id)
    if not viewer.manages_region and organisation.id not in viewer.organisation_ids:
        # Members may only name organisations they can see in the directory.
        visible = session.scalar(
            select(Organisation.id).where(Organisation.id == organisation.id, organisation_visible(viewer))
        )
        if visible is None:
            raise NotFoundError(
                N_("no organisation with id {organisation_id} in region {region}"),
                organisation_id=organisation_id,
                region=region.slug,
            )
    if organisation.id in partner_ids(case):
        raise ConflictError(
            N_("{organisation} is already a partner of this case"), organisation=organisation.name
        )
    with changing(session, case, viewer, expected_version, "add_partner") as change:
        case.partners.append(CasePartner(organisation_id=organisation.id, role=role_value))
        change["after"] = {"organisation_id": organisation.id, "role": role_value}
    return case


def remove_partner(
    session: Session, case: Case, viewer: Viewer, organisation_id: int, *, expected_version: int | None = None
) -> Case:
    partner = next((p for p in case.partners if p.organisation_id == organisation_id), None)
    if partner is None:
        raise NotFoundError(
            N_("organisation {organisation_id} is not a partner of case {case_id}"),
            organisation_id=organisation_id,
            case_id=case.id,
        )
    with changing(session, case, viewer, expected_version, "remove_partner") as change:
        change["before"] = {"organisation_id": organisation_id, "role": partner.role}
        case.partners.remove(partner)
    return case


def add_flow(
    session: Session,
    region: Region,
    case: Case,
    viewer: Viewer,
    flow_id: int,
    *,
    expected_version: int | None = None,
) -> Case:
    flow = visible_region_flow(session, region, viewer, flow_id)
    if any(cf.flow_id == flow.id for cf in case.flows):
        raise ConflictError(N_("flow {flow_id} is already part of this case"), flow_id=flow.id)
    with changing(session, case, viewer, expected_version, "add_flow") as change:
        case.flows.append(CaseFlow(flow_id=flow.id))
        change["after"] = {"flow_id": flow.id}
    return case


def remove_flow(
    session: Session, case: Case, viewer: Viewer, flow_id: int, *, expected_version: int | None = None
) -> Case:
    link = next((cf for cf in case.flows if cf.flow_id == flow_id), None)
    if link is None or not sees_flow(viewer, link.flow):
        raise NotFoundError(
            N_("flow {flow_id} is not part of case {case_id}"), flow_id=flow_id, case_id=case.id
        )
    with changing(session, case, viewer, expected_version, "remove_flow") as change:
        change["before"] = {"flow_id": flow_id}
        case.flows.remove(link)
    return case


def set_barrier(
    session: Session,
    case: Case,
    viewer: Viewer,
    barrier: str,
    *,
    note: str = "",
    resolved: bool = False,
    expected_version: int | None = None,
) -> Case:
    """Add a barrier, or change its note and whether it is resolved. Commits."""
    kind = parse_barrier(barrier)
    note = _text(note, "note", MAX_TEXT_CHARS)
    row = next((b for b in case.barriers if b.barrier == kind.value), None)
    with changing(session, case, viewer, expected_version, "set_barrier") as change:
        if row is None:
            case.barriers.append(CaseBarrier(barrier=kind.value, note=note, resolved=resolved))
        else:
            change["before"] = {"barrier": row.barrier, "note": row.note, "resolved": row.resolved}
            row.note, row.resolved = note, resolved
        change["after"] = {"barrier": kind.value, "note": note, "resolved": resolved}
    return case


def remove_barrier(
    session: Session, case: Case, viewer: Viewer, barrier: str, *, expected_version: int | None = None
) -> Case:
    kind = parse_barrier(barrier)
    row = next((b for b in case.barriers if b.barrier == kind.value), None)
    if row is None:
        raise NotFoundError(N_("case {case_id} has no barrier {kind}"), case_id=case.id, kind=kind.value)
    with changing(session, case, viewer, expected_version, "remove_barrier") as change:
        change["before"] = {"barrier": row.barrier, "note": row.note, "resolved": row.resolved}
        case.barriers.remove(row)
    return case


def _step_state(step: CaseStep) -> dict[str, Any]:
    return {
        "id": step.id,
        "text": step.text,
        "due": audit.json_value(step.due),
        "owner": step.owner,
        "done": step.done,
    }


def add_step(
    session: Session,
    case: Case,
    viewer: Viewer,
    *,
    text: str,
    due: date | None = None,
    owner: str = "",
    expected_version: int | None = None,
) -> CaseStep:
    step = CaseStep(
        text=_text(text, "next step", MAX_TEXT_CHARS, required=True),
        due=due,
        owner=_text(owner, "owner", 200),
    )
    with changing(session, case, viewer, expected_version, "add_step") as change:
        case.steps.append(step)
        session.flush()
        change["after"] = _step_state(step)
    return step


def update_step(
    session: Session,
    case: Case,
    viewer: Viewer,
    step_id: int,
    *,
    text: str | None = None,
    due: date | None = None,
    owner: str | None = None,
    done: bool | None = None,
    expected_version: int | None = None,
) -> CaseStep:
    step = next((s for s in case.steps if s.id == step_id), None)
    if step is None:
        raise NotFoundError(N_("case {case_id} has no next step {step_id}"), case_id=case.id, step_id=step_id)
    with changing(session, case, viewer, expected_version, "update_step") as change:
        change["before"] = _step_state(step)
        if text is not None:
            step.text = _text(text, "next step", MAX_TEXT_CHARS, required=True)
        if due is not None:
            step.due = due
        if owner is not None:
            step.owner = _text(owner, "owner", 200)
        if done is not None:
            step.done = done
        change["after"] = _step_state(step)
    return step


def remove_step(
    session: Session, case: Case, viewer: Viewer, step_id: int, *, expected_version: int | None = None
) -> Case:
    step = next((s for s in case.steps if s.id == step_id), None)
    if step is None:
        raise NotFoundError(N_("case {case_id} has no next step {step_id}"), case_id=case.id, step_id=step_id)
    with changing(session, case, viewer, expected_version, "remove_step") as change:
        change["before"] = _step_state(step)
        case.steps.remove(step)
    return case


def _check_url(url: str) -> str:
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 2000 or any(c.isspace() for c in url):
        raise InvalidDataError(
            N_("link: give a web address starting with https:// (or http://), without spaces")
        )
    return url


def add_link(
    session: Session, case: Case, viewer: Viewer, *, title: str, url: str, expected_version: int | None = None
) -> CaseLink:
    link = CaseLink(title=_text(title, "link title", 200, required=True), url=_check_url(url))
    with changing(session, case, viewer, expected_version, "add_link") as change:
        case.links.append(link)
        session.flush()
        change["after"] = {"id": link.id, "title": link.title, "url": link.url}
    return link


def remove_link(
    session: Session, case: Case, viewer: Viewer, link_id: int, *, expected_version: int | None = None
) -> Case:
    link = next((li for li in case.links if li.id == link_id), None)
    if link is None:
        raise NotFoundError(N_("case {case_id} has no link {link_id}"), case_id=case.id, link_id=link_id)
    with changing(session, case, viewer, expected_version, "remove_link") as change:
        change["before"] = {"id": link.id, "title": link.title, "url": link.url}
        case.links.remove(link)
    return case


# figures and readiness ---------------------------------------------------------------


def _figure_state(f: CaseFigure) -> dict[str, Any]:
    return {
        "kind": f.kind, "metric": f.metric, "year": f.year, "value": f.value, "unit": f.unit,
        "method": f.method, "evidence": f.evidence,
    }  # fmt: skip


def set_figure(
    session: Session,
    case: Case,
    viewer: Viewer,
    *,
    kind: FigureKind | str,
    metric: Metric | str,
    value: float,
    unit: str,
    year: int | None = None,
    method: str = "",
    evidence: str = "",
    expected_version: int | None = None,
) -> CaseFigure:
    """Record an expected figure, or a realised one for a year. Commits.

    Realised figures belong to running (or formerly running) cases, need the year and
    say how they were found (``method``) and on what they rest (``evidence``) — the
    reporting rule of IS programmes; a figure for the same metric and year replaces
    the earlier one (and the history keeps both).
    """
    try:
        figure_kind = FigureKind(kind)
    except ValueError:
        raise InvalidDataError(
            N_("unknown figure kind {kind!r}: use expected or realised"), kind=kind
        ) from None
    m = parse_metric(metric)
    canonical = to_metric_unit(m, value, unit)
    method, evidence = _text(method, "method", MAX_TEXT_CHARS), _text(evidence, "evidence", MAX_TEXT_CHARS)
    if figure_kind is FigureKind.REALISED:
        if m not in REALISED_METRICS:
            raise InvalidDataError(N_("{metric} is not a realised-benefit metric"), metric=m.value)
        if year is None or not 1950 <= year <= utcnow().year:
            raise InvalidDataError(N_("a realised figure needs the year it was achieved (not in the future)"))
        if not method or not evidence:
            raise InvalidDataError(
                N_("a realised figure needs its method and its evidence (a report, meter, invoice …)")
            )
        if case.stage not in (CaseStage.RUNNING.value, CaseStage.PAUSED.value, CaseStage.STOPPED.value):
            raise InvalidDataError(
                N_("realised figures are recorded for running cases: move the case to running first")
            )
    else:
        year = None
    row = next(
        (f for f in case.figures if f.kind == figure_kind.value and f.metric == m.value and f.year == year),
        None,
    )
    with changing(session, case, viewer, expected_version, "set_figure") as change:
        if row is None:
            row = CaseFigure(kind=figure_kind.value, metric=m.value, year=year)
            case.figures.append(row)
        else:
            change["before"] = _figure_state(row)
        row.value, row.unit = float(value), unit.strip()
        row.canonical_value, row.canonical_unit = canonical, m.spec.unit_label
        row.method, row.evidence = method, evidence
        session.flush()
        change["after"] = _figure_state(row)
    return row


def remove_figure(
    session: Session, case: Case, viewer: Viewer, figure_id: int, *, expected_version: int | None = None
) -> Case:
    row = next((f for f in case.figures if f.id == figure_id), None)
    if row is None:
        raise NotFoundError(
            N_("case {case_id} has no figure {figure_id}"), case_id=case.id, figure_id=figure_id
        )
    with changing(session, case, viewer, expected_version, "remove_figure") as change:
        change["before"] = _figure_state(row)
        case.figures.remove(row)
    return case


def set_readiness(
    session: Session,
    case: Case,
    viewer: Viewer,
    met: Mapping[str, Sequence[str]],
    *,
    expected_version: int | None = None,
) -> Case:
    """Replace the criteria met per perspective (see ``facilitation.readiness``). Commits."""
    cleaned = readiness_model.check_criteria(met)
    with changing(session, case, viewer, expected_version, "readiness") as change:
        change["before"] = dict(case.readiness or {})
        case.readiness = cleaned
        change["after"] = cleaned
    return case


# --- reading as a viewer ---------------------------------------------------------------


@dataclass(frozen=True)
class FlowRef:
    """A flow of a case as the viewer may see it (``hidden`` stubs carry no detail)."""

    id: int | None
    hidden: bool
    direction: str | None = None
    category: str | None = None
    resource: str | None = None
    organisation: str | None = None
    quantity: float | None = None
    unit: str | None = None
    visibility: str | None = None


@dataclass(frozen=True)
class PartnerRef:
    organisation_id: int | None
    name: str | None
    role: str
    hidden: bool


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    user: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class CaseView:
    """A case as one viewer may see it — the data for JSON and HTML alike."""

    id: int
    region_id: int
    title: str
    description: str
    stage: str
    paused_from: str | None
    visibility: str
    owner_user_id: int | None
    owner_name: str | None
    synergy_id: int | None
    origin: str | None
    is_public: bool
    public_slug: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    can_edit: bool
    partners: list[PartnerRef]
    flows: list[FlowRef]
    barriers: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    links: list[dict[str, Any]]
    figures: list[dict[str, Any]]
    readiness: dict[str, list[str]]
    readiness_levels: dict[str, int]
    classes: list[str] = field(default_factory=list)


def flow_ref(flow: Flow, viewer: Viewer) -> FlowRef:
    if not sees_flow(viewer, flow):
        return FlowRef(id=None, hidden=True, direction=flow.direction)
    return FlowRef(
        id=flow.id,
        hidden=False,
        direction=flow.direction,
        category=flow.category,
        resource=flow.resource,
        organisation=flow.organisation.name,
        quantity=flow.quantity,
        unit=flow.unit,
        visibility=flow.visibility,
    )


def _visible_org_ids(session: Session, viewer: Viewer, ids: Sequence[int]) -> set[int]:
    if not ids:
        return set()
    if viewer.manages_region:
        return set(ids)
    rows = session.scalars(
        select(Organisation.id).where(Organisation.id.in_(list(ids)), organisation_visible(viewer))
    )
    return set(rows) | (set(ids) & set(viewer.organisation_ids))


def case_view(session: Session, case: Case, viewer: Viewer) -> CaseView:
    """Render a case (already checked with :func:`get_case`) for ``viewer``.

    A flow the viewer may not see appears as a stub with its direction only; a
    partner organisation the viewer may not see in the directory appears without
    its name (the case team knows who they are).
    """
    team = in_team(
        viewer, owner_user_id=case.owner_user_id, created_by=case.created_by, partner_ids=partner_ids(case)
    )
    visible_orgs = _visible_org_ids(session, viewer, partner_ids(case))
    partners = [
        PartnerRef(p.organisation_id, p.organisation.name, p.role, False)
        if (team or p.organisation_id in visible_orgs)
        else PartnerRef(None, None, p.role, True)
        for p in case.partners
    ]
    flows = [flow_ref(cf.flow, viewer) for cf in case.flows]
    owner = session.get(User, case.owner_user_id) if case.owner_user_id else None
    met = {k: list(v) for k, v in (case.readiness or {}).items()}

    return CaseView(
        id=case.id,
        region_id=case.region_id,
        title=case.title,
        description=case.description,
        stage=case.stage,
        paused_from=case.paused_from,
        visibility=case.visibility,
        owner_user_id=case.owner_user_id,
        owner_name=(owner.name or owner.email) if owner else None,
        synergy_id=case.synergy_id,
        origin=case.origin,
        is_public=case.is_public,
        public_slug=case.public_slug if case.is_public else None,
        created_at=case.created_at,
        updated_at=case.updated_at,
        version=case.version,
        can_edit=can_edit_case(viewer, case),
        partners=partners,
        flows=flows,
        barriers=[{"barrier": b.barrier, "note": b.note, "resolved": b.resolved} for b in case.barriers],
        steps=[_step_state(s) for s in case.steps],
        links=[{"id": li.id, "title": li.title, "url": li.url} for li in case.links],
        figures=[
            {
                "id": f.id,
                **_figure_state(f),
                "canonical_value": f.canonical_value,
                "canonical_unit": f.canonical_unit,
            }
            for f in case.figures
        ],
        readiness=met,
        readiness_levels={p.value: lv for p, lv in readiness_model.levels(met).items()},
        classes=flow_classes([cf.flow for cf in case.flows if sees_flow(viewer, cf.flow)]),
    )


@cache
def classifier() -> Classifier:
    """The packaged knowledge base's classifier (built once; it caches per text)."""
    return Classifier(default_knowledge_base())


def flow_classes(flows: Sequence[Flow]) -> list[str]:
    """The resource classes of these flows, classified from their text like the matcher does."""
    out: list[str] = []
    for flow in flows:
        result = classifier().classify(
            flow.resource,
            ewc=flow.ewc,
            category=flow.category,
            direction=flow.direction,
            temperature_c=flow.temperature_c,
        )
        if result.class_id and result.class_id not in out:
            out.append(result.class_id)
    return out


def history(session: Session, case: Case, viewer: Viewer) -> list[HistoryEntry]:
    """The case's history, oldest first, with flows the viewer may not see masked."""
    rows = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id))
    users = {u.id: (u.name or u.email) for u in session.scalars(select(User).where(User.id.in_(
        select(CaseHistory.user_id).where(CaseHistory.case_id == case.id))))}  # fmt: skip
    flow_ids: set[int] = set()
    entries = list(rows)
    for e in entries:
        for state in (e.before, e.after):
            if state:
                if isinstance(state.get("flow_id"), int):
                    flow_ids.add(state["flow_id"])
                flow_ids.update(i for i in state.get("flow_ids") or [] if isinstance(i, int))
    visible = {
        f.id for f in session.scalars(select(Flow).where(Flow.id.in_(flow_ids))) if sees_flow(viewer, f)
    }

    def mask(state: dict[str, Any] | None) -> dict[str, Any] | None:
        if state is None:
            return None
        out = dict(state)
        if "flow_id" in out and out["flow_id"] not in visible:
            out["flow_id"] = None
        if "flow_ids" in out:
            out["flow_ids"] = [i for i in out["flow_ids"] if i in visible]
        return out

    return [
        HistoryEntry(
            e.at, users.get(e.user_id) if e.user_id else None, e.action, mask(e.before), mask(e.after)
        )
        for e in entries
    ]


# --- board -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    stage: str | None = None
    barrier: str | None = None
    owner_user_id: int | None = None
    category: str | None = None


def board(
    session: Session, region: Region, viewer: Viewer, filters: BoardFilters | None = None
) -> list[Case]:
    """The cases of the region's kanban board after the filters (the caller groups by stage).

    The resource-category filter looks only at flows the viewer may see, so filtering
    never reveals the category of a hidden flow.
    """
    f = filters or BoardFilters()
    if f.stage:
        parse_stage(f.stage)
    if f.barrier:
        parse_barrier(f.barrier)
    out = []
    for case in list_cases(session, region, viewer):
        if f.stage and case.stage != f.stage:
            continue
        if f.barrier and not any(b.barrier == f.barrier and not b.resolved for b in case.barriers):
            continue
        if f.owner_user_id is not None and case.owner_user_id != f.owner_user_id:
            continue
        if f.category and not any(
            cf.flow.category == f.category and sees_flow(viewer, cf.flow) for cf in case.flows
        ):
            continue
        out.append(case)
    return out


# --- public page -----------------------------------------------------------------------


def set_public(
    session: Session,
    case: Case,
    viewer: Viewer,
    *,
    is_public: bool,
    summary: str | None = None,
    place: str | None = None,
    why: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """Open or close the case's public page. Only the case owner decides (a
    facilitator only when the case has no owner); the page shows nothing but these
    typed texts and the stage — never flows or partners."""
    owner_decides = case.owner_user_id is not None and case.owner_user_id == viewer.user_id
    if not owner_decides and not (case.owner_user_id is None and viewer.manages_region):
        raise PermissionDeniedError(N_("only the case owner may open or close its public page"))
    with changing(session, case, viewer, expected_version, "public") as change:
        change["before"] = {
            "is_public": case.is_public, "public_summary": case.public_summary,
            "public_place": case.public_place, "public_why": case.public_why,
        }  # fmt: skip
        if summary is not None:
            case.public_summary = _text(summary, "summary", MAX_TEXT_CHARS)
        if place is not None:
            case.public_place = _text(place, "place", 200)
        if why is not None:
            case.public_why = _text(why, "why", MAX_TEXT_CHARS)
        if is_public and not case.public_summary:
            raise InvalidDataError(
                N_("write a public summary (what is planned) before opening the public page")
            )
        case.is_public = is_public
        if is_public and not case.public_slug:
            case.public_slug = secrets.token_urlsafe(12)
        change["after"] = {
            "is_public": case.is_public, "public_summary": case.public_summary,
            "public_place": case.public_place, "public_why": case.public_why,
        }  # fmt: skip
    return case


def expert_needs(session: Session, case: Case, viewer: Viewer) -> Needs:
    """What expertise the case needs, from what the viewer may see of it: the classes
    of its visible flows, the sectors of its visible partners, its open barriers."""
    view = case_view(session, case, viewer)
    shown = {p.organisation_id for p in view.partners if not p.hidden}
    sectors = [
        p.organisation.nace for p in case.partners if p.organisation_id in shown and p.organisation.nace
    ]
    return Needs.of(view.classes, sectors, [b["barrier"] for b in view.barriers if not b["resolved"]])
