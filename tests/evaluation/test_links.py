"""The optimiser's contract: columns, types and a link computed by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sidestream.evaluation.links import LINK_COLUMNS, link_table
from sidestream.evaluation.parameters import Parameters
from sidestream.io import read_flow_table
from sidestream.matching import MatchParams, match
from tests.conftest import write_csv


def test_columns_and_types_on_a_matching_result(small_region: Path, params: Parameters) -> None:
    result = match(read_flow_table(small_region).frame, MatchParams(top_k=3))
    links = link_table(result, params=params)
    assert list(links.columns[: len(LINK_COLUMNS)]) == LINK_COLUMNS
    assert len(links) == len(result.pairs)
    for column in ("link_id", "supply_id", "demand_id", "quantity_unit", "category"):
        assert all(isinstance(v, str) for v in links[column])
    for column in (
        "quantity_max",
        "value_eur_per_unit",
        "fixed_cost_eur_per_yr",
        "capex_eur",
        "co2e_t_per_unit",
    ):
        assert links[column].dtype == float
        assert links[column].notna().all()
    assert links["link_id"].is_unique


def test_a_material_link_by_hand(tmp_path: Path, params: Parameters) -> None:
    # 1200 t/yr of steel slag all year; the road builder needs 600 t/yr in months 1-6.
    flows = write_csv(tmp_path / "f.csv", [
        "s1,Steelworks,company,24.10,Mo,66.31,14.13,supply,stålslagg,by-product,,1200,t/yr,,1-12,public,",
        "d1,Municipality,municipality,84.11,Mo,66.32,14.16,demand,pukk til veibygging,material,,600,t/yr,,1-6,public,",
    ])  # fmt: skip
    frame = read_flow_table(flows).frame
    pairs = pd.DataFrame(
        {"supply_id": ["s1"], "demand_id": ["d1"], "distance_km": [10.0], "transport": ["road"]}
    )
    link = link_table(pairs, frame, params).iloc[0]
    # supply share in the 6 shared months: 1200 × 6/12 = 600; the need: 600 × 6/6 = 600
    assert link["quantity_max"] == pytest.approx(600.0)
    assert link["quantity_unit"] == "t/yr"
    assert link["supply_capacity"] == 1200.0 and link["demand_capacity"] == 600.0
    # 10 EUR/t virgin aggregate − 0.1 EUR/(t·km) × 10 km
    assert link["value_eur_per_unit"] == pytest.approx(9.0)
    # 0.005 t/t − 0.0001 t/(t·km) × 10 km
    assert link["co2e_t_per_unit"] == pytest.approx(0.004)
    assert link["capex_eur"] == 0.0 and link["fixed_cost_eur_per_yr"] == 0.0
    # NPV = 9 × 600 × annuity(5 %, 10 yr) = 5400 × 7.72173
    assert link["npv_eur"] == pytest.approx(5400 * 7.721735, rel=1e-6)
