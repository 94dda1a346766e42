"""Organisations, their sites and their flows: a searchable, filterable, sortable table
and the forms to add and change them.

Every read and write goes through :mod:`sidestream.services.flows` (visibility in
SQL, roles, optimistic locking, audit), exactly as the API does. Forms carry the
session's CSRF token (:func:`sidestream.web.deps.check_form`); invalid input comes
back as the same form with the reason beside each field (422), and a write over
somebody else's newer change gives a clear message with the current state (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from sidestream.api.deps import IdPath, RegionDep, SessionDep, ViewerDep
from sidestream.domain.categories import ActorType, Category, Direction, Visibility
from sidestream.domain.months import format_months
from sidestream.domain.unit_choices import unit_fits, units_for
from sidestream.domain.visibility import Viewer
from sidestream.errors import ConflictError, InvalidDataError, PermissionDeniedError, StaleWriteError
from sidestream.i18n import N_, babel_locale, format_number, translate
from sidestream.knowledge.base import default_knowledge_base
from sidestream.knowledge.classifier import Classifier
from sidestream.knowledge.search import search_knowledge
from sidestream.services import flows as flow_service
from sidestream.services.accounts import AuthenticationError
from sidestream.store.models import Flow, Organisation, Region, Site
from sidestream.web.context import DataPage
from sidestream.web.deps import FormViewerDep, FormWebDep, Web, WebDep, check_form
from sidestream.web.errors import HtmlRoute
from sidestream.web.filters import Blank, PageQuery, SearchQuery, blank
from sidestream.web.labels import (
    HIDDEN_IN_MATCHES,
    actor_type_label,
    amount_text,
    category_label,
    direction_label,
    visibility_explanation,
    visibility_label,
)
from sidestream.web.pages.flows import Option

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)

PER_PAGE = 50
SORT_KEYS = tuple(flow_service.ORGANISATION_SORTS)
GENERAL = "_"  # the key of an error that belongs to no one field

TITLE = N_("Organisations")
STALE = N_(
    "Someone else changed this while you were editing it. The form now shows what is stored;"
    " make your change again and save."
)
SAVED = N_("Saved.")
FIELD_MESSAGES: dict[str, str] = {
    "name": N_("Write a name of 1 to 200 characters."),
    "actor_type": N_("Choose what kind of organisation this is."),
    "nace": N_("Write a NACE Rev. 2 code such as 24.10, or leave it empty."),
    "lat": N_("Latitude: a number of WGS84 degrees between -90 and 90, e.g. 66.32 (or click the map)."),
    "lon": N_("Longitude: a number of WGS84 degrees between -180 and 180, e.g. 14.13 (or click the map)."),
    "site_id": N_("Choose a site of the organisation (add one first if it has none)."),
    "direction": N_("Choose whether the organisation has this (supply) or needs it (demand)."),
    "resource": N_("Describe the resource, e.g. “surplus heat 45 °C” or “wood chips”."),
    "category": N_("Choose a category, or leave it to be inferred."),
    "ewc": N_("Write a code of the EU List of Waste such as 10 01 02, or leave it empty."),
    "quantity": N_("Quantity: a number of at least 0, with a unit."),
    "unit": N_("Unit: one pint understands, e.g. t/yr, MWh/yr, MW or m3/h — with a quantity."),
    "unit_category": N_("This unit does not measure this category: pick one of the suggested units."),
    "temperature_c": N_("Temperature: a number of °C between -273 and 2000, or leave it empty."),
    "months": N_("Tick the months when the flow is available."),
    "visibility": N_("Choose who may see this flow."),
    "notes": N_("Notes are too long."),
}
CONFLICT_MESSAGES = {
    "organisation": N_("An organisation of this name already exists in the region."),
    "site": N_("The organisation already has a site of this name."),
    "flow": N_("This flow clashes with another one: check the id."),
}

# --- small helpers -------------------------------------------------------------------


def _options(kind: Any, label: Any, lang: str) -> list[Option]:
    return [Option(value=k.value, label=label(k.value, lang)) for k in kind]


def month_names(lang: str) -> list[str]:
    """January … December (abbreviated) in the page's language."""
    from babel.dates import get_month_names

    names = get_month_names("abbreviated", locale=babel_locale(lang))
    return [str(names[m]) for m in range(1, 13)]


