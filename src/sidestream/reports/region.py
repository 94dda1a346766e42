"""The region report: map, hubs, potential and top synergies, as one HTML document (and
its PDF), in English or Norwegian.

The document is self-contained — styles inline, the map an inline SVG drawn from
site coordinates and Natural Earth outlines — so chromium prints it with no network.
Its input, :class:`RegionReport`, holds only what the reader may see; the service
layer (:mod:`sidestream.services.reports`) builds it under the reader's visibility.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from sidestream.i18n import N_, Message, format_date, format_number, gettext, ngettext, normalise_lang
from sidestream.mapping.hubs import REASON_NO_CO2E, Hub, PairKey
from sidestream.mapping.potential import RegionalPotential
from sidestream.mapping.svgmap import MapHub, MapLayers, MapSite, render_svg
from sidestream.optimise.metrics import NETWORK_METRICS
from sidestream.reports.pdf import html_to_pdf

UNIT_MSGIDS = {"MWh/yr": N_("MWh/yr"), "t/yr": N_("t/yr"), "m3/yr": N_("m³/yr")}
CATEGORY_COLOURS = {
    "heat": "#d7301f", "steam": "#b30000", "cooling": "#4eb3d3", "electricity": "#fdbb2d",
    "water": "#2b8cbe", "wastewater": "#6a51a3", "material": "#8c6d31", "waste": "#636363",
    "by-product": "#a6761d", "gas": "#66a61e", "co2": "#252525",
}  # fmt: skip
OTHER_COLOUR = "#7f7f7f"
TOP_SYNERGIES = 12
MAP_LINES = 60


@dataclass(frozen=True)
class RegionReport:
    """What the report shows, already cut to its reader."""

    name: str
    slug: str
    flows: pd.DataFrame
    matches: list[dict[str, Any]]
    hubs: list[Hub]
    potential: RegionalPotential
    generated_at: datetime
    audience: Message  # who it was compiled for, e.g. "a facilitator: private flows left out"
    evaluations: Mapping[PairKey, Mapping[str, Any]] = field(default_factory=dict)
    network: Mapping[str, Any] | None = None  # services.scenarios.network_view: chosen links, cut


def _network(report: RegionReport, lang: str) -> dict[str, Any] | None:
    """The chosen network's totals (with the metric set IS programmes report) and links
    as text with units (None: not computed)."""
    net = report.network
    if net is None:
        return None
    links = []
    for link in net.get("links", []):
        s, d = link.get("supply") or {}, link.get("demand") or {}
        q, co2e, benefit = link.get("quantity"), link.get("co2e_t_per_yr"), link.get("net_benefit_eur_per_yr")
        links.append({
            "supply": s.get("actor") or s.get("text") or "", "demand": d.get("actor") or d.get("text") or "",
            "resource": s.get("resource") or "", "anonymised": bool(link.get("anonymised")),
            "amount": amount_text(float(q), link.get("quantity_unit"), lang) if q is not None else "",
            "net": _money({"value": benefit, "unit": "EUR/yr"}, lang) or "",
            "co2e": amount_text(float(co2e), "t/yr", lang) if co2e is not None else "",
        })  # fmt: skip

    co2e_total = net.get("co2e_t_per_yr")
    metrics = [
        {"label": gettext(lang)(m.label),
         "text": amount_text(float(net[m.total]), m.unit, lang) if net.get(m.total) is not None
         else gettext(lang)(N_("unknown"))}
        for m in NETWORK_METRICS
    ]  # fmt: skip
    return {
        "metrics": metrics,
        "links": links[: TOP_SYNERGIES * 2],
        "n_links": len(links),
        "partial": bool(net.get("partial")),
        "net": _money({"value": net.get("net_benefit_eur_per_yr"), "unit": "EUR/yr"}, lang) or "",
        "capex": _money({"value": net.get("capex_eur"), "unit": "EUR"}, lang) or "",
        "co2e": amount_text(float(co2e_total), "t/yr", lang) if co2e_total is not None else "",
    }


def amount_text(value: float | None, unit: str | None, lang: str) -> str:
    """``1 235 MWh/år``: fewer decimals the bigger the number.

    >>> amount_text(1234.5, "MWh/yr", "nb"), amount_text(2.25, "t/yr", "en")
    ('1\\xa0234 MWh/år', '2.2 t/yr')
    """
    if value is None:
        return ""
    digits = 0 if abs(value) >= 100 else 1
    label = gettext(lang)(UNIT_MSGIDS[unit]) if unit in UNIT_MSGIDS else (unit or "")
    return f"{format_number(value, lang, digits)} {label}".strip()


def _environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("sidestream.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext(lang), ngettext(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        number=lambda v, digits=1: "" if v is None else format_number(float(v), lang, digits),
        amount=lambda v, unit: amount_text(v, unit, lang),
    )
    return env


def report_map(report: RegionReport, lang: str) -> str:
    """The inline SVG map: visible flows by category, best full matches, hub outlines."""
    peak: dict[tuple[Any, Any], float] = {}
    records = report.flows.to_dict("records")
    for f in records:
        q = f.get("annual_quantity")
        if q is not None and q == q and q > 0:
            key = (f.get("category"), f.get("annual_unit"))
            peak[key] = max(peak.get(key, 0.0), float(q))
    sites = []
    for f in records:
        q, top = f.get("annual_quantity"), peak.get((f.get("category"), f.get("annual_unit")))
        size = (float(q) / top) ** 0.5 if q is not None and q == q and top else 0.2
        colour = CATEGORY_COLOURS.get(str(f.get("category")), OTHER_COLOUR)
        label = f"{f.get('actor')}: {f.get('resource')}"
        sites.append(
            MapSite(float(f["lat"]), float(f["lon"]), colour, f["direction"] == "supply", size, label)
        )
    best = sorted(report.matches, key=lambda r: -float(r["score"]))[:MAP_LINES]
    lines = [
        (
            float(r["supply"]["lat"]),
            float(r["supply"]["lon"]),
            float(r["demand"]["lat"]),
            float(r["demand"]["lon"]),
        )
        for r in best
    ]
    hubs = [MapHub(h.outline, f"{h.rank}. {h.name}") for h in report.hubs]
    title = gettext(lang)(N_("Map of the region's flows, best matches and potential hubs"))
    return render_svg(MapLayers(sites, lines, hubs), title=title)


def _money(value: Mapping[str, Any], lang: str) -> str | None:
    """``{"value": 1696000, "unit": "EUR/yr"}`` as ``1,696,000 EUR/yr``."""
    if value.get("value") is None:
        return None
    return f"{format_number(float(value['value']), lang, 0)} {value.get('unit', '')}".strip()


def _synergies(report: RegionReport, lang: str) -> list[dict[str, Any]]:
    rows = []
    for r in sorted(report.matches, key=lambda r: -float(r["score"]))[:TOP_SYNERGIES]:
        s, d = r["supply"], r["demand"]
        est = r.get("estimate") or {}
        ev = report.evaluations.get((str(s["id"]), str(d["id"])), {})
        co2e = ev.get("co2e_t_per_yr")
        net = ev.get("net_annual") or {}
        rows.append({
            "supply": s.get("actor"), "supply_resource": s.get("class_label") or s.get("resource"),
            "demand": d.get("actor"), "demand_resource": d.get("class_label") or d.get("resource"),
            "score": float(r["score"]), "distance_km": float(r["distance_km"]),
            "amount": amount_text(est.get("quantity"), est.get("unit"), lang) if est.get("quantity") else "",
            "co2e": amount_text(float(co2e), "t/yr", lang) if co2e is not None else None,
            "net": _money(net, lang),
        })  # fmt: skip
    return rows


def _band_bars(potential: RegionalPotential) -> list[dict[str, Any]]:
    peak = max([max(r.supply_amount, r.demand_amount) for r in potential.heat_bands] + [1.0])
    return [
        {"label": r.label, "supply": r.supply_amount / peak, "demand": r.demand_amount / peak, "row": r}
        for r in potential.heat_bands
    ]


def render_region_html(report: RegionReport, lang: str = "en") -> str:
    """The report as a self-contained HTML document."""
    lang = normalise_lang(lang)
    supplies = int((report.flows["direction"] == "supply").sum()) if len(report.flows) else 0
    heat_total = sum(r.supply_amount for r in report.potential.heat_bands)
    context = {
        "lang": lang,
        "r": report,
        "generated": format_date(report.generated_at, lang),
        "audience": report.audience.render(lang),
        "counts": {
            "flows": len(report.flows),
            "supplies": supplies,
            "demands": len(report.flows) - supplies,
            "matches": len(report.matches),
            "hubs": len(report.hubs),
        },
        "heat_total": heat_total,
        "map_svg": Markup(report_map(report, lang)),  # our own SVG: every text in it is escaped
        # The "CO2e not estimated" reason is shown beside the potential instead.
        "hubs": [
            {"hub": h, "why": [r.render(lang) for r in h.reasons if r.msgid != REASON_NO_CO2E]}
            for h in report.hubs
        ],
        "bands": _band_bars(report.potential),
        "materials": report.potential.materials[:15],
        "synergies": _synergies(report, lang),
        "evaluated": bool(report.evaluations),
        "network": _network(report, lang),
        "colours": CATEGORY_COLOURS,
    }
    return _environment(lang).get_template("region.html").render(context)


def render_region_pdf(report: RegionReport, lang: str = "en") -> bytes:
    return html_to_pdf(render_region_html(report, lang))


def hub_names(hubs: Sequence[Hub]) -> list[str]:
    return [h.name for h in hubs]
