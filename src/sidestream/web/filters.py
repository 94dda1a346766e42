"""Query parameters shared by the filter forms of several pages.

An HTML ``<select>`` sends ``""`` for "all" and an empty number field sends ``""``
too; these types accept that and :func:`blank` turns it into ``None``, so each page
declares its filters in one line instead of repeating the parsing.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from fastapi import Query

from sidestream.domain.categories import Category, Direction

T = TypeVar("T")

Blank = Literal[""]
CategoryQuery = Annotated[Category | Blank | None, Query()]
DirectionQuery = Annotated[Direction | Blank | None, Query()]
PageQuery = Annotated[int, Query(ge=1, le=100_000)]
ScoreQuery = Annotated[float, Query(ge=0, le=1)]
DistanceQuery = Annotated[float | Blank | None, Query()]
SearchQuery = Annotated[str, Query(max_length=200)]


def blank(value: T | Blank | None) -> T | None:
    """``None`` for a form's "all" (``""``), else the value.

    >>> blank(""), blank(None), blank(Category.HEAT)
    (None, None, <Category.HEAT: 'heat'>)
    """
    return None if value is None or value == "" else value


def distance_limit(value: float | Blank | None) -> float | None:
    """A distance limit in km: blank is "any distance", negatives count as 0.

    >>> distance_limit(""), distance_limit(-3.0), distance_limit(25.0)
    (None, 0.0, 25.0)
    """
    return max(0.0, value) if isinstance(value, float | int) and not isinstance(value, bool) else None
