"""A match's estimate as short lines a person reads: net benefit, NPV, payback and
CO2e with their units — or, when a side is hidden, the decade bands the service
layer left (never an exact number)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sidestream.i18n import N_, Message, translate
from sidestream.web.labels import amount_text, unit_label

FIGURES = {
    "net_annual": N_("net benefit {value}"),
    "npv": N_("NPV {value}"),
    "payback": N_("payback {value}"),
    "co2e_avoided": N_("CO2e avoided {value}"),
    "lcoh": N_("heat cost {value}"),
}
BANDED = {
    "net_annual": N_("net benefit between {low} and {high}"),
    "npv": N_("NPV between {low} and {high}"),
    "co2e_avoided": N_("CO2e avoided between {low} and {high}"),
}
NOT_EVALUATED = N_("not valued: {reason}")


def estimate_figures(estimate: Mapping[str, Any] | None, lang: str) -> list[str]:
    """The lines under a match (empty when there is nothing to say).

    >>> npv, payback = {"value": 1234567.0, "unit": "EUR"}, {"value": 3.25, "unit": "yr"}
    >>> estimate_figures({"npv": npv, "payback": payback}, "en")
    ['NPV 1,234,567 EUR', 'payback 3.2 yr']
    >>> estimate_figures({"banded": True, "npv": {"band": [1000.0, 10000.0], "unit": "EUR"}}, "en")
    ['NPV between 1,000 and 10,000 EUR']
    """
    if not estimate:
        return []
    out: list[str] = []
    if estimate.get("banded"):
        for key, msgid in BANDED.items():
            item = estimate.get(key)
            if isinstance(item, Mapping) and item.get("band"):
                low, high = item["band"]
                unit = unit_label(item.get("unit"), lang)
                high_text = f"{amount_text(float(high), None, lang)} {unit}"
                params = {"low": amount_text(float(low), None, lang), "high": high_text}
                out.append(Message(msgid, params).render(lang))
        return out
    if estimate.get("evaluable") is False and estimate.get("note"):
        return [Message(NOT_EVALUATED, {"reason": translate(str(estimate["note"]), lang)}).render(lang)]
    for key, msgid in FIGURES.items():
        item = estimate.get(key)
        if isinstance(item, Mapping) and item.get("value") is not None:
            value = float(item["value"])
            text = amount_text(value, item.get("unit"), lang)
            out.append(Message(msgid, {"value": text}).render(lang))
    return out
