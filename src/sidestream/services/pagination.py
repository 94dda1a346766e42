"""Pages of query results whose ``total`` counts exactly the rows the query returns.

The total is computed from the same filtered statement as the items, so a list that
hides confidential rows also hides them from its count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sidestream.errors import InvalidDataError
from sidestream.i18n import N_

T = TypeVar("T")
MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of items, and how many there are in all."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Number of pages (at least 1, so "page 1 of 1" reads right for no items).

        >>> Page([], total=101, page=1, per_page=50).pages
        3
        """
        return max(1, math.ceil(self.total / self.per_page))


def check_paging(page: int, per_page: int) -> None:
    if page < 1:
        raise InvalidDataError(N_("page {page} does not exist: pages start at 1"), page=page)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidDataError(
            N_("per_page must be between 1 and {max_per_page}, not {per_page}"),
            max_per_page=MAX_PER_PAGE,
            per_page=per_page,
        )


def paginate(session: Session, statement: Select[Any], page: int, per_page: int) -> Page[Any]:
    """Run ``statement`` for one page, plus a count of all its rows."""
    check_paging(page, per_page)
    counted = statement.order_by(None).subquery()
    total = session.scalar(select(func.count()).select_from(counted)) or 0
    items = session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, total=total, page=page, per_page=per_page)
