"""The expert directory and national contact points.

Personal data is held only with consent: an entry cannot be created without it, and
the time of consent is stored. The person themself (the user account linked to the
entry) and instance administrators may change or delete it, and deleting removes the
row — no soft delete, no copy in the audit trail beyond the fact that an entry was
deleted. The directory is for logged-in users only: it holds names and contacts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    StaleWriteError,
)
from sidestream.facilitation.catalogue import fold
from sidestream.facilitation.experts import Needs, parse_topics, relevance
from sidestream.i18n import N_
from sidestream.knowledge.base import default_knowledge_base
from sidestream.knowledge.reference import normalise_nace
from sidestream.services import audit
from sidestream.services.accounts import AuthenticationError, normalise_email
from sidestream.store.models import Expert, User, utcnow


class ExpertData(BaseModel):
    """What a person tells about themself (also the API's create/update body)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(default="", max_length=200)
    country: str = Field(pattern=r"^[A-Za-z]{2}$", description="ISO 3166 country code, e.g. NO")
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=40)
    network: str = Field(default="", max_length=200, description="The network they are a contact point of")
    contact_point: bool = False
    classes: list[str] = Field(default_factory=list, description="Resource class ids of the taxonomy")
    sectors: list[str] = Field(default_factory=list, description="NACE codes or prefixes, e.g. 24 or 24.10")
    topics: list[str] = Field(default_factory=list, description="regulation, funding, technology …")
    languages: list[str] = Field(default_factory=list, description="ISO 639-1 codes, e.g. nb, en")
    consent: bool = Field(description="The person agrees that these details are shown to logged-in users")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value) if value.strip() else ""

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        out = sorted({v.strip().lower() for v in value if v.strip()})
        if any(len(v) != 2 or not v.isalpha() for v in out):
            raise ValueError("languages: two-letter ISO 639-1 codes, e.g. nb, sv, en")
        return out


def _clean(data: ExpertData) -> dict[str, object]:
    if not data.consent:
        raise InvalidDataError(N_("an expert entry needs the person's consent to show their details"))
    kb = default_knowledge_base()
    unknown = sorted(c for c in data.classes if c not in kb.classes)
    if unknown:
        raise InvalidDataError(
            N_("unknown resource classes {unknown}: use ids of the taxonomy"), unknown=", ".join(unknown)
        )
    sectors = []
    for code in data.sectors:
        code = code.strip()
        if (len(code) <= 2 and code.isdigit()) or (len(code) == 1 and code.isalpha()):
            sectors.append(code.upper())  # a NACE division or section as a prefix
            continue
        try:
            sectors.append(normalise_nace(code))
        except ValueError as exc:
            raise InvalidDataError(N_("sectors: {reason}"), reason=exc) from None
    return {
        "name": data.name,
        "organisation": data.organisation,
        "country": data.country.upper(),
        "email": data.email,
        "phone": data.phone,
        "network": data.network,
        "contact_point": data.contact_point,
        "expertise": {
            "classes": sorted(set(data.classes)),
            "sectors": sorted(set(sectors)),
            "topics": parse_topics(data.topics),
        },
        "languages": data.languages,
    }


def _state(expert: Expert) -> dict[str, object]:
    # No personal details in the audit trail: a deleted entry must leave nothing behind.
    return {"id": expert.id, "user_id": expert.user_id, "contact_point": expert.contact_point}


def _require_user(user: User | None) -> User:
    if user is None:
        raise AuthenticationError(N_("log in to use the expert directory"))
    return user


def create_expert(
    session: Session,
    user: User | None,
    data: ExpertData,
    *,
    on_behalf: bool = False,
    for_user_id: int | None = None,
) -> Expert:
    """A person's own entry (linked to their account), or — ``on_behalf``, admins only —
    an entry for someone else (linked to ``for_user_id`` if they have an account), with
    the consent the admin collected. Commits."""
    actor = _require_user(user)
    owner_id: int | None = actor.id
    if on_behalf:
        if not actor.is_admin:
            raise PermissionDeniedError(N_("only administrators add entries for other people"))
        owner_id = for_user_id
        if owner_id is not None and session.get(User, owner_id) is None:
            raise NotFoundError(N_("no user with id {owner_id}"), owner_id=owner_id)
    if owner_id is not None and _has_entry(session, owner_id):
        raise ConflictError(N_("this account already has an expert entry: edit it instead"))
    expert = Expert(user_id=owner_id, consent_at=utcnow(), **_clean(data))
    session.add(expert)
    session.flush()
    audit.record(
        session, action="create", entity="expert", entity_id=expert.id, region_id=None, user_id=actor.id,
        after=_state(expert),
    )  # fmt: skip
    session.commit()
    return expert


