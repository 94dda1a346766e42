"""NPV, annuity, payback and levelised cost against textbook values."""

from __future__ import annotations

import numpy as np
import pytest

from sidestream.evaluation.economics import (
    annuity_factor,
    capital_recovery_factor,
    levelised_cost,
    npv,
    simple_payback,
)


def test_annuity_factor_matches_the_present_value_table() -> None:
    # Brealey, Myers & Allen, Appendix Table 3 (PV of an annuity): 5 %, 10 years → 7.722;
    # 8 %, 20 years → 9.818.
    assert annuity_factor(0.05, 10) == pytest.approx(7.7217, abs=1e-4)
    assert annuity_factor(0.08, 20) == pytest.approx(9.8181, abs=1e-4)
    assert annuity_factor(0.0, 15) == 15.0


def test_capital_recovery_factor() -> None:
    # 0.05 / (1 − 1.05^−10) = 0.129505
    assert capital_recovery_factor(0.05, 10) == pytest.approx(0.129505, abs=1e-6)


def test_npv_by_hand() -> None:
    # −1000 + 200/1.05 + 200/1.05² + 200/1.05³ = −1000 + 190.476 + 181.406 + 172.768
    assert float(npv(1000.0, 200.0, 0.05, 3)) == pytest.approx(-455.35, abs=0.01)


def test_simple_payback() -> None:
    assert simple_payback([1200.0], [300.0]).tolist() == [4.0]
    assert np.isnan(simple_payback([1200.0], [0.0])[0])


def test_levelised_cost_by_hand() -> None:
    # (100 000 × 0.129505 + 5 000) / 1 000 MWh = 17.95 €/MWh
    assert float(levelised_cost(100_000.0, 5_000.0, 1_000.0, 0.05, 10)) == pytest.approx(17.9505, abs=1e-3)
    assert np.isnan(levelised_cost(100.0, 1.0, 0.0, 0.05, 10))
