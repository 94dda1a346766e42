"""Which parameters move the result most: tornado data.

Each numeric parameter is set to a low and a high value — ±``pct`` of its value, or
the range the parameter file gives — with all others held, and the change in total
NPV and CO2e avoided is recorded. Rows are sorted by the larger NPV swing, then the
CO2e swing; parameters that change nothing are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sidestream.evaluation.parameters import SHARES, Parameters
from sidestream.evaluation.valuation import evaluate_pairs

TORNADO_COLUMNS = [
    "key", "unit", "base", "low", "high", "npv_low_eur", "npv_high_eur", "delta_npv_low_eur",
    "delta_npv_high_eur", "co2e_low_t_per_yr", "co2e_high_t_per_yr", "delta_co2e_low_t_per_yr",
    "delta_co2e_high_t_per_yr", "origin",
]  # fmt: skip


def _totals(pairs: pd.DataFrame, params: Parameters) -> tuple[float, float]:
    ev = evaluate_pairs(pairs, params)
    return float(ev["npv_eur"].sum()), float(ev["co2e_avoided_t_per_yr"].sum())


def _bounds(params: Parameters, key: str, pct: float, use_ranges: bool) -> tuple[float, float]:
    item = params.items[key]
    value = float(item.value)
    if use_ranges and item.low is not None and item.high is not None and item.origin == "default":
        return item.low, item.high
    low, high = value * (1 - pct), value * (1 + pct)
    if key in SHARES:
        high = min(high, 1.0)
    return max(low, 0.0), high


def tornado(
    pairs: pd.DataFrame, params: Parameters, *, pct: float = 0.2, use_ranges: bool = False
) -> pd.DataFrame:
    """Tornado rows for the pairs together (one synergy, or a region's matches)."""
    base_npv, base_co2 = _totals(pairs, params)
    rows = []
    for key, item in params.items.items():
        if item.is_choice or key == "fx.nok_per_eur":  # the rate only changes how EUR are shown
            continue
        low, high = _bounds(params, key, pct, use_ranges)
        if low == high:
            continue
        npv_low, co2_low = _totals(pairs, params.with_value(key, low, item.origin))
        npv_high, co2_high = _totals(pairs, params.with_value(key, high, item.origin))
        if np.allclose([npv_low, npv_high, co2_low, co2_high], [base_npv, base_npv, base_co2, base_co2],
                       rtol=1e-12, atol=1e-9):  # fmt: skip
            continue
        rows.append([
            key, item.unit, float(item.value), low, high, npv_low, npv_high, npv_low - base_npv,
            npv_high - base_npv, co2_low, co2_high, co2_low - base_co2, co2_high - base_co2, item.origin,
        ])  # fmt: skip
    out = pd.DataFrame(rows, columns=TORNADO_COLUMNS)
    if out.empty:
        return out
    out["swing_npv_eur"] = (out["npv_high_eur"] - out["npv_low_eur"]).abs()
    out["swing_co2e_t_per_yr"] = (out["co2e_high_t_per_yr"] - out["co2e_low_t_per_yr"]).abs()
    out = out.sort_values(["swing_npv_eur", "swing_co2e_t_per_yr", "key"], ascending=[False, False, True])
    out.attrs["base_npv_eur"] = base_npv
    out.attrs["base_co2e_t_per_yr"] = base_co2
    return out.reset_index(drop=True)
