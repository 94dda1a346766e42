"""Schemas of network optimisation and scenarios (create / public kept apart)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sidestream.optimise.network import OptimiseParams
from sidestream.optimise.scenarios import ScenarioSpec

METRIC_DESCRIPTIONS = {
    "diverted_t_per_yr": "waste and by-products diverted from landfill or incineration, t/yr",
    "virgin_material_saved_t_per_yr": "virgin material saved, t/yr",
    "water_saved_m3_per_yr": "water saved, m3/yr",
    "hazardous_avoided_t_per_yr": "hazardous waste avoided, t/yr",
    "energy_delivered_mwh_per_yr": "energy delivered to the takers, MWh/yr",
}
UNKNOWN = "; null when unknown for a link it counts (e.g. a result stored before this field)"


def _metric(name: str) -> Any:
    return Field(None, description=METRIC_DESCRIPTIONS[name] + UNKNOWN)


class NetworkDocument(BaseModel):
    """A chosen network as the caller may see it. Numbers carry their unit in their
    names; ``partial`` means some links involve flows hidden from the caller and the
    totals count only the links shown in full. The metric set industrial-symbiosis
    programmes report (``diverted_t_per_yr`` …) is given for the network and, in
    ``links``, per link (null for a link with a hidden side)."""

    params: OptimiseParams
    status: str
    termination: str
    objective: str
    objective_value: float | None
    net_benefit_eur_per_yr: float
    co2e_t_per_yr: float
    capex_eur: float
    diverted_t_per_yr: float | None = _metric("diverted_t_per_yr")
    virgin_material_saved_t_per_yr: float | None = _metric("virgin_material_saved_t_per_yr")
    water_saved_m3_per_yr: float | None = _metric("water_saved_m3_per_yr")
    hazardous_avoided_t_per_yr: float | None = _metric("hazardous_avoided_t_per_yr")
    energy_delivered_mwh_per_yr: float | None = _metric("energy_delivered_mwh_per_yr")
    mip_gap: float | None = Field(description="relative MIP gap; null when unknown (time limit)")
    solve_time_s: float
    build_time_s: float
    n_candidates: int
    n_chosen: int
    partial: bool
    links: list[dict[str, Any]]
    trunks: list[dict[str, Any]]


class ScenarioCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    spec: ScenarioSpec = Field(default_factory=ScenarioSpec)


class ScenarioPublic(BaseModel):
    id: int
    name: str
    spec: ScenarioSpec
    run_at: str | None
    created_at: str
    version: int
    result: NetworkDocument | None


class ComparisonRow(BaseModel):
    """One scenario beside the baseline (the first one asked for)."""

    name: str
    objective_value: float | None
    net_benefit_eur_per_yr: float | None
    co2e_t_per_yr: float | None
    capex_eur: float | None
    diverted_t_per_yr: float | None = _metric("diverted_t_per_yr")
    virgin_material_saved_t_per_yr: float | None = _metric("virgin_material_saved_t_per_yr")
    water_saved_m3_per_yr: float | None = _metric("water_saved_m3_per_yr")
    hazardous_avoided_t_per_yr: float | None = _metric("hazardous_avoided_t_per_yr")
    energy_delivered_mwh_per_yr: float | None = _metric("energy_delivered_mwh_per_yr")
    n_links: int
    added: list[str]
    removed: list[str]
    partial: bool
