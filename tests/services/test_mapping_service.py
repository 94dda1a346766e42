"""Hubs, potential and the region report from the database, cut to the viewer: a
private flow's site, owner and quantity never reach a facilitator (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.mapping_world import SECRET_ACTOR, SECRET_MWH, SECRET_SITE, build_park

from sidestream.domain.visibility import ANONYMOUS, Role, Viewer
from sidestream.mapping.hubs import hubs_geojson
from sidestream.reports.region import amount_text, render_region_html
from sidestream.services.mapping import region_mapping
from sidestream.services.reports import region_report

SECRET = "test-secret-0123456789abcdef0123456789"


def _dump(m: Any) -> str:
    return json.dumps(
        {"hubs": [h.to_json() for h in m.hubs], "geo": hubs_geojson(m.hubs), "potential": m.potential.to_json(),
         "hex": m.potential.hexagons, "matches": m.matches},
        ensure_ascii=False, default=str,
    )  # fmt: skip


def test_facilitator_sees_the_hub_but_not_the_private_flow(
    session: Session, make_region: Callable[..., Any], make_organisation: Callable[..., Any],
    make_site: Callable[..., Any], make_flow: Callable[..., Any],
) -> None:  # fmt: skip
    world = build_park(make_region, make_organisation, make_site, make_flow)
    facilitator = Viewer(user_id=1, role=Role.FACILITATOR)
    m = region_mapping(session, world.region, facilitator, secret=SECRET)
    assert len(m.hubs) == 1 and m.hubs[0].name == "Mo i Rana"
    assert len(m.flows) == 5
    text = _dump(m)
    assert (
        SECRET_SITE not in text and SECRET_ACTOR not in text and "98765" not in text and "98 765" not in text
    )
    # Visible heat supplies are 4000 + 3000 MWh/yr; the private 98 765 is not summed anywhere.
    assert sum(r.supply_amount for r in m.potential.heat_bands) == 7000.0
    html = render_region_html(region_report(session, world.region, facilitator, secret=SECRET), "en")
    assert SECRET_SITE not in html and SECRET_ACTOR not in html and "98,765" not in html


def test_the_owner_sees_their_private_flow(
    session: Session, make_region: Callable[..., Any], make_organisation: Callable[..., Any],
    make_site: Callable[..., Any], make_flow: Callable[..., Any],
) -> None:  # fmt: skip
    world = build_park(make_region, make_organisation, make_site, make_flow)
    owner = Viewer(user_id=2, role=Role.MEMBER, organisation_ids=frozenset({world.secret_org.id}))
    m = region_mapping(session, world.region, owner, secret=SECRET)
    assert len(m.flows) == 6
    assert sum(r.supply_amount for r in m.potential.heat_bands) == 7000.0 + SECRET_MWH
    assert any(SECRET_ACTOR in h.actors for h in m.hubs)


def test_anonymous_sees_only_public_flows(
    session: Session, make_region: Callable[..., Any], make_organisation: Callable[..., Any],
    make_site: Callable[..., Any], make_flow: Callable[..., Any],
) -> None:  # fmt: skip
    world = build_park(make_region, make_organisation, make_site, make_flow)
    m = region_mapping(session, world.region, ANONYMOUS, secret=SECRET)
    assert len(m.flows) == 5 and SECRET_SITE not in _dump(m)
    report = region_report(session, world.region, ANONYMOUS, secret=SECRET)
    assert "public" in report.audience.render("en")


def test_report_has_the_chosen_network_cut_to_the_reader(
    session: Session, make_region: Callable[..., Any], make_organisation: Callable[..., Any],
    make_site: Callable[..., Any], make_flow: Callable[..., Any],
) -> None:  # fmt: skip
    world = build_park(make_region, make_organisation, make_site, make_flow)
    facilitator = Viewer(user_id=1, role=Role.FACILITATOR)
    report = region_report(session, world.region, facilitator, secret=SECRET)
    assert report.network is not None and report.network["links"]
    assert SECRET_ACTOR not in json.dumps(report.network, ensure_ascii=False, default=str)
    # Every link the facilitator sees in full joins two of the five public flows.
    visible_actors = {"Varmeverk A", "Smelter B", "Fjernvarme C", "Sykehus D", "Kontor E"}
    for link in report.network["links"]:
        if not link["anonymised"]:
            assert {link["supply"]["actor"], link["demand"]["actor"]} <= visible_actors
    html = render_region_html(report, "en")
    assert ">Chosen network</h2>" in html and SECRET_ACTOR not in html
    # the metric set IS programmes report (the cut itself: tests/services/test_scenarios.py)
    full = [link for link in report.network["links"] if not link["anonymised"]]
    energy = report.network["energy_delivered_mwh_per_yr"]
    assert energy == pytest.approx(sum(link["energy_delivered_mwh_per_yr"] for link in full)) and energy > 0
    assert f"Energy delivered {amount_text(energy, 'MWh/yr', 'en')}" in html
    assert "Water saved 0 m³/yr" in html  # units explicit, zero included
    nb = render_region_html(region_report(session, world.region, facilitator, secret=SECRET, lang="nb"), "nb")
    assert "Valgt nettverk" in nb
    assert f"Energi levert {amount_text(energy, 'MWh/yr', 'nb')}" in nb
