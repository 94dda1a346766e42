"""The metric set industrial-symbiosis programmes report, for a chosen network.

NISP and its successors report realised benefits as tonnes diverted from landfill or
incineration, virgin material saved, water saved, hazardous waste avoided and energy
exchanged (``sidestream.facilitation.benefits``). Evaluation estimates each per pair
and gives it per unit exchanged in the link table (``sidestream.evaluation.links``);
the optimiser totals it over the links it chooses, so that an estimate and a case's
realised figures compare. The metrics are counted, not optimised.

Units live in the names; :data:`NETWORK_METRICS` also carries the label (a msgid) and
the unit for the surfaces that show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sidestream.i18n import N_


@dataclass(frozen=True, slots=True)
class NetworkMetric:
    coefficient: str  # link-table column: the metric per unit exchanged
    total: str  # the network's (and a chosen link's) figure
    label: str  # msgid
    unit: str  # of the total


NETWORK_METRICS = (
    NetworkMetric("diverted_t_per_unit", "diverted_t_per_yr", N_("Diverted from disposal"), "t/yr"),
    NetworkMetric("virgin_material_t_per_unit", "virgin_material_saved_t_per_yr",
                  N_("Virgin materials saved"), "t/yr"),
    NetworkMetric("water_m3_per_unit", "water_saved_m3_per_yr", N_("Water saved"), "m3/yr"),
    NetworkMetric("hazardous_t_per_unit", "hazardous_avoided_t_per_yr", N_("Hazardous waste avoided"),
                  "t/yr"),
    NetworkMetric("energy_mwh_per_unit", "energy_delivered_mwh_per_yr", N_("Energy delivered"), "MWh/yr"),
)  # fmt: skip
# coefficient column → total name
METRICS = {m.coefficient: m.total for m in NETWORK_METRICS}
# A part paid once when built: the energy a heat or cooling pipe loses (MWh/yr).
FIXED_METRICS = {"energy_mwh_per_unit": "energy_fixed_mwh_per_yr"}
METRIC_TOTALS = tuple(m.total for m in NETWORK_METRICS)
