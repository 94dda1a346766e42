"""Scenarios: parameter changes and extra flows, re-optimised and compared."""

from __future__ import annotations

import pandas as pd
import pytest

from sidestream.errors import InvalidDataError
from sidestream.evaluation.parameters import default_parameters
from sidestream.io import read_flow_table
from sidestream.optimise.scenarios import PRESETS, ScenarioSpec, apply_parameters, compare, run_scenario
from tests.test_cli_optimise import TINY

NEW_PLANT = {
    "id": "new-1", "actor": "New greenhouse", "lat": 66.321, "lon": 14.131, "direction": "demand",
    "resource": "heat for greenhouse", "category": "heat", "quantity": 15, "unit": "GWh/yr",
    "temperature_c": 60, "visibility": "public",
}  # fmt: skip


@pytest.fixture(scope="module")
def flows(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("scenarios") / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    return read_flow_table(path).frame


def test_factors_multiply_and_overrides_replace() -> None:
    base = default_parameters()
    spec = ScenarioSpec(
        factors={"price.electricity": 2.0}, overrides={"tax.landfill": {"value": 100, "unit": "EUR/t"}}
    )
    p = apply_parameters(base, spec)
    assert p["price.electricity"] == pytest.approx(2 * base["price.electricity"])
    assert p["tax.landfill"] == pytest.approx(100.0)
    assert p.origin("tax.landfill") == "scenario"
    with pytest.raises(InvalidDataError, match="unknown parameter"):
        apply_parameters(base, ScenarioSpec(factors={"price.unobtainium": 2.0}))
    with pytest.raises(InvalidDataError, match="negative"):
        apply_parameters(base, ScenarioSpec(factors={"price.electricity": -1.0}))


def test_presets_apply_to_the_default_parameters() -> None:
    base = default_parameters()
    for spec in PRESETS.values():
        apply_parameters(base, spec)  # every preset names real parameters
    scarce = apply_parameters(base, PRESETS["energy-scarcity"])
    assert scarce["price.electricity"] == pytest.approx(2 * base["price.electricity"])


def test_a_new_plant_arrives(flows: pd.DataFrame) -> None:
    params = default_parameters()
    base = run_scenario(flows, params, ScenarioSpec())
    grown = run_scenario(flows, params, ScenarioSpec(extra_flows=[NEW_PLANT]))
    # more flows offer more candidate links (top K is not reached here), never fewer
    assert grown.net_benefit_eur_per_yr >= base.net_benefit_eur_per_yr - 1e-6
    rows = compare([("baseline", base.to_json()), ("new plant", grown.to_json())])
    assert rows[0]["added"] == [] and rows[0]["removed"] == []
    assert rows[1]["n_links"] == len(grown.chosen)
    assert set(rows[1]["added"]) == set(grown.link_ids) - set(base.link_ids)
    assert all("new-1" in link for link in rows[1]["added"])


def test_bad_extra_flows_are_clear_errors(flows: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match="scenario flow"):
        run_scenario(flows, default_parameters(), ScenarioSpec(extra_flows=[{**NEW_PLANT, "lat": "north"}]))
    with pytest.raises(InvalidDataError, match="already a flow"):
        run_scenario(flows, default_parameters(), ScenarioSpec(extra_flows=[{**NEW_PLANT, "id": "s1"}]))