def _validation_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error.get("loc") else GENERAL
        out.setdefault(name, translate(FIELD_MESSAGES.get(name, FIELD_MESSAGES["name"]), lang))
    return out


def _invalid_errors(exc: InvalidDataError, lang: str) -> dict[str, str]:
    """The service's "field: reason" errors, shown beside their field (recognised on
    the English text, shown in the reader's language)."""
    text = str(exc)
    prefix = text.split(":", 1)[0].strip()
    if prefix in FIELD_MESSAGES:
        return {prefix: translate(FIELD_MESSAGES[prefix], lang)}
    if "quantity needs a unit" in text:
        return {"unit": translate(FIELD_MESSAGES["unit"], lang)}
    return {GENERAL: exc.render(lang)}


def _conflict(exc: ConflictError, what: str, lang: str) -> dict[str, str]:
    field = "name" if what in ("organisation", "site") else GENERAL
    return {field: translate(CONFLICT_MESSAGES[what], lang)}


NOT_EDITOR = N_(
    "You may not change this: members change their own organisation's records,"
    " facilitators any in the region."
)
NOT_MANAGER = N_("Only the region's facilitators and admins may add organisations.")


def _require_edit(viewer: Viewer, organisation_id: int, lang: str) -> None:
    """Refuse a form the viewer could not submit anyway (the service checks again)."""
    if viewer.anonymous:
        raise AuthenticationError(N_("log in to change records"))
    if not flow_service.can_edit(viewer, organisation_id):
        raise PermissionDeniedError(translate(NOT_EDITOR, lang))


def _require_manager(viewer: Viewer, lang: str) -> None:
    if viewer.anonymous:
        raise AuthenticationError(N_("log in to add organisations"))
    if not viewer.manages_region:
        raise PermissionDeniedError(translate(NOT_MANAGER, lang))


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _or_none(text: str) -> str | None:
    return text or None


