"""Figures in real units: IS programme metrics, canonical units, wrong dimensions refused."""

from __future__ import annotations

import pytest

from sidestream.errors import InvalidDataError, UnitError
from sidestream.facilitation.benefits import REALISED_METRICS, Metric, to_metric_unit


@pytest.mark.parametrize(
    ("metric", "value", "unit", "expected"),
    [
        ("landfill_diverted", 1.5, "kt/yr", 1500.0),
        ("co2e_avoided", 800, "kg CO2e/day", 800 * 365.25 / 1000),  # pint's year: 365.25 days
        ("energy_exchanged", 3, "MW", 3 * 8766.0),  # a steady 3 MW for 8766 h
        ("water_saved", 2, "m3/h", 2 * 8766.0),
        ("cost_savings", 250, "kEUR/yr", 250_000.0),
        ("private_investment", 4.2, "MEUR", 4_200_000.0),
        ("jobs", 3, "årsverk", 3.0),
    ],
)
def test_to_metric_unit(metric: str, value: float, unit: str, expected: float) -> None:
    assert to_metric_unit(metric, value, unit) == pytest.approx(expected)


def test_wrong_units_and_values_are_refused() -> None:
    with pytest.raises(UnitError, match="not a unit of t/yr"):
        to_metric_unit("landfill_diverted", 1, "MWh/yr")
    with pytest.raises(UnitError, match="EUR"):
        to_metric_unit("cost_savings", 1, "t/yr")
    with pytest.raises(UnitError):
        to_metric_unit("jobs", 1, "")
    with pytest.raises(InvalidDataError):
        to_metric_unit("jobs", float("nan"), "FTE")
    with pytest.raises(InvalidDataError):
        to_metric_unit("happiness", 1, "t/yr")


def test_the_nisp_metrics_are_all_there() -> None:
    nisp = {Metric.LANDFILL_DIVERTED, Metric.CO2E_AVOIDED, Metric.VIRGIN_MATERIALS_SAVED, Metric.WATER_SAVED,
            Metric.HAZARDOUS_WASTE_AVOIDED, Metric.COST_SAVINGS, Metric.ADDITIONAL_SALES, Metric.JOBS,
            Metric.PRIVATE_INVESTMENT}  # fmt: skip
    assert nisp <= set(REALISED_METRICS)


def test_overflow_is_refused_not_stored() -> None:
    with pytest.raises(InvalidDataError, match="out of range"):
        to_metric_unit("energy_exchanged", 1e308, "TWh/yr")  # 1e314 MWh/yr overflows a float
