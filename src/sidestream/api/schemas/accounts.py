"""Login, users, tokens and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sidestream.api.schemas.common import Id
from sidestream.domain.visibility import Role


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    mode: Literal["cookie", "token"] = Field(
        "token",
        description="token: a bearer token in the body; cookie: a signed session cookie for browsers.",
    )


class LoginResponse(BaseModel):
    user_id: int
    token_type: Literal["bearer", "cookie"]
    access_token: str | None = Field(None, description="Only for mode=token; shown once.")
    csrf_token: str | None = Field(None, description="Only for mode=cookie: send as X-CSRF-Token on writes.")
    expires_in: int = Field(description="Seconds the session lasts.")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=8, max_length=1024)
    name: str = Field("", max_length=200)
    is_admin: bool = False
    language: Literal["en", "nb"] = "nb"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=200)
    password: str | None = Field(None, min_length=8, max_length=1024)
    is_admin: bool | None = None
    is_active: bool | None = None
    language: Literal["en", "nb"] | None = None


class MembershipBrief(BaseModel):
    region_id: int
    role: Role
    organisation_ids: list[int]


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    is_admin: bool
    is_active: bool
    language: str
    created_at: datetime


class MeResponse(UserPublic):
    memberships: list[MembershipBrief]


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=100, description="What the token is for, e.g. 'import script'."
    )


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = Field(description="The token itself: shown only now, store it safely.")


class MembershipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Id
    role: Role
    organisation_ids: list[Id] = Field(default_factory=list, max_length=1000)


class MembershipPublic(BaseModel):
    id: int
    user_id: int
    email: str
    region_id: int
    role: Role
    organisation_ids: list[int]