async def _form_of(request: Request) -> tuple[dict[str, str], list[str]]:
    """The posted fields as text, and the ticked months."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    months = [str(m) for m in form.getlist("months") if isinstance(m, str)]
    return fields, months


# --- the table -----------------------------------------------------------------------


class OrganisationFilters(BaseModel):
    q: str = ""
    actor_type: ActorType | None = None
    sort: str = "name"
    page: int = 1


class OrganisationRow(BaseModel):
    id: int
    name: str
    actor_type: str
    actor_type_label: str
    nace: str
    sites: int
    flows: int
    url: str


class OrganisationsData(BaseModel):
    slug: str
    filters: OrganisationFilters
    rows: list[OrganisationRow]
    total: int
    page: int
    pages: int
    actor_types: list[Option]
    may_add: bool


def organisations_data(
    session: SessionDep, region: Region, viewer: Viewer, filters: OrganisationFilters, lang: str
) -> OrganisationsData:
    result = flow_service.list_organisations(
        session, region, viewer, q=filters.q.strip() or None, actor_type=filters.actor_type,
        sort=filters.sort, page=filters.page, per_page=PER_PAGE,
    )  # fmt: skip
    ids = [o.id for o in result.items]
    counts = flow_service.visible_flow_counts(session, region, viewer, ids)
    site_counts = {
        org_id: len(
            flow_service.list_sites(session, region, viewer, organisation_id=org_id, per_page=500).items
        )
        for org_id in ids
    }
    rows = [
        OrganisationRow(
            id=o.id, name=o.name, actor_type=o.actor_type,
            actor_type_label=actor_type_label(o.actor_type, lang),
            nace=o.nace or "", sites=site_counts.get(o.id, 0), flows=counts.get(o.id, 0),
            url=f"/regions/{region.slug}/organisations/{o.id}",
        )
        for o in result.items
    ]  # fmt: skip
    return OrganisationsData(
        slug=region.slug, filters=filters, rows=rows, total=result.total, page=result.page,
        pages=result.pages,
        actor_types=_options(ActorType, actor_type_label, lang), may_add=viewer.manages_region,
    )  # fmt: skip


def _filters(
    q: SearchQuery = "",
    actor_type: Annotated[ActorType | Blank | None, Query()] = None,
    sort: Annotated[str, Query(pattern=r"^-?(" + "|".join(SORT_KEYS) + ")$")] = "name",
    page: PageQuery = 1,
) -> OrganisationFilters:
    return OrganisationFilters(q=q, actor_type=blank(actor_type), sort=sort, page=page)


FiltersDep = Annotated[OrganisationFilters, Depends(_filters)]


@router.get("/regions/{slug}/organisations", response_class=HTMLResponse)
def organisations_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, filters: FiltersDep
) -> HTMLResponse:
    data = organisations_data(session, region, viewer, filters, web.lang)
    template = "_organisations_table.html" if web.is_htmx else "organisations.html"
    chrome = web.chrome(translate(TITLE, web.lang), nav="organisations", region=region)
    return web.render(template, DataPage(data), chrome)


# --- one organisation ----------------------------------------------------------------


class SiteRow(BaseModel):
    id: int
    name: str
    lat: str
    lon: str
    edit_url: str | None


class OrgFlowRow(BaseModel):
    id: int
    key: str
    resource: str
    direction_label: str
    category_label: str
    amount: str
    visibility_label: str
    site: str
    edit_url: str | None
    matches_url: str


class FormPage(BaseModel):
    """Any of the forms: what to show in each field, the errors by field, and the
    choices of the selects. ``action`` is where it posts."""

    slug: str
    kind: str  # organisation, site, flow
    heading: str
    action: str
    values: dict[str, str]
    errors: dict[str, str]
    months: list[bool] = []
    month_names: list[str] = []
    version: int | None = None
    notice: str | None = None
    conflict: bool = False
    actor_types: list[Option] = []
    directions: list[Option] = []
    categories: list[Option] = []
    visibilities: list[dict[str, str]] = []
    sites: list[Option] = []
    units: list[str] = []
    hidden_note: str = ""
    organisation_name: str = ""
    organisation_url: str = ""
    cancel_url: str = ""


class OrganisationPage(BaseModel):
    slug: str
    id: int
    name: str
    actor_type_label: str
    nace: str
    may_edit: bool
    may_add_flow: bool
    form: FormPage | None
    sites: list[SiteRow]
    flows: list[OrgFlowRow]
    notice: str | None = None


def _organisation_form(
    region: Region, organisation: Organisation | None, lang: str, values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None, *, conflict: bool = False,
) -> FormPage:  # fmt: skip
    base = f"/regions/{region.slug}/organisations"
    if values is None:
        values = {"name": organisation.name, "actor_type": organisation.actor_type,
                  "nace": organisation.nace or ""} if organisation else {"actor_type": "company"}  # fmt: skip
    return FormPage(
        slug=region.slug, kind="organisation",
        heading=translate(N_("Change the organisation") if organisation else N_("Add an organisation"), lang),
        action=f"{base}/{organisation.id}" if organisation else base, values=values, errors=errors or {},
        version=organisation.version if organisation else None, conflict=conflict,
        actor_types=_options(ActorType, actor_type_label, lang),
        cancel_url=f"{base}/{organisation.id}" if organisation else base,
    )  # fmt: skip


def _organisation_page(
    web: Web, session: SessionDep, region: Region, viewer: Viewer, organisation: Organisation, *,
    form: FormPage | None = None, notice: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    lang = web.lang
    may_edit = flow_service.can_edit(viewer, organisation.id)
    sites = flow_service.list_sites(
        session, region, viewer, organisation_id=organisation.id, per_page=500
    ).items
    flows = flow_service.list_flows(
        session, region, viewer, organisation_id=organisation.id, per_page=500, sort="key"
    ).items
    base = f"/regions/{region.slug}"
    page = OrganisationPage(
        slug=region.slug, id=organisation.id, name=organisation.name,
        actor_type_label=actor_type_label(organisation.actor_type, lang), nace=organisation.nace or "",
        may_edit=may_edit, may_add_flow=may_edit and bool(sites),
        form=form or (_organisation_form(region, organisation, lang) if may_edit else None),
        sites=[SiteRow(id=s.id, name=s.name, lat=format_number(s.lat, lang, 5),
                       lon=format_number(s.lon, lang, 5),
                       edit_url=f"{base}/sites/{s.id}/edit" if may_edit else None) for s in sites],
        flows=[OrgFlowRow(
            id=f.id, key=f.key, resource=f.resource, direction_label=direction_label(f.direction, lang),
            category_label=category_label(f.category, lang), amount=amount_text(f.quantity, f.unit, lang),
            visibility_label=visibility_label(f.visibility, lang), site=f.site.name,
            edit_url=f"{base}/flows/{f.id}/edit" if may_edit else None,
            matches_url=f"{base}/flows/{f.id}/matches",
        ) for f in flows],
        notice=translate(notice, lang) if notice else None,
    )  # fmt: skip
    chrome = web.chrome(organisation.name, nav="organisations", region=region)
    return web.render("organisation.html", DataPage(page), chrome, status_code=status_code)


def _render_form(web: Web, region: Region, form: FormPage, status_code: int = 200) -> HTMLResponse:
    chrome = web.chrome(form.heading, nav="organisations", region=region)
    return web.render("form.html", DataPage(form), chrome, status_code=status_code)


@router.get("/regions/{slug}/organisations/new", response_class=HTMLResponse)
def new_organisation(web: WebDep, region: RegionDep, viewer: ViewerDep) -> HTMLResponse:
    _require_manager(viewer, web.lang)
    return _render_form(web, region, _organisation_form(region, None, web.lang))


@router.post("/regions/{slug}/organisations", response_model=None)
async def create_organisation(
    web: FormWebDep, region: RegionDep, viewer: FormViewerDep, session: SessionDep
) -> Response:
    fields, _ = await _form_of(web.request)
    check_form(web, fields.get("csrf_token"))
    values = {k: _text(fields, k) for k in ("name", "actor_type", "nace")}
    errors: dict[str, str]
    try:
        data = flow_service.NewOrganisation(
            name=values["name"], actor_type=values["actor_type"] or "company", nace=_or_none(values["nace"])
        )
        organisation = flow_service.create_organisation(session, region, viewer, data)
    except ValidationError as exc:
        errors = _validation_errors(exc, web.lang)
    except ConflictError as exc:
        errors = _conflict(exc, "organisation", web.lang)
    except InvalidDataError as exc:
        errors = _invalid_errors(exc, web.lang)
    else:
        return RedirectResponse(f"/regions/{region.slug}/organisations/{organisation.id}", status_code=303)
    form = _organisation_form(region, None, web.lang, values, errors)
    return _render_form(web, region, form, status_code=422)


@router.get("/regions/{slug}/organisations/{organisation_id}", response_class=HTMLResponse)
def organisation_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, organisation_id: IdPath,
    saved: Annotated[bool, Query()] = False,
) -> HTMLResponse:  # fmt: skip
    organisation = flow_service.get_organisation(session, region, viewer, organisation_id)
    return _organisation_page(web, session, region, viewer, organisation, notice=SAVED if saved else None)


@router.post("/regions/{slug}/organisations/{organisation_id}", response_model=None)
async def update_organisation(
    web: FormWebDep, region: RegionDep, viewer: FormViewerDep, session: SessionDep, organisation_id: IdPath
) -> Response:
    fields, _ = await _form_of(web.request)
    check_form(web, fields.get("csrf_token"))
    organisation = flow_service.get_organisation(session, region, viewer, organisation_id)
    values = {k: _text(fields, k) for k in ("name", "actor_type", "nace")}
    version = _int(fields.get("version"))
    try:
        changes = flow_service.OrganisationChanges(
            name=values["name"], actor_type=values["actor_type"] or None, nace=values["nace"] or None
        )
        flow_service.update_organisation(
            session, region, viewer, organisation_id, changes, expected_version=version
        )
    except StaleWriteError:
        session.rollback()
        organisation = flow_service.get_organisation(session, region, viewer, organisation_id)
        session.refresh(organisation)
        stale = {GENERAL: translate(STALE, web.lang)}
        form = _organisation_form(region, organisation, web.lang, errors=stale,
                                  conflict=True)  # fmt: skip
        return _organisation_page(web, session, region, viewer, organisation, form=form, status_code=409)
    except ValidationError as exc:
        errors = _validation_errors(exc, web.lang)
    except ConflictError as exc:
        errors = _conflict(exc, "organisation", web.lang)
    except InvalidDataError as exc:
        errors = _invalid_errors(exc, web.lang)
    else:
        return RedirectResponse(
            f"/regions/{region.slug}/organisations/{organisation_id}?saved=1", status_code=303
        )
    session.rollback()
    form = _organisation_form(region, organisation, web.lang, values, errors)
    return _organisation_page(web, session, region, viewer, organisation, form=form, status_code=422)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


# --- sites ---------------------------------------------------------------------------


def _site_form(
    region: Region, organisation: Organisation, site: Site | None, lang: str,
    values: dict[str, str] | None = None, errors: dict[str, str] | None = None, *, conflict: bool = False,
) -> FormPage:  # fmt: skip
    base = f"/regions/{region.slug}"
    if values is None:
        values = {"name": site.name, "lat": repr(site.lat), "lon": repr(site.lon)} if site else {}
    return FormPage(
        slug=region.slug, kind="site",
        heading=translate(N_("Change the site") if site else N_("Add a site"), lang),
        action=f"{base}/sites/{site.id}" if site else f"{base}/organisations/{organisation.id}/sites",
        values=values, errors=errors or {}, version=site.version if site else None, conflict=conflict,
        organisation_name=organisation.name, organisation_url=f"{base}/organisations/{organisation.id}",
        cancel_url=f"{base}/organisations/{organisation.id}",
    )  # fmt: skip


def _site_values(fields: Mapping[str, Any]) -> dict[str, str]:
    return {
        k: _text(fields, k).replace(",", ".") if k != "name" else _text(fields, k)
        for k in ("name", "lat", "lon")
    }


@router.get("/regions/{slug}/organisations/{organisation_id}/sites/new", response_class=HTMLResponse)
def new_site(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, organisation_id: IdPath
) -> HTMLResponse:
    organisation = flow_service.get_organisation(session, region, viewer, organisation_id)
    _require_edit(viewer, organisation.id, web.lang)
    return _render_form(web, region, _site_form(region, organisation, None, web.lang))


@router.post("/regions/{slug}/organisations/{organisation_id}/sites", response_model=None)
async def create_site(
    web: FormWebDep, region: RegionDep, viewer: FormViewerDep, session: SessionDep, organisation_id: IdPath
) -> Response:
    fields, _ = await _form_of(web.request)
    check_form(web, fields.get("csrf_token"))
    organisation = flow_service.get_organisation(session, region, viewer, organisation_id)
    values = _site_values(fields)
    try:
        data = flow_service.NewSite.model_validate(
            {"organisation_id": organisation.id, "name": values["name"], "lat": values["lat"] or None,
             "lon": values["lon"] or None}
        )  # fmt: skip
        flow_service.create_site(session, region, viewer, data)
    except ValidationError as exc:
        errors = _validation_errors(exc, web.lang)
    except ConflictError as exc:
        errors = _conflict(exc, "site", web.lang)
    else:
        return RedirectResponse(
            f"/regions/{region.slug}/organisations/{organisation.id}?saved=1", status_code=303
        )
    session.rollback()
    form = _site_form(region, organisation, None, web.lang, values, errors)
    return _render_form(web, region, form, status_code=422)


@router.get("/regions/{slug}/sites/{site_id}/edit", response_class=HTMLResponse)
def edit_site(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, site_id: IdPath
) -> HTMLResponse:
    site = flow_service.get_site(session, region, viewer, site_id)
    _require_edit(viewer, site.organisation_id, web.lang)
    return _render_form(web, region, _site_form(region, site.organisation, site, web.lang))


@router.post("/regions/{slug}/sites/{site_id}", response_model=None)
async def update_site(
    web: FormWebDep, region: RegionDep, viewer: FormViewerDep, session: SessionDep, site_id: IdPath
) -> Response:
    fields, _ = await _form_of(web.request)
    check_form(web, fields.get("csrf_token"))
    site = flow_service.get_site(session, region, viewer, site_id)
    organisation = site.organisation
    values = _site_values(fields)
    try:
        changes = flow_service.SiteChanges.model_validate(
            {"name": values["name"] or None, "lat": values["lat"] or None, "lon": values["lon"] or None}
        )
        flow_service.update_site(
            session, region, viewer, site_id, changes, expected_version=_int(fields.get("version"))
        )
    except StaleWriteError:
        session.rollback()
        site = flow_service.get_site(session, region, viewer, site_id)
        session.refresh(site)
        form = _site_form(region, organisation, site, web.lang, errors={GENERAL: translate(STALE, web.lang)},
                          conflict=True)  # fmt: skip
        return _render_form(web, region, form, status_code=409)
    except ValidationError as exc:
        errors = _validation_errors(exc, web.lang)
    except ConflictError as exc:
        errors = _conflict(exc, "site", web.lang)
    else:
        return RedirectResponse(
            f"/regions/{region.slug}/organisations/{organisation.id}?saved=1", status_code=303
        )
    session.rollback()
    return _render_form(web, region, _site_form(region, organisation, site, web.lang, values, errors), 422)


# --- flows ---------------------------------------------------------------------------

FLOW_FIELDS = ("site_id", "direction", "resource", "category", "ewc", "quantity", "unit", "temperature_c",
               "visibility", "notes")  # fmt: skip


def _visibilities(lang: str) -> list[dict[str, str]]:
    return [
        {
            "value": v.value,
            "label": visibility_label(v.value, lang),
            "explanation": visibility_explanation(v.value, lang),
        }
        for v in Visibility
    ]


def _flow_form(
    region: Region, organisation: Organisation, flow: Flow | None, sites: list[Site], lang: str,
    values: dict[str, str] | None = None, months: list[bool] | None = None,
    errors: dict[str, str] | None = None, *, conflict: bool = False,
) -> FormPage:  # fmt: skip
    base = f"/regions/{region.slug}"
    if values is None:
        if flow is not None:
            values = {
                "site_id": str(flow.site_id), "direction": flow.direction, "resource": flow.resource,
                "category": flow.category or "", "ewc": flow.ewc or "",
                "quantity": "" if flow.quantity is None else repr(flow.quantity), "unit": flow.unit or "",
                "temperature_c": "" if flow.temperature_c is None else repr(flow.temperature_c),
                "visibility": flow.visibility, "notes": flow.notes or "",
            }  # fmt: skip
        else:
            values = {"direction": "supply", "visibility": Visibility.FACILITATOR.value,
                      "site_id": str(sites[0].id) if sites else ""}  # fmt: skip
    if months is None:
        mask = flow.months_mask if flow is not None else 0xFFF
        months = [bool(mask & (1 << m)) for m in range(12)]
    category = values.get("category") or None
    return FormPage(
        slug=region.slug, kind="flow",
        heading=translate(N_("Change the flow") if flow else N_("Add a flow"), lang),
        action=f"{base}/flows/{flow.id}/edit" if flow else f"{base}/organisations/{organisation.id}/flows",
        values=values, errors=errors or {}, months=months, month_names=month_names(lang),
        version=flow.version if flow else None, conflict=conflict,
        directions=_options(Direction, direction_label, lang),
        categories=_options(Category, category_label, lang),
        visibilities=_visibilities(lang), sites=[Option(value=str(s.id), label=s.name) for s in sites],
        units=list(units_for(_category(category))), hidden_note=translate(HIDDEN_IN_MATCHES, lang),
        organisation_name=organisation.name, organisation_url=f"{base}/organisations/{organisation.id}",
        cancel_url=f"{base}/organisations/{organisation.id}",
    )  # fmt: skip


def _category(value: str | None) -> Category | None:
    try:
        return Category(value) if value else None
    except ValueError:
        return None


def _months_mask(ticked: list[str]) -> int:
    mask = 0
    for value in ticked:
        number = _int(value)
        if number is not None and 1 <= number <= 12:
            mask |= 1 << (number - 1)
    return mask


def _flow_input(values: dict[str, str], mask: int, lang: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's text as the service's input, and the errors the form itself finds
    (no months ticked; a unit that does not measure the category)."""
    errors: dict[str, str] = {}
    if mask == 0:
        errors["months"] = translate(FIELD_MESSAGES["months"], lang)
    unit, category = values.get("unit", ""), _category(values.get("category"))
    if unit and values.get("quantity") and not unit_fits(category, unit):
        errors["unit"] = translate(FIELD_MESSAGES["unit_category" if unit_fits(None, unit) else "unit"], lang)
    data: dict[str, Any] = {
        "site_id": values.get("site_id") or None, "direction": values.get("direction") or None,
        "resource": values.get("resource", ""), "category": values.get("category") or None,
        "ewc": values.get("ewc") or None,
        "quantity": (values.get("quantity") or "").replace(",", ".") or None,
        "unit": unit or None, "temperature_c": (values.get("temperature_c") or "").replace(",", ".") or None,
        "months": format_months(mask) if mask else None, "visibility": values.get("visibility") or None,
        "notes": values.get("notes", ""),
    }  # fmt: skip
    return data, errors


