"""The facilitation pages in process: the case board and page with their forms, the
public page with residents' feedback, the catalogue, funding, experts and
benchmarking — and that none of them shows a flow to someone who may not see it."""

from __future__ import annotations

import html
import re

import pytest

from sidestream.web.pages.cases import BoardData, CaseData
from sidestream.web.pages.catalogue import CatalogueData
from sidestream.web.pages.matches import MatchesData
from tests.api.client import ApiClient
from tests.web.conftest import REGION, Demo
from tests.web.test_pages import login
from tests.web.visibility import leaks

BASE = f"/regions/{REGION}"


def csrf(page_html: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert token, "the page has a form token"
    return token.group(1)


def private_flow(demo: Demo) -> dict[str, str]:
    return next(
        f for f in demo.flows if f["visibility"] == "private" and f["organisation"] == demo.member_org
    )


def open_case(client: ApiClient, title: str) -> tuple[int, str]:
    board = client.get(f"{BASE}/cases")
    r = client.post(f"{BASE}/cases", data={"title": title, "csrf_token": csrf(board.text)})
    assert r.status_code == 303, r.text
    case_id = int(r.headers["location"].rsplit("/", 1)[1])
    return case_id, f"{BASE}/cases/{case_id}"


def version_of(client: ApiClient, url: str) -> int:
    return CaseData.model_validate(client.get(f"{url}.json").json()).case["version"]


@pytest.mark.parametrize(("lang", "names"), [("en", ["Cases", "Catalogue", "Experts", "Benchmarking"]),
                                             ("nb", ["Saker", "Katalog", "Eksperter", "Sammenligning"])])  # fmt: skip
def test_pages_render_with_nav_links(client: ApiClient, lang: str, names: list[str]) -> None:
    for path in (
        f"{BASE}/cases",
        "/catalogue",
        "/catalogue/kalundborg-fgd-gypsum",
        "/funding",
        "/benchmarking",
    ):
        r = client.get(path, params={"lang": lang})
        assert r.status_code == 200, path
        assert "Content-Security-Policy" in r.headers
        nav = r.text.split('class="site-nav"', 1)[1].split("</nav>", 1)[0]
        # "Cases" belongs to a region; the other three are everywhere
        for name in names if path.startswith(BASE) else names[1:]:
            assert f">{name}</a>" in nav, (path, name)


def test_catalogue_filters_and_twin(client: ApiClient) -> None:
    data = CatalogueData.model_validate(client.get("/catalogue.json").json())
    assert len(data.items) >= 25
    finnish = CatalogueData.model_validate(client.get("/catalogue.json", params={"country": "FI"}).json())
    assert finnish.items and {i.country for i in finnish.items} == {"FI"}
    heat = client.get("/catalogue", params={"resource_class": "flue_gas_heat"}).text
    assert "Mo i Rana" in heat and "Kalundborg" not in heat
    page = client.get("/catalogue/skogn-biokraft").text
    assert "70,000 t/yr" in page and "scandinavianbiogas.com" in page


def test_experts_page_needs_login(client: ApiClient) -> None:
    r = client.get("/experts")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_expert_adds_and_deletes_themself(new_client: ApiClient, demo: Demo) -> None:
    login(new_client, demo.viewer)
    page = new_client.get("/experts")
    form = {
        "name": "Ola Ekspert",
        "country": "NO",
        "topics": "funding",
        "languages": "nb",
        "csrf_token": csrf(page.text),
    }
    assert new_client.post("/experts", data=form).status_code == 422  # no consent ticked
    assert new_client.post("/experts", data={**form, "consent": "true"}).status_code == 303
    listed = new_client.get("/experts", params={"topic": "funding"}).text
    assert "Ola Ekspert" in listed
    expert_id = re.search(r'action="/experts/(\d+)/delete"', listed)
    assert expert_id
    assert (
        new_client.post(f"/experts/{expert_id.group(1)}/delete", data={"csrf_token": "forged"}).status_code
        == 403
    )
    r = new_client.post(f"/experts/{expert_id.group(1)}/delete", data={"csrf_token": csrf(listed)})
    assert r.status_code == 303
    assert "Ola Ekspert" not in new_client.get("/experts").text


def test_case_board_move_and_confidential_flows(new_client: ApiClient, client: ApiClient, demo: Demo) -> None:
    login(new_client, demo.member)
    case_id, url = open_case(new_client, "Heat for the smolt farm")
    page = new_client.get(url).text
    flow = private_flow(demo)
    option = re.search(rf'<option value="(\d+)">[^<]*{re.escape(html.escape(flow["resource"]))}', page)
    assert option, "the member may add their own private flow"
    r = new_client.post(
        f"{url}/flows",
        data={"flow_id": option.group(1), "version": version_of(new_client, url), "csrf_token": csrf(page)},
    )
    assert r.status_code == 303
    assert html.escape(flow["resource"]) in new_client.get(url).text
    # moved on the board with the card's form (no drag and drop)
    board = new_client.get(f"{BASE}/cases")
    r = new_client.post(
        f"{url}/stage",
        data={"stage": "explored", "version": version_of(new_client, url), "csrf_token": csrf(board.text)},
    )
    assert r.status_code == 303 and r.headers["location"].endswith(f"#case-{case_id}")
    data = BoardData.model_validate(new_client.get(f"{BASE}/cases.json").json())
    explored = next(c for c in data.columns if c.stage == "explored")
    assert case_id in [card.id for card in explored.cards]
    # a stale form (the version before the move) is refused
    assert (
        new_client.post(
            f"{url}/stage", data={"stage": "feasibility", "version": 1, "csrf_token": csrf(board.text)}
        ).status_code
        == 409
    )
    # without the form token: refused
    assert (
        new_client.post(
            f"{url}/stage", data={"stage": "feasibility", "version": version_of(new_client, url)}
        ).status_code
        == 403
    )
    # the facilitator sees the case but not the member's private flow
    new_client.cookies.clear()
    login(new_client, demo.facilitator)
    seen = new_client.get(url)
    assert seen.status_code == 200 and "Heat for the smolt farm" in seen.text
    assert html.escape(flow["resource"]) not in seen.text and flow["key"] not in seen.text
    assert "a flow you may not see" in seen.text
    # anonymous visitors do not see the case at all, nor its flow anywhere
    anon = client.get(url)
    assert anon.status_code == 404
    assert not leaks(demo, client.get(f"{BASE}/cases").text)


def test_case_items_removed_and_owner_handed_over(new_client: ApiClient, demo: Demo) -> None:
    login(new_client, demo.member)
    _, url = open_case(new_client, "Slag for the road builder")

    def post(path: str, **data: object) -> int:
        page = new_client.get(url).text
        form = {"version": version_of(new_client, url), "csrf_token": csrf(page), **data}
        return new_client.post(f"{url}/{path}", data=form).status_code

    assert post("steps", text="Ask the road authority") == 303
    assert post("links", title="Slag study", url="https://example.org/slag.pdf") == 303
    assert post("barriers", barrier="regulation", note="end-of-waste status") == 303
    case = CaseData.model_validate(new_client.get(f"{url}.json").json())
    step_id = case.case["steps"][0]["id"]
    link_id = case.case["links"][0]["id"]
    page = new_client.get(url).text
    assert page.count('name="what"') == 3, "one remove button per step, link and barrier"
    assert post("remove", what="step", item=step_id) == 303
    assert post("remove", what="link", item=link_id) == 303
    assert post("remove", what="barrier", item="regulation") == 303
    case = CaseData.model_validate(new_client.get(f"{url}.json").json())
    assert case.case["steps"] == [] and case.case["links"] == [] and case.barriers == []
    assert {"remove_step", "remove_link", "remove_barrier"} <= {h.action for h in case.history}
    # an id that is not on the case, or not an id at all, is refused without a change
    assert post("remove", what="step", item=step_id) == 404
    assert post("remove", what="link", item="x") == 422
    # the member owns the case and may hand it to another person of the region
    assert case.owner_options, "the owner gets the list of the region's people"
    facilitator = next(o for o in case.owner_options if o.value != str(case.case["owner_user_id"]))
    assert post("edit", title="Slag for the road builder", owner_user_id=facilitator.value) == 303
    after = CaseData.model_validate(new_client.get(f"{url}.json").json())
    assert str(after.case["owner_user_id"]) == facilitator.value
    # no longer the owner: the member (still on the case team as its creator) gets no list
    assert after.owner_options == []
    # a user id from outside the region is unknown
    new_client.cookies.clear()
    login(new_client, demo.facilitator)
    assert post("edit", title="Slag for the road builder", owner_user_id="999999") == 404


def test_public_page_feedback(new_client: ApiClient, client: ApiClient, demo: Demo) -> None:
    login(new_client, demo.member)
    _, url = open_case(new_client, "Biogas from fish sludge")
    page = new_client.get(url).text
    flow = private_flow(demo)
    option = re.search(rf'<option value="(\d+)">[^<]*{re.escape(html.escape(flow["resource"]))}', page)
    assert option
    new_client.post(
        f"{url}/flows",
        data={"flow_id": option.group(1), "version": version_of(new_client, url), "csrf_token": csrf(page)},
    )
    r = new_client.post(
        f"{url}/public",
        data={"is_public": "true", "summary": "A biogas plant at the harbour", "place": "Mo i Rana harbour",
              "why": "to turn fish sludge into fuel", "version": version_of(new_client, url), "csrf_token": csrf(page)},
    )  # fmt: skip
    assert r.status_code == 303
    public_url = CaseData.model_validate(new_client.get(f"{url}.json").json()).public_url
    assert public_url
    # residents read it without logging in; the private flow is not on it
    public = client.get(public_url)
    assert public.status_code == 200 and "A biogas plant at the harbour" in public.text
    assert html.escape(flow["resource"]) not in public.text and flow["key"] not in public.text
    assert not leaks(demo, public.text)
    # and ask a question (double-submit token, same origin, empty trap field)
    token = csrf(public.text)
    forged = client.post(f"{public_url}/feedback", data={"text": "Will it smell?", "csrf_token": "forged"})
    assert forged.status_code == 403
    robot = client.post(
        f"{public_url}/feedback",
        data={"text": "Buy now", "website": "http://spam.example", "csrf_token": token},
    )
    assert robot.status_code == 422
    asked = client.post(
        f"{public_url}/feedback", data={"name": "Kari", "text": "Will it smell?", "csrf_token": token}
    )
    assert asked.status_code == 303
    assert "Will it smell?" in client.get(public_url).text
    # the team sees and answers it on the case page
    case_page = new_client.get(url).text
    fid = re.search(r'action="/regions/[^/]+/cases/\d+/feedback/(\d+)"', case_page)
    assert fid and "Will it smell?" in case_page
    new_client.post(
        f"{url}/feedback/{fid.group(1)}",
        data={"answer": "No, the tanks are closed.", "csrf_token": csrf(case_page)},
    )
    assert "No, the tanks are closed." in client.get(public_url).text


def test_matches_say_when_it_has_been_done_before(client: ApiClient) -> None:
    data = MatchesData.model_validate(client.get(f"{BASE}/matches.json", params={"min_score": 0}).json())
    pages = [data, *(MatchesData.model_validate(client.get(f"{BASE}/matches.json", params={"page": n}).json())
                     for n in range(2, data.pages + 1))]  # fmt: skip
    linked = [o for p in pages for item in p.items for o in item.done_before]
    assert linked, "some Helgeland match has a catalogue case with the same classes"
    assert all(o.value.startswith("/catalogue/") for o in linked)


def test_benchmarking_page_and_export(client: ApiClient, demo: Demo) -> None:
    page = client.get("/benchmarking", params={"region": REGION})
    assert page.status_code == 200 and "CSV" in page.text
    assert not leaks(demo, page.text)
    public_flows = len(demo.public())
    export = client.get("/api/v1/benchmarking", params={"region": REGION, "format": "json"}).json()
    flows = next(i for i in export["indicators"] if i["id"] == "flows")
    assert flows["values"][REGION] == public_flows  # anonymous: public flows only
