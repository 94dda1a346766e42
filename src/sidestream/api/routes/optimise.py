"""Network optimisation of a region and its saved scenarios (facilitators run and
change them; members read them, cut to what they may see)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import Field

from sidestream.api.deps import IdPath, RegionDep, SessionDep, SettingsDep, ViewerDep
from sidestream.api.routes.matches import LangQuery
from sidestream.api.schemas.common import MAX_ID
from sidestream.api.schemas.optimise import ComparisonRow, NetworkDocument, ScenarioCreate, ScenarioPublic
from sidestream.i18n import normalise_lang
from sidestream.optimise.network import OptimiseParams
from sidestream.services import scenarios as service

router = APIRouter(prefix="/regions/{slug}", tags=["optimisation"])


@router.post("/optimise", response_model=NetworkDocument, summary="Optimise the region's network now")
def optimise_region(
    body: OptimiseParams, region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep,
    lang: LangQuery = "en",
) -> NetworkDocument:  # fmt: skip
    """Facilitators only. Matches, evaluates and optimises every flow of the region with
    the region's parameters; nothing is saved. Infeasible choices are a problem document."""
    doc = service.optimise_region(session, region, viewer, body, secret=settings.secret_key,
                                  lang=normalise_lang(lang))  # fmt: skip
    return NetworkDocument.model_validate(doc)


@router.get("/scenarios", response_model=list[ScenarioPublic], summary="Scenarios of the region")
def list_scenarios(
    region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep, lang: LangQuery = "en"
) -> list[ScenarioPublic]:
    views = service.list_scenarios(
        session, region, viewer, secret=settings.secret_key, lang=normalise_lang(lang)
    )
    return [ScenarioPublic.model_validate(v) for v in views]


@router.post("/scenarios", response_model=ScenarioPublic, status_code=201, summary="Create a scenario")
def create_scenario(
    body: ScenarioCreate, region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep
) -> ScenarioPublic:
    """Facilitators only; audited. Run it with ``POST .../scenarios/{id}/run``."""
    scenario = service.create_scenario(session, region, viewer, body.name, body.spec)
    return ScenarioPublic.model_validate(
        service.scenario_view(session, region, viewer, scenario, secret=settings.secret_key)
    )


@router.get("/scenarios/compare", response_model=list[ComparisonRow], summary="Compare scenarios")
def compare_scenarios(
    region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep,
    ids: Annotated[
        list[Annotated[int, Field(ge=1, le=MAX_ID)]],
        Query(description="Scenario ids; the first is the baseline.", max_length=20),
    ],
    lang: LangQuery = "en",
) -> list[ComparisonRow]:  # fmt: skip
    rows = service.compare_scenarios(session, region, viewer, ids, secret=settings.secret_key,
                                     lang=normalise_lang(lang))  # fmt: skip
    return [ComparisonRow.model_validate(r) for r in rows]


@router.get("/scenarios/{scenario_id}", response_model=ScenarioPublic, summary="One scenario")
def get_scenario(
    scenario_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep,
    lang: LangQuery = "en",
) -> ScenarioPublic:  # fmt: skip
    view = service.get_scenario(session, region, viewer, scenario_id, secret=settings.secret_key,
                                lang=normalise_lang(lang))  # fmt: skip
    return ScenarioPublic.model_validate(view)


@router.post("/scenarios/{scenario_id}/run", response_model=ScenarioPublic, summary="Run a scenario")
def run_scenario(
    scenario_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep, settings: SettingsDep,
    lang: LangQuery = "en",
) -> ScenarioPublic:  # fmt: skip
    """Facilitators only; audited. Re-evaluates and re-optimises on the current flows."""
    scenario = service.run_saved(session, region, viewer, scenario_id)
    return ScenarioPublic.model_validate(
        service.scenario_view(
            session, region, viewer, scenario, secret=settings.secret_key, lang=normalise_lang(lang)
        )
    )


@router.delete("/scenarios/{scenario_id}", status_code=204, summary="Delete a scenario")
def delete_scenario(
    scenario_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> Response:
    service.delete_scenario(session, region, viewer, scenario_id)
    return Response(status_code=204)
