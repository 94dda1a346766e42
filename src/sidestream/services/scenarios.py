"""Network optimisation and scenarios for a region, as use cases.

The optimiser runs over every flow of the region — a facilitator-only supply can be
part of the best network — and the result is stored whole. What a viewer gets is cut
to them, as matching does (``services/matching.py``):

- a link whose two flows the viewer may see is shown in full (names, places, numbers);
- a link with one hidden flow shows that side as an anonymised stub (category and a
  distance bound), without quantity, money or CO2e that would measure it, and under an
  opaque reference instead of its link id (ids are made of flow ids);
- a link with no visible flow is left out, and so is a trunk whose supply is hidden;
- totals are the network's only if every flow in it is visible; otherwise they are
  summed over the links shown in full and marked ``partial``. The same holds for the
  metric set IS programmes report (``diverted_t_per_yr`` …, ``METRIC_TOTALS``): a
  hidden side's link shows none of them (each measures its quantity), and a total is
  None when a link it would count does not give it (a result stored before it did).

Facilitators and admins create, run and delete scenarios (audited); members read them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.domain.categories import Visibility
from sidestream.domain.visibility import Viewer, can_see
from sidestream.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    PermissionDeniedError,
    SidestreamError,
)
from sidestream.i18n import N_, normalise_lang
from sidestream.optimise.metrics import METRIC_TOTALS
from sidestream.optimise.network import OptimiseParams
from sidestream.optimise.scenarios import ScenarioSpec, compare, run_scenario
from sidestream.services import audit
from sidestream.services.matching import _region_rows, rows_to_frame, stub
from sidestream.services.parameters import region_parameters
from sidestream.store.models import Flow, Organisation, Region, Scenario, Site

TOTALS = ("objective_value", "net_benefit_eur_per_yr", "co2e_t_per_yr", "capex_eur")


@dataclass(frozen=True)
class FlowFacts:
    """What the filter needs of one flow, and what a viewer who may see it is shown."""

    pk: int
    key: str
    visibility: str
    organisation_id: int
    actor: str
    resource: str
    category: str | None
    lat: float
    lon: float


def _flow_facts(session: Session, region: Region) -> dict[str, FlowFacts]:
    rows = session.execute(
        select(
            Flow.id,
            Flow.key,
            Flow.visibility,
            Flow.organisation_id,
            Organisation.name,
            Flow.resource,
            Flow.category,
            Site.lat,
            Site.lon,
        )
        .join(Organisation, Flow.organisation_id == Organisation.id)
        .join(Site, Flow.site_id == Site.id)
        .where(Flow.region_id == region.id)
    )
    return {
        str(key): FlowFacts(
            int(pk), str(key), str(vis), int(org), str(actor), str(res), cat, float(lat), float(lon)
        )
        for pk, key, vis, org, actor, res, cat, lat, lon in rows
    }


def require_manager(viewer: Viewer) -> None:
    if not viewer.manages_region:
        raise PermissionDeniedError(
            N_("only the region's facilitators and admins may run and change scenarios")
        )


def _require_member(viewer: Viewer) -> None:
    if viewer.role is None:
        raise PermissionDeniedError(N_("scenarios are shown to members of the region; log in as one"))


def _ref(secret: str, region_id: int, link_id: str) -> str:
    return (
        "ref-" + hmac.new(secret.encode(), f"{region_id}:{link_id}".encode(), hashlib.sha256).hexdigest()[:20]
    )


def _side(facts: FlowFacts) -> dict[str, Any]:
    return {
        "id": facts.key, "flow_id": facts.pk, "actor": facts.actor, "resource": facts.resource,
        "category": facts.category, "lat": facts.lat, "lon": facts.lon, "anonymised": False,
    }  # fmt: skip


def filter_result(
    doc: dict[str, Any],
    flows: dict[str, FlowFacts],
    viewer: Viewer,
    *,
    secret: str,
    region_id: int,
    lang: str,
) -> dict[str, Any]:
    """The stored result as ``viewer`` may see it (see the module docstring)."""

    def visible(key: str) -> bool:
        facts = flows.get(key)
        return facts is not None and can_see(viewer, Visibility(facts.visibility), facts.organisation_id)

    links, partial = [], False
    for link in doc.get("links", []):
        s_key, d_key = str(link["supply_id"]), str(link["demand_id"])
        see_s, see_d = visible(s_key), visible(d_key)
        if see_s and see_d:
            links.append(
                {**link, "supply": _side(flows[s_key]), "demand": _side(flows[d_key]), "anonymised": None}
            )
            continue
        partial = True
        if not see_s and not see_d:
            continue
        distance = float(link["distance_km"]) if link.get("distance_km") is not None else None
        hidden = "demand" if see_s else "supply"
        category = {"category": link.get("category")}
        links.append({
            "link_id": _ref(secret, region_id, str(link["link_id"])), "anonymised": hidden,
            "supply": _side(flows[s_key]) if see_s else stub(category, "supply", distance, lang),
            "demand": _side(flows[d_key]) if see_d else stub(category, "demand", distance, lang),
            "supply_id": s_key if see_s else None, "demand_id": d_key if see_d else None,
            "quantity": None, "quantity_unit": link.get("quantity_unit"), "mode": link.get("mode"),
            "trunk_id": None, "net_benefit_eur_per_yr": None, "co2e_t_per_yr": None, "capex_eur": None,
            "distance_km": None, "category": link.get("category"), **dict.fromkeys(METRIC_TOTALS),
        })  # fmt: skip
    trunks = [t for t in doc.get("trunks", []) if visible(str(t.get("supply_id")))]
    out = {k: v for k, v in doc.items() if k not in {"links", "trunks"}}
    out.update({"links": links, "trunks": trunks, "partial": partial, "n_chosen": len(links)})
    for name in METRIC_TOTALS:  # a result stored before the metric set: unknown
        out.setdefault(name, None)
    if partial:
        full = [link for link in links if not link["anonymised"]]
        out["objective_value"] = None
        out["net_benefit_eur_per_yr"] = sum(float(link["net_benefit_eur_per_yr"]) for link in full) - sum(
            float(t["fixed_cost_eur_per_yr"]) for t in trunks
        )
        out["co2e_t_per_yr"] = sum(float(link["co2e_t_per_yr"]) for link in full)
        out["capex_eur"] = sum(float(link["capex_eur"]) for link in full) + sum(
            float(t["capex_eur"]) for t in trunks
        )
        for name in METRIC_TOTALS:
            known = [float(link[name]) for link in full if link.get(name) is not None]
            out[name] = sum(known) if len(known) == len(full) else None  # None: a link lacks it
    return out


# --- use cases -----------------------------------------------------------------------


def _spec(raw: dict[str, Any] | ScenarioSpec) -> ScenarioSpec:
    if isinstance(raw, ScenarioSpec):
        return raw
    try:
        return ScenarioSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidDataError(N_("scenario {where}: {msg}"), where=where, msg=first["msg"]) from None


def optimise_region(
    session: Session, region: Region, viewer: Viewer, params: OptimiseParams, *, secret: str, lang: str = "en"
) -> dict[str, Any]:
    """Optimise the region's network now (nothing saved), as ``viewer`` may see it."""
    require_manager(viewer)
    spec = ScenarioSpec(optimise=params)
    result = run_scenario(
        rows_to_frame(_region_rows(session, region)), region_parameters(session, region), spec
    )
    return filter_result(result.to_json(), _flow_facts(session, region), viewer, secret=secret,
                         region_id=region.id, lang=normalise_lang(lang))  # fmt: skip


