"""Heat pumps, pipe sizing and heat loss, computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from sidestream.evaluation.heat import (
    electricity_per_heat,
    heat_pump_cop,
    heat_pump_gain,
    pipe_class_index,
    pipe_heat_loss_mwh,
)


def test_carnot_cop() -> None:
    # source 30 °C → 25 °C after the exchanger (298.15 K); sink 70 °C → 75 °C (348.15 K)
    # COP = 0.5 × 348.15 / 50 = 3.4815
    assert float(heat_pump_cop(30.0, 70.0, 0.5)) == pytest.approx(3.4815, abs=1e-4)


def test_electricity_from_cop() -> None:
    # 1 MWh of heat at COP 4 takes 0.25 MWh of electricity; 4/(4−1) MWh out per MWh of source
    assert float(electricity_per_heat(4.0)) == 0.25
    assert float(heat_pump_gain(4.0)) == pytest.approx(4 / 3)


def test_pipe_heat_loss() -> None:
    # 20 W/m over 2 km for a whole year of 8 766 h: 20 × 2000 × 8766 Wh = 350.64 MWh
    assert float(pipe_heat_loss_mwh(20.0, 2000.0, 8766.0)) == pytest.approx(350.64)


def test_pipe_class_is_the_smallest_that_carries_the_load() -> None:
    caps = np.array([0.5, 3.0, 8.0])
    assert pipe_class_index([0.5, 0.51, 7.9, 9.0], caps).tolist() == [0, 1, 2, 2]
