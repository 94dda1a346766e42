"""The workshop outcome report: one self-contained HTML document (inline CSS, an SVG
map drawn from site coordinates) in English or Norwegian, printed to PDF by
:mod:`sidestream.reports.pdf`.

The data comes from ``services.workshops.outcome`` already cut to the reader's view;
this module only lays it out, so the web page, the API download and the CLI print
the same report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sidestream.facilitation.workshops import PHASE_LABELS, QUADRANT_LABELS, Phase, Quadrant, format_join_code
from sidestream.i18n import N_, format_date, format_number, gettext, ngettext, normalise_lang, translate
from sidestream.reports.pdf import html_to_pdf
from sidestream.reports.site_map import MapLine, MapPoint, site_map_svg
from sidestream.web.labels import (
    amount_text,
    category_colour,
    category_label,
    direction_label,
    visibility_label,
)

if TYPE_CHECKING:
    from sidestream.services.workshops import Outcome

RANKED_ROWS = 15
MAP_TITLE = N_("Map of the participants' sites and matches")


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
        category=lambda v: category_label(v, lang),
        direction=lambda v: direction_label(v, lang),
        visibility=lambda v: visibility_label(v, lang),
        quadrant=lambda v: translate(QUADRANT_LABELS[Quadrant(v)], lang) if v else "",
        phase=lambda v: translate(PHASE_LABELS[Phase(v)], lang),
    )
    return env


def outcome_map(data: Outcome, lang: str) -> str:
    points = [
        MapPoint(f.lat, f.lon, category_colour(f.category), f.organisation, f.direction == "supply")
        for f in data.points
    ]
    lines = [MapLine((s.lat, s.lon), (d.lat, d.lon), score) for s, d, score in data.lines]
    return site_map_svg(points, lines, title=translate(MAP_TITLE, lang))


def render_html(data: Outcome, lang: str | None = None) -> str:
    """The report as HTML in ``lang`` (default: the workshop's language)."""
    code = normalise_lang(lang or data.workshop.language)
    w = data.workshop
    context: dict[str, Any] = {
        "lang": code,
        "d": data,
        "w": w,
        "held_on": format_date(w.held_on, code, "long") if w.held_on else "",
        "printed": format_date(datetime.now(UTC), code, "long"),
        "join_code": format_join_code(w.join_code),
        "map_svg": outcome_map(data, code),
        "rows": RANKED_ROWS,
    }
    return _environment(code).get_template("workshop_report.html").render(context)


def render_pdf(data: Outcome, lang: str | None = None) -> bytes:
    return html_to_pdf(render_html(data, lang))
