"""The database schema (SQLAlchemy 2 ``Mapped`` tables). Changes go through Alembic.

Quantities keep their unit beside them (``quantity`` + ``unit``) and the canonical
annual value (``annual_quantity`` + ``annual_unit``) used for sorting and totals.
Rows that two people may edit carry a ``version`` column (optimistic locking): a
stale write raises instead of silently overwriting.

Constraints are named by convention so that later migrations can address them (SQLite
batch migrations cannot drop an unnamed constraint), and timestamps are always
timezone-aware UTC on both SQLite and PostgreSQL (:class:`UTCDateTime`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zones: a plain ``DateTime(timezone=True)`` reads back naive
    there and aware on PostgreSQL, and comparing the two raises. Naive values written
    by callers are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisations: Mapped[list[Organisation]] = relationship(back_populates="region")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    actor_type: Mapped[str] = mapped_column(String(20), default="company")
    nace: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    region: Mapped[Region] = relationship(back_populates="organisations")
    sites: Mapped[list[Site]] = relationship(back_populates="organisation", cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class Site(Base):
    """Where an organisation works. ``nace`` is the site's own activity when the flow
    table gives one (a municipality's swimming pool is 93.11, its offices 84.11)."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    nace: Mapped[str | None] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship(back_populates="sites")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class Flow(Base):
    """One row of the flow table, owned by an organisation at a site."""

    __tablename__ = "flows"
    __table_args__ = (UniqueConstraint("region_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))  # the flow table's ``id`` (stable, per region)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(10), index=True)
    resource: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(20), index=True)
    ewc: Mapped[str | None] = mapped_column(String(10))
    hazardous: Mapped[bool | None] = mapped_column(Boolean)
    quantity: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(30))
    annual_quantity: Mapped[float | None] = mapped_column(Float)
    annual_unit: Mapped[str | None] = mapped_column(String(10))
    temperature_c: Mapped[float | None] = mapped_column(Float)
    months_mask: Mapped[int] = mapped_column(Integer, default=0xFFF)
    visibility: Mapped[str] = mapped_column(String(12), default="facilitator", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    site: Mapped[Site] = relationship()
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class Synergy(Base):
    """A matched pair a person has looked at and saved, with its status."""

    __tablename__ = "synergies"
    __table_args__ = (UniqueConstraint("supply_flow_id", "demand_flow_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    supply_flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    demand_flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    score: Mapped[float | None] = mapped_column(Float)
    match: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the match record when saved
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    comments: Mapped[list[SynergyComment]] = relationship(cascade="all, delete-orphan")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class SynergyComment(Base):
    __tablename__ = "synergy_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    synergy_id: Mapped[int] = mapped_column(ForeignKey("synergies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)  # instance administrator
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(5), default="nb")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")


class Membership(Base):
    """A user's role in one region; members also belong to organisations there."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisations: Mapped[list[MembershipOrganisation]] = relationship(cascade="all, delete-orphan")


class MembershipOrganisation(Base):
    __tablename__ = "membership_organisations"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )


class ApiToken(Base):
    """A personal API token; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Who changed what, when, with the before and after state."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))  # SQL NULL, not JSON null
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class LoginAttempt(Base):
    """Failed logins, for rate limiting across processes."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)  # e-mail and client address
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ParameterOverride(Base):
    """A region's (``synergy_id`` NULL) or one saved synergy's override of an
    evaluation parameter (evaluation/data/parameters.yaml): a number with its unit, or
    one of a parameter's text choices (``text_value``)."""

    __tablename__ = "parameter_overrides"
    __table_args__ = (UniqueConstraint("region_id", "synergy_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    synergy_id: Mapped[int | None] = mapped_column(ForeignKey("synergies.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float)
    text_value: Mapped[str | None] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Scenario(Base):
    """A named optimisation scenario of a region: what it changes (``spec``: parameter
    factors and overrides, extra flows, the optimiser's choices — see
    ``sidestream.optimise.scenarios.ScenarioSpec``) and its last result (``result``,
    the full network over every flow: the service cuts it to each viewer)."""

    __tablename__ = "scenarios"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


# --- facilitation: cases (issue 7) ---------------------------------------------------
# Kinds (stages, barriers, partner roles, metrics) are defined in
# ``sidestream.facilitation`` and stored here as their string values.


class Case(Base):
    """A synergy being developed, from idea to a running exchange (or its end).

    ``origin`` says where it came from (``"synergy"``, ``"workshop:<id>"``, ``"manual"``);
    ``paused_from`` remembers the stage a paused case left, so it can resume there.
    Public fields are what the case's public page shows — typed by the case team for
    residents, never derived from flows.
    """

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(20), default="idea", index=True)
    paused_from: Mapped[str | None] = mapped_column(String(20))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    synergy_id: Mapped[int | None] = mapped_column(
        ForeignKey("synergies.id", ondelete="SET NULL"), index=True
    )
    origin: Mapped[str | None] = mapped_column(String(60))
    visibility: Mapped[str] = mapped_column(String(12), default="network")  # a facilitation.cases.CaseAccess
    readiness: Mapped[dict[str, Any]] = mapped_column(default=dict)  # perspective -> [criterion ids met]
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    public_slug: Mapped[str | None] = mapped_column(String(40), unique=True)
    public_summary: Mapped[str] = mapped_column(Text, default="")
    public_place: Mapped[str] = mapped_column(String(200), default="")
    public_why: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    partners: Mapped[list[CasePartner]] = relationship(
        cascade="all, delete-orphan", order_by="CasePartner.id"
    )
    flows: Mapped[list[CaseFlow]] = relationship(cascade="all, delete-orphan", order_by="CaseFlow.flow_id")
    barriers: Mapped[list[CaseBarrier]] = relationship(
        cascade="all, delete-orphan", order_by="CaseBarrier.id"
    )
    steps: Mapped[list[CaseStep]] = relationship(cascade="all, delete-orphan", order_by="CaseStep.id")
    links: Mapped[list[CaseLink]] = relationship(cascade="all, delete-orphan", order_by="CaseLink.id")
    figures: Mapped[list[CaseFigure]] = relationship(cascade="all, delete-orphan", order_by="CaseFigure.id")
    history: Mapped[list[CaseHistory]] = relationship(cascade="all, delete-orphan", order_by="CaseHistory.id")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class CaseHistory(Base):
    """One change to a case: who, when, what, and the state before and after."""

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class CasePartner(Base):
    __tablename__ = "case_partners"
    __table_args__ = (UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="other")

    organisation: Mapped[Organisation] = relationship()


class CaseFlow(Base):
    """A flow the case involves; who may see it is decided per viewer on every read."""

    __tablename__ = "case_flows"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), primary_key=True)

    flow: Mapped[Flow] = relationship()


