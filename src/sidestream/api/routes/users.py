"""Users: instance administrators create, list and change accounts."""

from __future__ import annotations

from fastapi import APIRouter, status

from sidestream.api.deps import AdminDep, IdPath, PageDep, SessionDep
from sidestream.api.schemas.accounts import UserCreate, UserPublic, UserUpdate
from sidestream.api.schemas.common import Page
from sidestream.services import accounts

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserPublic], summary="List users (admin)")
def list_users(_admin: AdminDep, session: SessionDep, page: PageDep) -> Page[UserPublic]:
    users, total = accounts.list_users(session, offset=page.offset, limit=page.per_page)
    items = [UserPublic.model_validate(u) for u in users]
    return Page(items=items, page=page.page, per_page=page.per_page, total=total)


@router.post(
    "", response_model=UserPublic, status_code=status.HTTP_201_CREATED, summary="Create a user (admin)"
)
def create_user(body: UserCreate, _admin: AdminDep, session: SessionDep) -> UserPublic:
    user = accounts.create_user(
        session, body.email, body.password, name=body.name, is_admin=body.is_admin, language=body.language
    )
    return UserPublic.model_validate(user)


@router.get("/{user_id}", response_model=UserPublic, summary="One user (admin)")
def get_user(user_id: IdPath, _admin: AdminDep, session: SessionDep) -> UserPublic:
    return UserPublic.model_validate(accounts.get_user(session, user_id))


@router.patch("/{user_id}", response_model=UserPublic, summary="Change a user (admin)")
def update_user(user_id: IdPath, body: UserUpdate, _admin: AdminDep, session: SessionDep) -> UserPublic:
    user = accounts.get_user(session, user_id)
    accounts.update_user(session, user, **body.model_dump(exclude_unset=True))
    return UserPublic.model_validate(user)
