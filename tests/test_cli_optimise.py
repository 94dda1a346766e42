"""``sidestream optimise``: flow table → matches → links → the best network, on a small
hand-made region (two sawmills and a board plant; a smelter and a district heating)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sidestream.cli import app

runner = CliRunner()
TINY = """id,actor,lat,lon,direction,resource,category,quantity,unit,temperature_c,visibility
s1,Sawmill A,66.30,14.10,supply,sawdust,by-product,2000,t/yr,,public
s2,Sawmill B,66.32,14.15,supply,sawdust,by-product,1500,t/yr,,public
d1,Board plant,66.31,14.12,demand,sawdust as raw material for particle board,material,2500,t/yr,,public
h1,Smelter,66.32,14.13,supply,surplus heat from flue gas 90 °C,heat,20,GWh/yr,90,public
h2,Town district heating,66.315,14.14,demand,district heating,heat,30,GWh/yr,80,public
"""


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("optimise") / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    return path


def run_json(flows: Path, *args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["optimise", str(flows), "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_network_respects_the_flows(flows: Path) -> None:
    doc = run_json(flows)
    assert doc["termination"] == "optimal"
    links = {r["link_id"]: r for r in doc["links"]}
    # The board plant needs 2500 t and the sawmills have 2000 + 1500 t: both are
    # worth sending, so the plant is filled exactly and no sawmill gives more than it has.
    sawdust = [r for r in links.values() if r["demand_id"] == "d1"]
    assert sum(r["quantity"] for r in sawdust) == pytest.approx(2500.0)
    assert all(r["quantity_unit"] == "t/yr" for r in sawdust)
    heat = links["h1→h2"]
    assert heat["quantity"] <= 20_000.0 + 1e-6 and heat["quantity_unit"] == "MWh/yr"
    assert heat["supply"] == "Smelter: surplus heat from flue gas 90 °C"
    total = sum(r["net_benefit_eur_per_yr"] for r in doc["links"])
    assert doc["net_benefit_eur_per_yr"] == pytest.approx(total)


def test_json_carries_the_is_metric_set(flows: Path) -> None:
    """Sawdust is a by-product in t/yr: every tonne sent is diverted from disposal and
    saves virgin material; none is hazardous and no water flows. The smelter's heat
    (90 °C to an 80 °C network, no heat pump) delivers what it sends less the pipe's loss."""
    doc = run_json(flows)
    links = {r["link_id"]: r for r in doc["links"]}
    sawdust = sum(r["quantity"] for r in links.values() if r["demand_id"] == "d1")
    assert doc["diverted_t_per_yr"] == pytest.approx(sawdust) and sawdust == pytest.approx(2500.0)
    assert doc["virgin_material_saved_t_per_yr"] == pytest.approx(2500.0)
    assert doc["hazardous_avoided_t_per_yr"] == 0.0 and doc["water_saved_m3_per_yr"] == 0.0
    heat = links["h1→h2"]
    assert 0.9 * heat["quantity"] < heat["energy_delivered_mwh_per_yr"] < heat["quantity"]
    assert doc["energy_delivered_mwh_per_yr"] == pytest.approx(heat["energy_delivered_mwh_per_yr"])
    for name in ("diverted_t_per_yr", "virgin_material_saved_t_per_yr", "energy_delivered_mwh_per_yr"):
        assert doc[name] == pytest.approx(sum(r[name] for r in doc["links"])), name


def test_choices_change_the_network(flows: Path) -> None:
    base = run_json(flows)
    without = run_json(flows, "--exclude", "h1→h2")
    assert "h1→h2" not in {r["link_id"] for r in without["links"]}
    assert without["net_benefit_eur_per_yr"] <= base["net_benefit_eur_per_yr"] + 1e-6
    co2 = run_json(flows, "--objective", "co2e")
    # the CO2e objective finds at least as much CO2e as any other feasible network
    assert co2["co2e_t_per_yr"] >= base["co2e_t_per_yr"] - 1e-6
    assert run_json(flows, "--budget", "0")["links"] == []


def test_rich_output_and_errors(flows: Path) -> None:
    result = runner.invoke(app, ["optimise", str(flows), "--lang", "nb"])
    assert result.exit_code == 0
    assert "EUR/yr" in result.stdout
    assert "t/yr" in result.stdout
    assert "Energi levert" in result.stdout and "MWh/yr" in result.stdout  # the metric set, in bokmål
    english = runner.invoke(app, ["optimise", str(flows)])
    assert "Diverted from disposal 2,500 t/yr" in english.stdout
    assert "Water saved 0 m3/yr" in english.stdout
    bad = runner.invoke(app, ["optimise", str(flows), "--include", "nope"])
    assert bad.exit_code == 2
    assert "unknown link id" in bad.stderr and "Traceback" not in bad.output


def test_saved_scenarios_through_the_cli(db_url: str) -> None:
    """Create two scenarios from presets, run both, compare: the energy-scarcity run
    uses the doubled electricity price, so the comparison names both, baseline first."""
    import json as _json

    from sidestream.knowledge.regions import demo_region_path

    env = {"SIDESTREAM_DATABASE_URL": db_url, "COLUMNS": "200"}

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, list(args), env=env)
        assert "Traceback" not in result.output, result.output
        return result.exit_code, result.stdout

    assert run("db", "upgrade")[0] == 0
    assert run("import", str(demo_region_path("kalundborg")), "--region", "kalundborg")[0] == 0
    code, out = run("scenario", "create", "kalundborg", "Today")
    assert code == 0 and out.startswith("scenario ")
    base_id = out.split()[1].rstrip(":")
    code, out = run("scenario", "create", "kalundborg", "Scarce energy", "--preset", "energy-scarcity")
    scarce_id = out.split()[1].rstrip(":")
    assert run("scenario", "create", "kalundborg", "Today")[0] != 0  # names are unique per region
    assert run("scenario", "create", "kalundborg", "X", "--preset", "nope")[0] != 0
    for sid in (base_id, scarce_id):
        code, out = run("scenario", "run", "kalundborg", sid)
        assert code == 0, out
    code, out = run("scenario", "list", "kalundborg", "--json")
    views = _json.loads(out)
    assert [v["name"] for v in views] == ["Today", "Scarce energy"]
    assert all(v["result"] is not None and v["result"]["n_chosen"] > 0 for v in views)
    assert views[1]["spec"]["factors"]["price.electricity"] == 2.0
    code, out = run("scenario", "compare", "kalundborg", base_id, scarce_id, "--json")
    rows = _json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == ["Today", "Scarce energy"]
