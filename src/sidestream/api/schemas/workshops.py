"""Workshops: create, join, board, ideas, votes, placements (separate create, update
and public shapes, STYLE §9)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sidestream.api.schemas.common import Id
from sidestream.facilitation.workshops import Phase


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class GroupPublic(BaseModel):
    id: int
    name: str


class AgendaItemPublic(BaseModel):
    starts_at: str | None
    title: str


class WorkshopPublic(BaseModel):
    id: int
    region: str
    title: str
    held_on: date | None
    place: str
    lat: float | None
    lon: float | None
    language: str
    join_code: str = Field(description="Shown as XXX-XXX; type it with or without the dash.")
    join_url: str
    phase: Phase
    locked: bool
    vote_budget: int
    max_votes_per_idea: int
    groups: list[GroupPublic]
    agenda: list[AgendaItemPublic]
    created_at: datetime
    closed_at: datetime | None


class WorkshopUpdate(_In):
    phase: Phase | None = None
    locked: bool | None = None


class JoinRequest(_In):
    code: str = Field(min_length=1, max_length=20, description="The join code, e.g. HJK-234.")
    name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(min_length=1, max_length=200)
    actor_type: Literal["company", "municipality", "utility", "research", "other"] = "company"


class ParticipantPublic(BaseModel):
    id: int
    name: str
    organisation: str
    organisation_id: int | None
    group_id: int | None
    verified: bool
    votes_left: int


class JoinResponse(BaseModel):
    workshop_id: int
    participant: ParticipantPublic
    token: str = Field(description="Your guest token (shown once): send it as X-Guest-Token.")
    csrf_token: str = Field(description="For cookie-authenticated writes: send it as X-CSRF-Token.")


class ParticipantUpdate(_In):
    group_id: Id | None = None
    verified: bool | None = None


class GroupCreate(_In):
    name: str = Field(min_length=1, max_length=100)


class FlowRowPublic(BaseModel):
    id: int
    key: str
    direction: str
    resource: str
    category: str | None
    quantity: float | None
    unit: str | None
    visibility: str
    organisation: str
    site: str
    lat: float
    lon: float
    status: str | None = Field(description="added or confirmed in this workshop, or null")


class IdeaSidePublic(BaseModel):
    visible: bool
    direction: str
    category: str | None
    resource: str | None = None
    organisation: str | None = None
    within_km: int | None = Field(default=None, description="For a hidden side: a distance bound, km.")


class IdeaPublic(BaseModel):
    id: int
    title: str
    description: str
    author: str
    group_id: int | None
    created_at: datetime
    votes: int = Field(description="Dots on the idea (all participants).")
    voters: int = Field(description="Distinct participants who gave dots.")
    comments: int
    my_votes: int
    impact: float | None = Field(description="Mean impact, 1 (low) to 5 (high).")
    effort: float | None = Field(description="Mean effort, 1 (low) to 5 (high).")
    placements: int
    priority: float | None = Field(description="impact × (6 − effort) / 25, from 0 to 1.")
    quadrant: str | None
    my_impact: int | None
    my_effort: int | None
    chosen: bool
    next_steps: str
    owner: str
    case_id: int | None
    supply: IdeaSidePublic | None
    demand: IdeaSidePublic | None
    merged_from: list[int]


class IdeaCreate(_In):
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=5000)
    supply_flow_id: Id | None = None
    demand_flow_id: Id | None = None
    match_ref: str | None = Field(default=None, max_length=64)


class IdeaUpdate(_In):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    chosen: bool | None = None
    next_steps: str | None = Field(default=None, max_length=5000)
    owner: str | None = Field(default=None, max_length=200)


class CommentCreate(_In):
    text: str = Field(min_length=1, max_length=2000)


class CommentPublic(BaseModel):
    id: int
    idea_id: int
    author: str
    text: str
    created_at: datetime


class VoteRequest(_In):
    delta: Literal[1, -1] = Field(default=1, description="1 gives a dot, -1 takes one back.")


class VoteResult(BaseModel):
    idea_id: int
    votes_left: int


class PlacementRequest(_In):
    impact: int = Field(ge=1, le=5, description="1 (low) to 5 (high)")
    effort: int = Field(ge=1, le=5, description="1 (low) to 5 (high)")


class PlacementPublic(BaseModel):
    idea_id: int
    impact: int
    effort: int


class MergeRequest(_In):
    duplicate_ids: list[Id] = Field(min_length=1, max_length=100)


class BoardStatusPublic(BaseModel):
    phase: Phase
    locked: bool
    participants: int
    ideas: int
    votes_cast: int
    votes_left: int | None
    board_version: int


class BoardPublic(BaseModel):
    status: BoardStatusPublic
    ideas: list[IdeaPublic]
    total: int
    page: int
    per_page: int


class CaseCreated(BaseModel):
    idea_id: int
    case_id: int