def network_view(
    session: Session, region: Region, viewer: Viewer, *, secret: str, lang: str = "en"
) -> dict[str, Any] | None:
    """The region's best network under default choices, cut to ``viewer`` — for reports.

    Unlike :func:`optimise_region` anyone may read it: it is derived data shown with
    the same cut as a saved scenario's result. None when the region has nothing to
    optimise (no supply or no demand)."""
    try:
        result = run_scenario(
            rows_to_frame(_region_rows(session, region)), region_parameters(session, region), ScenarioSpec()
        )
    except SidestreamError:
        return None
    return filter_result(result.to_json(), _flow_facts(session, region), viewer, secret=secret,
                         region_id=region.id, lang=normalise_lang(lang))  # fmt: skip


def create_scenario(
    session: Session, region: Region, viewer: Viewer, name: str, spec: dict[str, Any] | ScenarioSpec
) -> Scenario:
    require_manager(viewer)
    name = name.strip()
    if not name:
        raise InvalidDataError(N_("a scenario needs a name"))
    checked = _spec(spec)
    if session.scalar(select(Scenario.id).where(Scenario.region_id == region.id, Scenario.name == name)):
        raise ConflictError(N_("the region already has a scenario named {name!r}"), name=name)
    scenario = Scenario(region_id=region.id, name=name, spec=checked.model_dump(mode="json"),
                        created_by=viewer.user_id)  # fmt: skip
    session.add(scenario)
    session.flush()
    audit.record(session, action="create", entity="scenario", entity_id=scenario.id, region_id=region.id,
                 user_id=viewer.user_id, after=audit.snapshot(scenario))  # fmt: skip
    session.commit()
    return scenario


def saved_scenario(session: Session, region: Region, viewer: Viewer, scenario_id: int) -> Scenario:
    """The stored scenario, for those who may run or delete it (a page's confirmation)."""
    require_manager(viewer)
    return _get(session, region, scenario_id)