async def _posted_flow(request: Request) -> tuple[dict[str, str], list[str], str | None, int | None]:
    fields, ticked = await _form_of(request)
    values = {k: _text(fields, k) for k in FLOW_FIELDS}
    return values, ticked, fields.get("csrf_token"), _int(fields.get("version"))


def _flow_errors(exc: Exception, lang: str) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return _validation_errors(exc, lang)
    if isinstance(exc, ConflictError):
        return _conflict(exc, "flow", lang)
    if isinstance(exc, InvalidDataError):
        return _invalid_errors(exc, lang)
    raise exc


def _sites_of(session: SessionDep, region: Region, viewer: Viewer, organisation: Organisation) -> list[Site]:
    return list(
        flow_service.list_sites(session, region, viewer, organisation_id=organisation.id, per_page=500).items
    )


@router.get("/regions/{slug}/organisations/{organisation_id}/flows/new", response_class=HTMLResponse)
def new_flow(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, organisation_id: IdPath
) -> HTMLResponse:
    organisation = flow_service.get_organisation(session, region, viewer, organisation_id)
    _require_edit(viewer, organisation.id, web.lang)
    sites = _sites_of(session, region, viewer, organisation)
    return _render_form(web, region, _flow_form(region, organisation, None, sites, web.lang))


