"""Early community engagement: a case's public page and residents' feedback.

The page exists only while the case owner keeps it open
(:func:`sidestream.services.cases.set_public`). It shows the case's title, its stage
and the texts the team wrote for residents (what is planned, where, why) — never
flows, partners, figures or barriers, whatever their visibility. Residents need no
account to read or to ask; posting is rate-limited per client and per case, and
messages with many links are refused as spam. The case team answers or hides.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Viewer
from sidestream.errors import InvalidDataError, NotFoundError
from sidestream.i18n import N_
from sidestream.services.accounts import RateLimitedError
from sidestream.services.cases import changing
from sidestream.store.models import Case, CaseFeedback, utcnow

MAX_FEEDBACK_CHARS = 2000
MAX_NAME_CHARS = 100
MAX_LINKS = 2
PER_CLIENT = 3  # messages per client and case ...
PER_CLIENT_WINDOW = timedelta(minutes=10)  # ... in this window
PER_CASE = 60  # messages per case ...
PER_CASE_WINDOW = timedelta(hours=1)  # ... in this window
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


def client_key(address: str, secret: str) -> str:
    """A keyed hash of the client's address: enough to rate-limit, not to identify.

    >>> len(client_key("192.0.2.1", "s")), client_key("192.0.2.1", "s") == client_key("192.0.2.2", "s")
    (64, False)
    """
    return hashlib.sha256(f"{secret}|{address}".encode()).hexdigest()


@dataclass(frozen=True)
class PublicFeedback:
    id: int
    name: str
    text: str
    created_at: datetime
    answer: str
    answered_at: datetime | None


@dataclass(frozen=True)
class PublicCase:
    """Everything the public page shows — and nothing else."""

    slug: str
    title: str
    stage: str
    summary: str
    place: str
    why: str
    updated_at: datetime
    feedback: list[PublicFeedback]


def public_case(session: Session, slug: str) -> Case:
    """The case behind an open public page; a closed or unknown page is "not found"."""
    case = session.scalar(select(Case).where(Case.public_slug == slug))
    if case is None or not case.is_public:
        raise NotFoundError(N_("no public page with this address (it may have been closed)"))
    return case


def public_view(session: Session, case: Case) -> PublicCase:
    rows = session.scalars(
        select(CaseFeedback)
        .where(CaseFeedback.case_id == case.id, CaseFeedback.hidden.is_(False))
        .order_by(CaseFeedback.id)
    )
    assert case.public_slug is not None
    return PublicCase(
        slug=case.public_slug,
        title=case.title,
        stage=case.stage,
        summary=case.public_summary,
        place=case.public_place,
        why=case.public_why,
        updated_at=case.updated_at,
        feedback=[PublicFeedback(f.id, f.name, f.text, f.created_at, f.answer, f.answered_at) for f in rows],
    )


def post_feedback(
    session: Session, case: Case, *, name: str, text: str, client: str, now: datetime | None = None
) -> CaseFeedback:
    """A resident's question or comment on an open public page. Commits.

    ``client`` is :func:`client_key` of the caller's address. Raises
    :class:`RateLimitedError` when this client (or everyone together) posted too much.
    """
    if not case.is_public:
        raise NotFoundError(N_("no public page with this address (it may have been closed)"))
    body = text.strip()
    who = name.strip()[:MAX_NAME_CHARS]
    if len(body) < 3 or len(body) > MAX_FEEDBACK_CHARS:
        raise InvalidDataError(
            N_("write between 3 and {max_feedback_chars} characters"), max_feedback_chars=MAX_FEEDBACK_CHARS
        )
    if len(_LINK.findall(body)) > MAX_LINKS:
        raise InvalidDataError(N_("at most {max_links} links per message"), max_links=MAX_LINKS)
    now = now or utcnow()
    recent_client = session.scalar(
        select(func.count()).where(
            CaseFeedback.case_id == case.id,
            CaseFeedback.client_key == client,
            CaseFeedback.created_at > now - PER_CLIENT_WINDOW,
        )
    )
    if (recent_client or 0) >= PER_CLIENT:
        raise RateLimitedError(
            N_("you have sent several messages just now: wait a few minutes and try again"),
            int(PER_CLIENT_WINDOW.total_seconds()),
        )
    recent_case = session.scalar(
        select(func.count()).where(
            CaseFeedback.case_id == case.id, CaseFeedback.created_at > now - PER_CASE_WINDOW
        )
    )
    if (recent_case or 0) >= PER_CASE:
        raise RateLimitedError(
            N_("this page receives many messages just now: try again later"),
            int(PER_CASE_WINDOW.total_seconds()),
        )
    row = CaseFeedback(case_id=case.id, name=who, text=body, client_key=client, created_at=now)
    session.add(row)
    session.commit()
    return row


def team_feedback(session: Session, case: Case) -> list[CaseFeedback]:
    """All feedback (hidden too), for the case team (callers check the case is visible)."""
    return list(
        session.scalars(select(CaseFeedback).where(CaseFeedback.case_id == case.id).order_by(CaseFeedback.id))
    )


def _feedback(session: Session, case: Case, feedback_id: int) -> CaseFeedback:
    row = session.get(CaseFeedback, feedback_id)
    if row is None or row.case_id != case.id:
        raise NotFoundError(
            N_("case {case_id} has no feedback {feedback_id}"), case_id=case.id, feedback_id=feedback_id
        )
    return row


def answer_feedback(
    session: Session, case: Case, viewer: Viewer, feedback_id: int, answer: str, *, hidden: bool | None = None
) -> CaseFeedback:
    """The team's public answer (and/or hide a message). Kept in the case history. Commits."""
    row = _feedback(session, case, feedback_id)
    text = answer.strip()
    if len(text) > MAX_FEEDBACK_CHARS:
        raise InvalidDataError(
            N_("an answer has at most {max_feedback_chars} characters"), max_feedback_chars=MAX_FEEDBACK_CHARS
        )
    with changing(session, case, viewer, None, "answer_feedback") as change:
        change["before"] = {"feedback_id": row.id, "answer": row.answer, "hidden": row.hidden}
        if text:
            row.answer, row.answered_by, row.answered_at = text, viewer.user_id, utcnow()
        if hidden is not None:
            row.hidden = hidden
        change["after"] = {"feedback_id": row.id, "answer": row.answer, "hidden": row.hidden}
    return row
