"""The audit trail: who changed what, when, with the state before and after.

Every service that changes a record calls :func:`record` in the same transaction as
the change, so a change and its audit event are committed (or rolled back) together.
States are full column snapshots (:func:`snapshot`), not diffs: a reader can see what
a record looked like at any event without replaying history.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import N_
from sidestream.services.confidentiality import audit_event_visible
from sidestream.services.pagination import Page, paginate
from sidestream.store.models import AuditEvent, Base, Region


def json_value(value: Any) -> Any:
    """A column value as JSON: timestamps as ISO 8601 text, the rest unchanged.

    >>> json_value(datetime(2025, 1, 2, 3, 4, 5))
    '2025-01-02T03:04:05'
    """
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Base) -> dict[str, Any]:
    """Every column of an ORM row, JSON-ready (relationships left out)."""
    mapper = inspect(obj).mapper
    return {attr.key: json_value(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: int | str | None,
    region_id: int | None,
    user_id: int | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session; the caller's commit saves it with the change."""
    event = AuditEvent(
        region_id=region_id,
        user_id=user_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )
    session.add(event)
    return event


def list_events(
    session: Session,
    region: Region,
    viewer: Viewer,
    *,
    entity: str | None = None,
    entity_id: int | str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[AuditEvent]:
    """The region's audit trail, newest first — for its facilitators and admins only.

    Events on flows the viewer may not see (private flows of other organisations) are
    left out, like everywhere else.
    """
    if not viewer.manages_region:
        raise PermissionDeniedError(N_("only the region's facilitators and admins may read its audit trail"))
    statement = select(AuditEvent).where(AuditEvent.region_id == region.id, audit_event_visible(viewer))
    if entity is not None:
        statement = statement.where(AuditEvent.entity == entity)
    if entity_id is not None:
        statement = statement.where(AuditEvent.entity_id == str(entity_id))
    statement = statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return paginate(session, statement, page, per_page)
