"""Match results and saved synergies.

A match document keeps the engine's JSON contract (DESIGN §3): records are open
objects so that fields can be added without breaking clients.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sidestream.api.schemas.common import Id, Version
from sidestream.domain.synergies import SynergyStatus


class MatchDocument(BaseModel):
    """For each supply its best demands; sides the caller may not see are stubs
    (``anonymised: true``) and ``stats`` counts only what is returned."""

    version: str
    matches: list[dict[str, Any]]
    params: dict[str, Any]
    stats: dict[str, Any]
    suggestions: list[dict[str, Any]] | None = None


class SynergyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supply_flow_id: Id | None = None
    demand_flow_id: Id | None = None
    match_ref: str | None = Field(
        None,
        max_length=64,
        description="From a match record: lets you save a match whose other side is hidden.",
    )


class SynergyStatusUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: SynergyStatus
    version: Version | None = None


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)


class CommentPublic(BaseModel):
    id: int
    user_id: int | None
    text: str
    created_at: datetime


class SynergyPublic(BaseModel):
    id: int
    region_id: int
    status: SynergyStatus
    score: float | None
    anonymised: str | None = Field(description="Which side is hidden from you (supply or demand), if any.")
    supply: dict[str, Any]
    demand: dict[str, Any]
    reasons: list[str]
    created_by: int | None
    created_at: datetime
    version: int
    comments: list[CommentPublic]
