"""Tornado data on a pair whose every change can be computed by hand."""

from __future__ import annotations

import pytest

from sidestream.evaluation.parameters import Parameters, default_parameters
from sidestream.evaluation.sensitivity import tornado
from tests.evaluation.conftest import make_pair

AF = 7.721735  # annuity factor, 5 %, 10 years


def test_tornado_by_hand(params: Parameters) -> None:
    table = tornado(make_pair(), params, pct=0.1)
    rows = table.set_index("key")
    # 600 t/yr × (10 €/t ± 1 €/t) × AF
    price = rows.loc["price.virgin.mineral"]
    assert price["delta_npv_low_eur"] == pytest.approx(-600 * 1 * AF, rel=1e-6)
    assert price["delta_npv_high_eur"] == pytest.approx(600 * 1 * AF, rel=1e-6)
    # lifetime 9 or 11 years: 5400 €/yr × (AF(5 %, 11) − AF(5 %, 9)) = 5400 × (8.306414 − 7.107822)
    life = rows.loc["finance.lifetime"]
    assert life["npv_high_eur"] - life["npv_low_eur"] == pytest.approx(5400 * (8.306414 - 7.107822), rel=1e-5)
    # CO2e: 600 t × 0.005 t/t ± 10 %
    assert rows.loc["ef.virgin.mineral", "delta_co2e_high_t_per_yr"] == pytest.approx(0.3)
    assert rows.loc["ef.virgin.mineral", "delta_npv_high_eur"] == 0.0
    # sorted by NPV swing; parameters that change nothing (heat, water …) are left out
    assert list(table["key"][:2]) == ["price.virgin.mineral", "finance.lifetime"]
    assert "price.heat" not in rows.index and "fx.nok_per_eur" not in rows.index
    assert table["swing_npv_eur"].is_monotonic_decreasing


def test_file_ranges_can_replace_the_percent_step() -> None:
    params = default_parameters().with_overrides(
        {"transport.cost.truck": {"value": 0.1, "unit": "EUR/(t*km)"}}, "region"
    )
    table = tornado(make_pair(), params, use_ranges=True).set_index("key")
    # an overridden value has no file range: ±20 % around the override (0.1 €/(t·km))
    assert params.items["transport.cost.truck"].origin == "region"
    assert table.loc["transport.cost.truck", "low"] == pytest.approx(0.08)
    # a default keeps the file's range: transport.ef.truck 0.06–0.15 kg/(t·km)
    assert params.items["transport.ef.truck"].origin == "default"
    assert table.loc["transport.ef.truck", "low"] == pytest.approx(0.06e-3)
    assert table.loc["transport.ef.truck", "high"] == pytest.approx(0.15e-3)
