"""A saved synergy's evaluation: figures with units, the parameters used with their
origin and source, and a tornado chart of what moves the NPV most.

The data come from :func:`sidestream.services.evaluation.synergy_evaluation`, so a
viewer who may not see one side gets the same decade bands as the API (no tornado,
no quantities). ``…/evaluation.json`` is the twin.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from sidestream.api.deps import IdPath, RegionDep, SessionDep, ViewerDep
from sidestream.domain.visibility import Viewer
from sidestream.i18n import N_
from sidestream.services.evaluation import synergy_evaluation
from sidestream.store.models import Region
from sidestream.web.context import DataPage
from sidestream.web.deps import WebDep
from sidestream.web.errors import HtmlRoute
from sidestream.web.estimates import estimate_figures
from sidestream.web.labels import amount_text

router = APIRouter(route_class=HtmlRoute, include_in_schema=False)
twins = APIRouter(include_in_schema=False)

TORNADO_ROWS = 12
LABELS = {
    "quantity": N_("Exchanged"), "heat_delivered": N_("Heat delivered"),
    "electricity": N_("Heat-pump electricity"), "capex": N_("Investment"), "net_annual": N_("Net benefit"),
    "npv": N_("Net present value"),
    "payback": N_("Payback"), "lcoh": N_("Levelised cost of heat"), "co2e_avoided": N_("CO2e avoided"),
    "diverted_from_disposal": N_("Diverted from disposal"), "water_saved": N_("Water saved"),
}  # fmt: skip


class Figure(BaseModel):
    label: str  # msgid
    text: str


class Bar(BaseModel):
    key: str
    low_text: str
    high_text: str
    # bar geometry in percent of the half-width, signed (negative = left of the base)
    low_pct: float
    high_pct: float


class Param(BaseModel):
    key: str
    value: str
    origin: str
    source: str
    assumption: bool


class EvaluationData(BaseModel):
    slug: str
    synergy_id: int
    anonymised: str | None
    figures: list[Figure]
    bands: list[str]
    assumptions: list[str]
    parameters: list[Param]
    bars: list[Bar]
    note: str | None = None


def _figures(ev: dict[str, Any], lang: str) -> list[Figure]:
    flat = {**ev["physical"], **ev["economic"], **ev["environmental"]}
    out = []
    for key, label in LABELS.items():
        item = flat.get(key)
        if isinstance(item, dict) and item.get("value") is not None:
            out.append(Figure(label=label, text=amount_text(float(item["value"]), item.get("unit"), lang)))
    return out


def _bars(rows: list[dict[str, Any]], lang: str) -> list[Bar]:
    rows = rows[:TORNADO_ROWS]
    scale = max([abs(r[k]["value"]) for r in rows for k in ("delta_npv_low", "delta_npv_high")] + [1e-9])
    return [
        Bar(
            key=r["key"],
            low_text=amount_text(r["delta_npv_low"]["value"], r["delta_npv_low"]["unit"], lang),
            high_text=amount_text(r["delta_npv_high"]["value"], r["delta_npv_high"]["unit"], lang),
            low_pct=100 * r["delta_npv_low"]["value"] / scale,
            high_pct=100 * r["delta_npv_high"]["value"] / scale,
        )
        for r in rows
    ]


def evaluation_data(
    session: SessionDep, region: Region, viewer: Viewer, synergy_id: int, lang: str
) -> EvaluationData:
    doc = synergy_evaluation(session, region, viewer, synergy_id, lang=lang, with_tornado=True, pct=0.2)
    params = [
        Param(
            key=p["key"], value=f"{p['given']['value']} {p['given']['unit']}".strip(), origin=p["origin"],
            source=(p["source"] or {}).get("title", "—"), assumption=bool(p["assumption"]),
        )
        for p in doc["parameters"]
    ]  # fmt: skip
    if doc.get("anonymised"):
        return EvaluationData(
            slug=region.slug, synergy_id=synergy_id, anonymised=doc["anonymised"], figures=[],
            bands=estimate_figures(doc["estimate"], lang), assumptions=[], parameters=params, bars=[],
        )  # fmt: skip
    ev = doc["evaluations"][0]
    return EvaluationData(
        slug=region.slug, synergy_id=synergy_id, anonymised=None, figures=_figures(ev, lang), bands=[],
        assumptions=doc["assumptions"], parameters=params, bars=_bars(doc["tornado"]["rows"], lang),
        note=ev.get("note"),
    )  # fmt: skip


@router.get("/regions/{slug}/synergies/{synergy_id}/evaluation", response_class=HTMLResponse)
def evaluation_page(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, synergy_id: IdPath
) -> HTMLResponse:
    data = evaluation_data(session, region, viewer, synergy_id, web.lang)
    chrome = web.chrome(region.name, nav="matches", region=region)
    return web.render("evaluation.html", DataPage(data), chrome)


@twins.get("/regions/{slug}/synergies/{synergy_id}/evaluation.json", response_model=EvaluationData)
def evaluation_json(
    web: WebDep, region: RegionDep, viewer: ViewerDep, session: SessionDep, synergy_id: IdPath
) -> EvaluationData:
    return evaluation_data(session, region, viewer, synergy_id, web.lang)