@router.post("/regions/{slug}/organisations/{organisation_id}/flows", response_model=None)
async def create_flow(
    web: FormWebDep, region: RegionDep, viewer: FormViewerDep, session: SessionDep, organisation_id: IdPath
) -> Response:
    values, ticked, token, _ = await _posted_flow(web.request)
    check_form(web, token)
    organisation = flow_service.get_organisation(session, region, viewer, organisation_id)
    mask = _months_mask(ticked)
    data, errors = _flow_input(values, mask, web.lang)
    if not errors:
        try:
            new = flow_service.NewFlow.model_validate({"organisation_id": organisation.id, **data})
            flow = flow_service.create_flow(session, region, viewer, new)
        except (ValidationError, InvalidDataError, ConflictError) as exc:
            session.rollback()
            errors = _flow_errors(exc, web.lang)
        else:
            return RedirectResponse(f"/regions/{region.slug}/flows/{flow.id}/edit?saved=1", status_code=303)
    sites = _sites_of(session, region, viewer, organisation)
    months = [bool(mask & (1 << m)) for m in range(12)]
    form = _flow_form(region, organisation, None, sites, web.lang, values, months, errors)
    return _render_form(web, region, form, status_code=422)


@router.get("/regions/{slug}/flows/{flow_id}/edit", response_class=HTMLResponse)
def edit_flow(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, flow_id: IdPath,
    saved: Annotated[bool, Query()] = False,
) -> HTMLResponse:  # fmt: skip
    flow = flow_service.get_flow(session, region, viewer, flow_id)
    _require_edit(viewer, flow.organisation_id, web.lang)
    sites = _sites_of(session, region, viewer, flow.organisation)
    form = _flow_form(region, flow.organisation, flow, sites, web.lang)
    if saved:
        form.notice = translate(SAVED, web.lang)
    return _render_form(web, region, form)


