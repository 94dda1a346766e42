"""Network optimisation: the best set of synergies for a region (DESIGN §4).

Engine only: works on the candidate-link table of ``sidestream.evaluation.links``
(pandas) and imports nothing from store, services, api, web or cli.
"""

from sidestream.optimise.links import LINK_COLUMNS, check_links
from sidestream.optimise.metrics import NETWORK_METRICS
from sidestream.optimise.network import NetworkResult, Objective, OptimiseParams, optimise
from sidestream.optimise.trunks import Trunks, trunk_groups

__all__ = [
    "LINK_COLUMNS",
    "NETWORK_METRICS",
    "NetworkResult",
    "Objective",
    "OptimiseParams",
    "Trunks",
    "check_links",
    "optimise",
    "trunk_groups",
]