def _has_entry(session: Session, user_id: int) -> bool:
    return session.scalar(select(Expert.id).where(Expert.user_id == user_id)) is not None


def get_expert(session: Session, user: User | None, expert_id: int) -> Expert:
    _require_user(user)
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFoundError(N_("no expert entry {expert_id}"), expert_id=expert_id)
    return expert


def can_manage(user: User | None, expert: Expert) -> bool:
    return user is not None and (user.is_admin or (expert.user_id is not None and expert.user_id == user.id))


def _require_manage(user: User | None, expert: Expert) -> User:
    actor = _require_user(user)
    if not can_manage(actor, expert):
        raise PermissionDeniedError(
            N_("only the person themself and administrators may change or delete this entry")
        )
    return actor


def update_expert(
    session: Session,
    user: User | None,
    expert_id: int,
    data: ExpertData,
    *,
    expected_version: int | None = None,
) -> Expert:
    expert = get_expert(session, user, expert_id)
    actor = _require_manage(user, expert)
    if expected_version is not None and expected_version != expert.version:
        raise StaleWriteError(
            N_("expert entry {expert_id} changed since you read it: reload and try again"),
            expert_id=expert.id,
        )
    for key, value in _clean(data).items():
        setattr(expert, key, value)
    expert.consent_at = utcnow()
    audit.record(
        session, action="update", entity="expert", entity_id=expert.id, region_id=None, user_id=actor.id,
        after=_state(expert),
    )  # fmt: skip
    session.commit()
    return expert


def delete_expert(session: Session, user: User | None, expert_id: int) -> None:
    """Delete the entry for real (the row is gone). Commits."""
    expert = get_expert(session, user, expert_id)
    actor = _require_manage(user, expert)
    audit.record(
        session, action="delete", entity="expert", entity_id=expert.id, region_id=None, user_id=actor.id
    )
    session.delete(expert)
    session.commit()


def search_experts(
    session: Session,
    user: User | None,
    query: str = "",
    *,
    resource_class: str | None = None,
    sector: str | None = None,
    topic: str | None = None,
    country: str | None = None,
    language: str | None = None,
    contact_points: bool = False,
) -> list[Expert]:
    """Entries matching every word of ``query`` and the filters (logged-in users)."""
    _require_user(user)
    words = fold(query).split()
    out = []
    for e in session.scalars(select(Expert).order_by(Expert.name, Expert.id)):
        ex = e.expertise or {}
        if resource_class and resource_class not in ex.get("classes", []):
            continue
        if sector and not any(sector.startswith(s) or s.startswith(sector) for s in ex.get("sectors", [])):
            continue
        if topic and topic not in ex.get("topics", []):
            continue
        if country and e.country != country.upper():
            continue
        if language and language.lower() not in (e.languages or []):
            continue
        if contact_points and not e.contact_point:
            continue
        hay = fold(
            " ".join(
                [e.name, e.organisation, e.country, e.network, *(str(x) for v in ex.values() for x in v)]
            )
        )
        if not all(w in hay for w in words):
            continue
        out.append(e)
    return out


@dataclass(frozen=True)
class Suggestion:
    expert: Expert
    score: float


def experts_for(session: Session, user: User | None, needs: Needs, *, limit: int = 5) -> list[Suggestion]:
    """The experts whose expertise best covers ``needs`` (none when nobody is logged in)."""
    if user is None or needs.empty:
        return []
    scored = []
    for e in session.scalars(select(Expert)):
        ex = e.expertise or {}
        score = relevance(needs, ex.get("classes", []), ex.get("sectors", []), ex.get("topics", []))
        if score > 0:
            scored.append(Suggestion(e, score))
    scored.sort(key=lambda s: (-s.score, not s.expert.contact_point, s.expert.name))
    return scored[:limit]


def needs_of(classes: Iterable[str], sectors: Iterable[str | None], barriers: Sequence[str]) -> Needs:
    return Needs.of(classes, [s for s in sectors if s], barriers)
