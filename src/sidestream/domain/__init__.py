"""Plain, typed value objects and enums. Imports no other Sidestream layer."""

from sidestream.domain.categories import ActorType, Category, Direction, Visibility
from sidestream.domain.flows import Flow
from sidestream.domain.months import Months

__all__ = ["ActorType", "Category", "Direction", "Flow", "Months", "Visibility"]
