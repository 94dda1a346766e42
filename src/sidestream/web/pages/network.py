"""The region's network: the chosen links of a scenario on the map, and the scenarios
side by side — and its JSON twin ``/regions/{slug}/network.json``, built by the same
:func:`network_data`. Everything comes cut to the viewer (``services/scenarios.py``).

Facilitators (those who manage the region) also get the forms: a new scenario from a
preset (``scenario_form.py``), running one as a background job (its progress page
comes back here with the scenario selected) and deleting one after a confirmation.
Everybody else gets neither the forms nor, on a forged post, anything but the
permission error page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from sidestream.api.deps import IdPath, RegionDep, SessionDep, ViewerDep
from sidestream.config import Settings
from sidestream.domain.visibility import Viewer
from sidestream.errors import ConflictError, InvalidDataError, PermissionDeniedError
from sidestream.i18n import N_, Message, translate
from sidestream.optimise.metrics import METRIC_TOTALS, NETWORK_METRICS
from sidestream.optimise.scenarios import compare
from sidestream.services import scenarios as service
from sidestream.services.jobs import JobKind, create_job, scenario_work
from sidestream.store.models import Region
from sidestream.web.deps import FormWebDep, Web, WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.forms import form_viewer
from sidestream.web.labels import amount_text, category_colour, category_label, direction_label
from sidestream.web.pages.jobs import launch
from sidestream.web.pages.scenario_form import (
    GENERAL,
    ScenarioForm,
    posted_values,
    read_form,
    scenario_form,
)

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)
LINE_LABEL = N_("{supply} → {demand}: {quantity}")


class ScenarioRow(BaseModel):
    id: int
    name: str
    description: str
    run_at: str | None
    objective_value: float | None
    net_benefit_eur_per_yr: float | None
    co2e_t_per_yr: float | None
    capex_eur: float | None
    diverted_t_per_yr: float | None = None
    virgin_material_saved_t_per_yr: float | None = None
    water_saved_m3_per_yr: float | None = None
    hazardous_avoided_t_per_yr: float | None = None
    energy_delivered_mwh_per_yr: float | None = None
    n_links: int
    added: list[str]
    removed: list[str]
    partial: bool


class MetricTotal(BaseModel):
    """One figure of the metric set IS programmes report, for the network on the map."""

    key: str  # e.g. diverted_t_per_yr
    label: str  # in the reader's language
    value: float | None  # in the unit of the key; None when unknown
    text: str  # value with its unit; empty when unknown


class ChosenLink(BaseModel):
    link_id: str
    supply: str
    demand: str
    quantity: str  # with its unit; empty when the viewer may not see it
    mode: str
    net_benefit_eur_per_yr: float | None
    co2e_t_per_yr: float | None
    capex_eur: float | None
    anonymised: str | None


class NetworkData(BaseModel):
    slug: str
    name: str
    lang: str
    can_read: bool
    can_manage: bool = False  # may create, run and delete scenarios
    selected: int | None
    scenarios: list[ScenarioRow]
    links: list[ChosenLink]
    metrics: list[MetricTotal]  # of the scenario on the map, over the links seen in full
    metrics_partial: bool
    points: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    tile_url: str | None


def _label(side: dict[str, Any]) -> str:
    return str(side.get("actor") or side.get("text") or "")


TOTAL_KEYS = ("objective_value", "net_benefit_eur_per_yr", "co2e_t_per_yr", "capex_eur", *METRIC_TOTALS,
              "n_links", "added", "removed")  # fmt: skip


def _scenario_row(view: dict[str, Any], compared: dict[str, Any] | None) -> ScenarioRow:
    totals: dict[str, Any] = {k: compared[k] for k in TOTAL_KEYS} if compared else {
        "objective_value": None, "net_benefit_eur_per_yr": None, "co2e_t_per_yr": None, "capex_eur": None,
        **dict.fromkeys(METRIC_TOTALS), "n_links": 0, "added": [], "removed": [],
    }  # fmt: skip
    return ScenarioRow(
        id=view["id"],
        name=view["name"],
        description=str(view["spec"].get("description", "")),
        run_at=view["run_at"],
        partial=bool(view["result"]["partial"]) if view["result"] else False,
        **totals,
    )


def _metrics(result: dict[str, Any], lang: str) -> list[MetricTotal]:
    """The metric set of a result as cut to the viewer (``services.scenarios``)."""
    out = []
    for m in NETWORK_METRICS:
        value = result.get(m.total)
        text = amount_text(value, m.unit, lang) if value is not None else ""
        out.append(MetricTotal(key=m.total, label=translate(m.label, lang), value=value, text=text))
    return out


def _point(side: dict[str, Any], direction: str, lang: str) -> dict[str, Any]:
    """A flow as the overview map draws it (``frontend/src/map.js``)."""
    return {
        "flow_id": side["flow_id"], "key": side["id"], "lat": side["lat"], "lon": side["lon"],
        "direction": direction, "direction_label": direction_label(direction, lang),
        "category": side.get("category") or "unclassified",
        "category_label": category_label(side.get("category"), lang),
        "colour": category_colour(side.get("category")), "resource": side["resource"],
        "organisation": side["actor"], "site": side["actor"], "amount": "", "size": 0.5,
    }  # fmt: skip


def network_data(
    session: SessionDep, region: Region, viewer: Viewer, settings: Settings, lang: str, selected: int | None
) -> NetworkData:
    """Scenarios as ``viewer`` may see them, the selected (or latest run) one on the map."""
    empty = NetworkData(slug=region.slug, name=region.name, lang=lang, can_read=False, selected=None,
                        scenarios=[], links=[], metrics=[], metrics_partial=False, points=[], lines=[],
                        tile_url=settings.tile_url)  # fmt: skip
    try:
        views = service.list_scenarios(session, region, viewer, secret=settings.secret_key, lang=lang)
    except PermissionDeniedError:
        return empty
    run = [v for v in views if v["result"] is not None]
    rows = {r["name"]: r for r in compare([(v["name"], v["result"]) for v in run])}
    scenarios = [_scenario_row(v, rows.get(v["name"])) for v in views]
    chosen = next((v for v in run if v["id"] == selected), run[-1] if run else None)
    links: list[ChosenLink] = []
    points: dict[str, dict[str, Any]] = {}
    lines: list[dict[str, Any]] = []
    for link in chosen["result"]["links"] if chosen else []:
        quantity = ""
        if link["quantity"] is not None:
            quantity = amount_text(link["quantity"], link["quantity_unit"], lang)
        links.append(
            ChosenLink(
                link_id=link["link_id"],
                supply=_label(link["supply"]),
                demand=_label(link["demand"]),
                quantity=quantity,
                mode=link.get("mode") or "",
                net_benefit_eur_per_yr=link["net_benefit_eur_per_yr"],
                co2e_t_per_yr=link["co2e_t_per_yr"],
                capex_eur=link["capex_eur"],
                anonymised=link["anonymised"],
            )
        )
        for direction in ("supply", "demand"):
            side = link[direction]
            if not side.get("anonymised") and side.get("lat") is not None:
                points[side["id"]] = _point(side, direction, lang)
        if not link["anonymised"]:
            names = {
                "supply": link["supply"]["actor"],
                "demand": link["demand"]["actor"],
                "quantity": quantity,
            }
            lines.append({
                "supply": (link["supply"]["lat"], link["supply"]["lon"]),
                "demand": (link["demand"]["lat"], link["demand"]["lon"]),
                "score": 0.8,
                "label": Message(LINE_LABEL, names).render(lang),
            })  # fmt: skip
    return empty.model_copy(update={
        "can_read": True, "can_manage": viewer.manages_region,
        "selected": chosen["id"] if chosen else None, "scenarios": scenarios,
        "links": links, "points": list(points.values()), "lines": lines,
        "metrics": _metrics(chosen["result"], lang) if chosen else [],
        "metrics_partial": bool(chosen["result"]["partial"]) if chosen else False,
    })  # fmt: skip


ScenarioQuery = Annotated[int | None, Query(ge=1, description="Scenario to show on the map.")]
NoticeQuery = Annotated[str, Query(max_length=20, description="What was just done (created, deleted).")]
NOTICES = {
    "created": N_("The scenario is saved. Run it to see its network and its totals."),
    "deleted": N_("The scenario is deleted."),
}


@dataclass(frozen=True, slots=True)
class NetworkPage:
    """The page: its data (the twin's), the map's payload, and for facilitators the
    new-scenario form (as posted, with its errors, when it was sent back)."""

    data: NetworkData
    payload: dict[str, Any] = field(default_factory=dict)
    form: ScenarioForm | None = None
    notice: str | None = None


def render_network(
    web: Web, session: SessionDep, region: Region, viewer: Viewer, selected: int | None, *,
    form: ScenarioForm | None = None, notice: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    data = network_data(session, region, viewer, web.settings, web.lang, selected)
    if form is None and data.can_manage:
        form = scenario_form(region.slug, web.lang)
    chrome = web.chrome(region.name, nav="network", region=region)
    payload = data.model_dump(mode="json", include={"slug", "lang", "points", "lines", "tile_url"})
    page = NetworkPage(data, payload, form if data.can_manage else None, notice)
    return web.render("network.html", page, chrome, status_code=status_code)


@router.get("/regions/{slug}/network", response_class=HTMLResponse)
def network_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, scenario: ScenarioQuery = None,
    done: NoticeQuery = "",
) -> HTMLResponse:  # fmt: skip
    notice = translate(NOTICES[done], web.lang) if done in NOTICES else None
    return render_network(web, session, region, viewer, scenario, notice=notice)


@router.get("/regions/{slug}/network/factors", response_class=HTMLResponse)
def preset_factors(
    web: WebDep, region: RegionDep, preset: Annotated[str, Query(max_length=40)] = "baseline"
) -> HTMLResponse:
    """The factor fields filled for ``preset`` (htmx swaps them in when the preset changes)."""
    form = scenario_form(region.slug, web.lang, {"preset": preset})
    return web.render("_scenario_factors.html", form, None)


def _start_run(web: Web, session: SessionDep, region: Region, scenario_id: int) -> RedirectResponse:
    assert web.user is not None  # form_viewer checked the session
    job = create_job(session, web.user, JobKind.SCENARIO, region=region, params={"scenario_id": scenario_id})
    launch(web.request, job, scenario_work())
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/regions/{slug}/network/scenarios", response_model=None)
async def create_scenario(
    request: Request, web: FormWebDep, region: RegionDep, session: SessionDep
) -> Response:
    """Save the form's scenario, then back to the page ("Save") or on to its run
    ("Save and run"). Errors send the form back with everything as typed; nothing is
    saved unless the whole scenario is valid."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    viewer = form_viewer(session, web, region, fields.get("csrf_token", ""))
    service.require_manager(viewer)
    spec, errors = read_form(fields, web.lang)
    if spec is not None:
        try:
            scenario = service.create_scenario(session, region, viewer, fields.get("name", ""), spec)
        except ConflictError as exc:
            errors = {"name": exc.render(web.lang)}
        except InvalidDataError as exc:
            errors = {"name" if not fields.get("name", "").strip() else GENERAL: exc.render(web.lang)}
        else:
            if fields.get("then") == "run":
                return _start_run(web, session, region, scenario.id)
            return RedirectResponse(
                f"/regions/{region.slug}/network?done=created#scenario-{scenario.id}", status_code=303
            )
    sent_back = scenario_form(region.slug, web.lang, posted_values(fields), errors)
    return render_network(web, session, region, viewer, None, form=sent_back, status_code=422)


@router.post("/regions/{slug}/network/scenarios/{scenario_id}/run", response_model=None)
def run_scenario(
    web: FormWebDep, region: RegionDep, session: SessionDep, scenario_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:  # fmt: skip
    """Run the saved scenario in the background; the reader goes to its progress page."""
    viewer = form_viewer(session, web, region, csrf_token)
    service.saved_scenario(session, region, viewer, scenario_id)
    return _start_run(web, session, region, scenario_id)


class DeletePage(BaseModel):
    slug: str
    id: int
    name: str


@router.get("/regions/{slug}/network/scenarios/{scenario_id}/delete", response_class=HTMLResponse)
def confirm_delete(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, scenario_id: IdPath
) -> HTMLResponse:
    """Ask before deleting (the page's "Delete" is a link here; the button is a post)."""
    scenario = service.saved_scenario(session, region, viewer, scenario_id)
    chrome = web.chrome(region.name, nav="network", region=region)
    page = DeletePage(slug=region.slug, id=scenario.id, name=scenario.name)
    return web.render("scenario_delete.html", page, chrome)


@router.post("/regions/{slug}/network/scenarios/{scenario_id}/delete", response_model=None)
def delete_scenario(
    web: FormWebDep, region: RegionDep, session: SessionDep, scenario_id: IdPath,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:  # fmt: skip
    viewer = form_viewer(session, web, region, csrf_token)
    service.delete_scenario(session, region, viewer, scenario_id)
    return RedirectResponse(f"/regions/{region.slug}/network?done=deleted", status_code=303)


@twins.get("/regions/{slug}/network.json", response_model=NetworkData)
def network_json(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, scenario: ScenarioQuery = None
) -> NetworkData:
    return network_data(session, region, viewer, web.settings, web.lang, scenario)
