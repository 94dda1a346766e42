"""Step 6 — urban fallback and case-based suggestions.

A supply that no company in the region takes well is not a dead end: municipalities
and utilities run district heating, wastewater plants, biogas plants and building
projects (industrial-urban symbiosis). These suggestions come from the knowledge base,
are marked ``kind: "suggestion"`` (or ``"case"``) and never appear among matches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from sidestream.i18n import normalise_lang
from sidestream.matching.explain import flow_summary

if TYPE_CHECKING:
    from sidestream.matching.engine import Matches


def suggestions(matches: Matches, lang: str = "en") -> list[dict[str, Any]]:
    lang = normalise_lang(lang)
    kb = matches.engine.kb
    best = matches.pairs.groupby("supply_id")["score"].max() if len(matches.pairs) else pd.Series(dtype=float)
    out: list[dict[str, Any]] = []
    for _, s in matches.supplies.iterrows():
        cid = s["class_id"]
        if not isinstance(cid, str):
            continue
        top = float(best.get(s["id"], 0.0))
        if top < matches.params.suggestion_threshold:
            temp = s["temperature_c"]
            for sink in kb.urban_sinks:
                if cid not in sink.accepts:
                    continue
                needs_pump = (
                    sink.min_temperature_c is not None
                    and pd.notna(temp)
                    and float(temp) < sink.min_temperature_c
                )
                if needs_pump and not sink.heat_pump_allowed:
                    continue
                out.append({
                    "kind": "suggestion",
                    "supply": flow_summary(matches, s, lang),
                    "sink": {"id": sink.id, "label": sink.labels.get(lang),
                             "actor_type": sink.actor_type},
                    "heat_pump_needed": bool(needs_pump),
                    "best_match_score": round(top, 4),
                    "explanation": sink.explanation.get(lang),
                    "sources": [src.title for src in sink.sources],
                })  # fmt: skip
        for rule in kb.rules_from(cid):
            if rule.cases:
                out.append({
                    "kind": "case",
                    "supply": {"id": s["id"], "class": cid},
                    "rule": rule.id,
                    "use": rule.use.get(lang),
                    "cases": list(rule.cases),
                    "sources": [src.title for src in rule.sources],
                })  # fmt: skip
    return out
