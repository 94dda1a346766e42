"""Cases (the pipeline), their parts, history, public page and feedback."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sidestream.api.schemas.common import Id, Version
from sidestream.facilitation.benefits import Metric
from sidestream.facilitation.cases import Barrier, CaseAccess, CaseStage, FigureKind, PartnerRole


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CaseCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    organisation_ids: list[Id] = Field(default_factory=list, max_length=100)
    flow_ids: list[Id] = Field(default_factory=list, max_length=200)
    synergy_id: Id | None = Field(default=None, description="A saved synergy to develop as this case")
    origin: str | None = Field(default=None, max_length=60)
    visibility: CaseAccess = CaseAccess.NETWORK


class CaseUpdate(_In):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    owner_user_id: Id | None = None
    visibility: CaseAccess | None = None
    version: Version | None = None


class StageMove(_In):
    stage: CaseStage
    version: Version | None = None


class PartnerAdd(_In):
    organisation_id: Id
    role: PartnerRole = PartnerRole.OTHER
    version: Version | None = None


class FlowAdd(_In):
    flow_id: Id
    version: Version | None = None


class BarrierSet(_In):
    note: str = Field(default="", max_length=20_000)
    resolved: bool = False
    version: Version | None = None


class StepCreate(_In):
    text: str = Field(min_length=1, max_length=20_000)
    due: date | None = None
    owner: str = Field(default="", max_length=200)
    version: Version | None = None


class StepUpdate(_In):
    text: str | None = Field(default=None, min_length=1, max_length=20_000)
    due: date | None = None
    owner: str | None = Field(default=None, max_length=200)
    done: bool | None = None
    version: Version | None = None


class LinkCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=8, max_length=2000)
    version: Version | None = None


class FigureSet(_In):
    kind: FigureKind
    metric: Metric
    value: float = Field(allow_inf_nan=False)
    unit: str = Field(
        min_length=1, max_length=30, description="A pint unit, e.g. t/yr, MWh/yr, t CO2e/yr, EUR/yr"
    )
    year: int | None = Field(default=None, ge=1950, le=2100)
    method: str = Field(default="", max_length=20_000)
    evidence: str = Field(default="", max_length=20_000)
    version: Version | None = None


class ReadinessSet(_In):
    met: dict[str, list[str]] = Field(description="Per perspective, the ids of the criteria met")
    version: Version | None = None


class PublicSet(_In):
    is_public: bool
    summary: str | None = Field(default=None, max_length=20_000)
    place: str | None = Field(default=None, max_length=200)
    why: str | None = Field(default=None, max_length=20_000)
    version: Version | None = None


class FeedbackAnswer(_In):
    answer: str = Field(default="", max_length=2000)
    hidden: bool | None = None


class FeedbackCreate(_In):
    name: str = Field(default="", max_length=100)
    text: str = Field(min_length=3, max_length=2000)
    website: str = Field(default="", max_length=200, description="Leave empty (a trap for spam robots)")


class FlowRefPublic(BaseModel):
    id: int | None
    hidden: bool
    direction: str | None = None
    category: str | None = None
    resource: str | None = None
    organisation: str | None = None
    quantity: float | None = None
    unit: str | None = None
    visibility: str | None = None


class PartnerPublic(BaseModel):
    organisation_id: int | None
    name: str | None
    role: str
    hidden: bool


class ReadinessLevel(BaseModel):
    perspective: str
    level: int
    max_level: int
    met: list[str]


class CasePublic(BaseModel):
    id: int
    region_id: int
    title: str
    description: str
    stage: CaseStage
    paused_from: str | None
    visibility: CaseAccess
    owner_user_id: int | None
    owner_name: str | None
    synergy_id: int | None
    origin: str | None
    is_public: bool
    public_slug: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    can_edit: bool
    partners: list[PartnerPublic]
    flows: list[FlowRefPublic]
    barriers: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    links: list[dict[str, Any]]
    figures: list[dict[str, Any]]
    readiness: list[ReadinessLevel]
    classes: list[str]


class HistoryPublic(BaseModel):
    at: datetime
    user: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class FeedbackPublic(BaseModel):
    id: int
    name: str
    text: str
    created_at: datetime
    answer: str
    answered_at: datetime | None
    hidden: bool = False


class PublicCasePage(BaseModel):
    """What a case's public page shows — and nothing else."""

    slug: str
    title: str
    stage: CaseStage
    summary: str
    place: str
    why: str
    updated_at: datetime
    feedback: list[FeedbackPublic]


class BarrierInfo(BaseModel):
    id: Barrier
    label: str
