"""Organisations, sites and flows in the browser's forms (in process, SQLite and
PostgreSQL): the table, adding and changing, inline errors, CSRF, optimistic
locking, the live classification and unit help — and visibility."""

from __future__ import annotations

import re

from sqlalchemy import select

from sidestream.store.models import Flow, Organisation, Site
from tests.web.conftest import Rana


def org_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-organisation-id="\d+">\s*<td><a href="[^"]+">([^<]+)</a>', html)


def test_table_searches_filters_and_sorts(rana: Rana) -> None:
    with rana.login("facilitator") as (client, _):
        page = client.get(f"{rana.base}/organisations")
        assert page.status_code == 200
        assert org_rows(page.text) == ["Other AS", "Owner AS"]
        assert org_rows(client.get(f"{rana.base}/organisations", params={"sort": "-name"}).text) == [
            "Owner AS",
            "Other AS",
        ]
        assert org_rows(client.get(f"{rana.base}/organisations", params={"q": "owner"}).text) == ["Owner AS"]
        assert org_rows(client.get(f"{rana.base}/organisations", params={"actor_type": "utility"}).text) == []
        partial = client.get(f"{rana.base}/organisations", params={"q": "o"}, headers={"HX-Request": "true"})
        assert partial.text.lstrip().startswith('<div id="organisations-table"')
        assert client.get(f"{rana.base}/organisations", params={"sort": "bogus"}).status_code == 422


def test_flow_counts_count_only_what_the_viewer_may_see(rana: Rana) -> None:
    # Owner AS has 8 flows (supply + demand at 4 levels); a viewer may see public and
    # network ones (4), a facilitator all but private (6) — written out by hand.
    for role, expected in (("viewer", 4), ("facilitator", 6), ("member_owner", 8)):
        with rana.login(role) as (client, _):
            html = client.get(f"{rana.base}/organisations").text
        row = re.search(rf'data-organisation-id="{rana.world.org_a}">(.*?)</tr>', html, re.S)
        assert row, role
        assert re.findall(r'<td class="num">(\d+)</td>', row.group(1))[-1] == str(expected), role


