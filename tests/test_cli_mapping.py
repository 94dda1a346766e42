"""``sidestream hubs``, ``potential`` and ``report region``: JSON on stdout, GeoJSON
files, one clear line and a non-zero exit for bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sidestream.cli import app
from sidestream.knowledge.regions import demo_region_path

runner = CliRunner()


def test_hubs_json_and_geojson(tmp_path: Path) -> None:
    out = tmp_path / "hubs.geojson"
    result = runner.invoke(app, ["hubs", str(demo_region_path("helgeland")), "--json", "--geojson", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["hubs"][0]["name"] == "Mo i Rana"
    assert json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"]["type"] == "Polygon"


def test_potential_writes_hexagons(tmp_path: Path) -> None:
    out = tmp_path / "hex.geojson"
    result = runner.invoke(app, ["potential", str(demo_region_path("kalundborg")), "--geojson", str(out)])
    assert result.exit_code == 0, result.output
    hexes = json.loads(out.read_text(encoding="utf-8"))
    assert hexes["features"] and all(f["properties"]["h3"] for f in hexes["features"])
    assert "Kalundborg" in result.stdout  # the municipality table


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("actor,lat,lon,direction,resource\nA,95,14,supply,heat\n", encoding="utf-8")
    result = runner.invoke(app, ["hubs", str(bad)])
    assert result.exit_code == 2 and "error:" in result.output
    result = runner.invoke(app, ["report", "region", "x", "--format", "doc"])
    assert result.exit_code == 2 and "--format must be html or pdf" in result.output


def test_report_region_from_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    env = {"SIDESTREAM_DATABASE_URL": url}
    assert runner.invoke(app, ["demo-load", "--region", "kalundborg"], env=env).exit_code == 0
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["report", "region", "kalundborg", "--lang", "nb", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="nb">' in html and "Potensielle knutepunkt" in html and "Kalundborg" in html
    # The CLI reads as a region administrator: never another organisation's private flows.
    assert "fasilitatorer" in html
    # kal-012 (spent hydrotreating catalyst, 200 t/yr) is private in the demo table.
    # It is the only catalyst in the table, so its class (nb "brukt katalysator") must not appear.
    assert "hydrotreating" not in html.lower() and "brukt katalysator" not in html.lower()
    missing = runner.invoke(app, ["report", "region", "nowhere"], env=env)
    assert missing.exit_code == 2 and "no region 'nowhere'" in missing.output
