"""The flow registry as use cases: organisations, their sites, and their flows.

Reading follows the visibility policy: lists filter in SQL
(:mod:`sidestream.services.confidentiality`), detail reads check the loaded row, and a
record the viewer may not see is reported exactly like one that does not exist — the
same :class:`~sidestream.errors.NotFoundError` and message — so probing ids reveals
nothing.

Writing follows the roles: the region's facilitators and admins may change anything
they can see; members may change their own organisations (and those organisations'
sites and flows); viewers and anonymous callers change nothing. Rows carry a
``version``; updates take the version the writer last read and raise
:class:`~sidestream.errors.StaleWriteError` when somebody else wrote in between.
Every change writes an audit event in the same transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload
from sqlalchemy.orm.exc import StaleDataError

from sidestream.domain.categories import ActorType, Category, Direction, Visibility
from sidestream.domain.months import format_months, parse_months
from sidestream.domain.units import to_canonical
from sidestream.domain.visibility import Role, Viewer, can_see
from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    MonthsError,
    NotFoundError,
    PermissionDeniedError,
    StaleWriteError,
    UnitError,
)
from sidestream.i18n import N_, Message
from sidestream.knowledge.reference import ewc_entries, ewc_hazardous, normalise_ewc, normalise_nace
from sidestream.services import audit
from sidestream.services.confidentiality import flow_visible, organisation_visible, site_visible
from sidestream.services.pagination import Page, paginate
from sidestream.store.models import Base, Flow, Organisation, Region, Site

RowT = TypeVar("RowT", bound=Base)

# --- inputs --------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NewOrganisation(_Input):
    name: str = Field(min_length=1, max_length=200)
    actor_type: ActorType = ActorType.COMPANY
    nace: str | None = Field(default=None, description="NACE Rev. 2 code, e.g. 24.10")


class OrganisationChanges(_Input):
    """Only the fields that are set are changed."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    actor_type: ActorType | None = None
    nace: str | None = None


class NewSite(_Input):
    organisation_id: int
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude, degrees")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude, degrees")


