"""Step 5b — explanations a person can read, and the JSON contract (DESIGN §3).

Reasons are :class:`~sidestream.i18n.Message` objects rendered in English or
Norwegian at the edge. The JSON shape is a stable contract: add fields, never rename.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sidestream.domain.months import format_months
from sidestream.evaluation.document import ASSUMPTIONS as ESTIMATE_ASSUMPTIONS
from sidestream.evaluation.document import estimate_fields, records_of
from sidestream.evaluation.pairs import pairs_from_matches
from sidestream.evaluation.parameters import Parameters, default_parameters
from sidestream.evaluation.valuation import evaluate_pairs
from sidestream.i18n import N_, Message, normalise_lang
from sidestream.matching.compatibility import SAME_RESOURCE, THERMAL, family_index

if TYPE_CHECKING:
    from sidestream.matching.engine import Matches

CONTRACT_VERSION = "1.0"

TRANSPORT = {"pipe": N_("pipe"), "road": N_("road"), "rail": N_("rail"), "sea": N_("sea"),
             "grid": N_("power grid"), "none": N_("no transport")}  # fmt: skip
LEGAL = {"by-product": N_("by-product"), "end-of-waste": N_("end-of-waste"), "waste": N_("waste"),
         "not-waste": N_("not waste")}  # fmt: skip


def _num(value: Any) -> float | None:
    if value is None:
        return None
    v = float(value)
    return None if math.isnan(v) else v


def class_label(matches: Matches, class_id: Any, lang: str) -> str | None:
    if not isinstance(class_id, str):
        return None
    rc = matches.engine.kb.classes[class_id]
    return rc.labels.get("nb" if lang == "nb" else "en")


def flow_summary(matches: Matches, row: pd.Series, lang: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "actor": row["actor"],
        "actor_type": row["actor_type"],
        "site": row["site"],
        "resource": row["resource"],
        "category": row["category"],
        "class": row["class_id"],
        "class_label": class_label(matches, row["class_id"], lang),
        "class_confidence": _num(row["class_confidence"]),
        "quantity": _num(row["quantity"]),
        "unit": row["unit"] if isinstance(row["unit"], str) else None,
        "annual_quantity": _num(row["annual_quantity"]),
        "annual_unit": row["annual_unit"] if isinstance(row["annual_unit"], str) else None,
        "temperature_c": _num(row["temperature_c"]),
        "months": format_months(int(row["months_mask"])),
        "hazardous": bool(row["hazardous"]),
        "lat": float(row["lat"]),
        "lon": float(row["lon"]),
    }


def pair_reasons(matches: Matches, pair: pd.Series, s: pd.Series, d: pd.Series) -> list[Message]:
    kb = matches.engine.kb
    compat = matches.engine.compat
    code = int(pair["rule_code"])
    reasons: list[Message] = []
    s_cls = kb.classes[s["class_id"]]
    d_cls = kb.classes[d["class_id"]]
    if code >= 0:
        rule = compat.rules[code]
        reasons.append(Message(
            N_("{supply} can supply {demand} for {use} (rule {rule}, strength {strength})"),
            {"supply": s_cls.labels, "demand": d_cls.labels, "use": rule.use,
             "rule": rule.id, "strength": float(rule.strength)},
        ))  # fmt: skip
        if rule.cases:
            reasons.append(Message(N_("documented elsewhere: {case}"), {"case": rule.cases[0]}))
        reasons.append(Message(N_("legal status: {status}"), {"status": Message(LEGAL[rule.legal_status])}))
        if rule.treatment:
            reasons.append(Message(N_("pre-treatment: {treatment}"), {"treatment": rule.treatment}))
        if rule.conditions.text:
            reasons.append(Message(N_("to check: {text}"), {"text": rule.conditions.text}))
    elif (fam := family_index(code)) is not None:
        family = compat.families[fam]
        reasons.append(Message(
            N_("both belong to {family}: {use} (family {id}, strength {strength})"),
            {"family": family.labels, "use": family.use, "id": family.id,
             "strength": float(family.strength)},
        ))  # fmt: skip
    elif code == SAME_RESOURCE:
        reasons.append(Message(N_("the demand asks for the same resource: {label}"),
                               {"label": s_cls.labels}))  # fmt: skip
    elif code == THERMAL:
        reasons.append(Message(N_("heat can be delivered to a heat demand ({label})"),
                               {"label": d_cls.labels}))  # fmt: skip
    reasons.append(Message(
        N_("{distance} km by {mode} (straight line {straight} km)"),
        {"distance": float(pair["distance_km"]), "straight": float(pair["straight_km"]),
         "mode": Message(TRANSPORT[compat.transport(code, s["category"])])},
    ))  # fmt: skip
    if bool(pair.get("beyond_typical_km", False)) and code >= 0:
        limit = compat.rules[code].conditions.max_distance_km
        reasons.append(Message(N_("farther than the typical {limit} km for this kind of exchange"),
                               {"limit": float(limit or 0)}))  # fmt: skip
    sq, dq = _num(s["annual_quantity"]), _num(d["annual_quantity"])
    if sq and dq and s["annual_unit"] == d["annual_unit"]:
        reasons.append(Message(
            N_("the supply covers {pct} % of the demand ({supply} vs {demand} {unit})"),
            {"pct": round(100 * min(sq / dq, 1.0)), "supply": sq, "demand": dq,
             "unit": s["annual_unit"]},
        ))  # fmt: skip
    else:
        reasons.append(Message(N_("quantities cannot be compared (missing or different units)")))
    n_demand = int(np.bitwise_count(int(d["months_mask"])))
    reasons.append(Message(
        N_("available in {overlap} of the {needed} months the demand needs"),
        {"overlap": int(pair["overlap_months"]), "needed": n_demand},
    ))  # fmt: skip
    ts, td = _num(s["temperature_c"]), _num(d["temperature_c"])
    cop = _num(pair["cop"])
    if cop is not None and ts is not None and td is not None:
        reasons.append(Message(
            N_("heat pump lifts {ts} °C to {td} °C: COP {cop}, {el} MWh electricity per MWh heat"),
            {"ts": ts, "td": td, "cop": round(cop, 2), "el": round(1 / cop, 2)},
        ))  # fmt: skip
    elif ts is not None and td is not None and s_cls.category.value in ("heat", "steam"):
        reasons.append(Message(N_("supply at {ts} °C meets the demand at {td} °C directly"),
                               {"ts": ts, "td": td}))  # fmt: skip
    if bool(s["hazardous"]):
        reasons.append(Message(N_("hazardous waste: needs a permitted receiver and transport")))
    conf = min(float(s["class_confidence"]), float(d["class_confidence"]))
    if conf < 0.7:
        reasons.append(Message(N_("uncertain classification ({pct} %): confirm the resource names"),
                               {"pct": round(100 * conf)}))  # fmt: skip
    return reasons


def pair_estimate(
    matches: Matches, pair: pd.Series, s: pd.Series, evaluation: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    exchanged = _num(pair["exchanged"])
    mode = matches.engine.compat.transport(int(pair["rule_code"]), s["category"])
    estimate: dict[str, Any] = {
        "quantity": exchanged,
        "unit": s["annual_unit"] if exchanged is not None else None,
        "months": int(pair["overlap_months"]),
        "transport": mode,
        "assumptions": [
            "quantity limited by both sides and by the months both are available",
            f"distance = straight line × detour factor for {mode}",
        ],
    }
    cop = _num(pair["cop"])
    if cop is not None:
        estimate["heat_pump"] = {
            "cop": round(cop, 3),
            "electricity_mwh_per_mwh_heat": round(1 / cop, 3),
            "carnot_fraction": matches.params.carnot_fraction,
        }
        if exchanged is not None and s["annual_unit"] == "MWh/yr":
            # The source heat is the pump's cold side: delivered = source × COP/(COP−1).
            delivered = exchanged * cop / (cop - 1) if cop > 1 else exchanged
            estimate["heat_pump"]["delivered_mwh_per_yr"] = round(delivered, 1)
            estimate["heat_pump"]["electricity_mwh_per_yr"] = round(delivered / cop, 1)
    if evaluation is not None:
        # Money and CO2e from the evaluation engine (added fields: contract 1.0 kept).
        estimate.update(evaluation)
        estimate["assumptions"] = [*estimate["assumptions"], *ESTIMATE_ASSUMPTIONS]
    return estimate


def _evaluations(matches: Matches, parameters: Parameters | None) -> list[dict[str, Any]]:
    """The evaluation of every pair at once (vectorised), as estimate fields."""
    params = parameters or default_parameters()
    ev = evaluate_pairs(pairs_from_matches(matches), params)
    return [estimate_fields(row, params) for row in records_of(ev)]


def matches_document(
    matches: Matches, lang: str = "en", parameters: Parameters | None = None
) -> dict[str, Any]:
    """The JSON contract; ``parameters`` are the evaluation's (default: the packaged file)."""
    lang = normalise_lang(lang)
    supplies = matches.supplies
    demands = matches.demands
    records: list[dict[str, Any]] = []
    evaluations = _evaluations(matches, parameters) if len(matches.pairs) else []
    for i, pair in enumerate(matches.pairs.itertuples(index=False)):
        p = pd.Series(dict(zip(matches.pairs.columns, pair, strict=True)))
        s = supplies.iloc[int(p["supply_pos"])]
        d = demands.iloc[int(p["demand_pos"])]
        code = int(p["rule_code"])
        rule = matches.engine.compat.rules[code] if code >= 0 else None
        fam = family_index(code)
        family = matches.engine.compat.families[fam] if fam is not None else None
        records.append({
            "kind": "match",
            "supply": flow_summary(matches, s, lang),
            "demand": flow_summary(matches, d, lang),
            "rank": int(p["rank"]),
            "score": round(float(p["score"]), 4),
            "distance_km": round(float(p["distance_km"]), 2),
            "parts": {str(n)[5:]: round(float(p[n]), 4) for n in p.index if str(n).startswith("part_")},
            "rule": None if rule is None else {
                "id": rule.id, "use": rule.use.get(lang), "legal_status": rule.legal_status,
                "transport": rule.transport, "sources": [src.title for src in rule.sources],
            },
            "family": None if family is None else {
                "id": family.id, "use": family.use.get(lang), "sources": [x.title for x in family.sources],
            },
            "reasons": [m.render(lang) for m in pair_reasons(matches, p, s, d)],
            "estimate": pair_estimate(matches, p, s, evaluations[i]),
        })  # fmt: skip
    doc: dict[str, Any] = {
        "version": CONTRACT_VERSION,
        "matches": records,
        "params": matches.params.model_dump(mode="json"),
        "stats": matches.stats,
    }
    if matches.params.include_suggestions:
        from sidestream.matching.fallback import suggestions

        doc["suggestions"] = suggestions(matches, lang)
    return doc
