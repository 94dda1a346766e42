"""Organisations, sites and flows: Create / Update / Public bodies.

Create and Update bodies are the services' own input models (one definition of
what may be entered); Update bodies add the optional ``version`` for optimistic
locking. Public bodies are what the API returns.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from sidestream.domain.categories import Category, Direction, Visibility
from sidestream.services.flows import (
    FlowChanges,
    NewFlow,
    NewOrganisation,
    NewSite,
    OrganisationChanges,
    SiteChanges,
)

VERSION_FIELD = Field(
    None, ge=1, description="The version you read (or send If-Match); a stale one gives 409."
)


class OrganisationCreate(NewOrganisation):
    pass


class OrganisationUpdate(OrganisationChanges):
    version: int | None = VERSION_FIELD


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
    pass


class SiteUpdate(SiteChanges):
    version: int | None = VERSION_FIELD


class SitePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    name: str
    lat: float = Field(description="WGS84 latitude, degrees")
    lon: float = Field(description="WGS84 longitude, degrees")
    version: int


class FlowCreate(NewFlow):
    pass


class FlowUpdate(FlowChanges):
    version: int | None = VERSION_FIELD


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
