"""JSON documents: units on every number, and bands for hidden sides."""

from __future__ import annotations

from sidestream.evaluation.document import band, banded, document, estimate_fields, records_of
from sidestream.evaluation.parameters import Parameters
from sidestream.evaluation.valuation import evaluate_pairs
from tests.evaluation.conftest import make_pair


def test_record_numbers_carry_units(params: Parameters) -> None:
    doc = document(evaluate_pairs(make_pair(), params), params, "NOK")
    ev = doc["evaluations"][0]
    assert ev["physical"]["quantity"] == {"value": 600.0, "unit": "t/yr"}
    assert ev["physical"]["distance"] == {"value": 10.0, "unit": "km"}
    # 5400 €/yr at the file's 11.63 NOK/EUR, four significant digits
    assert ev["economic"]["net_annual"] == {"value": 62800.0, "unit": "NOK/yr"}
    used = {p["key"] for p in doc["parameters"]}
    assert {"price.virgin.mineral", "transport.cost.truck", "finance.discount_rate"} <= used
    assert "price.heat" not in used


def test_bands() -> None:
    assert band(1.0) == [1.0, 10.0]
    assert band(999.0) == [100.0, 1000.0]
    assert band(float("nan")) is None


def test_banded_estimate_has_no_quantity_or_exact_figure(params: Parameters) -> None:
    row = records_of(evaluate_pairs(make_pair(), params))[0]
    fields = estimate_fields(row, params)
    est = banded({**fields, "quantity": 600.0, "unit": "t/yr", "months": 12, "assumptions": ["a", "b"]})
    assert est is not None
    assert set(est) == {"banded", "assumptions", "net_annual", "npv", "co2e_avoided"}
    assert est["npv"] == {"band": [10000.0, 100000.0], "unit": "EUR"}  # exact: 5400 × 7.7217 = 41 697
    assert "600" not in str(est) and "41697" not in str(est)


def test_a_pair_that_was_not_valued_shows_no_band(params: Parameters) -> None:
    """Zeros of a pair the evaluation could not value are not "between 0 and 0"."""
    zero = {"value": 0.0, "unit": "EUR/yr"}
    est = banded({"evaluable": False, "net_annual": zero, "npv": {"value": 0.0, "unit": "EUR"},
                  "co2e_avoided": {"value": 0.0, "unit": "t/yr"}, "assumptions": ["x"]})  # fmt: skip
    assert est == {"banded": True, "assumptions": ["x"]}
    valued = banded({"evaluable": True, "net_annual": zero, "npv": {"value": -250.0, "unit": "EUR"}})
    assert valued is not None and "net_annual" not in valued
    assert valued["npv"] == {"band": [-1000.0, -100.0], "unit": "EUR"}