@router.post("/regions/{slug}/flows/{flow_id}/edit", response_model=None)
async def update_flow(
    web: FormWebDep, region: RegionDep, viewer: FormViewerDep, session: SessionDep, flow_id: IdPath
) -> Response:
    values, ticked, token, version = await _posted_flow(web.request)
    check_form(web, token)
    flow = flow_service.get_flow(session, region, viewer, flow_id)
    organisation = flow.organisation
    mask = _months_mask(ticked)
    data, errors = _flow_input(values, mask, web.lang)
    if not errors:
        try:
            changes = flow_service.FlowChanges.model_validate(data)
            flow_service.update_flow(session, region, viewer, flow_id, changes, expected_version=version)
        except StaleWriteError:
            session.rollback()
            flow = flow_service.get_flow(session, region, viewer, flow_id)
            session.refresh(flow)
            sites = _sites_of(session, region, viewer, organisation)
            form = _flow_form(region, organisation, flow, sites, web.lang,
                              errors={GENERAL: translate(STALE, web.lang)}, conflict=True)  # fmt: skip
            return _render_form(web, region, form, status_code=409)
        except (ValidationError, InvalidDataError, ConflictError) as exc:
            session.rollback()
            errors = _flow_errors(exc, web.lang)
        else:
            return RedirectResponse(f"/regions/{region.slug}/flows/{flow_id}/edit?saved=1", status_code=303)
    sites = _sites_of(session, region, viewer, organisation)
    months = [bool(mask & (1 << m)) for m in range(12)]
    form = _flow_form(region, organisation, flow, sites, web.lang, values, months, errors)
    return _render_form(web, region, form, status_code=422)


