"""Organisations, sites and flows: Create / Update / Public bodies.

Create and Update bodies are the services' own input models (one definition of
what may be entered); Update bodies add the optional ``version`` for optimistic
locking. Public bodies are what the API returns.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sidestream.api.schemas.common import Id, Version
from sidestream.domain.categories import Category, Direction, Visibility
from sidestream.services.flows import (
    FlowChanges,
    NewFlow,
    NewOrganisation,
    NewSite,
    OrganisationChanges,
    SiteChanges,
)

# Amounts beyond this are typing errors, and would overflow to infinity on conversion.
MAX_QUANTITY = 1e15


class OrganisationCreate(NewOrganisation):
    nace: str | None = Field(default=None, max_length=10, description="NACE Rev. 2 code, e.g. 24.10")


class OrganisationUpdate(OrganisationChanges):
    nace: str | None = Field(default=None, max_length=10)
    version: Version | None = None


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    region_id: int
    name: str
    actor_type: str
    nace: str | None
    created_at: datetime
    version: int


class SiteCreate(NewSite):
    organisation_id: Id


class SiteUpdate(SiteChanges):
    version: Version | None = None


class SitePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    name: str
    lat: float = Field(description="WGS84 latitude, degrees")
    lon: float = Field(description="WGS84 longitude, degrees")
    version: int


class FlowCreate(NewFlow):
    organisation_id: Id
    site_id: Id
    quantity: float | None = Field(default=None, ge=0, le=MAX_QUANTITY)
    ewc: str | None = Field(default=None, max_length=20, description="EWC code, e.g. '10 01 02'")
    months: str | None = Field(default=None, max_length=60, description="availability, e.g. 1-12 or 5-9")


class FlowUpdate(FlowChanges):
    organisation_id: Id | None = None
    site_id: Id | None = None
    quantity: float | None = Field(default=None, ge=0, le=MAX_QUANTITY)
    ewc: str | None = Field(default=None, max_length=20)
    months: str | None = Field(default=None, max_length=60)
    version: Version | None = None


class FlowPublic(BaseModel):
    id: int
    key: str = Field(description="The flow table's id (stable within the region).")
    region_id: int
    organisation_id: int
    organisation: str
    actor_type: str
    site_id: int
    site: str
    lat: float
    lon: float
    direction: Direction
    resource: str
    category: Category | None
    ewc: str | None
    hazardous: bool | None
    quantity: float | None
    unit: str | None
    annual_quantity: float | None
    annual_unit: str | None
    temperature_c: float | None
    months: str
    visibility: Visibility
    notes: str
    source: str
    created_at: datetime
    updated_at: datetime
    version: int
