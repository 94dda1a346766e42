"""``sidestream evaluate``: what each match in a flow table is worth — money, CO2e,
tonnes and MWh — with the parameters used and where each came from.

Registered by :func:`register` (``cli`` imports this module while it is being built).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sidestream.cli_output import read_valid_table
from sidestream.i18n import N_, Message, format_number, normalise_lang

out = Console(soft_wrap=True)

HEAD = {
    "supply": N_("supply"), "demand": N_("demand"), "quantity": N_("quantity"), "capex": N_("capex"),
    "net": N_("net benefit"), "npv": N_("NPV"), "payback": N_("payback"), "co2e": N_("CO2e avoided"),
    "note": N_("note"), "key": N_("parameter"), "value": N_("value"), "origin": N_("origin"),
    "source": N_("source"), "delta_npv": N_("ΔNPV low / high"), "delta_co2e": N_("ΔCO2e low / high"),
}  # fmt: skip
TITLE = N_("Evaluation of the matches in {name} (estimate — assumptions below)")
PARAMS_TITLE = N_("Parameters used (parameter file {version})")
TORNADO_TITLE = N_("Sensitivity: ±{pct} % per parameter, largest NPV swing first")
ASSUMPTION = N_("assumption")
TOTALS = N_(
    "Sum over {n} candidate synergies: capex {capex}, net benefit {net}, NPV {npv}, CO2e avoided "
    "{co2e}. Alternatives for the same flow overlap, so this is not a regional total: "
    "`sidestream optimise` chooses a set that uses each flow once."
)


class CurrencyChoice(StrEnum):
    EUR = "EUR"
    NOK = "NOK"


def _t(msgid: str, lang: str, **params: Any) -> str:
    return Message(msgid, params).render(lang)


def _fmt(item: dict[str, Any] | None, lang: str) -> str:
    if not item or item.get("value") is None:
        return "—"
    return f"{format_number(float(item['value']), lang)} {item['unit']}"


def evaluate(
    path: Annotated[Path, typer.Argument(help="Flow table: CSV, XLSX or GeoJSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with explicit units.")] = False,
    params_file: Annotated[
        Path | None,
        typer.Option("--params", help="YAML/JSON: overrides (key: {value, unit}) or a whole parameter file."),
    ] = None,
    currency: Annotated[
        CurrencyChoice, typer.Option(help="Currency of money: EUR or NOK.")
    ] = CurrencyChoice.EUR,
    lang: Annotated[str, typer.Option(help="Language: en or nb.")] = "en",
    top: Annotated[int, typer.Option("--top", "-k", help="Best K demands per supply to evaluate.")] = 3,
    tornado: Annotated[bool, typer.Option(help="Add sensitivity (tornado) data.")] = False,
    pct: Annotated[float, typer.Option(help="Sensitivity step in percent.", min=1, max=90)] = 20.0,
) -> None:
    """Evaluate the matches of a flow table: quantity, capex, NPV, payback, CO2e."""
    from sidestream.evaluation.document import document, tornado_records
    from sidestream.evaluation.pairs import pairs_from_matches
    from sidestream.evaluation.parameters import parameters_from_file
    from sidestream.evaluation.sensitivity import tornado as tornado_table
    from sidestream.evaluation.valuation import evaluate_pairs
    from sidestream.matching import MatchParams, match

    lang = normalise_lang(lang)
    params = parameters_from_file(params_file)
    table = read_valid_table(path)
    result = match(table.frame, MatchParams(top_k=top))
    pairs = pairs_from_matches(result)
    ev = evaluate_pairs(pairs, params)
    doc = document(ev, params, currency.value, lang)
    names = {
        str(i): f"{a}: {r}" for i, a, r in table.frame[["id", "actor", "resource"]].itertuples(index=False)
    }
    for rec in doc["evaluations"]:
        rec["supply"] = names.get(rec["supply_id"])
        rec["demand"] = names.get(rec["demand_id"])
    sens = tornado_table(pairs, params, pct=pct / 100.0) if tornado else None
    if sens is not None:
        doc["tornado"] = {"pct": pct, "rows": tornado_records(sens, currency.value, params.nok_per_eur)}
    if as_json:
        from sidestream.cli_output import print_json

        print_json(doc)
        return
    _print_tables(doc, path.name, lang)


def _print_tables(doc: dict[str, Any], name: str, lang: str) -> None:
    t = Table(title=_t(TITLE, lang, name=name))
    for col in ("supply", "demand", "quantity", "capex", "net", "npv", "payback", "co2e"):
        t.add_column(_t(HEAD[col], lang), overflow="fold")
    for r in doc["evaluations"]:
        econ, env, phys = r["economic"], r["environmental"], r["physical"]
        if not r["evaluable"]:
            t.add_row(r["supply"], r["demand"], "—", "—", "—", "—", "—", r["note"] or "—")
            continue
        t.add_row(r["supply"], r["demand"], _fmt(phys["quantity"], lang), _fmt(econ["capex"], lang),
                  _fmt(econ["net_annual"], lang), _fmt(econ["npv"], lang), _fmt(econ["payback"], lang),
                  _fmt(env["co2e_avoided"], lang))  # fmt: skip
    out.print(t)
    tot = doc["totals"]
    out.print(_t(TOTALS, lang, n=tot["synergies"], capex=_fmt(tot["capex"], lang),
                 net=_fmt(tot["net_annual"], lang), npv=_fmt(tot["npv"], lang),
                 co2e=_fmt(tot["co2e_avoided"], lang)))  # fmt: skip
    for assumption in doc["assumptions"]:
        out.print(f"• {assumption}", highlight=False)
    p = Table(title=_t(PARAMS_TITLE, lang, version=doc["parameters_version"]))
    for col in ("key", "value", "origin", "source"):
        p.add_column(_t(HEAD[col], lang), overflow="fold")
    for item in doc["parameters"]:
        given = item["given"]
        value = f"{given['value']} {given['unit']}".strip()
        source = item["source"]["title"] if item["source"] else "—"
        p.add_row(
            item["key"], value, item["origin"], source + (" (assumption)" if item["assumption"] else "")
        )
    out.print(p)
    if "tornado" in doc:
        s = Table(title=_t(TORNADO_TITLE, lang, pct=doc["tornado"]["pct"]))
        for col in ("key", "delta_npv", "delta_co2e"):
            s.add_column(_t(HEAD[col], lang), overflow="fold")
        for row in doc["tornado"]["rows"][:15]:
            npv = f"{_fmt(row['delta_npv_low'], lang)} / {_fmt(row['delta_npv_high'], lang)}"
            co2e = f"{_fmt(row['delta_co2e_low'], lang)} / {_fmt(row['delta_co2e_high'], lang)}"
            s.add_row(row["key"], npv, co2e)
        out.print(s)


def register(app: typer.Typer) -> None:
    """Add ``evaluate`` to the main app."""
    from sidestream.cli import friendly

    app.command("evaluate")(friendly(evaluate))
