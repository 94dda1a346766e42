"""The parameter file: every entry parses, has a source, and overrides are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidestream.domain.units import registry
from sidestream.errors import InvalidDataError
from sidestream.evaluation.parameters import (
    default_parameters,
    internal_unit,
    load_parameters,
    parameters_from_file,
)


def test_every_parameter_has_a_source_year_and_the_right_dimension() -> None:
    params = default_parameters()
    for key, item in params.items.items():
        assert item.source is not None and item.source.title, key
        assert item.year is not None, key
        if not item.is_choice:
            assert item.unit == internal_unit(key)
            if item.low is not None and item.high is not None:
                assert item.low <= float(item.value) <= item.high, key


def test_units_are_converted_to_the_internal_unit() -> None:
    params = default_parameters()
    # IPCC 2006: natural gas 56.1 t CO2/TJ; 1 TJ = 277.78 MWh → 0.20196 t/MWh
    assert params["ef.fuel.natural_gas"] == pytest.approx(56.1 * 3.6 / 1000)
    # 15 g/kWh = 0.015 t/MWh
    assert params["ef.grid.NO"] == pytest.approx(0.015)
    # NOK → EUR at the file's rate: 485 NOK/t ÷ 11.63 NOK/EUR
    assert params["tax.incineration"] == pytest.approx(485 / 11.63)
    assert registry().Quantity(1, "NOK").dimensionality != registry().Quantity(1, "EUR").dimensionality


def test_overrides_record_their_origin_and_convert_currency() -> None:
    params = default_parameters().with_overrides(
        {
            "tax.landfill": {"value": 1000, "unit": "NOK/t"},
            "fx.nok_per_eur": {"value": 10, "unit": "NOK/EUR"},
        },
        "region",
    )
    # the rate is applied before the NOK value is converted
    assert params["tax.landfill"] == pytest.approx(100.0)
    assert params.origin("tax.landfill") == "region"
    assert params.origin("tax.incineration") == "default"
    used = {p["key"]: p for p in params.used(["tax.landfill"])}
    assert used["tax.landfill"]["given"] == {"value": 1000.0, "unit": "NOK/t"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"no.such.key": 1}, "unknown parameter"),
        ({"price.heat": {"value": 50, "unit": "t/yr"}}, "does not fit"),
        ({"price.heat": {"value": 50, "unit": "bananas"}}, "price.heat"),
        ({"grid.country": "XX"}, "choose one of"),
        ({"finance.discount_rate": 1.5}, "between 0 and 1"),
        ({"price.heat": -3}, "must not be negative"),
        ({"price.heat": "cheap"}, "must be a number"),
    ],
)
def test_bad_overrides_are_refused_with_the_key_named(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidDataError, match=message):
        default_parameters().with_overrides(overrides, "synergy")


def test_a_broken_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: x\ngroups: {}\nparameters:\n  price.heat: {value: 1, unit: EUR/MWh}\n")
    with pytest.raises(InvalidDataError, match="not a valid parameter file"):
        load_parameters(path)


def test_a_scenario_file_overrides_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "scarcity.yaml"
    path.write_text("overrides:\n  price.electricity: {value: 200, unit: EUR/MWh}\n")
    params = parameters_from_file(path)
    assert params["price.electricity"] == 200.0
    assert params.origin("price.electricity") == "scenario"
