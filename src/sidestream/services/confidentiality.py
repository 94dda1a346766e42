"""The visibility policy of :mod:`sidestream.domain.visibility`, as SQL.

Lists filter in the database so that paging and totals only ever see rows the viewer
may see; a filter applied in Python after paging would leave short pages and totals
that count hidden rows. Detail reads use :func:`~sidestream.domain.visibility.can_see`
on the loaded row, and both paths must agree — ``tests/services/test_visibility.py``
checks every role against every level through both.

Organisations and sites have no visibility of their own. The region's facilitators
and admins see them all (they run the network); anyone else sees an organisation or
site only if they belong to it or can see at least one of its flows, so a company
whose only flows are confidential does not show up in the directory.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from sidestream.domain.visibility import Viewer, visible_levels
from sidestream.store.models import AuditEvent, Flow, Organisation, Site


def flow_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Rows of ``flows`` the viewer may see (levels open to them, or their own)."""
    levels = [level.value for level in visible_levels(viewer)]
    return or_(Flow.visibility.in_(levels), _own(Flow.organisation_id, viewer))


def organisation_visible(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.manages_region:
        return true()
    has_visible_flow = exists(
        select(Flow.id).where(Flow.organisation_id == Organisation.id, flow_visible(viewer))
    )
    return or_(_own(Organisation.id, viewer), has_visible_flow)


def site_visible(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.manages_region:
        return true()
    has_visible_flow = exists(select(Flow.id).where(Flow.site_id == Site.id, flow_visible(viewer)))
    return or_(_own(Site.organisation_id, viewer), has_visible_flow)


def _own(column: InstrumentedAttribute[int], viewer: Viewer) -> ColumnElement[bool]:
    if not viewer.organisation_ids:
        return false()
    return column.in_(sorted(viewer.organisation_ids))


def audit_event_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Audit events whose flow states (before and after) the viewer may see.

    An event on a flow carries the flow's full state, so a facilitator reading the
    audit log must not find a private flow there. Both states are checked: a flow
    that went from private to public still had private content before.
    """
    levels = [level.value for level in visible_levels(viewer)]

    def state_ok(state: InstrumentedAttribute[dict[str, Any] | None]) -> ColumnElement[bool]:
        visibility = state["visibility"].as_string()
        ok = or_(visibility.is_(None), visibility.in_(levels))
        if viewer.organisation_ids:
            owner = state["organisation_id"].as_integer()
            ok = or_(ok, owner.in_(sorted(viewer.organisation_ids)))
        return ok

    return or_(AuditEvent.entity != "flow", and_(state_ok(AuditEvent.before), state_ok(AuditEvent.after)))
