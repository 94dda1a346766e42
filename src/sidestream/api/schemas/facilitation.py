"""The catalogue, funding programmes, experts and benchmarking."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ProgrammePublic(BaseModel):
    id: str
    name: str
    funder: str
    countries: list[str]
    url: str
    applicants: list[str]
    stages: list[str]
    funds: str
    typical: str


class ExpertPublic(BaseModel):
    id: int
    user_id: int | None
    name: str
    organisation: str
    country: str
    email: str
    phone: str
    network: str
    contact_point: bool
    classes: list[str]
    sectors: list[str]
    topics: list[str]
    languages: list[str]
    consent_at: datetime
    version: int
    can_edit: bool


class ExpertSuggestion(BaseModel):
    expert: ExpertPublic
    score: float


class BenchmarkDocument(BaseModel):
    regions: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    note: str