def _get(session: Session, region: Region, scenario_id: int) -> Scenario:
    scenario = session.get(Scenario, scenario_id)
    if scenario is None or scenario.region_id != region.id:
        raise NotFoundError(
            N_("no scenario {scenario_id} in region {region}"), scenario_id=scenario_id, region=region.slug
        )
    return scenario


RunProgress = Callable[[str, float], None]


def run_saved(
    session: Session, region: Region, viewer: Viewer, scenario_id: int, *, progress: RunProgress | None = None
) -> Scenario:
    """Re-evaluate and re-optimise a saved scenario on the region's current flows.

    ``progress`` (for a background job) is told ``(stage, share)``: each stage of
    :data:`~sidestream.optimise.scenarios.STAGES` as it starts (share 0), the share of
    the solve done while optimising (from the solver's threads), then ``("saving", 0)``."""
    scenario = saved_scenario(session, region, viewer, scenario_id)
    report = progress or (lambda _stage, _share: None)
    flows, params = rows_to_frame(_region_rows(session, region)), region_parameters(session, region)
    result = run_scenario(flows, params, _spec(scenario.spec), stage=lambda name: report(name, 0.0),
                          progress=lambda share: report("optimising", share))  # fmt: skip
    report("saving", 0.0)
    before = {"run_at": audit.json_value(scenario.run_at)}
    scenario.result = result.to_json()
    scenario.run_at = datetime.now(UTC)
    totals = {k: scenario.result[k] for k in TOTALS} | {"n_chosen": scenario.result["n_chosen"]}
    audit.record(session, action="run", entity="scenario", entity_id=scenario.id, region_id=region.id,
                 user_id=viewer.user_id, before=before,
                 after={"run_at": audit.json_value(scenario.run_at), **totals})  # fmt: skip
    session.commit()
    return scenario


def delete_scenario(session: Session, region: Region, viewer: Viewer, scenario_id: int) -> None:
    scenario = saved_scenario(session, region, viewer, scenario_id)
    before = {k: v for k, v in audit.snapshot(scenario).items() if k != "result"}
    session.delete(scenario)
    audit.record(session, action="delete", entity="scenario", entity_id=scenario_id, region_id=region.id,
                 user_id=viewer.user_id, before=before)  # fmt: skip
    session.commit()


def scenario_view(
    session: Session, region: Region, viewer: Viewer, scenario: Scenario, *, secret: str, lang: str = "en",
    flows: dict[str, FlowFacts] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A scenario as ``viewer`` may see it."""
    flows = flows if flows is not None else _flow_facts(session, region)
    result = None
    if scenario.result is not None:
        result = filter_result(scenario.result, flows, viewer, secret=secret, region_id=region.id,
                               lang=normalise_lang(lang))  # fmt: skip
    return {
        "id": scenario.id, "name": scenario.name, "spec": scenario.spec,
        "run_at": audit.json_value(scenario.run_at), "created_at": audit.json_value(scenario.created_at),
        "version": scenario.version, "result": result,
    }  # fmt: skip


def list_scenarios(
    session: Session, region: Region, viewer: Viewer, *, secret: str, lang: str = "en"
) -> list[dict[str, Any]]:
    _require_member(viewer)
    flows = _flow_facts(session, region)
    scenarios = session.scalars(select(Scenario).where(Scenario.region_id == region.id).order_by(Scenario.id))
    return [
        scenario_view(session, region, viewer, s, secret=secret, lang=lang, flows=flows) for s in scenarios
    ]


def get_scenario(
    session: Session, region: Region, viewer: Viewer, scenario_id: int, *, secret: str, lang: str = "en"
) -> dict[str, Any]:
    _require_member(viewer)
    return scenario_view(
        session, region, viewer, _get(session, region, scenario_id), secret=secret, lang=lang
    )


def compare_scenarios(
    session: Session,
    region: Region,
    viewer: Viewer,
    scenario_ids: list[int],
    *,
    secret: str,
    lang: str = "en",
) -> list[dict[str, Any]]:
    """Side-by-side rows (the first scenario is the baseline) of the scenarios that have
    been run, as the viewer may see them."""
    _require_member(viewer)
    flows = _flow_facts(session, region)
    views = [
        scenario_view(
            session, region, viewer, _get(session, region, i), secret=secret, lang=lang, flows=flows
        )
        for i in scenario_ids
    ]
    rows = compare([(v["name"], v["result"]) for v in views if v["result"] is not None])
    partial = {v["name"]: v["result"]["partial"] for v in views if v["result"] is not None}
    for row in rows:
        row["partial"] = partial[row["name"]]
    return rows
