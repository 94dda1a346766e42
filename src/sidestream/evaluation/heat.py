"""Heat pumps and temperature lift.

A Carnot-fraction model is the textbook first estimate for industrial heat pumps:
COP = η · T_hot / (T_hot − T_cold) in kelvin, with η ≈ 0.45–0.55 for real machines
(Jesper et al. 2021, "Large-scale heat pumps: Uptake and performance modelling of
market-available devices", Renew. Sust. Energy Rev. 137, doi:10.1016/j.rser.2020.110646).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

KELVIN = 273.15
DEFAULT_CARNOT_FRACTION = 0.5
APPROACH_K = 5.0  # heat-exchanger temperature approach on each side


def heat_pump_cop(
    source_c: ArrayLike, sink_c: ArrayLike, carnot_fraction: float = DEFAULT_CARNOT_FRACTION
) -> NDArray[np.float64]:
    """Heating COP lifting from a source at ``source_c`` to a sink at ``sink_c``.

    >>> round(float(heat_pump_cop(30.0, 75.0)), 2)
    3.25
    """
    t_cold = np.asarray(source_c, float) - APPROACH_K + KELVIN
    t_hot = np.asarray(sink_c, float) + APPROACH_K + KELVIN
    lift = np.maximum(t_hot - t_cold, 1.0)
    return np.asarray(np.maximum(carnot_fraction * t_hot / lift, 1.0), dtype=np.float64)


def electricity_per_heat(cop: ArrayLike) -> NDArray[np.float64]:
    """MWh of electricity per MWh of heat delivered."""
    return np.asarray(1.0 / np.asarray(cop, float), dtype=np.float64)
