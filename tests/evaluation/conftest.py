"""Tiny hand-built pairs for the evaluation tests."""

from __future__ import annotations

import pandas as pd
import pytest

from sidestream.evaluation.parameters import Parameters, default_parameters


def make_pair(**fields: object) -> pd.DataFrame:
    """One pair with round defaults: 1200 t/yr all year → 600 t/yr all year, 10 km by road."""
    row: dict[str, object] = {
        "link_id": "s1→d1", "supply_id": "s1", "demand_id": "d1", "category": "by-product",
        "supply_class": "steel_slag", "demand_class": "aggregates", "unit": "t/yr", "demand_unit": "t/yr",
        "supply_amount": 1200.0, "demand_amount": 600.0, "supply_months": 0xFFF, "demand_months": 0xFFF,
        "supply_temp": float("nan"), "demand_temp": float("nan"), "hazardous": False, "transport": "road",
        "distance_km": 10.0,
    }  # fmt: skip
    row.update(fields)
    return pd.DataFrame([row])


# Round numbers, so that every expected value below can be checked on paper.
ROUND: dict[str, object] = {
    "price.virgin.mineral": {"value": 10, "unit": "EUR/t"},
    "ef.virgin.mineral": {"value": 0.005, "unit": "t/t"},
    "transport.cost.truck": {"value": 0.1, "unit": "EUR/(t*km)"},
    "transport.ef.truck": {"value": 0.1, "unit": "kg/(t*km)"},
    "storage.cost": {"value": 0, "unit": "EUR/t"},
    "project.fixed_cost": {"value": 0, "unit": "EUR/yr"},
    "finance.discount_rate": 0.05,
    "finance.lifetime": {"value": 10, "unit": "yr"},
}


@pytest.fixture
def params() -> Parameters:
    return default_parameters().with_overrides(ROUND, "scenario")
