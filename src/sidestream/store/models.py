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

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
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


class DataVersion(Base):
    """A stamp per scope (``accounts``, ``region:<id>``) that changes in the same
    transaction as any write to that scope's rows (``store.versions``), so that
    caches in any number of processes can tell with one small read whether what they
    hold is still current. A stamp is a random number, not a counter: equal stamps
    mean "unchanged", and a database that was recreated cannot replay old ones."""

    __tablename__ = "data_versions"

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
