"""A match's estimate in words: figures with units, bands for hidden sides."""

from __future__ import annotations

import doctest

from sidestream.web import estimates
from sidestream.web.estimates import estimate_figures


def test_docstring_examples() -> None:
    result = doctest.testmod(estimates)
    assert result.attempted > 0 and result.failed == 0


def test_figures_in_norwegian_carry_units() -> None:
    est = {
        "net_annual": {"value": 120000.0, "unit": "EUR/yr"},
        "co2e_avoided": {"value": 42.0, "unit": "t/yr"},
    }
    assert estimate_figures(est, "nb") == ["netto gevinst 120\xa0000 EUR/år", "unngått CO2e 42 t/år"]


def test_a_banded_estimate_shows_no_exact_number() -> None:
    est = {"banded": True, "npv": {"band": [100000.0, 1000000.0], "unit": "EUR"}, "quantity": 13000.0}
    lines = estimate_figures(est, "en")
    assert lines == ["NPV between 100,000 and 1,000,000 EUR"]
    assert "13" not in " ".join(lines)


def test_a_pair_without_a_model_says_why() -> None:
    est = {"evaluable": False, "note": "no valuation model for this category or unit"}
    assert estimate_figures(est, "en") == ["not valued: no valuation model for this category or unit"]
