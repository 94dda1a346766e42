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

    >>> round(float(heat_pump_cop(30.0, 75.0)), 2)  # 0.5 · 353.15 K / 55 K
    3.21
    """
    t_cold = np.asarray(source_c, float) - APPROACH_K + KELVIN
    t_hot = np.asarray(sink_c, float) + APPROACH_K + KELVIN
    lift = np.maximum(t_hot - t_cold, 1.0)
    return np.asarray(np.maximum(carnot_fraction * t_hot / lift, 1.0), dtype=np.float64)


def electricity_per_heat(cop: ArrayLike) -> NDArray[np.float64]:
    """MWh of electricity per MWh of heat delivered."""
    return np.asarray(1.0 / np.asarray(cop, float), dtype=np.float64)


def heat_pump_gain(cop: ArrayLike) -> NDArray[np.float64]:
    """MWh delivered per MWh taken from the source: COP/(COP−1); 1 without a pump (NaN COP).

    A heat pump delivers the source heat plus its electricity, Q_hot = Q_cold + W with
    W = Q_hot/COP, so Q_hot = Q_cold · COP/(COP − 1).

    >>> heat_pump_gain([4.0, np.nan]).tolist()
    [1.3333333333333333, 1.0]
    """
    c = np.asarray(cop, float)
    pump = np.isfinite(c) & (c > 1.0)
    return np.where(pump, c / np.where(pump, c - 1.0, 1.0), 1.0)


def pipe_class_index(load_mw: ArrayLike, capacities_mw: ArrayLike) -> NDArray[np.intp]:
    """Index of the smallest pipe class that carries ``load_mw`` (the largest if none).

    >>> pipe_class_index([0.2, 3.0, 500.0], [0.5, 3.0, 8.0]).tolist()
    [0, 1, 2]
    """
    caps = np.asarray(capacities_mw, float)
    idx = np.searchsorted(caps, np.asarray(load_mw, float), side="left")
    return np.asarray(np.minimum(idx, caps.size - 1), dtype=np.intp)


def pipe_heat_loss_mwh(loss_w_per_m: ArrayLike, length_m: ArrayLike, hours: ArrayLike) -> NDArray[np.float64]:
    """Heat lost by a pipe pair in ``hours`` of operation: W/m × m × h, in MWh.

    >>> float(pipe_heat_loss_mwh(20.0, 1000.0, 8766.0))
    175.32
    """
    return np.asarray(np.asarray(loss_w_per_m, float) * np.asarray(length_m, float) * np.asarray(hours, float)
                      / 1e6)  # fmt: skip