# --- live help for the flow form -----------------------------------------------------


@cache
def classifier() -> Classifier:
    """One classifier over the packaged knowledge base (built once, results cached)."""
    return Classifier(default_knowledge_base())


class Suggestion(BaseModel):
    kind: str  # class, ewc, nace
    code: str
    label: str
    category: str | None = None
    category_label: str | None = None


class ClassifyData(BaseModel):
    text: str
    best: Suggestion | None
    confidence: str
    reasons: list[str]
    suggestions: list[Suggestion]


def classify_data(text: str, direction: str | None, category: str | None, lang: str) -> ClassifyData:
    """The knowledge base's reading of a resource text: the class the classifier
    picks (with its reasons) and the closest classes, EWC and NACE entries by words."""
    text = text.strip()[:300]
    if len(text) < 2:
        return ClassifyData(text=text, best=None, confidence="", reasons=[], suggestions=[])
    clf = classifier()
    result = clf.classify(text, direction=direction or None, category=category or None)
    best = None
    if result.class_id:
        rc = clf.resource_class(result.class_id)
        best = Suggestion(
            kind="class", code=rc.id, label=getattr(rc.labels, lang, None) or rc.labels.en,
            category=rc.category.value, category_label=category_label(rc.category.value, lang),
        )  # fmt: skip
    suggestions: list[Suggestion] = []
    kb = default_knowledge_base()
    for hit in search_knowledge(text, limit=6):
        if hit["kind"] == "class":
            if best is not None and hit["id"] == best.code:
                continue
            rc = kb.classes[hit["id"]]
            suggestions.append(Suggestion(
                kind="class", code=rc.id, label=getattr(rc.labels, lang, None) or rc.labels.en,
                category=rc.category.value, category_label=category_label(rc.category.value, lang),
            ))  # fmt: skip
        else:
            suggestions.append(Suggestion(kind=hit["kind"], code=hit["id"], label=hit["label"]))
    return ClassifyData(
        text=text, best=best, confidence=f"{format_number(100 * result.confidence, lang, 0)} %",
        reasons=[r.render(lang) for r in result.reasons[:3]], suggestions=suggestions[:5],
    )  # fmt: skip


@router.get("/regions/{slug}/classify", response_class=HTMLResponse)
def classify(
    web: WebDep,
    region: RegionDep,
    resource: Annotated[str, Query(max_length=1000)] = "",
    direction: Annotated[Direction | Blank | None, Query()] = None,
    category: Annotated[Category | Blank | None, Query()] = None,
) -> HTMLResponse:
    """The suggestions fragment under the resource field, fetched as the user types."""
    data = classify_data(resource, blank(direction), blank(category), web.lang)
    return web.render("_classify.html", DataPage(data), web.chrome("", nav="", region=region))


@router.get("/regions/{slug}/units", response_class=HTMLResponse)
def units(
    web: WebDep, region: RegionDep, category: Annotated[Category | Blank | None, Query()] = None
) -> HTMLResponse:
    """The unit choices for a category (the unit field's list), as the category changes."""
    data = {"units": list(units_for(blank(category)))}
    return web.render("_units.html", DataPage(data), web.chrome("", nav="", region=region))
