"""A tiny confidential region for the confidentiality matrix.

Organisation A ("Owner AS") has one heat supply and one heat demand at every
visibility level, each at its own site; organisation B ("Other AS") has one public
heat supply and one public heat demand. Every A flow carries markers (its key and a
note) that must never appear in a response to someone who may not see it. Six
callers: anonymous, a viewer, a member of A, a member of B, a facilitator, and an
instance admin without membership.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy.orm import Session

from sidestream.domain.categories import Visibility
from sidestream.domain.visibility import Role, Viewer
from sidestream.services import accounts, flows, regions
from sidestream.services.flows import NewFlow, NewOrganisation, NewSite
from sidestream.services.synergies import save_synergy
from sidestream.store.models import Region, User

LEVELS = ("public", "network", "facilitator", "private")
ROLES = ("anonymous", "viewer", "member_owner", "member_other", "facilitator", "admin")
PASSWORD = "correct horse battery"
SECRET = "test-secret-0123456789abcdef"

# Who sees which level of A's flows — written out by hand, not computed by the code
# under test (DESIGN §5 / domain.visibility docstring).
SEES: dict[str, set[str]] = {
    "anonymous": {"public"},
    "viewer": {"public", "network"},
    "member_owner": {"public", "network", "facilitator", "private"},
    "member_other": {"public", "network"},
    "facilitator": {"public", "network", "facilitator"},
    "admin": {"public", "network", "facilitator"},
}
MO_I_RANA = (66.3130, 14.1420)


@cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)


def make_account(session: Session, email: str, *, is_admin: bool = False) -> User:
    """A user with the shared test password (hashed once per test session)."""
    user = User(email=email, name=email.split("@")[0], password_hash=password_hash(), is_admin=is_admin)
    session.add(user)
    session.commit()
    return user


@dataclass
class World:
    region: Region
    slug: str
    org_a: int
    org_b: int
    flow_ids: dict[tuple[str, str], int]  # (level, direction) -> id of A's flow
    b_supply: int
    b_demand: int
    users: dict[str, User | None] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)
    synergies: dict[str, int] = field(default_factory=dict)  # label -> id

    def key(self, level: str, direction: str) -> str:
        return f"A-{level}-{direction}"

    def markers(self, level: str, direction: str) -> tuple[str, str]:
        return self.key(level, direction), f"NOTE-{level}-{direction}"

    def hidden_markers(self, role: str) -> list[str]:
        return [
            m
            for lvl in LEVELS
            if lvl not in SEES[role]
            for d in ("supply", "demand")
            for m in self.markers(lvl, d)
        ]

    def visible_keys(self, role: str) -> set[str]:
        keys = {self.key(lvl, d) for lvl in SEES[role] for d in ("supply", "demand")}
        return keys | {"B-supply", "B-demand"}


def build_world(session: Session, slug: str = "rana") -> World:
    region = regions.create_region(session, slug, "Rana")
    boss = Viewer(user_id=None, role=Role.ADMIN)
    org_a = flows.create_organisation(session, region, boss, NewOrganisation(name="Owner AS"))
    org_b = flows.create_organisation(session, region, boss, NewOrganisation(name="Other AS"))
    lat, lon = MO_I_RANA
    ids: dict[tuple[str, str], int] = {}
    for i, level in enumerate(LEVELS):
        site = flows.create_site(
            session, region, boss,
            NewSite(organisation_id=org_a.id, name=f"SITE-{level}", lat=lat + 0.01 * (i + 1), lon=lon + 0.013 * i),
        )  # fmt: skip
        supply = NewFlow(
            key=f"A-{level}-supply", organisation_id=org_a.id, site_id=site.id, direction="supply",
            resource="overskuddsvarme 90 °C", category="heat", quantity=11 + i, unit="GWh/yr",
            temperature_c=90, visibility=Visibility(level), notes=f"NOTE-{level}-supply",
        )  # fmt: skip
        demand = NewFlow(
            key=f"A-{level}-demand", organisation_id=org_a.id, site_id=site.id, direction="demand",
            resource="fjernvarme 80 °C", category="heat", quantity=21 + i, unit="GWh/yr",
            temperature_c=80, visibility=Visibility(level), notes=f"NOTE-{level}-demand",
        )  # fmt: skip
        ids[(level, "supply")] = flows.create_flow(session, region, boss, supply).id
        ids[(level, "demand")] = flows.create_flow(session, region, boss, demand).id
    b_site = flows.create_site(
        session, region, boss, NewSite(organisation_id=org_b.id, name="B site", lat=lat, lon=lon + 0.05)
    )
    b_supply = flows.create_flow(
        session, region, boss,
        NewFlow(key="B-supply", organisation_id=org_b.id, site_id=b_site.id, direction="supply",
                resource="overskuddsvarme 95 °C", category="heat", quantity=50, unit="GWh/yr",
                temperature_c=95, visibility=Visibility.PUBLIC),
    )  # fmt: skip
    b_demand = flows.create_flow(
        session, region, boss,
        NewFlow(key="B-demand", organisation_id=org_b.id, site_id=b_site.id, direction="demand",
                resource="fjernvarme 85 °C", category="heat", quantity=60, unit="GWh/yr",
                temperature_c=85, visibility=Visibility.PUBLIC),
    )  # fmt: skip
    world = World(region, slug, org_a.id, org_b.id, ids, b_supply.id, b_demand.id)
    _accounts(session, world)
    _synergies(session, world)
    return world


def _accounts(session: Session, world: World) -> None:
    world.users["anonymous"] = None
    world.tokens["anonymous"] = None
    memberships = {
        "viewer": (Role.VIEWER, []),
        "member_owner": (Role.MEMBER, [world.org_a]),
        "member_other": (Role.MEMBER, [world.org_b]),
        "facilitator": (Role.FACILITATOR, []),
    }
    for name in ROLES[1:]:
        user = make_account(session, f"{name}@{world.slug}.example.org", is_admin=name == "admin")
        if name in memberships:
            role, orgs = memberships[name]
            accounts.add_membership(session, user, world.region, role, orgs)
        world.users[name] = user
        world.tokens[name] = accounts.create_token(session, user, "tests").plaintext


def viewer_of(session: Session, world: World, role: str) -> Viewer:
    return accounts.viewer_for(session, world.users[role], world.region)


def _synergies(session: Session, world: World) -> None:
    owner = viewer_of(session, world, "member_owner")
    for level in LEVELS:
        s = save_synergy(
            session, world.region, owner, secret=SECRET,
            supply_flow_id=world.flow_ids[(level, "supply")], demand_flow_id=world.b_demand,
        )  # fmt: skip
        world.synergies[f"{level}-supply x B-demand"] = s.id
    s = save_synergy(
        session, world.region, owner, secret=SECRET,
        supply_flow_id=world.flow_ids[("private", "supply")],
        demand_flow_id=world.flow_ids[("private", "demand")],
    )  # fmt: skip
    world.synergies["private x private"] = s.id
