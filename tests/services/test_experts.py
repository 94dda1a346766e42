"""The expert directory: consent, who may edit, and deletion that really deletes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sidestream.errors import InvalidDataError, PermissionDeniedError
from sidestream.facilitation.experts import Needs
from sidestream.services import experts
from sidestream.services.accounts import AuthenticationError
from sidestream.services.experts import ExpertData
from sidestream.store.models import AuditEvent, Expert

Make = Callable[..., Any]


def data(**changes: Any) -> ExpertData:
    base = {"name": "Per Slagg", "country": "NO", "email": "per@example.org", "classes": ["steel_slag"],
            "sectors": ["24.10"], "topics": ["regulation"], "languages": ["nb"], "consent": True}  # fmt: skip
    return ExpertData(**{**base, **changes})


def test_consent_and_validation(session: Session, make_user: Make) -> None:
    me = make_user()
    with pytest.raises(InvalidDataError, match="consent"):
        experts.create_expert(session, me, data(consent=False))
    with pytest.raises(InvalidDataError, match="unobtainium"):
        experts.create_expert(session, me, data(classes=["unobtainium"]))
    with pytest.raises(InvalidDataError, match="topic"):
        experts.create_expert(session, me, data(topics=["astrology"]))
    with pytest.raises(AuthenticationError):
        experts.create_expert(session, None, data())


def test_edit_and_real_deletion(session: Session, make_user: Make) -> None:
    me, other, admin = make_user(), make_user(), make_user(is_admin=True)
    entry = experts.create_expert(session, me, data())
    with pytest.raises(PermissionDeniedError):
        experts.update_expert(session, other, entry.id, data(name="Hacked"))
    experts.update_expert(session, me, entry.id, data(phone="+47 1"))
    with pytest.raises(PermissionDeniedError):
        experts.delete_expert(session, other, entry.id)
    experts.delete_expert(session, me, entry.id)
    session.expire_all()
    assert session.scalars(select(Expert)).all() == []
    # the row is gone from the table itself, not just hidden
    assert session.execute(text("SELECT count(*) FROM experts")).scalar_one() == 0
    trail = session.scalars(select(AuditEvent).where(AuditEvent.entity == "expert")).all()
    assert [e.action for e in trail] == ["create", "update", "delete"]
    assert not any(
        "Per Slagg" in str(e.before) + str(e.after) or "per@example.org" in str(e.after) for e in trail
    )
    # an admin deletes someone else's entry
    theirs = experts.create_expert(session, other, data(name="Other"))
    experts.delete_expert(session, admin, theirs.id)
    assert session.get(Expert, theirs.id) is None


def test_deleting_the_account_deletes_the_entry(session: Session, make_user: Make) -> None:
    me = make_user()
    experts.create_expert(session, me, data())
    session.delete(me)
    session.commit()
    assert session.scalars(select(Expert)).all() == []


def test_suggestions_rank_by_need(session: Session, make_user: Make) -> None:
    a, b, reader = make_user(), make_user(), make_user()
    experts.create_expert(session, a, data(name="Slag person", topics=[]))
    experts.create_expert(
        session, b, data(name="Permit person", classes=[], sectors=[], topics=["regulation"])
    )
    needs = Needs.of(classes=["steel_slag"], sectors=["24.10"], barriers=["regulation"])
    ranked = [(s.expert.name, s.score) for s in experts.experts_for(session, reader, needs)]
    assert ranked == [("Slag person", 2.0), ("Permit person", 2.0)] or ranked == [
        ("Permit person", 2.0),
        ("Slag person", 2.0),
    ]
    assert experts.experts_for(session, None, needs) == []  # nobody logged in: no personal data
