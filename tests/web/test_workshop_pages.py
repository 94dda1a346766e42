"""Workshop pages in process: the join page without login, joining with the form,
the board for the guest, and polling that costs a 204 when nothing changed."""

from __future__ import annotations

import re

from sidestream.domain.visibility import Role, Viewer
from sidestream.services import regions
from sidestream.services import workshops as service
from sidestream.services.workshops import NewWorkshop
from sidestream.store.db import make_engine, session_factory
from tests.api.client import ApiClient
from tests.web.conftest import REGION, Demo


def make_workshop(demo: Demo) -> tuple[int, str]:
    engine = make_engine(demo.url)
    try:
        with session_factory(engine)() as session:
            region = regions.get_region(session, REGION)
            w = service.create_workshop(session, region, Viewer(None, Role.FACILITATOR),
                                        NewWorkshop(title="Helgeland workshop", lat=66.31, lon=14.14, language="en"))  # fmt: skip
            return w.id, w.join_code
    finally:
        engine.dispose()


def test_join_page_board_and_polling(new_client: ApiClient, demo: Demo) -> None:
    wid, code = make_workshop(demo)
    page = new_client.get(f"/join?code={code}&lang=en")
    assert page.status_code == 200 and "Join a workshop" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = new_client.post("/join", data={"code": code, "name": "Ada", "organisation": "Ada Fisk AS",
                                       "csrf_token": token.group(1)}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == f"/workshops/{wid}/board"
    board = new_client.get(f"/workshops/{wid}/board?lang=en")
    assert board.status_code == 200 and "Helgeland workshop" in board.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', board.text)
    assert csrf is not None
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf.group(1)}
    r = new_client.post(
        f"/workshops/{wid}/board/ideas", data={"title": "Heat to the hatchery"}, headers=headers
    )
    assert r.status_code == 200 and "Heat to the hatchery" in r.text
    etag = re.search(r'"If-None-Match": "(W/\\"[^"]+\\")"', r.text)
    assert etag is not None
    tag = etag.group(1).replace('\\"', '"')
    poll = new_client.get(f"/workshops/{wid}/board/ideas?sort=votes&page=1&lang=en",
                          headers={"HX-Request": "true", "If-None-Match": tag})  # fmt: skip
    assert poll.status_code == 204
    # A write by anyone changes the version: the next poll gets the new fragment.
    new_client.post(f"/workshops/{wid}/board/ideas", data={"title": "Slag to roads"}, headers=headers)
    poll = new_client.get(f"/workshops/{wid}/board/ideas?sort=votes&page=1&lang=en",
                          headers={"HX-Request": "true", "If-None-Match": tag})  # fmt: skip
    assert poll.status_code == 200 and "Slag to roads" in poll.text
    # Without the CSRF header a cookie guest's write is refused.
    assert new_client.post(f"/workshops/{wid}/board/ideas", data={"title": "x"}).status_code == 403


def test_console_needs_a_facilitator(client: ApiClient, demo: Demo) -> None:
    wid, _ = make_workshop(demo)
    r = client.get(f"/workshops/{wid}", follow_redirects=False)
    assert r.status_code in (303, 401)
