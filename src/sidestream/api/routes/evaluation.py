"""Evaluation: region and synergy parameters (facilitators change them), the
evaluation of a saved synergy, and of every match in a region."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from sidestream.api.deps import IdPath, MatchCacheDep, RegionDep, SessionDep, SettingsDep, ViewerDep
from sidestream.api.routes.matches import LangQuery, ParamsDep
from sidestream.api.schemas.evaluation import (
    EvaluationDocument,
    ParametersPublic,
    ParametersUpdate,
    RegionEvaluationDocument,
)
from sidestream.evaluation.parameters import Parameters
from sidestream.i18n import normalise_lang
from sidestream.services import evaluation as service
from sidestream.services import parameters as parameter_service
from sidestream.services.synergies import get_synergy

router = APIRouter(prefix="/regions/{slug}", tags=["evaluation"])
CurrencyQuery = Annotated[Literal["EUR", "NOK"], Query(description="Currency of money.")]


def _public(params: Parameters, overrides: dict[str, dict[str, object]]) -> ParametersPublic:
    return ParametersPublic(version=params.version, overrides=overrides, parameters=params.used())


def _specs(body: ParametersUpdate) -> dict[str, dict[str, object]]:
    return {k: v.model_dump(exclude_none=True) for k, v in body.overrides.items()}


@router.get("/parameters", response_model=ParametersPublic, summary="Evaluation parameters of the region")
def get_region_parameters(region: RegionDep, session: SessionDep) -> ParametersPublic:
    """Defaults with sources, the region's grid and its overrides; each says where it came from."""
    params = parameter_service.region_parameters(session, region)
    return _public(params, parameter_service.overrides_of(session, region))


@router.put(
    "/parameters", response_model=ParametersPublic, summary="Replace the region's parameter overrides"
)
def put_region_parameters(
    body: ParametersUpdate, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> ParametersPublic:
    """Facilitators only. Checked before anything is written: an unknown key, a unit of
    the wrong dimension or a choice not offered is a 422 naming the key."""
    params = parameter_service.replace_overrides(session, region, viewer, _specs(body))
    return _public(params, parameter_service.overrides_of(session, region))


@router.get(
    "/synergies/{synergy_id}/parameters", response_model=ParametersPublic, summary="Parameters of a synergy"
)
def get_synergy_parameters(
    synergy_id: IdPath, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> ParametersPublic:
    synergy = get_synergy(session, region, viewer, synergy_id)
    params = parameter_service.synergy_parameters(session, region, synergy)
    return _public(params, parameter_service.overrides_of(session, region, synergy))


@router.put(
    "/synergies/{synergy_id}/parameters",
    response_model=ParametersPublic,
    summary="Replace a synergy's parameter overrides",
)
def put_synergy_parameters(
    synergy_id: IdPath, body: ParametersUpdate, region: RegionDep, viewer: ViewerDep, session: SessionDep
) -> ParametersPublic:
    synergy = get_synergy(session, region, viewer, synergy_id)
    params = parameter_service.replace_overrides(session, region, viewer, _specs(body), synergy)
    return _public(params, parameter_service.overrides_of(session, region, synergy))


@router.get(
    "/synergies/{synergy_id}/evaluation",
    response_model=EvaluationDocument,
    response_model_exclude_none=True,
    summary="Evaluation of a saved synergy",
)
def synergy_evaluation(
    synergy_id: IdPath,
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    currency: CurrencyQuery = "EUR",
    tornado: Annotated[bool, Query(description="Add sensitivity (tornado) data.")] = False,
    pct: Annotated[float, Query(gt=0, le=90, description="Sensitivity step in percent.")] = 20.0,
    lang: LangQuery = "en",
) -> EvaluationDocument:
    """Physical, economic and environmental estimate with the parameters used; with a
    side hidden from you, only decade bands of value, NPV and CO2e."""
    doc = service.synergy_evaluation(
        session, region, viewer, synergy_id, currency=currency, lang=normalise_lang(lang),
        with_tornado=tornado, pct=pct / 100.0,
    )  # fmt: skip
    return EvaluationDocument.model_validate(doc)


@router.get(
    "/evaluation",
    response_model=RegionEvaluationDocument,
    summary="Evaluate the region's matches",
)
def region_evaluation(
    region: RegionDep,
    viewer: ViewerDep,
    session: SessionDep,
    settings: SettingsDep,
    cache: MatchCacheDep,
    params: ParamsDep,
    currency: CurrencyQuery = "EUR",
    lang: LangQuery = "en",
) -> RegionEvaluationDocument:
    """Every match you may see, evaluated at once; totals over fully visible pairs."""
    doc = service.region_evaluation(
        session, region, viewer, params, secret=settings.secret_key, currency=currency,
        lang=normalise_lang(lang), cache=cache,
    )  # fmt: skip
    return RegionEvaluationDocument.model_validate(doc)
