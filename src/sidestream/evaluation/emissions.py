"""Emission factors the evaluation picks from the parameter set.

Location-based grid factors per country (``grid.country``); the heat a recovered
stream displaces is a fuel burnt in a boiler (factor ÷ boiler efficiency), electricity
(an electric boiler, factor as is) or district heating (a factor per MWh of heat
already) — ``heat.displaced``.
"""

from __future__ import annotations

from sidestream.evaluation.parameters import Parameters


def grid_factor(params: Parameters) -> float:
    """t CO2e per MWh of electricity used or displaced.

    >>> from sidestream.evaluation.parameters import default_parameters
    >>> grid_factor(default_parameters().with_overrides({"grid.country": "DK"}, "region"))
    0.14
    """
    return params[f"ef.grid.{params.choice('grid.country')}"]


def displaced_heat_factor(params: Parameters) -> float:
    """t CO2e per MWh of heat the recovered heat replaces.

    >>> from sidestream.evaluation.parameters import default_parameters
    >>> p = default_parameters().with_overrides({"heat.displaced": "natural_gas"}, "synergy")
    >>> round(displaced_heat_factor(p), 4)  # 0.20196 t/MWh fuel / 0.9
    0.2244
    """
    displaced = params.choice("heat.displaced")
    if displaced == "district_heating":
        return params["ef.heat.district_heating"]
    if displaced == "electricity":
        return grid_factor(params)
    return params[f"ef.fuel.{displaced}"] / params["heat.boiler_efficiency"]