class CaseBarrier(Base):
    __tablename__ = "case_barriers"
    __table_args__ = (UniqueConstraint("case_id", "barrier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    barrier: Mapped[str] = mapped_column(String(30), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseStep(Base):
    """A next step with a date and an owner (a person's name or an organisation)."""

    __tablename__ = "case_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(200), default="")
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseLink(Base):
    """A document or web link (permits, studies, agreements)."""

    __tablename__ = "case_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))


class CaseFigure(Base):
    """An expected or realised figure of a case in its own unit.

    Realised figures carry the ``year`` they were achieved in and the ``method`` and
    ``evidence`` behind them (what IS programmes report); ``canonical_value`` in
    ``canonical_unit`` is the same amount in the metric's unit, for totals.
    """

    __tablename__ = "case_figures"
    __table_args__ = (UniqueConstraint("case_id", "kind", "metric", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    metric: Mapped[str] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    canonical_value: Mapped[float] = mapped_column(Float)
    canonical_unit: Mapped[str] = mapped_column(String(30))
    method: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")


class CaseFeedback(Base):
    """A resident's question or comment on a case's public page, and the team's answer."""

    __tablename__ = "case_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    client_key: Mapped[str] = mapped_column(String(64), index=True)  # hashed address, for rate limits
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CatalogueEntry(Base):
    """A region's own best case, beside the packaged catalogue (same fields)."""

    __tablename__ = "catalogue_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # a facilitation.catalogue.CatalogueCase
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class Expert(Base):
    """A person in the expert directory (or a national contact point).

    Personal data is held only with ``consent``; the linked ``user_id`` lets the person
    edit or delete the entry themself. Deleting deletes the row (no soft delete).
    """

    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    country: Mapped[str] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    network: Mapped[str] = mapped_column(String(200), default="")
    contact_point: Mapped[bool] = mapped_column(Boolean, default=False)
    expertise: Mapped[dict[str, Any]] = mapped_column(default=dict)  # classes, sectors, topics
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO 639-1 codes
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (read once by the mapper)


class Job(Base):
    """Long work run in the background (an import, matching a big region): its
    progress and outcome live here, not in a process, so that any API worker can
    answer the progress poll. Only its creator may read it."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, done, failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    stage: Mapped[str] = mapped_column(String(200), default="")  # msgid of what it is doing now
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)  # an uploaded file, kept until used
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- workshops (issue 7) --------------------------------------------------------------


class Workshop(Base):
    """A facilitated session in a region, joined with a short code.

    ``board_version`` grows with every change on the board; live boards poll small
    fragments whose ETag includes it, so an unchanged board costs a 304. It is bumped
    as the last statement of each write transaction (never held while waiting for
    another lock), so concurrent voters cannot deadlock on it.
    """

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float)  # where new sites default to (WGS84)
    lon: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(5), default="nb")
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    phase: Mapped[str] = mapped_column(String(12), default="flows")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    vote_budget: Mapped[int] = mapped_column(Integer, default=5)
    max_votes_per_idea: Mapped[int] = mapped_column(Integer, default=1)
    board_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WorkshopGroup(Base):
    """A table of participants that discuss ideas together."""

    __tablename__ = "workshop_groups"
    __table_args__ = (UniqueConstraint("workshop_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class AgendaItem(Base):
    __tablename__ = "workshop_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[str | None] = mapped_column(String(5))  # "HH:MM", local time of the workshop
    title: Mapped[str] = mapped_column(String(200))


class Participant(Base):
    """A guest of one workshop: a name and an organisation, no account.

    Only the hash of the guest token is stored. ``votes_used`` is changed only by
    conditional updates (``… WHERE votes_used < vote_budget``), and the check
    constraint is the database's own guarantee that no budget is ever exceeded.
    ``verified`` is set by the facilitator who knows the person: only then does the
    guest see their organisation's non-public flows.
    """

    __tablename__ = "workshop_participants"
    __table_args__ = (
        CheckConstraint("votes_used >= 0 AND votes_used <= vote_budget", name="votes_within_budget"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_groups.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    organisation_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    vote_budget: Mapped[int] = mapped_column(Integer, default=5)
    votes_used: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkshopFlow(Base):
    """A flow added or confirmed by a participant during the workshop."""

    __tablename__ = "workshop_flows"
    __table_args__ = (UniqueConstraint("workshop_id", "flow_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="SET NULL"), index=True
    )
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # added | confirmed
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Idea(Base):
    """A proposed synergy: free text, or a match (its two flows). A merged duplicate
    keeps its row with ``merged_into_id`` set; its votes and comments moved over."""

    __tablename__ = "workshop_ideas"
    __table_args__ = (Index("ix_workshop_ideas_board", "workshop_id", "merged_into_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_groups.id", ondelete="SET NULL"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    supply_flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    demand_flow_id: Mapped[int | None] = mapped_column(ForeignKey("flows.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_ideas.id", ondelete="SET NULL"))
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    next_steps: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    case_id: Mapped[int | None] = mapped_column(Integer)  # the case it became (cases table)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaComment(Base):
    __tablename__ = "workshop_idea_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("workshop_ideas.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="SET NULL")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdeaVote(Base):
    """One participant's dots on one idea (one row per pair, never two)."""

    __tablename__ = "workshop_votes"
    __table_args__ = (
        UniqueConstraint("idea_id", "participant_id"),
        CheckConstraint("dots >= 0", name="dots_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("workshop_ideas.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="CASCADE"), index=True
    )
    dots: Mapped[int] = mapped_column(Integer, default=0)


class IdeaPlacement(Base):
    """Where one participant puts one idea on the impact × effort grid (1–5 each)."""

    __tablename__ = "workshop_placements"
    __table_args__ = (
        UniqueConstraint("idea_id", "participant_id"),
        CheckConstraint("impact BETWEEN 1 AND 5 AND effort BETWEEN 1 AND 5", name="on_the_grid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("workshop_ideas.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("workshop_participants.id", ondelete="CASCADE"), index=True
    )
    impact: Mapped[int] = mapped_column(Integer)
    effort: Mapped[int] = mapped_column(Integer)


class DataVersion(Base):
    """A stamp per scope (``accounts``, ``region:<id>``) that changes in the same
    transaction as any write to that scope's rows (``store.versions``), so that
    caches in any number of processes can tell with one small read whether what they
    hold is still current. A stamp is a random number, not a counter: equal stamps
    mean "unchanged", and a database that was recreated cannot replay old ones."""

    __tablename__ = "data_versions"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
