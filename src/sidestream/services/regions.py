"""Regions: the unit every flow, organisation and membership belongs to.

Regions are addressed by their slug in URLs and on the command line. Creating one is
an operator's or instance admin's act; reading them is open, because a region's name
and description are what an anonymous visitor lands on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.errors import ConflictError, InvalidDataError, NotFoundError
from sidestream.i18n import N_
from sidestream.services import audit
from sidestream.store.models import Region

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def check_slug(slug: str) -> str:
    """A slug is lower-case letters, digits and inner hyphens (it goes into URLs).

    >>> check_slug("mo-i-rana")
    'mo-i-rana'
    """
    if not _SLUG.match(slug):
        raise InvalidDataError(
            N_(
                "region slug {slug!r} is not valid: use 1-80 lower-case letters, digits and "
                "hyphens, e.g. 'helgeland' or 'mo-i-rana'"
            ),
            slug=slug,
        )
    return slug


def get_region(session: Session, slug: str) -> Region:
    region = session.scalar(select(Region).where(Region.slug == slug))
    if region is None:
        raise NotFoundError(N_("no region {slug!r}: create it first (or check the spelling)"), slug=slug)
    return region


def find_region(session: Session, slug: str) -> Region | None:
    return session.scalar(select(Region).where(Region.slug == slug))


def list_regions(session: Session) -> Sequence[Region]:
    return session.scalars(select(Region).order_by(Region.name, Region.slug)).all()


def create_region(
    session: Session,
    slug: str,
    name: str | None = None,
    *,
    country: str | None = None,
    description: str = "",
    user_id: int | None = None,
    commit: bool = True,
) -> Region:
    """Create a region. ``name`` defaults to the slug in title case.

    ``commit=False`` leaves it in the caller's transaction (a dry-run import into a
    new region must be able to roll the region back too).
    """
    check_slug(slug)
    if find_region(session, slug) is not None:
        raise ConflictError(N_("region {slug!r} already exists"), slug=slug)
    if country is not None and not re.fullmatch(r"[A-Z]{2}", country):
        raise InvalidDataError(
            N_("country {country!r} must be an ISO 3166 alpha-2 code such as NO or DK"), country=country
        )
    region = Region(
        slug=slug,
        name=(name or slug.replace("-", " ").title()).strip(),
        country=country,
        description=description,
    )
    session.add(region)
    session.flush()
    audit.record(
        session,
        action="create",
        entity="region",
        entity_id=region.id,
        region_id=region.id,
        user_id=user_id,
        after=audit.snapshot(region),
    )
    if commit:
        session.commit()
    return region


def ensure_region(
    session: Session, slug: str, name: str | None = None, *, country: str | None = None, commit: bool = True
) -> Region:
    """The region with ``slug``, created if missing (for imports and demo loading)."""
    return find_region(session, slug) or create_region(session, slug, name, country=country, commit=commit)
