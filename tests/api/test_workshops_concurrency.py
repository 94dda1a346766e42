"""Sixty participants vote at once through the app on PostgreSQL: no vote is lost and
no budget is exceeded. Each participant clicks more often than their budget allows,
half of them on the same idea, all in parallel threads against the real app (httpx
over ASGI; sync endpoints run on the server's thread pool, each with its own
database connection)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sidestream.api.app import create_app
from sidestream.config import Settings
from sidestream.store.db import make_engine
from sidestream.store.models import IdeaVote, Participant
from tests.api.client import ApiClient
from tests.api.world import World

PARTICIPANTS = 60
BUDGET = 3
CLICKS = 5  # more than the budget: two of each participant's clicks must be refused
W = "/api/v1/workshops"


@pytest.fixture
def big_client(settings: Settings, migrated_url: str) -> Iterator[ApiClient]:
    """The app with a pool as large as the server's thread pool (40): a request holds
    its connection until it ends, so a smaller pool makes threads queue for one."""
    engine = make_engine(migrated_url, pool_size=45, max_overflow=10)
    try:
        with ApiClient(create_app(settings, engine=engine)) as c:
            yield c
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_backend", ["postgresql"], indirect=True)
def test_sixty_participants_voting_at_once_lose_no_vote(
    big_client: ApiClient, world: World, session: Session
) -> None:
    client = big_client
    fac = world.tokens["facilitator"]
    ws = client.post("/api/v1/regions/rana/workshops", token=fac, json={
        "title": "Load", "vote_budget": BUDGET, "max_votes_per_idea": BUDGET, "groups": ["A", "B", "C"]}).json()  # fmt: skip
    wid = ws["id"]
    tokens = []
    for i in range(PARTICIPANTS):
        r = client.post(
            f"{W}/join", json={"code": ws["join_code"], "name": f"P{i}", "organisation": f"Org {i % 20}"}
        )
        assert r.status_code == 201, r.text
        tokens.append(r.json()["token"])
    ideas = [
        client.post(f"{W}/{wid}/ideas", token=fac, json={"title": f"Idea {k}"}).json()["id"] for k in range(4)
    ]
    assert client.patch(f"{W}/{wid}", token=fac, json={"phase": "voting"}).status_code == 200

    def clicks(i: int) -> list[tuple[int, int]]:
        out = []
        for c in range(CLICKS):
            idea = ideas[0] if i % 2 == 0 else ideas[(i + c) % len(ideas)]
            r = client.post(f"{W}/{wid}/ideas/{idea}/votes", headers={"X-Guest-Token": tokens[i]}, json={})
            assert r.status_code in (200, 409), r.text
            out.append((idea, r.status_code))
        return out

    with ThreadPoolExecutor(max_workers=PARTICIPANTS) as pool:
        results = list(pool.map(clicks, range(PARTICIPANTS)))

    accepted: dict[int, int] = {}
    for per_participant in results:
        assert sum(1 for _, code in per_participant if code == 200) == BUDGET  # exactly the budget
        for idea, code in per_participant:
            if code == 200:
                accepted[idea] = accepted.get(idea, 0) + 1
    assert sum(accepted.values()) == PARTICIPANTS * BUDGET
    board = client.get(f"{W}/{wid}/ideas", token=fac, params={"per_page": 10}).json()["items"]
    assert {i["id"]: i["votes"] for i in board} == {i: accepted.get(i, 0) for i in ideas}
    # The store agrees: every participant used exactly the budget, rows sum to the same.
    session.expire_all()
    used = session.scalars(select(Participant.votes_used).where(Participant.workshop_id == wid)).all()
    assert used == [BUDGET] * PARTICIPANTS
    assert session.scalar(select(func.sum(IdeaVote.dots))) == PARTICIPANTS * BUDGET
