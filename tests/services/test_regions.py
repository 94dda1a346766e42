"""Regions: created once, found by slug."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from sidestream.errors import ConflictError, InvalidDataError, NotFoundError
from sidestream.services.regions import create_region, ensure_region, get_region, list_regions


def test_create_get_list(session: Session) -> None:
    created = create_region(session, "mo-i-rana", country="NO")
    assert (created.name, created.country, created.version) == ("Mo I Rana", "NO", 1)
    create_region(session, "kalundborg", "Kalundborg Symbiosis", country="DK")
    assert get_region(session, "mo-i-rana").id == created.id
    assert [r.slug for r in list_regions(session)] == ["kalundborg", "mo-i-rana"]
    assert ensure_region(session, "mo-i-rana").id == created.id


def test_errors(session: Session) -> None:
    create_region(session, "rana")
    with pytest.raises(ConflictError, match="already exists"):
        create_region(session, "rana")
    with pytest.raises(InvalidDataError, match="slug 'Mo i Rana' is not valid"):
        create_region(session, "Mo i Rana")
    with pytest.raises(InvalidDataError, match="ISO 3166"):
        create_region(session, "norge", country="Norway")
    with pytest.raises(NotFoundError, match="no region 'atlantis'"):
        get_region(session, "atlantis")
