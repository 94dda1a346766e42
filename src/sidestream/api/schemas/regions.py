"""Regions."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class RegionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")
    name: str | None = Field(None, min_length=1, max_length=200)
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    description: str = Field("", max_length=10_000)


class RegionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    country: str | None
    description: str
    created_at: datetime
    version: int


class RegionSummary(BaseModel):
    """Counts of the flows the caller may see (never of hidden ones)."""

    region: str
    flows: int
    supplies: int
    demands: int
    by_category: dict[str, int]
