"""A flow: one actor's side stream (supply) or input need (demand) at one site."""

from __future__ import annotations

from dataclasses import dataclass, field

from sidestream.domain.categories import ActorType, Category, Direction, Visibility
from sidestream.domain.months import Months
from sidestream.domain.units import Amount


@dataclass(frozen=True, slots=True)
class Flow:
    """A row of the flow table (DESIGN §2) after validation.

    Coordinates are WGS84 degrees, checked at the boundary (``sidestream.io``).
    """

    id: str
    actor: str
    direction: Direction
    resource: str
    lat: float
    lon: float
    actor_type: ActorType = ActorType.COMPANY
    site: str = ""
    nace: str | None = None
    category: Category | None = None
    ewc: str | None = None
    amount: Amount | None = None
    temperature_c: float | None = None
    months: Months = field(default_factory=Months)
    visibility: Visibility = Visibility.FACILITATOR
    notes: str = ""
