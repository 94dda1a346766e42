"""The expert directory and national contact points (logged-in users).

An entry holds personal data only with consent; the person (their linked account)
and administrators may change or delete it, and deleting removes it for real.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from sidestream.api.deps import AuthDep, IdPath, IfMatchDep, SessionDep
from sidestream.api.schemas.facilitation import ExpertPublic
from sidestream.services import experts as service
from sidestream.services.experts import ExpertData
from sidestream.store.models import Expert, User

router = APIRouter(prefix="/experts", tags=["experts"])


def expert_public(e: Expert, user: User | None) -> ExpertPublic:
    ex = e.expertise or {}
    return ExpertPublic(
        id=e.id,
        user_id=e.user_id,
        name=e.name,
        organisation=e.organisation,
        country=e.country,
        email=e.email,
        phone=e.phone,
        network=e.network,
        contact_point=e.contact_point,
        classes=list(ex.get("classes", [])),
        sectors=list(ex.get("sectors", [])),
        topics=list(ex.get("topics", [])),
        languages=list(e.languages or []),
        consent_at=e.consent_at,
        version=e.version,
        can_edit=service.can_manage(user, e),
    )


@router.get("", response_model=list[ExpertPublic], summary="Search the expert directory")
def search_experts(
    session: SessionDep,
    auth: AuthDep,
    q: Annotated[str, Query(max_length=200)] = "",
    resource_class: Annotated[str | None, Query(max_length=60)] = None,
    sector: Annotated[str | None, Query(max_length=10)] = None,
    topic: Annotated[str | None, Query(max_length=20)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    language: Annotated[str | None, Query(max_length=2)] = None,
    contact_points: bool = False,
) -> list[ExpertPublic]:
    rows = service.search_experts(
        session, auth.user, q, resource_class=resource_class, sector=sector, topic=topic, country=country,
        language=language, contact_points=contact_points,
    )  # fmt: skip
    return [expert_public(e, auth.user) for e in rows]


@router.post(
    "",
    response_model=ExpertPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add yourself (or, as admin, someone who consented)",
)
def create_expert(
    body: ExpertData,
    session: SessionDep,
    auth: AuthDep,
    on_behalf: Annotated[bool, Query(description="Admins: an entry for someone else")] = False,
    for_user_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> ExpertPublic:
    expert = service.create_expert(session, auth.user, body, on_behalf=on_behalf, for_user_id=for_user_id)
    return expert_public(expert, auth.user)


@router.get("/{expert_id}", response_model=ExpertPublic, summary="One expert entry")
def get_expert(expert_id: IdPath, session: SessionDep, auth: AuthDep) -> ExpertPublic:
    return expert_public(service.get_expert(session, auth.user, expert_id), auth.user)


@router.put("/{expert_id}", response_model=ExpertPublic, summary="Change an entry (the person or an admin)")
def update_expert(
    expert_id: IdPath, body: ExpertData, session: SessionDep, auth: AuthDep, if_match: IfMatchDep
) -> ExpertPublic:
    expert = service.update_expert(session, auth.user, expert_id, body, expected_version=if_match)
    return expert_public(expert, auth.user)


@router.delete("/{expert_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete an entry for real")
def delete_expert(expert_id: IdPath, session: SessionDep, auth: AuthDep) -> Response:
    service.delete_expert(session, auth.user, expert_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
