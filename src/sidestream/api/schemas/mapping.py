"""Hubs and the regional potential of a region (issue 8's mapping)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Amount(BaseModel):
    quantity: float
    unit: str


class HubMemberPublic(BaseModel):
    site: str
    actors: list[str]
    lat: float
    lon: float
    supplies: int
    demands: int
    matches: int


class HubStreamPublic(BaseModel):
    label: str
    category: str | None
    supplies: int
    demands: int
    matches: int


class HubPublic(BaseModel):
    rank: int
    name: str
    municipality: str | None
    members: list[HubMemberPublic]
    actors: list[str]
    streams: list[HubStreamPublic]
    matches: int
    potential: list[Amount]
    co2e: Amount | None
    centroid: dict[str, float]
    why: list[str]


class HubsDocument(BaseModel):
    """Potential hubs computed from the flows and full matches the caller may see."""

    hubs: list[HubPublic]
    co2e_estimated: bool


class PotentialRow(BaseModel):
    key: str
    label: str
    category: str | None
    supplies: int
    supply: Amount
    demands: int
    demand: Amount
    unsummed: int


class MunicipalityPublic(BaseModel):
    municipality: str
    country: str | None
    flows: int
    supplies: int
    demands: int
    heat_supply: Amount
    material_supply: Amount
    water_supply: Amount


class PotentialDocument(BaseModel):
    """What there is to use, from the flows the caller may see."""

    heat_bands: list[PotentialRow]
    materials: list[PotentialRow]
    water: list[PotentialRow]
    municipalities: list[MunicipalityPublic]
    sankey: dict[str, Any]
    h3_resolution: int


class FeatureCollection(BaseModel):
    type: str
    features: list[dict[str, Any]]
