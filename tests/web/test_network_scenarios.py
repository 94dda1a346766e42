"""Scenarios on the Network page: facilitators create them from a preset, run them as
a background job with progress and delete them; nobody else can, by form or by a
forged post; errors come back on the page with nothing saved."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select

from sidestream.optimise.scenarios import PRESETS
from sidestream.services import scenarios
from sidestream.services.jobs import JobKind, create_job, scenario_work, wait_for_jobs
from sidestream.store.models import Job, Scenario
from tests.api.world import viewer_of
from tests.web.conftest import Rana


def _count(rana: Rana) -> int:
    rana.session.expire_all()
    return int(
        rana.session.scalar(select(func.count(Scenario.id)).where(Scenario.region_id == rana.world.region.id))
    )


def _form(csrf: str, **fields: str) -> dict[str, str]:
    """The form as the page sends it, its factor fields filled for ``factors_for`` (the
    baseline unless given), with ``fields`` changed."""
    data = {"csrf_token": csrf, "name": "", "preset": "baseline", "factors_for": "baseline",
            "description": "", "objective": "net-benefit", "weight": "0.5", "budget_eur": "",
            "max_distance_km": "", "then": "save"}  # fmt: skip
    filled = PRESETS[fields.get("factors_for", "baseline")].factors
    for key in {k for spec in PRESETS.values() for k in spec.factors}:
        data[f"factor.{key}"] = str(filled.get(key, 1))
    data.update(fields)
    return data


def _saved(rana: Rana, name: str) -> Scenario:
    facilitator = viewer_of(rana.session, rana.world, "facilitator")
    return scenarios.create_scenario(rana.session, rana.world.region, facilitator, name, {})


@pytest.mark.parametrize("role", ["viewer", "member_owner"])
def test_only_facilitators_get_the_forms_and_a_forged_post_is_refused(rana: Rana, role: str) -> None:
    existing = _saved(rana, "kept")
    with rana.login(role) as (client, csrf):
        page = client.get(f"{rana.base}/network")
        assert page.status_code == 200 and "kept" in page.text
        assert 'id="scenario-form"' not in page.text
        assert "/network/scenarios/" not in page.text  # no run or delete control
        created = client.post(f"{rana.base}/network/scenarios", data=_form(csrf, name="forged"))
        assert created.status_code == 403 and "You may not do this" in created.text
        ran = client.post(f"{rana.base}/network/scenarios/{existing.id}/run", data={"csrf_token": csrf})
        assert ran.status_code == 403
        assert client.get(f"{rana.base}/network/scenarios/{existing.id}/delete").status_code == 403
        deleted = client.post(
            f"{rana.base}/network/scenarios/{existing.id}/delete", data={"csrf_token": csrf}
        )
        assert deleted.status_code == 403
    assert _count(rana) == 1
    rana.session.refresh(existing)
    assert existing.result is None
    assert rana.session.scalar(select(func.count(Job.id)).where(Job.kind == JobKind.SCENARIO.value)) == 0


def test_a_post_without_the_forms_token_or_a_login_changes_nothing(rana: Rana) -> None:
    existing = _saved(rana, "kept")
    with rana.login("facilitator") as (client, _csrf):
        refused = client.post(f"{rana.base}/network/scenarios", data=_form("not-the-token", name="x"))
        assert refused.status_code == 403
        gone = client.post(f"{rana.base}/network/scenarios/{existing.id}/delete", data={"csrf_token": "x"})
        assert gone.status_code == 403
    with rana.login("anonymous") as (client, _):
        page = client.get(f"{rana.base}/network")
        assert 'id="scenario-form"' not in page.text and "kept" not in page.text
        refused = client.post(f"{rana.base}/network/scenarios", data=_form("", name="x"))
        assert refused.status_code in (401, 403)
        assert client.post(f"{rana.base}/network/scenarios/{existing.id}/run", data={}).status_code in (
            401,
            403,
        )
    assert _count(rana) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "  "}, "name", "a scenario needs a name"),
        ({"name": "taken"}, "name", "already has a scenario named"),
        ({"name": "new", "budget_eur": "-5"}, "budget_eur", "The budget is an amount in EUR"),
        ({"name": "new", "max_distance_km": "far"}, "max_distance_km", "The distance is a number of km"),
        ({"name": "new", "factor.price.electricity": "-2"}, "price.electricity", "A factor is a number"),
        (
            {"name": "new", "objective": "mix", "weight": "1.5"},
            "weight",
            "The weight is a number from 0 to 1",
        ),
    ],
)
def test_errors_come_back_on_the_page_and_nothing_is_saved(
    rana: Rana, fields: dict[str, str], field: str, message: str
) -> None:
    _saved(rana, "taken")
    with rana.login("facilitator") as (client, csrf):
        sent = client.post(
            f"{rana.base}/network/scenarios", data=_form(csrf, description="kept text", **fields)
        )
        assert sent.status_code == 422
        assert 'id="form-errors"' in sent.text and message in sent.text
        assert f'id="err-{field}"' in sent.text  # beside its field
        assert 'value="kept text"' in sent.text  # what was typed is kept
    assert _count(rana) == 1


def test_the_preset_fills_the_factors_with_and_without_javascript(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        fragment = client.get(f"{rana.base}/network/factors", params={"preset": "landfill-tax-up"})
        assert fragment.status_code == 200
        values = dict(
            re.findall(
                r'name="factor\.([\w.]+)" type="text" inputmode="decimal" value="([^"]*)"', fragment.text
            )
        )
        assert values == {key: "1.5" if key in PRESETS["landfill-tax-up"].factors else "1" for key in values}
        # No JavaScript: the fields still show the baseline's factors, the preset is another.
        sent = client.post(
            f"{rana.base}/network/scenarios",
            data=_form(csrf, name="scarce", preset="energy-scarcity", factors_for="baseline"),
        )
        assert sent.status_code == 303
    stored = rana.session.scalar(select(Scenario).where(Scenario.name == "scarce"))
    assert stored is not None and stored.spec["factors"] == PRESETS["energy-scarcity"].factors


def _wait_done(rana: Rana, job_id: int) -> Job:
    assert wait_for_jobs(120)
    rana.session.expire_all()
    job = rana.session.get(Job, job_id)
    assert job is not None
    return job


def test_facilitator_creates_runs_and_deletes_a_scenario(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        form = _form(csrf, name="dear power", preset="energy-scarcity", factors_for="energy-scarcity",
                     budget_eur="2 000 000", max_distance_km="25", **{"factor.price.electricity": "3"})  # fmt: skip
        created = client.post(f"{rana.base}/network/scenarios", data=form)
        assert created.status_code == 303
        scenario = rana.session.scalar(select(Scenario).where(Scenario.name == "dear power"))
        assert scenario is not None and scenario.result is None
        assert scenario.spec["factors"] == {
            "price.electricity": 3.0,
            "price.heat": 1.5,
            "price.natural_gas": 1.5,
        }
        assert scenario.spec["optimise"]["budget_eur"] == 2_000_000
        assert scenario.spec["optimise"]["max_distance_km"] == 25
        listed = client.get(created.headers["location"])
        assert "The scenario is saved" in listed.text and "not run yet" in listed.text

        started = client.post(f"{rana.base}/network/scenarios/{scenario.id}/run", data={"csrf_token": csrf})
        assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
        job_id = int(started.headers["location"].rsplit("/", 1)[1])
        job = _wait_done(rana, job_id)
        assert job.status == "done", job.error
        assert job.result["scenario_id"] == scenario.id
        progress = client.get(f"/jobs/{job_id}")
        assert f'href="{rana.base}/network?scenario={scenario.id}"' in progress.text
        rana.session.refresh(scenario)
        assert scenario.result is not None and scenario.run_at is not None
        assert scenario.result["n_chosen"] > 0

        shown = client.get(f"{rana.base}/network", params={"scenario": scenario.id})
        row = re.search(rf'<tr data-scenario="{scenario.id}".*?</tr>', shown.text, re.S)
        assert row is not None and 'aria-current="true"' in row.group(0)
        assert "not run yet" not in row.group(0)
        assert f'<td class="num">{scenario.result["n_chosen"]}</td>' in row.group(0)
        norsk = client.get(f"{rana.base}/network", params={"scenario": scenario.id, "lang": "nb"}).text
        assert "Nytt scenario" in norsk and "Kjør på nytt" in norsk and "Energiknapphet" in norsk
        assert "Se scenarioet på nettverkssiden" in client.get(f"/jobs/{job_id}", params={"lang": "nb"}).text
        twin = client.get(f"{rana.base}/network.json", params={"scenario": scenario.id, "lang": "en"}).json()
        assert twin["selected"] == scenario.id and twin["can_manage"]
        mine = next(s for s in twin["scenarios"] if s["id"] == scenario.id)
        assert mine["n_links"] == scenario.result["n_chosen"]
        assert mine["capex_eur"] <= 2_000_000 + 1e-6  # the budget held

        confirm = client.get(f"{rana.base}/network/scenarios/{scenario.id}/delete")
        assert (
            confirm.status_code == 200
            and "dear power" in confirm.text
            and 'id="delete-scenario"' in confirm.text
        )
        gone = client.post(f"{rana.base}/network/scenarios/{scenario.id}/delete", data={"csrf_token": csrf})
        assert gone.status_code == 303
        assert "The scenario is deleted" in client.get(gone.headers["location"] + "&lang=en").text
    assert _count(rana) == 0


def test_save_and_run_goes_straight_to_the_progress_page(rana: Rana) -> None:
    with rana.login("facilitator") as (client, csrf):
        sent = client.post(f"{rana.base}/network/scenarios", data=_form(csrf, name="now", then="run"))
        assert sent.status_code == 303 and sent.headers["location"].startswith("/jobs/")
        job = _wait_done(rana, int(sent.headers["location"].rsplit("/", 1)[1]))
        assert job.status == "done", job.error
    stored = rana.session.scalar(select(Scenario).where(Scenario.name == "now"))
    assert stored is not None and stored.result is not None


def test_the_runs_progress_rises_through_its_stages_within_0_and_1(rana: Rana) -> None:
    scenario = _saved(rana, "watched")
    user = rana.world.users["facilitator"]
    assert user is not None
    job = create_job(rana.session, user, JobKind.SCENARIO, region=rana.world.region,
                     params={"scenario_id": scenario.id})  # fmt: skip
    seen: list[tuple[float, str]] = []
    result: dict[str, Any] = scenario_work()(
        rana.session, job, lambda share, stage: seen.append((share, stage))
    )
    shares = [share for share, _ in seen]
    assert all(0.0 <= s <= 1.0 for s in shares)
    assert all(a <= b for a, b in pairwise(shares))
    stages = list(dict.fromkeys(stage for _, stage in seen))
    assert stages == ["matching every supply with every demand", "estimating what each link is worth",
                      "choosing the best network", "saving the result"]  # fmt: skip
    assert result["scenario_id"] == scenario.id
    rana.session.refresh(scenario)
    assert scenario.result is not None and scenario.run_at is not None
