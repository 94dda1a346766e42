"""Money over time: annuities, NPV, simple payback and levelised cost, over arrays.

Conventions (Brealey, Myers & Allen, *Principles of Corporate Finance*, ch. 2–6; the
levelised cost as in the Danish Energy Agency's technology catalogues): capex is paid
at year 0, the same net annual amount arrives at the end of years 1…n, the rate is
real.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


def annuity_factor(rate: float, years: float) -> float:
    """Present value of 1 per year for ``years`` years: (1 − (1+r)^−n) / r.

    >>> round(annuity_factor(0.05, 10), 4)
    7.7217
    >>> annuity_factor(0.0, 20)
    20.0
    """
    if rate == 0:
        return float(years)
    return float((1.0 - (1.0 + rate) ** -years) / rate)


def capital_recovery_factor(rate: float, years: float) -> float:
    """Equal annual payment that repays 1 over ``years`` at ``rate`` (1 / annuity factor).

    >>> round(capital_recovery_factor(0.05, 10), 5)
    0.1295
    """
    return 1.0 / annuity_factor(rate, years)


def npv(capex: ArrayLike, net_annual: ArrayLike, rate: float, years: float) -> Array:
    """−capex + net_annual × annuity factor.

    >>> float(npv(1000.0, 200.0, 0.05, 10).round(2))
    544.35
    """
    return np.asarray(-np.asarray(capex, float) + np.asarray(net_annual, float) * annuity_factor(rate, years))


def simple_payback(capex: ArrayLike, net_annual: ArrayLike) -> Array:
    """Years until the undiscounted net income repays the capex; NaN if it never does.

    >>> simple_payback([1000.0, 1000.0, 0.0], [250.0, -5.0, 10.0]).tolist()
    [4.0, nan, 0.0]
    """
    c = np.asarray(capex, float)
    n = np.asarray(net_annual, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, c / np.where(n > 0, n, 1.0), np.nan)


def levelised_cost(capex: ArrayLike, annual_cost: ArrayLike, annual_output: ArrayLike, rate: float,
                   years: float) -> Array:  # fmt: skip
    """(capex × CRF + annual cost) / annual output; NaN where nothing is produced.

    >>> float(levelised_cost(1000.0, 50.0, 10.0, 0.05, 10).round(3))
    17.95
    """
    out = np.asarray(annual_output, float)
    total = np.asarray(capex, float) * capital_recovery_factor(rate, years) + np.asarray(annual_cost, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(out > 0, total / np.where(out > 0, out, 1.0), np.nan)
