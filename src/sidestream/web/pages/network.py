"""The region's network: the chosen links of a scenario on the map, and the scenarios
side by side — and its JSON twin ``/regions/{slug}/network.json``, built by the same
:func:`network_data`. Everything comes cut to the viewer (``services/scenarios.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sidestream.api.deps import RegionDep, SessionDep, ViewerDep
from sidestream.config import Settings
from sidestream.domain.visibility import Viewer
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import N_, Message, translate
from sidestream.optimise.metrics import METRIC_TOTALS, NETWORK_METRICS
from sidestream.optimise.scenarios import compare
from sidestream.services import scenarios as service
from sidestream.store.models import Region
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.labels import amount_text, category_colour, category_label, direction_label

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
        "can_read": True, "selected": chosen["id"] if chosen else None, "scenarios": scenarios,
        "links": links, "points": list(points.values()), "lines": lines,
        "metrics": _metrics(chosen["result"], lang) if chosen else [],
        "metrics_partial": bool(chosen["result"]["partial"]) if chosen else False,
    })  # fmt: skip


ScenarioQuery = Annotated[int | None, Query(ge=1, description="Scenario to show on the map.")]


@router.get("/regions/{slug}/network", response_class=HTMLResponse)
def network_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, scenario: ScenarioQuery = None
) -> HTMLResponse:
    data = network_data(session, region, viewer, web.settings, web.lang, scenario)
    chrome = web.chrome(region.name, nav="network", region=region)
    payload = data.model_dump(mode="json", include={"slug", "lang", "points", "lines", "tile_url"})
    return web.render("network.html", DataPage(data, payload), chrome)


@twins.get("/regions/{slug}/network.json", response_model=NetworkData)
def network_json(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, scenario: ScenarioQuery = None
) -> NetworkData:
    return network_data(session, region, viewer, web.settings, web.lang, scenario)
