"""Shapes shared by every resource: a page of items."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

# Ids are 32-bit integers in PostgreSQL: bound them where they enter, so that a huge
# id is a 422 and never a database error.
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_ID, description="The version you read; a stale one gives 409.")]


class Page(BaseModel, Generic[T]):
    """One page of a list; ``total`` counts every item the caller may see."""

    items: list[T]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    total: int = Field(ge=0)
