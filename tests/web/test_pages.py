"""The pages in process: rendering, the htmx partials, the JSON twins, languages,
login with CSRF, and visibility — the same as the API's for every caller."""

from __future__ import annotations

import re

import pytest

from sidestream.i18n import translate
from sidestream.web.context import DataPage
from sidestream.web.pages.flows import FlowsData
from sidestream.web.pages.matches import MatchesData
from sidestream.web.pages.overview import OverviewData
from tests.api.client import ApiClient
from tests.web.conftest import PASSWORD, REGION, Demo
from tests.web.visibility import leaks

BASE = f"/regions/{REGION}"


def login(client: ApiClient, email: str, password: str = PASSWORD) -> None:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1), "next": BASE}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == BASE


def test_pages_render_with_security_headers(client: ApiClient) -> None:
    for path in ("/", BASE, f"{BASE}/flows", f"{BASE}/matches", "/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "http" not in policy  # no other origin without a tile URL
        assert re.search(r'<html lang="(en|nb)">', response.text)


def test_overview_json_twin_is_the_page_data(client: ApiClient) -> None:
    data = OverviewData.model_validate(client.get(f"{BASE}/overview.json?lang=en").json())
    assert data.counts.flows == len(data.points) > 0
    assert data.counts.supplies + data.counts.demands == data.counts.flows
    assert data.sankey.links and data.sankey.total > 0
    assert data.lines and all(0 <= line.score <= 1 for line in data.lines)
    page = client.get(f"{BASE}?lang=en").text
    assert f'data-count="flows">{data.counts.flows}<' in page
    assert f'data-count="matches">{data.counts.matches}<' in page


def test_flows_partial_for_htmx(client: ApiClient) -> None:
    full = client.get(f"{BASE}/flows", params={"q": "slagg"})
    partial = client.get(f"{BASE}/flows", params={"q": "slagg"}, headers={"HX-Request": "true"})
    assert "<html" in full.text and "<html" not in partial.text
    assert partial.text.lstrip().startswith('<div id="flows-table"')
    data = FlowsData.model_validate(client.get(f"{BASE}/flows.json", params={"q": "slagg"}).json())
    assert 0 < data.total < 40
    assert f'data-total="{data.total}"' in partial.text
    for row in data.rows:
        assert f'data-flow-key="{row.key}"' in partial.text


def test_flows_filter_and_sort(client: ApiClient) -> None:
    data = FlowsData.model_validate(
        client.get(f"{BASE}/flows.json", params={"category": "heat", "sort": "-quantity"}).json()
    )
    assert data.rows and {r.category for r in data.rows} == {"heat"}
    bad = client.get(f"{BASE}/flows", params={"sort": "nonsense"})
    assert bad.status_code == 422 and "<html" in bad.text


def test_matches_filters(client: ApiClient) -> None:
    everything = MatchesData.model_validate(client.get(f"{BASE}/matches.json").json())
    assert everything.total > 0
    scores = [m.score for m in everything.items]
    assert scores == sorted(scores, reverse=True)
    near = MatchesData.model_validate(
        client.get(f"{BASE}/matches.json", params={"min_score": 0.5, "max_distance_km": 10}).json()
    )
    assert near.total < everything.total
    assert all(m.score >= 0.5 and (m.distance_km or 0) <= 10 for m in near.items)
    partial = client.get(f"{BASE}/matches", params={"min_score": 0.5}, headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="matches-list"')


@pytest.mark.parametrize(
    ("params", "headers", "cookies", "lang"),
    [
        ({"lang": "nb"}, {}, {}, "nb"),
        ({}, {"Accept-Language": "nb-NO,nb;q=0.9,en;q=0.5"}, {}, "nb"),
        ({}, {"Accept-Language": "de, en;q=0.5"}, {}, "en"),
        ({}, {"Accept-Language": "nb"}, {"lang": "en"}, "en"),
        ({"lang": "en"}, {}, {"lang": "nb"}, "en"),
    ],
)
def test_language_choice(
    new_client: ApiClient, params: dict[str, str], headers: dict[str, str], cookies: dict[str, str], lang: str
) -> None:
    for name, value in cookies.items():
        new_client.cookies.set(name, value)
    response = new_client.get(f"{BASE}/flows", params=params, headers=headers)
    assert f'<html lang="{lang}">' in response.text
    assert translate("Totals by category", lang) not in response.text  # not on this page
    assert f">{translate('Flows', lang)}</h1>" in response.text
    if "lang" in params:
        assert response.cookies.get("lang") == params["lang"]


def test_numbers_follow_the_language(client: ApiClient) -> None:
    en = client.get(f"{BASE}/matches", params={"lang": "en"}).text
    nb = client.get(f"{BASE}/matches", params={"lang": "nb"}).text
    assert re.search(r"\d\.\d km", en) and not re.search(r"\d,\d km", en)
    assert re.search(r"\d,\d km", nb) and not re.search(r"\d\.\d km", nb)
    assert "t/år" in nb or "MWh/år" in nb


def test_login_needs_the_form_token(new_client: ApiClient, demo: Demo) -> None:
    response = new_client.post(
        "/login", data={"email": demo.facilitator, "password": PASSWORD, "csrf_token": "forged", "next": "/"}
    )
    assert response.status_code == 403
    assert "sidestream_session" not in response.cookies


def test_login_refuses_another_origin(new_client: ApiClient, demo: Demo) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', new_client.get("/login").text)
    assert token
    response = new_client.post(
        "/login",
        data={"email": demo.facilitator, "password": PASSWORD, "csrf_token": token.group(1)},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_wrong_password_says_so_without_saying_which(new_client: ApiClient, demo: Demo) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', new_client.get("/login?lang=nb").text)
    assert token
    response = new_client.post(
        "/login", data={"email": demo.facilitator, "password": "wrong-password", "csrf_token": token.group(1)}
    )
    assert response.status_code == 401
    assert "E-postadressen eller passordet er feil." in response.text


def test_login_cookie_and_logout(new_client: ApiClient, demo: Demo) -> None:
    anonymous_total = FlowsData.model_validate(new_client.get(f"{BASE}/flows.json").json()).total
    login(new_client, demo.facilitator)
    cookie = new_client.cookies.get("sidestream_session")
    assert cookie
    page = new_client.get(f"{BASE}/flows")
    assert demo.facilitator in page.text
    assert FlowsData.model_validate(new_client.get(f"{BASE}/flows.json").json()).total > anonymous_total
    # Logging out needs the session's CSRF token from the page.
    assert new_client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    out = new_client.post("/logout", data={"csrf_token": token.group(1)})
    assert out.status_code == 303
    new_client.cookies.clear()
    new_client.cookies.set("sidestream_session", cookie)  # the old cookie is revoked server-side
    assert FlowsData.model_validate(new_client.get(f"{BASE}/flows.json").json()).total == anonymous_total


def test_next_after_login_stays_on_this_site(new_client: ApiClient, demo: Demo) -> None:
    form = new_client.get("/login", params={"next": "https://evil.example/"})
    assert 'name="next" value="/"' in form.text


def test_anonymous_sees_only_public_flows_in_pages_and_twins(client: ApiClient, demo: Demo) -> None:
    paths = ["/", BASE, f"{BASE}/flows?per_page=500", f"{BASE}/overview.json", f"{BASE}/flows.json",
             f"{BASE}/matches.json", f"/api/v1/regions/{REGION}/flows?per_page=500",
             f"/api/v1/regions/{REGION}/matches"]  # fmt: skip
    matches = MatchesData.model_validate(client.get(f"{BASE}/matches.json").json())
    paths += [f"{BASE}/matches?page={n}" for n in range(1, matches.pages + 1)]
    flows = FlowsData.model_validate(client.get(f"{BASE}/flows.json").json())
    paths += [f"{BASE}/flows?page={n}" for n in range(1, flows.pages + 1)]
    assert flows.total == len(demo.public())
    for lang in ("en", "nb"):
        for path in paths:
            response = client.get(path, params={"lang": lang})
            assert response.status_code == 200, path
            assert not leaks(demo, response.text), (path, leaks(demo, response.text))


def test_member_sees_own_private_flow_and_facilitator_does_not(new_client: ApiClient, demo: Demo) -> None:
    private = [f for f in demo.flows if f["visibility"] == "private" and f["organisation"] == demo.member_org]
    assert private
    key = private[0]["key"]
    login(new_client, demo.facilitator)
    assert key not in new_client.get(f"{BASE}/flows", params={"q": private[0]["resource"][:30]}).text
    new_client.cookies.clear()
    login(new_client, demo.member)
    assert key in new_client.get(f"{BASE}/flows", params={"q": private[0]["resource"][:30]}).text


def test_unknown_region_is_a_page_in_the_readers_language(client: ApiClient) -> None:
    response = client.get("/regions/atlantis", params={"lang": "nb"})
    assert response.status_code == 404
    assert "<html" in response.text and translate("Not found", "nb") in response.text
    twin = client.get("/regions/atlantis/overview.json")
    assert twin.status_code == 404 and twin.headers["content-type"].startswith("application/problem+json")


def test_page_contexts_are_typed(client: ApiClient) -> None:
    """Every data page renders from a typed model; the twin validates against it."""
    for path, model in ((f"{BASE}/overview.json", OverviewData), (f"{BASE}/flows.json", FlowsData),
                        (f"{BASE}/matches.json", MatchesData)):  # fmt: skip
        model.model_validate(client.get(path).json())
    assert DataPage.__dataclass_fields__.keys() == {"data", "payload"}
