"""``sidestream evaluate``: JSON with units, currencies, scenario files, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sidestream.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def _numbers(node: object) -> list[dict[str, object]]:
    """Every {"value", "unit"} leaf of a JSON document."""
    if isinstance(node, dict):
        if set(node) == {"value", "unit"}:
            return [node]
        return [leaf for v in node.values() for leaf in _numbers(v)]
    if isinstance(node, list):
        return [leaf for v in node for leaf in _numbers(v)]
    return []


def test_json_has_units_everywhere_and_the_parameters_used(small_region: Path) -> None:
    code, out, _ = run("evaluate", str(small_region), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["evaluations"] and doc["currency"] == "EUR"
    leaves = _numbers(doc["evaluations"]) + _numbers(doc["totals"])
    assert leaves and all(isinstance(leaf["unit"], str) and leaf["unit"] for leaf in leaves)
    keys = {p["key"]: p for p in doc["parameters"]}
    assert keys["finance.discount_rate"]["origin"] == "default"
    assert keys["finance.discount_rate"]["source"]["title"].startswith("Finansdepartementet")
    assert any("estimate" in a for a in doc["assumptions"])


def test_nok_is_eur_at_the_file_rate(small_region: Path) -> None:
    eur = json.loads(run("evaluate", str(small_region), "--json")[1])["totals"]["npv"]
    nok = json.loads(run("evaluate", str(small_region), "--json", "--currency", "NOK")[1])["totals"]["npv"]
    assert eur["unit"] == "EUR" and nok["unit"] == "NOK"
    assert nok["value"] == pytest.approx(eur["value"] * 11.63, rel=1e-3)  # Norges Bank 2024 average


def test_a_scenario_file_changes_values_and_says_so(small_region: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "scarcity.yaml"
    scenario.write_text("price.heat: {value: 2000, unit: NOK/MWh}\n", encoding="utf-8")
    base = json.loads(run("evaluate", str(small_region), "--json")[1])
    code, out, _ = run("evaluate", str(small_region), "--json", "--params", str(scenario))
    assert code == 0
    doc = json.loads(out)
    used = {p["key"]: p for p in doc["parameters"]}
    assert used["price.heat"]["origin"] == "scenario"
    assert used["price.heat"]["given"] == {"value": 2000.0, "unit": "NOK/MWh"}
    assert doc["totals"]["npv"]["value"] > base["totals"]["npv"]["value"]


def test_a_bad_scenario_is_one_clear_line(small_region: Path, tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("price.heat: {value: 20, unit: t/yr}\n", encoding="utf-8")
    code, _, err = run("evaluate", str(small_region), "--params", str(scenario))
    assert code == 2
    assert "price.heat" in err and len(err.strip().splitlines()) == 1


def test_tornado_rows_are_sorted_by_npv_swing(small_region: Path) -> None:
    doc = json.loads(run("evaluate", str(small_region), "--json", "--tornado", "--pct", "10")[1])
    rows = doc["tornado"]["rows"]
    swings = [abs(r["delta_npv_high"]["value"] - r["delta_npv_low"]["value"]) for r in rows]
    assert rows and swings == sorted(swings, reverse=True)
    assert "fx.nok_per_eur" not in {r["key"] for r in rows}


def test_tables_in_norwegian(small_region: Path) -> None:
    code, out, _ = run("evaluate", str(small_region), "--lang", "nb", "--currency", "NOK")
    assert code == 0
    assert "Parametere brukt" in out and "NOK" in out


def test_the_sum_of_candidates_says_it_is_not_a_regional_total(small_region: Path) -> None:
    """Each supply is evaluated against its top K demands, so the alternatives overlap:
    the printed sum must not read as what the region could gain."""
    code, out, _ = run("evaluate", str(small_region), "--top", "3")
    assert code == 0
    flat = " ".join(out.split())
    assert "candidate synergies" in flat and "not a regional total" in flat
    code, out, _ = run("evaluate", str(small_region), "--lang", "nb")
    assert code == 0 and "ikke en total for regionen" in " ".join(out.split())
