"""The public page service: only typed texts, rate limits, answers kept in the history."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.dbfixtures import viewer_of

from sidestream.errors import InvalidDataError, NotFoundError, PermissionDeniedError
from sidestream.services import cases, engagement
from sidestream.services.accounts import RateLimitedError
from sidestream.store.models import utcnow

Make = Callable[..., Any]


@pytest.fixture
def public_case(
    session: Session, make_region: Make, make_organisation: Make, make_flow: Make, make_user: Make
) -> dict[str, Any]:
    region = make_region("rana")
    org = make_organisation(region, "Secret Smelter AS")
    flow = make_flow(org, visibility="private", resource="SECRET-SLAG 40 kt")
    owner = make_user("member", region, [org.id])
    other = make_user("facilitator", region)
    v_owner = viewer_of(session, owner, region)
    case = cases.create_case(
        session, region, v_owner, title="Slag to the port", flow_ids=[flow.id], organisation_ids=[org.id]
    )
    return {
        "region": region,
        "case": case,
        "owner": v_owner,
        "facilitator": viewer_of(session, other, region),
    }


def test_only_the_owner_publishes_and_only_typed_texts_show(
    session: Session, public_case: dict[str, Any]
) -> None:
    case = public_case["case"]
    with pytest.raises(PermissionDeniedError):
        cases.set_public(session, case, public_case["facilitator"], is_public=True, summary="x")
    with pytest.raises(InvalidDataError):
        cases.set_public(session, case, public_case["owner"], is_public=True)  # no summary yet
    cases.set_public(session, case, public_case["owner"], is_public=True, summary="A new quay", place="Mo")
    assert case.public_slug
    view = engagement.public_view(session, engagement.public_case(session, case.public_slug))
    text = str(asdict(view))
    assert "A new quay" in text and "SECRET-SLAG" not in text and "Secret Smelter" not in text
    cases.set_public(session, case, public_case["owner"], is_public=False)
    with pytest.raises(NotFoundError):
        engagement.public_case(session, case.public_slug)


def test_rate_limits_and_spam(session: Session, public_case: dict[str, Any]) -> None:
    case = public_case["case"]
    cases.set_public(session, case, public_case["owner"], is_public=True, summary="A new quay")
    me, now = engagement.client_key("192.0.2.1", "s"), utcnow()
    for i in range(engagement.PER_CLIENT):
        engagement.post_feedback(session, case, name="", text=f"question {i}", client=me, now=now)
    with pytest.raises(RateLimitedError):
        engagement.post_feedback(session, case, name="", text="one more", client=me, now=now)
    # another address may still ask; after the window the first may again
    engagement.post_feedback(
        session, case, name="", text="neighbour", client=engagement.client_key("192.0.2.2", "s"), now=now
    )
    later = now + engagement.PER_CLIENT_WINDOW + timedelta(seconds=1)
    engagement.post_feedback(session, case, name="", text="later", client=me, now=later)
    with pytest.raises(InvalidDataError, match="links"):
        engagement.post_feedback(
            session, case, name="", text="http://a http://b www.c", client="x", now=later
        )
    with pytest.raises(InvalidDataError):
        engagement.post_feedback(session, case, name="", text="no", client="x", now=later)


def test_answers_are_public_and_in_the_history(session: Session, public_case: dict[str, Any]) -> None:
    case = public_case["case"]
    cases.set_public(session, case, public_case["owner"], is_public=True, summary="A new quay")
    row = engagement.post_feedback(session, case, name="Kari", text="Noise?", client="k")
    engagement.answer_feedback(session, case, public_case["facilitator"], row.id, "Only by day.")
    view = engagement.public_view(session, case)
    assert [(f.text, f.answer) for f in view.feedback] == [("Noise?", "Only by day.")]
    engagement.answer_feedback(session, case, public_case["owner"], row.id, "", hidden=True)
    assert engagement.public_view(session, case).feedback == []
    actions = [e.action for e in cases.history(session, case, public_case["owner"])]
    assert actions[-2:] == ["answer_feedback", "answer_feedback"]
