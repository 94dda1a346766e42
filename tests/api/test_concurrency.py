"""Twenty writers edit the same flow at once; each retries on 409 with a fresh read.
No update may be lost: every writer's mark ends up in the flow, and the version
counts exactly one increment per successful write."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from sidestream.domain.visibility import Role
from tests.api.client import ApiClient
from tests.api.world import World, make_account

WRITERS = 20
MAX_TRIES = 200


def test_parallel_writers_lose_no_update(client: ApiClient, world: World, session: Session) -> None:
    from sidestream.services.accounts import add_membership, create_token

    tokens = []
    for i in range(WRITERS):  # separate users and sessions, as twenty people would be
        user = make_account(session, f"writer{i}@example.org")
        add_membership(session, user, world.region, Role.FACILITATOR)
        tokens.append(create_token(session, user, "writer").plaintext)
    url = f"/api/v1/regions/rana/flows/{world.b_demand}"
    start = client.get(url, token=tokens[0]).json()

    def writer(i: int) -> tuple[int, int]:
        for conflicts in range(MAX_TRIES):
            current = client.get(url, token=tokens[i])
            assert current.status_code == 200
            notes = current.json()["notes"]
            r = client.patch(
                url,
                json={"notes": f"{notes}[w{i}]"},
                headers={"If-Match": current.headers["etag"]},
                token=tokens[i],
            )
            if r.status_code == 200:
                return i, conflicts
            assert r.status_code == 409, r.text
            assert r.headers["content-type"] == "application/problem+json"
        raise AssertionError(f"writer {i} never got through")

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        results = list(pool.map(writer, range(WRITERS)))

    final = client.get(url, token=tokens[0]).json()
    marks = [f"[w{i}]" for i in range(WRITERS)]
    assert all(final["notes"].count(m) == 1 for m in marks), final["notes"]
    assert final["version"] == start["version"] + WRITERS
    assert sum(c for _, c in results) >= 1 or WRITERS == 1  # they did collide
    audit = client.get(
        "/api/v1/regions/rana/audit", params={"entity": "flow", "entity_id": world.b_demand, "per_page": 100},
        token=tokens[0],
    ).json()  # fmt: skip
    updates = [e for e in audit["items"] if e["action"] == "update"]
    assert len(updates) == WRITERS
