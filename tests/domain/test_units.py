from __future__ import annotations

import pytest

from sidestream.domain.units import parse_unit, quantity, to_canonical
from sidestream.errors import UnitError


@pytest.mark.parametrize(
    ("unit", "value", "canonical"),
    [
        ("t/yr", 1.0, "t/yr"),
        ("kt/yr", 1000.0, "t/yr"),
        ("tonn/år", 1.0, "t/yr"),
        ("t/h", 8766.0, "t/yr"),
        ("MWh/yr", 1.0, "MWh/yr"),
        ("GWh/yr", 1000.0, "MWh/yr"),
        ("MW", 8766.0, "MWh/yr"),
        ("kW", 8.766, "MWh/yr"),
        ("m3/h", 8766.0, "m3/yr"),
        ("m3/yr", 1.0, "m3/yr"),
        ("Nm3/h", 8766.0, "Nm3/yr"),
        ("m^2", 1.0, "m2"),
    ],
)
def test_units_convert_to_canonical_annual_units(unit: str, value: float, canonical: str) -> None:
    amount = to_canonical(1.0, unit)
    assert amount.canonical_unit == canonical
    assert amount.canonical_value == pytest.approx(value)


def test_normal_and_plain_cubic_metres_are_not_mixed() -> None:
    assert to_canonical(1, "Nm3/h").canonical_unit != to_canonical(1, "m3/h").canonical_unit


@pytest.mark.parametrize("bad", ["", "bananas", "5-", "m3/t"])
def test_bad_units_raise_a_unit_error_with_advice(bad: str) -> None:
    with pytest.raises(UnitError, match=r"unit"):
        to_canonical(1, bad)


def test_quantity_is_a_real_pint_quantity() -> None:
    q = quantity(2, "MW")
    assert q.to("kW").magnitude == pytest.approx(2000)
    assert str(parse_unit("t/yr")) == "tonne_metric / year"
