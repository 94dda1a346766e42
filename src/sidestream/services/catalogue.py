"""The best-case catalogue as use cases: search it, add a region's own case, and say
"this has been done before" for a match.

Packaged cases come from :mod:`sidestream.facilitation.catalogue`; a region's
facilitators add their own (stored as :class:`CatalogueEntry`, validated by the same
model). The catalogue is public knowledge — every case in it has a public source —
so anyone may read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import ConflictError, InvalidDataError, NotFoundError
from sidestream.facilitation.catalogue import CatalogueCase, done_before, packaged_cases, search
from sidestream.i18n import N_
from sidestream.knowledge.base import default_knowledge_base
from sidestream.knowledge.reference import normalise_nace
from sidestream.services import audit
from sidestream.services.accounts import require_role
from sidestream.store.models import CatalogueEntry, Region


def regional_cases(session: Session) -> list[CatalogueCase]:
    rows = session.scalars(select(CatalogueEntry).order_by(CatalogueEntry.id))
    return [CatalogueCase.model_validate(r.data) for r in rows]


def all_cases(session: Session) -> list[CatalogueCase]:
    return [*packaged_cases(), *regional_cases(session)]


def search_catalogue(
    session: Session,
    query: str = "",
    *,
    resource_class: str | None = None,
    sector: str | None = None,
    country: str | None = None,
) -> list[CatalogueCase]:
    return search(all_cases(session), query, resource_class=resource_class, sector=sector, country=country)


def get_catalogue_case(session: Session, case_id: str) -> CatalogueCase:
    for case in all_cases(session):
        if case.id == case_id:
            return case
    raise NotFoundError(N_("no catalogue case {case_id!r}"), case_id=case_id)


def done_before_for(
    session: Session, supply_class: str | None, demand_class: str | None
) -> list[CatalogueCase]:
    """Catalogue cases with the same supply and demand classes as a match."""
    return done_before(all_cases(session), supply_class, demand_class)


def check_case(data: Mapping[str, Any]) -> CatalogueCase:
    """Validate a case against the model, the taxonomy and the NACE list."""
    try:
        case = CatalogueCase.model_validate(dict(data))
    except ValueError as exc:
        raise InvalidDataError(N_("catalogue case: {reason}"), reason=exc) from None
    kb = default_knowledge_base()
    unknown = sorted(c for c in case.classes() if c not in kb.classes)
    if unknown:
        raise InvalidDataError(
            N_("unknown resource classes {unknown}: use ids of the taxonomy"), unknown=", ".join(unknown)
        )
    for code in case.sectors:
        try:
            normalise_nace(code)
        except ValueError as exc:
            raise InvalidDataError(N_("sectors: {reason}"), reason=exc) from None
    return case


def add_regional_case(
    session: Session, region: Region, viewer: Viewer, data: Mapping[str, Any]
) -> CatalogueEntry:
    """A region's own best case (facilitators). Its id is prefixed with the region's
    slug so that it never collides with a packaged case. Commits."""
    require_role(viewer, Role.FACILITATOR, N_("add a case to the catalogue"))
    values = dict(data)
    raw_id = str(values.get("id") or "").strip()
    values["id"] = raw_id if raw_id.startswith(f"{region.slug}-") else f"{region.slug}-{raw_id}"
    values["region"] = region.slug
    case = check_case(values)
    if any(c.id == case.id for c in all_cases(session)):
        raise ConflictError(N_("the catalogue already has a case {case_id!r}"), case_id=case.id)
    entry = CatalogueEntry(
        region_id=region.id, title=case.title.en, data=case.model_dump(mode="json"), created_by=viewer.user_id
    )
    session.add(entry)
    session.flush()
    audit.record(
        session, action="create", entity="catalogue_case", entity_id=entry.id, region_id=region.id,
        user_id=viewer.user_id, after={"id": case.id, "title": case.title.en},
    )  # fmt: skip
    session.commit()
    return entry


def delete_regional_case(session: Session, region: Region, viewer: Viewer, case_id: str) -> None:
    require_role(viewer, Role.FACILITATOR, N_("remove a case from the catalogue"))
    for entry in session.scalars(select(CatalogueEntry).where(CatalogueEntry.region_id == region.id)):
        if entry.data.get("id") == case_id:
            audit.record(
                session, action="delete", entity="catalogue_case", entity_id=entry.id, region_id=region.id,
                user_id=viewer.user_id, before={"id": case_id, "title": entry.title},
            )  # fmt: skip
            session.delete(entry)
            session.commit()
            return
    raise NotFoundError(
        N_("region {region} has no catalogue case {case_id!r}"), region=region.slug, case_id=case_id
    )
