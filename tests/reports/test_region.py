"""The region report on the Helgeland demo: printed to PDF (pages, key numbers read back
with pypdf), in English and Norwegian, offline, with the map drawn from coordinates."""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from sidestream.i18n import Message
from sidestream.io import read_flow_table
from sidestream.knowledge.regions import demo_region_path
from sidestream.mapping.hubs import co2e_by_pair, evaluations_from_matches, find_hubs
from sidestream.mapping.potential import regional_potential
from sidestream.mapping.svgmap import WORLD_ATLAS, land_rings
from sidestream.matching import MatchParams, match
from sidestream.reports import pdf
from sidestream.reports.region import RegionReport, amount_text, render_region_html, render_region_pdf

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "report-region.png"


def _report(lang: str) -> RegionReport:
    table = read_flow_table(demo_region_path("helgeland"))
    doc = match(table.frame, MatchParams(top_k=5)).to_json(lang)
    evaluations = evaluations_from_matches(doc["matches"])
    return RegionReport(
        name="Helgeland", slug="helgeland", flows=table.frame, matches=doc["matches"],
        hubs=find_hubs(table.frame, doc["matches"], co2e_t_per_yr=co2e_by_pair(evaluations)),
        potential=regional_potential(table.frame, doc["matches"], lang=lang),
        generated_at=datetime(2026, 11, 27, tzinfo=UTC), audience=Message("the region's facilitators"),
        evaluations=evaluations,
    )  # fmt: skip


@pytest.fixture(scope="module")
def report_en() -> RegionReport:
    return _report("en")


def test_html_is_self_contained_and_has_every_section(report_en: RegionReport) -> None:
    html = render_region_html(report_en, "en")
    assert not re.search(r"(src|href)=\"https?:", html)
    for heading in ("Map", "Potential hubs", "What is there to use", "Top synergies"):
        assert f">{heading}</h2>" in html
    assert html.count("<svg") == 1 and "Mo i Rana" in html and "Mosjøen" in html
    assert ">CO2e avoided</th>" in html and ">Net benefit</th>" in html  # the evaluation is merged
    assert "CO2e: not estimated" not in html
    # 214 flows in the demo table (knowledge/data/regions/helgeland.csv, one row each).
    assert ">214</b>" in html


def test_norwegian_report(report_en: RegionReport) -> None:
    nb = _report("nb")
    html = render_region_html(nb, "nb")
    assert 'lang="nb"' in html and "Potensielle knutepunkt" in html and "MWh/år" in html


def test_amount_text_by_hand() -> None:
    assert amount_text(1234567.0, "m3/yr", "nb") == "1\xa0234\xa0567 m³/år"
    assert amount_text(12.34, "t/yr", "en") == "12.3 t/yr"


def test_land_outlines_come_from_natural_earth() -> None:
    if not WORLD_ATLAS.is_file():
        pytest.fail(f"{WORLD_ATLAS} missing: build the front end (npm run build in frontend/)")
    rings = land_rings((12.0, 65.0, 15.0, 67.0))
    assert rings  # Norway's (and Sweden's) outlines touch Helgeland
    assert all(max(p[0] for p in r) - min(p[0] for p in r) < 90 for r in rings)


@pytest.mark.skipif(not pdf.CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_pdf_pages_and_key_numbers(report_en: RegionReport) -> None:
    data = render_region_pdf(report_en, "en")
    reader = PdfReader(io.BytesIO(data))
    assert 4 <= len(reader.pages) <= 10  # cover + map, hubs, potential, synergies (page breaks)
    text = "\n".join(page.extract_text() for page in reader.pages)
    flows = report_en.flows
    # Visible heat supplies ≥ 90 °C summed from the flow table itself (not the report).
    heat = flows[(flows["direction"] == "supply") & flows["category"].isin(["heat", "steam"])]
    top = heat[pd.to_numeric(heat["temperature_c"]) >= 90]
    total = top.loc[top["annual_unit"] == "MWh/yr", "annual_quantity"].sum()
    assert f"{total:,.0f} MWh/yr" in text
    assert "214" in text and "Mo i Rana" in text and "Mosjøen" in text
    png = pdf.html_to_png(render_region_html(report_en, "en"), width=900)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("SIDESTREAM_WRITE_SCREENSHOTS"):  # refresh the README's picture on purpose only
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.write_bytes(png)
