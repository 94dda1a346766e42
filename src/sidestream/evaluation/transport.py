"""Moving materials: cost and emissions per tonne-kilometre by mode.

The matcher names a route's transport as pipe, road, rail, sea, grid or none; here
road is a truck and sea a ship. Hauliers' rates per t·km include the vehicle's
capital, so trucks and ships are not a separate capex (docs/evaluation.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sidestream.evaluation.parameters import MODES, Parameters

MODE_OF_ROUTE = {"road": "truck", "sea": "ship", "rail": "rail", "pipe": "pipe"}


def modes(route_transport: pd.Series) -> NDArray[np.object_]:
    """Transport mode per pair ("" where nothing is hauled: grid, none).

    >>> modes(pd.Series(["road", "sea", "grid"])).tolist()
    ['truck', 'ship', '']
    """
    return route_transport.map(MODE_OF_ROUTE).fillna("").to_numpy(object)


def per_tkm(params: Parameters, mode: NDArray[np.object_], kind: str) -> NDArray[np.float64]:
    """``transport.<kind>.<mode>`` per pair (EUR or t CO2e per t·km), 0 without a mode."""
    out = np.zeros(len(mode))
    for m in MODES:
        out[mode == m] = params[f"transport.{kind}.{m}"]
    return out