def test_facilitator_adds_an_organisation_and_sees_errors_inline(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        form = client.get(f"{rana.base}/organisations/new")
        assert form.status_code == 200 and 'name="csrf_token"' in form.text
        ok = client.post(f"{rana.base}/organisations",
                         data={"csrf_token": csrf, "name": "Mo Fjernvarme AS", "actor_type": "utility"})  # fmt: skip
        assert ok.status_code == 303
        org = rana.session.scalar(select(Organisation).where(Organisation.name == "Mo Fjernvarme AS"))
        assert org is not None and org.actor_type == "utility"
        twice = client.post(
            f"{rana.base}/organisations", data={"csrf_token": csrf, "name": "Mo Fjernvarme AS"}
        )
        assert twice.status_code == 422
        assert "An organisation of this name already exists in the region." in twice.text
        assert 'aria-invalid="true"' in twice.text and 'value="Mo Fjernvarme AS"' in twice.text
        empty = client.post(f"{rana.base}/organisations?lang=nb", data={"csrf_token": csrf, "name": ""})
        assert empty.status_code == 422 and "Skriv et navn" in empty.text
        bad_nace = client.post(
            f"{rana.base}/organisations?lang=en", data={"csrf_token": csrf, "name": "X", "nace": "99.99.9"}
        )
        assert bad_nace.status_code == 422 and "NACE Rev. 2 code" in bad_nace.text


def test_forms_need_the_csrf_token(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        assert client.post(f"{rana.base}/organisations", data={"name": "Forged AS"}).status_code == 403
        forged = client.post(f"{rana.base}/organisations", data={"csrf_token": "x" * 64, "name": "Forged AS"})
        assert forged.status_code == 403
        other_origin = client.post(f"{rana.base}/organisations", data={"csrf_token": csrf, "name": "Forged AS"},
                                   headers={"Origin": "https://evil.example"})  # fmt: skip
        assert other_origin.status_code == 403
        assert rana.session.scalar(select(Organisation).where(Organisation.name == "Forged AS")) is None


def test_viewers_and_strangers_cannot_add(rana: Rana) -> None:
    with rana.login("viewer") as (client, csrf):
        assert client.get(f"{rana.base}/organisations/new").status_code == 403
        assert (
            client.post(f"{rana.base}/organisations", data={"csrf_token": csrf, "name": "V AS"}).status_code
            == 403
        )
    with rana.login("anonymous") as (anonymous, _):
        response = anonymous.get(f"{rana.base}/organisations/new")
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")


def test_site_form_places_a_site_and_checks_coordinates(rana: Rana) -> None:
    org = rana.world.org_a
    with rana.login("member_owner") as (client, csrf):
        form = client.get(f"{rana.base}/organisations/{org}/sites/new")
        assert "data-picker" in form.text and 'id="f-lat"' in form.text
        bad = client.post(f"{rana.base}/organisations/{org}/sites",
                          data={"csrf_token": csrf, "name": "Kai", "lat": "95", "lon": "14.2"})  # fmt: skip
        assert bad.status_code == 422 and "between -90 and 90" in bad.text
        assert 'value="95"' in bad.text  # what was typed is kept
        ok = client.post(f"{rana.base}/organisations/{org}/sites",
                         data={"csrf_token": csrf, "name": "Kai", "lat": "66,3301", "lon": "14.1502"})  # fmt: skip
        assert ok.status_code == 303
    site = rana.session.scalar(select(Site).where(Site.name == "Kai"))
    assert site is not None and (site.lat, site.lon) == (66.3301, 14.1502)


def test_member_cannot_touch_another_organisation(rana: Rana) -> None:
    with rana.login("member_other") as (client, csrf):
        assert client.get(f"{rana.base}/organisations/{rana.world.org_a}/sites/new").status_code == 403
        flow_id = rana.world.flow_ids[("public", "supply")]
        assert client.get(f"{rana.base}/flows/{flow_id}/edit").status_code == 403
        response = client.post(f"{rana.base}/flows/{flow_id}/edit",
                               data={"csrf_token": csrf, "resource": "taken over", "months": "1"})  # fmt: skip
        assert response.status_code == 403
    assert rana.session.get(Flow, flow_id).resource == "overskuddsvarme 90 °C"  # type: ignore[union-attr]


def flow_form(csrf: str, site_id: int, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "csrf_token": csrf, "site_id": site_id, "direction": "supply", "resource": "spillvarme 35 °C",
        "category": "heat", "quantity": "2,5", "unit": "GWh/yr", "temperature_c": "35",
        "months": ["1", "2", "3", "10", "11", "12"], "visibility": "network", "notes": "",
    }  # fmt: skip
    data.update(changes)
    return data


def test_flow_form_creates_a_flow(rana: Rana) -> None:
    site = rana.session.scalar(select(Site).where(Site.name == "SITE-public"))
    assert site is not None
    with rana.login("member_owner") as (client, csrf):
        form = client.get(f"{rana.base}/organisations/{rana.world.org_a}/flows/new")
        assert form.status_code == 200
        for level in ("public", "network", "facilitator", "private"):
            assert f'id="vis-{level}"' in form.text
        assert "not even the facilitators" in form.text
        response = client.post(
            f"{rana.base}/organisations/{rana.world.org_a}/flows", data=flow_form(csrf, site.id)
        )
        assert response.status_code == 303, response.text
    flow = rana.session.scalar(select(Flow).where(Flow.resource == "spillvarme 35 °C"))
    assert flow is not None
    # 2.5 GWh/yr = 2500 MWh/yr; January–March and October–December = bits 0-2 and 9-11.
    assert flow.quantity == 2.5 and flow.annual_quantity == 2500.0 and flow.annual_unit == "MWh/yr"
    assert flow.months_mask == 0b111000000111 and flow.visibility == "network"


def test_flow_form_shows_every_error_beside_its_field(rana: Rana) -> None:
    site = rana.session.scalar(select(Site).where(Site.name == "SITE-public"))
    assert site is not None
    url = f"{rana.base}/organisations/{rana.world.org_a}/flows"
    with rana.login("member_owner") as (client, csrf):
        no_months = client.post(url, data=flow_form(csrf, site.id, months=[]))
        assert no_months.status_code == 422 and 'id="err-months"' in no_months.text
        wrong_unit = client.post(url, data=flow_form(csrf, site.id, unit="t/yr"))
        assert wrong_unit.status_code == 422 and "does not measure this category" in wrong_unit.text
        not_a_unit = client.post(url, data=flow_form(csrf, site.id, unit="bananas"))
        assert not_a_unit.status_code == 422 and 'id="err-unit"' in not_a_unit.text
        no_resource = client.post(url, data=flow_form(csrf, site.id, resource=""))
        assert no_resource.status_code == 422 and 'id="err-resource"' in no_resource.text
        bad_ewc = client.post(url, data=flow_form(csrf, site.id, ewc="99 99 99"))
        assert bad_ewc.status_code == 422 and 'id="err-ewc"' in bad_ewc.text
        nb = client.post(url + "?lang=nb", data=flow_form(csrf, site.id, months=[]))
        assert "Kryss av" in nb.text
    assert rana.session.scalar(select(Flow).where(Flow.resource == "spillvarme 35 °C")) is None


def test_a_stale_edit_is_a_clear_409(rana: Rana) -> None:
    flow_id = rana.world.flow_ids[("network", "supply")]
    flow = rana.session.get(Flow, flow_id)
    assert flow is not None
    with rana.login("member_owner") as (client, csrf):
        form = client.get(f"{rana.base}/flows/{flow_id}/edit")
        version = int(re.search(r'name="version" value="(\d+)"', form.text).group(1))  # type: ignore[union-attr]
        first = client.post(f"{rana.base}/flows/{flow_id}/edit",
                            data={**flow_form(csrf, flow.site_id, resource="first change"), "version": version})  # fmt: skip
        assert first.status_code == 303
        second = client.post(f"{rana.base}/flows/{flow_id}/edit",
                             data={**flow_form(csrf, flow.site_id, resource="second change"), "version": version})  # fmt: skip
        assert second.status_code == 409
        assert "Someone else changed this while you were editing it" in second.text
        assert 'value="first change"' in second.text  # the stored state, to redo the change on
        assert f'name="version" value="{version + 1}"' in second.text
    rana.session.expire_all()
    assert rana.session.get(Flow, flow_id).resource == "first change"  # type: ignore[union-attr]


def test_a_stale_organisation_edit_is_a_409_too(rana: Rana) -> None:
    url = f"{rana.base}/organisations/{rana.world.org_b}"
    with rana.login("facilitator") as (client, csrf):
        assert (
            client.post(url, data={"csrf_token": csrf, "name": "Other AS 2", "version": 1}).status_code == 303
        )
        stale = client.post(url, data={"csrf_token": csrf, "name": "Other AS 3", "version": 1})
        assert stale.status_code == 409 and "Someone else changed this" in stale.text


def test_live_classification_and_units(rana: Rana) -> None:
    with rana.login("member_owner") as (client, _):
        heat = client.get(
            f"{rana.base}/classify", params={"resource": "overskuddsvarme 45 °C", "direction": "supply"}
        )
        assert heat.status_code == 200 and "<html" not in heat.text
        assert 'data-set-category="heat"' in heat.text
        nothing = client.get(f"{rana.base}/classify", params={"resource": "x"})
        assert "data-set-category" not in nothing.text
        water = client.get(f"{rana.base}/units", params={"category": "water"}).text
        assert 'value="m3/h"' in water and 'value="t/yr"' not in water
        heat_units = client.get(f"{rana.base}/units", params={"category": "heat"}).text
        assert 'value="MW"' in heat_units and 'value="m3/h"' not in heat_units


def test_viewer_never_sees_hidden_flows_on_organisation_pages(rana: Rana) -> None:
    """A viewer sees public and network flows only, on every organisation page."""
    hidden = rana.world.hidden_markers("viewer")
    with rana.login("viewer") as (client, _):
        pages = [
            f"{rana.base}/organisations", f"{rana.base}/organisations/{rana.world.org_a}",
            f"{rana.base}/organisations/{rana.world.org_b}",
        ]  # fmt: skip
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            assert not [m for m in hidden if m in response.text], path
        for level in ("facilitator", "private"):
            assert (
                client.get(f"{rana.base}/flows/{rana.world.flow_ids[(level, 'supply')]}/edit").status_code
                == 404
            )
