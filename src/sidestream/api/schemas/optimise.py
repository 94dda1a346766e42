"""Schemas of network optimisation and scenarios (create / public kept apart)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sidestream.optimise.network import OptimiseParams
from sidestream.optimise.scenarios import ScenarioSpec


class NetworkDocument(BaseModel):
    """A chosen network as the caller may see it. Numbers carry their unit in their
    names; ``partial`` means some links involve flows hidden from the caller and the
    totals count only the links shown in full."""

    params: OptimiseParams
    status: str
    termination: str
    objective: str
    objective_value: float | None
    net_benefit_eur_per_yr: float
    co2e_t_per_yr: float
    capex_eur: float
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
    n_links: int
    added: list[str]
    removed: list[str]
    partial: bool
