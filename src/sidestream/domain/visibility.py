"""Who may see a flow: the one confidentiality policy every read path uses.

Levels (DESIGN §5, issue 5): ``public`` — anyone, even anonymous; ``network`` —
logged-in members of the region (any role); ``facilitator`` — the region's
facilitators and admins, and the owning organisation's members; ``private`` — the
owning organisation's members only — not even facilitators.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sidestream.domain.categories import Visibility


class Role(StrEnum):
    """Roles per region, from most to least powerful."""

    ADMIN = "admin"
    FACILITATOR = "facilitator"
    MEMBER = "member"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Viewer:
    """Who is asking: anonymous (no user), or a user with a role in the region and
    the organisations they belong to there."""

    user_id: int | None = None
    role: Role | None = None
    organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    @property
    def manages_region(self) -> bool:
        return self.role in (Role.ADMIN, Role.FACILITATOR)


ANONYMOUS = Viewer()


def can_see(viewer: Viewer, visibility: Visibility | str, owner_organisation_id: int) -> bool:
    """Whether ``viewer`` may see a flow of ``owner_organisation_id`` at ``visibility``.

    >>> can_see(ANONYMOUS, "public", 1), can_see(ANONYMOUS, "network", 1)
    (True, False)
    >>> can_see(Viewer(7, Role.MEMBER, frozenset({1})), "private", 1)
    True
    >>> can_see(Viewer(8, Role.FACILITATOR), "private", 1)
    False
    """
    level = Visibility(visibility)
    if owner_organisation_id in viewer.organisation_ids:
        return True
    if level is Visibility.PUBLIC:
        return True
    if level is Visibility.NETWORK:
        return viewer.role is not None
    if level is Visibility.FACILITATOR:
        return viewer.manages_region
    return False


def visible_levels(viewer: Viewer) -> tuple[Visibility, ...]:
    """Levels visible regardless of ownership (for SQL filters)."""
    if viewer.manages_region:
        return (Visibility.PUBLIC, Visibility.NETWORK, Visibility.FACILITATOR)
    if viewer.role is not None:
        return (Visibility.PUBLIC, Visibility.NETWORK)
    return (Visibility.PUBLIC,)
