"""Who has which role in a region: facilitators and admins manage it."""

from __future__ import annotations

from fastapi import APIRouter, status

from sidestream.api.deps import FacilitatorDep, IdPath, RegionDep, SessionDep
from sidestream.api.schemas.accounts import MembershipCreate, MembershipPublic
from sidestream.domain.visibility import Role
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import N_
from sidestream.services import accounts
from sidestream.store.models import Membership

router = APIRouter(prefix="/regions/{slug}/memberships", tags=["memberships"])


def _public(m: Membership) -> MembershipPublic:
    return MembershipPublic(
        id=m.id,
        user_id=m.user_id,
        email=m.user.email,
        region_id=m.region_id,
        role=Role(m.role),
        organisation_ids=sorted(o.organisation_id for o in m.organisations),
    )


@router.get("", response_model=list[MembershipPublic], summary="Members of the region (facilitator)")
def list_memberships(
    region: RegionDep, _viewer: FacilitatorDep, session: SessionDep
) -> list[MembershipPublic]:
    return [_public(m) for m in accounts.list_memberships(session, region)]


@router.put(
    "",
    response_model=MembershipPublic,
    status_code=status.HTTP_200_OK,
    summary="Give a user a role in the region (facilitator)",
)
def put_membership(
    body: MembershipCreate, region: RegionDep, viewer: FacilitatorDep, session: SessionDep
) -> MembershipPublic:
    """Facilitators may add viewers, members and facilitators; only admins may make admins."""
    if body.role is Role.ADMIN and viewer.role is not Role.ADMIN:
        raise PermissionDeniedError(N_("only a region admin may make someone an admin"))
    user = accounts.get_user(session, body.user_id)
    membership = accounts.add_membership(session, user, region, body.role, body.organisation_ids)
    session.refresh(membership)
    return _public(membership)


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a user's role (facilitator)"
)
def delete_membership(
    user_id: IdPath, region: RegionDep, _viewer: FacilitatorDep, session: SessionDep
) -> None:
    accounts.remove_membership(session, accounts.get_user(session, user_id), region)
