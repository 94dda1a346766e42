"""Personal API tokens: each user creates, lists and revokes their own."""

from __future__ import annotations

from fastapi import APIRouter, status

from sidestream.api.deps import IdPath, SessionDep, UserDep
from sidestream.api.schemas.accounts import TokenCreate, TokenCreated, TokenPublic
from sidestream.services import accounts

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", response_model=list[TokenPublic], summary="My API tokens")
def list_tokens(user: UserDep, session: SessionDep) -> list[TokenPublic]:
    return [TokenPublic.model_validate(t) for t in accounts.list_tokens(session, user)]


@router.post(
    "", response_model=TokenCreated, status_code=status.HTTP_201_CREATED, summary="Create an API token"
)
def create_token(body: TokenCreate, user: UserDep, session: SessionDep) -> TokenCreated:
    """The plaintext token is in this response only; the server keeps its hash."""
    issued = accounts.create_token(session, user, body.name)
    public = TokenPublic.model_validate(issued.token)
    return TokenCreated(**public.model_dump(), token=issued.plaintext)


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke one of my tokens")
def revoke_token(token_id: IdPath, user: UserDep, session: SessionDep) -> None:
    accounts.revoke_token(session, user, token_id)