class SiteChanges(_Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class NewFlow(_Input):
    """A flow as a person enters it; canonical amounts and hazard are derived."""

    key: str | None = Field(default=None, min_length=1, max_length=100, description="stable id; generated")
    organisation_id: int
    site_id: int
    direction: Direction
    resource: str = Field(min_length=1)
    category: Category | None = None
    ewc: str | None = Field(default=None, description="EWC code, e.g. '10 01 02'")
    quantity: float | None = Field(default=None, ge=0)
    unit: str | None = Field(default=None, max_length=30, description="pint unit, e.g. t/yr, MWh/yr, MW")
    temperature_c: float | None = Field(default=None, ge=-273.15, le=2000)
    months: str | None = Field(default=None, description="availability, e.g. 1-12 or 5-9")
    visibility: Visibility = Visibility.FACILITATOR
    notes: str = ""
    source: str = ""


class FlowChanges(_Input):
    """Only the fields that are set are changed; ``None`` clears an optional field."""

    organisation_id: int | None = None
    site_id: int | None = None
    direction: Direction | None = None
    resource: str | None = Field(default=None, min_length=1)
    category: Category | None = None
    ewc: str | None = None
    quantity: float | None = Field(default=None, ge=0)
    unit: str | None = Field(default=None, max_length=30)
    temperature_c: float | None = Field(default=None, ge=-273.15, le=2000)
    months: str | None = None
    visibility: Visibility | None = None
    notes: str | None = None
    source: str | None = None


_REQUIRED_FLOW_FIELDS = (
    "organisation_id",
    "site_id",
    "direction",
    "resource",
    "visibility",
    "notes",
    "source",
)

# --- permissions ---------------------------------------------------------------------


def can_edit(viewer: Viewer, organisation_id: int) -> bool:
    """Whether ``viewer`` may change records of ``organisation_id``.

    >>> member, viewer = Viewer(1, Role.MEMBER, frozenset({3})), Viewer(2, Role.VIEWER, frozenset({3}))
    >>> can_edit(member, 3), can_edit(viewer, 3), can_edit(member, 4)
    (True, False, False)
    """
    return viewer.manages_region or (
        viewer.role is Role.MEMBER and organisation_id in viewer.organisation_ids
    )


def _require_edit(viewer: Viewer, organisation_id: int, what: str) -> None:
    """``what`` is a catalog message (``N_("this flow")``), shown translated."""
    if not can_edit(viewer, organisation_id):
        raise PermissionDeniedError(
            N_(
                "you may not change {what}: members change their own organisation's records, "
                "facilitators and admins any in the region"
            ),
            what=Message(what),
        )


def _require_manager(viewer: Viewer, action: str) -> None:
    if not viewer.manages_region:
        raise PermissionDeniedError(
            N_("only the region's facilitators and admins may {action}"), action=Message(action)
        )


# --- shared helpers ------------------------------------------------------------------


@contextmanager
def _optimistic(session: Session, what: Message) -> Iterator[None]:
    """Turn a lost optimistic-lock race into a :class:`StaleWriteError`.

    The version check before a write catches most conflicts; this catches the writer
    who got in between that check and our UPDATE (its ``WHERE version = ...`` then
    matches no row and SQLAlchemy raises ``StaleDataError``).
    """
    try:
        yield
    except StaleDataError:
        session.rollback()
        raise StaleWriteError(
            N_("{what} was changed by someone else meanwhile: reload it and try again"), what=what
        ) from None


def _commit(session: Session, what: Message) -> None:
    with _optimistic(session, what):
        session.commit()


def _save_update(
    session: Session,
    row: Flow | Organisation | Site,
    entity: str,
    viewer: Viewer,
    region: Region,
    before: dict[str, Any],
    what: Message,
) -> None:
    """Write a changed row and its audit event (with the new version) — all or nothing."""
    with _optimistic(session, what):
        session.flush()
        _audit(session, "update", entity, row, viewer, region, before, audit.snapshot(row))
        session.commit()


def _named(msgid: str, ident: int | str) -> Message:
    """ "flow 'f-1'" and the like, for messages that quote the record they refuse."""
    return Message(msgid, {"id": ident})


def _check_version(row: Flow | Organisation | Site, expected_version: int | None, what: Message) -> None:
    if expected_version is not None and row.version != expected_version:
        raise StaleWriteError(
            N_(
                "{what} is at version {version}, not {expected_version}: someone changed it "
                "since you read it; reload it and apply your change again"
            ),
            what=what,
            version=row.version,
            expected_version=expected_version,
        )


def _apply(row: Base, values: Mapping[str, Any]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _nace(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    try:
        return normalise_nace(text)
    except ValueError as exc:
        raise InvalidDataError(N_("nace: {reason}"), reason=exc) from None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _sorted(statement: Select[Any], sort: str, columns: Mapping[str, Any], tie: Any) -> Select[Any]:
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    column = columns.get(name)
    if column is None:
        choices = ", ".join(sorted(columns))
        raise InvalidDataError(
            N_("cannot sort by {name!r}: use one of {choices} (prefix - for descending)"),
            name=name,
            choices=choices,
        )
    order = column.desc() if descending else column.asc()
    return statement.order_by(order.nulls_last(), tie)


def _one_or_missing(
    session: Session,
    statement: Select[RowT],
    visible: Callable[[RowT], bool],
    missing: Message,
) -> RowT:
    row = session.scalar(statement)
    if row is None or not visible(row):
        raise NotFoundError(missing)
    return row


# --- organisations -------------------------------------------------------------------


def list_organisations(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    q: str | None = None,
    actor_type: ActorType | str | None = None,
    sort: str = "name",
    page: int = 1,
    per_page: int = 50,
) -> Page[Organisation]:
    """The organisations ``viewer`` may see; ``sort`` is one of
    :data:`ORGANISATION_SORTS`, with ``-`` in front for descending order."""
    statement = select(Organisation).where(Organisation.region_id == region.id, organisation_visible(viewer))
    if q:
        statement = statement.where(Organisation.name.ilike(_like(q), escape="\\"))
    if actor_type is not None:
        try:
            kind = ActorType(actor_type).value
        except ValueError:
            choices = ", ".join(a.value for a in ActorType)
            raise InvalidDataError(
                N_("unknown actor type {actor_type!r}: use one of {choices}"),
                actor_type=actor_type,
                choices=choices,
            ) from None
        statement = statement.where(Organisation.actor_type == kind)
    statement = _sorted(statement, sort, ORGANISATION_SORTS, Organisation.id)
    return paginate(session, statement, page, per_page)


ORGANISATION_SORTS: dict[str, Any] = {
    "name": Organisation.name,
    "type": Organisation.actor_type,
    "nace": Organisation.nace,
}


def visible_flow_counts(
    session: Session, region: Region, viewer: Viewer, organisation_ids: list[int]
) -> dict[int, int]:
    """How many flows of each organisation ``viewer`` may see (hidden ones do not count)."""
    if not organisation_ids:
        return {}
    statement = (
        select(Flow.organisation_id, func.count(Flow.id))
        .join(Flow.organisation)
        .where(Flow.region_id == region.id, flow_visible(viewer), Flow.organisation_id.in_(organisation_ids))
        .group_by(Flow.organisation_id)
    )
    return {int(org): int(n) for org, n in session.execute(statement)}


def _organisation_missing(region: Region, organisation_id: int) -> Message:
    return Message(
        N_("no organisation {organisation_id} in region {region}"),
        {"organisation_id": organisation_id, "region": region.slug},
    )


def get_organisation(session: Session, region: Region, viewer: Viewer, organisation_id: int) -> Organisation:
    statement = select(Organisation).where(
        Organisation.id == organisation_id,
        Organisation.region_id == region.id,
        organisation_visible(viewer),
    )
    organisation = session.scalar(statement)
    if organisation is None:
        raise NotFoundError(_organisation_missing(region, organisation_id))
    return organisation


def create_organisation(
    session: Session, region: Region, viewer: Viewer, data: NewOrganisation
) -> Organisation:
    """Add an organisation to the region (facilitators and admins)."""
    _require_manager(viewer, N_("add organisations"))
    _check_organisation_name(session, region, data.name)
    organisation = Organisation(
        region_id=region.id, name=data.name, actor_type=data.actor_type.value, nace=_nace(data.nace)
    )
    session.add(organisation)
    session.flush()
    _audit(
        session, "create", "organisation", organisation, viewer, region, after=audit.snapshot(organisation)
    )
    session.commit()
    return organisation


def _check_organisation_name(
    session: Session, region: Region, name: str, *, other_than: int | None = None
) -> None:
    statement = select(Organisation.id).where(Organisation.region_id == region.id, Organisation.name == name)
    found = session.scalar(statement)
    if found is not None and found != other_than:
        raise ConflictError(
            N_("an organisation named {name!r} already exists in region {region}"),
            name=name,
            region=region.slug,
        )


def update_organisation(
    session: Session,
    region: Region,
    viewer: Viewer,
    organisation_id: int,
    changes: OrganisationChanges,
    *,
    expected_version: int | None,
) -> Organisation:
    organisation = get_organisation(session, region, viewer, organisation_id)
    _require_edit(viewer, organisation.id, N_("this organisation"))
    _check_version(organisation, expected_version, _named(N_("organisation {id}"), organisation_id))
    values = changes.model_dump(exclude_unset=True)
    if values.get("name") is None:
        values.pop("name", None)
    else:
        _check_organisation_name(session, region, values["name"], other_than=organisation.id)
    if values.get("actor_type") is None:
        values.pop("actor_type", None)
    else:
        values["actor_type"] = ActorType(values["actor_type"]).value
    if "nace" in values:
        values["nace"] = _nace(values["nace"])
    before = audit.snapshot(organisation)
    if _apply(organisation, values):
        _save_update(
            session,
            organisation,
            "organisation",
            viewer,
            region,
            before,
            _named(N_("organisation {id}"), organisation_id),
        )
    return organisation


def delete_organisation(
    session: Session,
    region: Region,
    viewer: Viewer,
    organisation_id: int,
    *,
    expected_version: int | None = None,
) -> None:
    """Remove an organisation with its sites and flows (facilitators and admins)."""
    organisation = get_organisation(session, region, viewer, organisation_id)
    _require_manager(viewer, N_("remove organisations"))
    _check_version(organisation, expected_version, _named(N_("organisation {id}"), organisation_id))
    flows = session.scalars(select(Flow).where(Flow.organisation_id == organisation.id)).all()
    for flow in flows:
        _audit(session, "delete", "flow", flow, viewer, region, before=audit.snapshot(flow))
    for site in organisation.sites:
        _audit(session, "delete", "site", site, viewer, region, before=audit.snapshot(site))
    _audit(
        session, "delete", "organisation", organisation, viewer, region, before=audit.snapshot(organisation)
    )
    for flow in flows:
        session.delete(flow)
    session.delete(organisation)
    _commit(session, _named(N_("organisation {id}"), organisation_id))


# --- sites ---------------------------------------------------------------------------


def list_sites(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    organisation_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Site]:
    statement = (
        select(Site)
        .join(Site.organisation)
        .where(Organisation.region_id == region.id, site_visible(viewer))
        .options(contains_eager(Site.organisation))
    )
    if organisation_id is not None:
        statement = statement.where(Site.organisation_id == organisation_id)
    return paginate(session, statement.order_by(Organisation.name, Site.name, Site.id), page, per_page)


def get_site(session: Session, region: Region, viewer: Viewer, site_id: int) -> Site:
    statement = (
        select(Site)
        .join(Site.organisation)
        .where(Site.id == site_id, Organisation.region_id == region.id, site_visible(viewer))
        .options(contains_eager(Site.organisation))
    )
    site = session.scalar(statement)
    if site is None:
        raise NotFoundError(N_("no site {site_id} in region {region}"), site_id=site_id, region=region.slug)
    return site


def _organisation_in_region(session: Session, region: Region, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.region_id != region.id:
        raise NotFoundError(_organisation_missing(region, organisation_id))
    return organisation


def create_site(session: Session, region: Region, viewer: Viewer, data: NewSite) -> Site:
    _require_edit(viewer, data.organisation_id, N_("this organisation's sites"))
    organisation = _organisation_in_region(session, region, data.organisation_id)
    _check_site_name(session, organisation.id, data.name)
    site = Site(organisation_id=organisation.id, name=data.name, lat=data.lat, lon=data.lon)
    session.add(site)
    session.flush()
    _audit(session, "create", "site", site, viewer, region, after=audit.snapshot(site))
    session.commit()
    return site


def _check_site_name(
    session: Session, organisation_id: int, name: str, *, other_than: int | None = None
) -> None:
    statement = select(Site.id).where(Site.organisation_id == organisation_id, Site.name == name)
    found = session.scalar(statement)
    if found is not None and found != other_than:
        raise ConflictError(N_("the organisation already has a site named {name!r}"), name=name)


def update_site(
    session: Session,
    region: Region,
    viewer: Viewer,
    site_id: int,
    changes: SiteChanges,
    *,
    expected_version: int | None,
) -> Site:
    site = get_site(session, region, viewer, site_id)
    _require_edit(viewer, site.organisation_id, N_("this site"))
    _check_version(site, expected_version, _named(N_("site {id}"), site_id))
    values = {k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None}
    if "name" in values:
        _check_site_name(session, site.organisation_id, values["name"], other_than=site.id)
    before = audit.snapshot(site)
    if _apply(site, values):
        _save_update(session, site, "site", viewer, region, before, _named(N_("site {id}"), site_id))
    return site


def delete_site(
    session: Session,
    region: Region,
    viewer: Viewer,
    site_id: int,
    *,
    expected_version: int | None = None,
) -> None:
    """Remove a site and the flows at it."""
    site = get_site(session, region, viewer, site_id)
    _require_edit(viewer, site.organisation_id, N_("this site"))
    _check_version(site, expected_version, _named(N_("site {id}"), site_id))
    flows = session.scalars(select(Flow).where(Flow.site_id == site.id)).all()
    for flow in flows:
        _audit(session, "delete", "flow", flow, viewer, region, before=audit.snapshot(flow))
        session.delete(flow)
    _audit(session, "delete", "site", site, viewer, region, before=audit.snapshot(site))
    session.delete(site)
    _commit(session, _named(N_("site {id}"), site_id))


# --- flows ---------------------------------------------------------------------------

FLOW_SORTS: dict[str, Any] = {
    "key": Flow.key,
    "resource": Flow.resource,
    "category": Flow.category,
    "direction": Flow.direction,
    "organisation": Organisation.name,
    "quantity": Flow.annual_quantity,
    "temperature": Flow.temperature_c,
    "updated": Flow.updated_at,
    "created": Flow.created_at,
}


def visible_flows(region: Region, viewer: Viewer) -> Select[Flow]:
    """A query of the region's flows the viewer may see, with organisation and site
    loaded; the base of every flow list and export."""
    return (
        select(Flow)
        .join(Flow.organisation)
        .where(Flow.region_id == region.id, flow_visible(viewer))
        .options(contains_eager(Flow.organisation), joinedload(Flow.site))
    )


def list_flows(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    direction: Direction | str | None = None,
    category: Category | str | None = None,
    q: str | None = None,
    organisation_id: int | None = None,
    sort: str = "key",
    page: int = 1,
    per_page: int = 50,
) -> Page[Flow]:
    """The flows of ``region`` that ``viewer`` may see; ``total`` counts only those.

    ``q`` searches the resource text, notes and organisation name; ``sort`` is one of
    :data:`FLOW_SORTS`, with ``-`` in front for descending order.
    """
    statement = visible_flows(region, viewer)
    if direction is not None:
        statement = statement.where(Flow.direction == _enum(Direction, direction, "direction").value)
    if category is not None:
        statement = statement.where(Flow.category == _enum(Category, category, "category").value)
    if organisation_id is not None:
        statement = statement.where(Flow.organisation_id == organisation_id)
    if q:
        pattern = _like(q)
        statement = statement.where(
            Flow.resource.ilike(pattern, escape="\\")
            | Flow.notes.ilike(pattern, escape="\\")
            | Organisation.name.ilike(pattern, escape="\\")
        )
    statement = _sorted(statement, sort, FLOW_SORTS, Flow.id)
    return paginate(session, statement, page, per_page)


EnumT = TypeVar("EnumT", Direction, Category, Visibility)


def _enum(kind: type[EnumT], value: EnumT | str, name: str) -> EnumT:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidDataError(
            N_("unknown {name} {value!r}: use one of {choices}"), name=name, value=value, choices=choices
        ) from None


def _flow_missing(region: Region, what: int | str) -> Message:
    return Message(N_("no flow {flow} in region {region}"), {"flow": what, "region": region.slug})


def _visible_flow(viewer: Viewer) -> Callable[[Flow], bool]:
    return lambda flow: can_see(viewer, flow.visibility, flow.organisation_id)


def get_flow(session: Session, region: Region, viewer: Viewer, flow_id: int) -> Flow:
    """One flow by database id; invisible and missing flows raise the same error."""
    statement = _by_id(region, flow_id)
    return _one_or_missing(session, statement, _visible_flow(viewer), _flow_missing(region, flow_id))


def get_flow_by_key(session: Session, region: Region, viewer: Viewer, key: str) -> Flow:
    """One flow by its flow-table id (``key``)."""
    statement = (
        select(Flow)
        .where(Flow.region_id == region.id, Flow.key == key)
        .options(joinedload(Flow.organisation), joinedload(Flow.site))
    )
    return _one_or_missing(session, statement, _visible_flow(viewer), _flow_missing(region, repr(key)))


def _reloaded(session: Session, region: Region, flow_id: int) -> Flow:
    """The flow as stored now, with its organisation and site as they are now (after a
    move, the loaded relationships would still show the old ones)."""
    statement = _by_id(region, flow_id).execution_options(populate_existing=True)
    return session.scalars(statement).one()


def _by_id(region: Region, flow_id: int) -> Select[Flow]:
    return (
        select(Flow)
        .where(Flow.region_id == region.id, Flow.id == flow_id)
        .options(joinedload(Flow.organisation), joinedload(Flow.site))
    )


def derived_flow_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical columns of a flow from what a person entered.

    ``ewc`` is normalised and gives ``hazardous``; ``quantity`` + ``unit`` give the
    canonical annual amount; ``months`` text gives ``months_mask``.

    >>> v = derived_flow_values({"ewc": "100202", "quantity": 2, "unit": "t/h", "months": "5-9"})
    >>> v["ewc"], v["hazardous"], v["annual_quantity"], v["annual_unit"], v["months_mask"]
    ('10 02 02', False, 17532.0, 't/yr', 496)
    """
    out: dict[str, Any] = {}
    ewc = values.get("ewc")
    if ewc is None or not str(ewc).strip():
        out["ewc"], out["hazardous"] = None, None
    else:
        try:
            code, _starred = normalise_ewc(str(ewc))
        except ValueError as exc:
            raise InvalidDataError(N_("ewc: {reason}"), reason=exc) from None
        if code not in ewc_entries():
            raise InvalidDataError(N_("ewc: {code} is not an entry of the EU List of Waste"), code=code)
        out["ewc"], out["hazardous"] = code, ewc_hazardous(code)
    quantity, unit = values.get("quantity"), values.get("unit") or None
    out["quantity"], out["unit"] = quantity, unit
    out["annual_quantity"], out["annual_unit"] = None, None
    if quantity is not None:
        if unit is None:
            raise InvalidDataError(N_("a quantity needs a unit, e.g. t/yr, MWh/yr, MW or m3/h"))
        try:
            amount = to_canonical(float(quantity), unit)
        except UnitError as exc:
            raise InvalidDataError(N_("unit: {reason}"), reason=exc) from None
        out["annual_quantity"], out["annual_unit"] = amount.canonical_value, amount.canonical_unit
    try:
        out["months_mask"] = parse_months(values.get("months"))
    except MonthsError as exc:
        raise InvalidDataError(N_("months: {reason}"), reason=exc) from None
    return out


def _place(session: Session, region: Region, organisation_id: int, site_id: int) -> None:
    """Check that the site belongs to the organisation and both to the region."""
    _organisation_in_region(session, region, organisation_id)
    site = session.get(Site, site_id)
    if site is None or site.organisation_id != organisation_id:
        raise NotFoundError(
            N_("organisation {organisation_id} has no site {site_id}"),
            organisation_id=organisation_id,
            site_id=site_id,
        )


def create_flow(session: Session, region: Region, viewer: Viewer, data: NewFlow) -> Flow:
    _require_edit(viewer, data.organisation_id, N_("this organisation's flows"))
    _place(session, region, data.organisation_id, data.site_id)
    key = data.key or f"f-{secrets.token_hex(5)}"
    if session.scalar(select(Flow.id).where(Flow.region_id == region.id, Flow.key == key)) is not None:
        raise ConflictError(
            N_("flow id {key!r} is already used in region {region}: choose another"),
            key=key,
            region=region.slug,
        )
    entered = data.model_dump()
    flow = Flow(
        region_id=region.id,
        key=key,
        organisation_id=data.organisation_id,
        site_id=data.site_id,
        direction=data.direction.value,
        resource=data.resource,
        category=data.category.value if data.category else None,
        temperature_c=data.temperature_c,
        visibility=data.visibility.value,
        notes=data.notes,
        source=data.source,
        **derived_flow_values(entered),
    )
    session.add(flow)
    session.flush()
    _audit(session, "create", "flow", flow, viewer, region, after=audit.snapshot(flow))
    session.commit()
    return _reloaded(session, region, flow.id)


def entered_flow_fields(flow: Flow) -> dict[str, Any]:
    """A flow's own fields as a person entered them, in flow-table terms (months as
    text). Shared by the edit state here and by exports."""
    return {
        "direction": flow.direction,
        "resource": flow.resource,
        "category": flow.category,
        "ewc": flow.ewc,
        "quantity": flow.quantity,
        "unit": flow.unit,
        "temperature_c": flow.temperature_c,
        "months": format_months(flow.months_mask),
        "visibility": flow.visibility,
        "notes": flow.notes,
        "source": flow.source,
    }


def _flow_state(flow: Flow) -> dict[str, Any]:
    """A flow's editable fields as entered (the inverse of :func:`derived_flow_values`)."""
    return {"organisation_id": flow.organisation_id, "site_id": flow.site_id, **entered_flow_fields(flow)}


def update_flow(
    session: Session,
    region: Region,
    viewer: Viewer,
    flow_id: int,
    changes: FlowChanges,
    *,
    expected_version: int | None,
) -> Flow:
    """Change a flow the viewer can see and may edit.

    ``expected_version`` is the version the writer read; if the flow has moved on
    since, :class:`StaleWriteError` is raised and nothing changes. (``None`` skips the
    check, for operator tools only.)
    """
    flow = get_flow(session, region, viewer, flow_id)
    _require_edit(viewer, flow.organisation_id, N_("this flow"))
    _check_version(flow, expected_version, _named(N_("flow {id!r}"), flow.key))
    given = changes.model_dump(exclude_unset=True, mode="json")  # enums as their values
    for name in _REQUIRED_FLOW_FIELDS:
        if name in given and given[name] is None:
            raise InvalidDataError(N_("{name} cannot be empty"), name=name)
    state = {**_flow_state(flow), **given}
    if state["organisation_id"] != flow.organisation_id:
        _require_edit(viewer, state["organisation_id"], N_("flows of the organisation you move it to"))
    if (state["organisation_id"], state["site_id"]) != (flow.organisation_id, flow.site_id):
        _place(session, region, state["organisation_id"], state["site_id"])
    values = {k: v for k, v in state.items() if k not in ("ewc", "quantity", "unit", "months")}
    values.update(derived_flow_values(state))
    before = audit.snapshot(flow)
    if _apply(flow, values):
        _save_update(session, flow, "flow", viewer, region, before, _named(N_("flow {id!r}"), flow.key))
        flow = _reloaded(session, region, flow.id)
    return flow


def delete_flow(
    session: Session,
    region: Region,
    viewer: Viewer,
    flow_id: int,
    *,
    expected_version: int | None = None,
) -> None:
    flow = get_flow(session, region, viewer, flow_id)
    _require_edit(viewer, flow.organisation_id, N_("this flow"))
    _check_version(flow, expected_version, _named(N_("flow {id!r}"), flow.key))
    _audit(session, "delete", "flow", flow, viewer, region, before=audit.snapshot(flow))
    session.delete(flow)
    _commit(session, _named(N_("flow {id!r}"), flow.key))


def _audit(
    session: Session,
    action: str,
    entity: str,
    row: Flow | Organisation | Site,
    viewer: Viewer,
    region: Region,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        action=action,
        entity=entity,
        entity_id=row.id,
        region_id=region.id,
        user_id=viewer.user_id,
        before=before,
        after=after,
    )


__all__ = [
    "FLOW_SORTS",
    "ORGANISATION_SORTS",
    "FlowChanges",
    "NewFlow",
    "NewOrganisation",
    "NewSite",
    "OrganisationChanges",
    "SiteChanges",
    "can_edit",
    "create_flow",
    "create_organisation",
    "create_site",
    "delete_flow",
    "delete_organisation",
    "delete_site",
    "derived_flow_values",
    "get_flow",
    "get_flow_by_key",
    "get_organisation",
    "get_site",
    "list_flows",
    "list_organisations",
    "list_sites",
    "update_flow",
    "update_organisation",
    "update_site",
    "visible_flow_counts",
    "visible_flows",
]
