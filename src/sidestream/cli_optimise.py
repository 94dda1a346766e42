"""``sidestream optimise``: the best network of exchanges for a flow table.

Reads and validates the table, matches, evaluates every match into a candidate link
(``evaluation.links.link_table``), groups heat links into shared trunks and solves the
network model (``optimise.network``). Registered by :func:`register`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sidestream.cli_output import read_valid_table
from sidestream.i18n import N_, Message, format_number, normalise_lang
from sidestream.optimise.metrics import NETWORK_METRICS
from sidestream.optimise.network import Objective

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

STEPS = [N_("reading the flow table"), N_("matching"), N_("evaluating links"), N_("grouping heat trunks"),
         N_("solving the network")]  # fmt: skip
HEAD = {
    "link": N_("link"), "supply": N_("supply"), "demand": N_("demand"), "quantity": N_("quantity"),
    "mode": N_("built as"), "net": N_("net benefit"), "co2e": N_("CO2e avoided"), "capex": N_("capex"),
    "km": N_("distance"),
}  # fmt: skip
TITLE = N_("Best network for {name} ({objective}) — estimates from the evaluation's parameters")
MODE = {"direct": N_("own pipe/transport"), "trunk": N_("branch of {trunk}")}
SUMMARY = N_(
    "{n} of {candidates} candidate links chosen: net benefit {net}, CO2e avoided {co2e}, capex {capex}; "
    "{status} in {seconds} s, MIP gap {gap} %"
)
NOTHING = N_("No link is worth building under these choices.")
METRIC_LINE = N_("As industrial symbiosis programmes report it: {metrics}")
UNKNOWN = N_("unknown")


def _t(msgid: str, lang: str, **params: Any) -> str:
    return Message(msgid, params).render(lang)


def _num(value: float, unit: str, lang: str, digits: int = 1) -> str:
    return f"{format_number(float(value), lang, digits)} {unit}"


def optimise(
    path: Annotated[Path, typer.Argument(help="Flow table: CSV, XLSX or GeoJSON.")],
    objective: Annotated[Objective, typer.Option(help="What to maximise.")] = Objective.NET_BENEFIT,
    weight: Annotated[
        float,
        typer.Option(help="With --objective mix: weight of net benefit (CO2e gets 1 − W).", min=0, max=1),
    ] = 0.5,
    budget: Annotated[float | None, typer.Option(help="Upper bound on total capex, EUR.", min=0)] = None,
    include: Annotated[
        list[str] | None, typer.Option(help="Link id that must be built (repeatable).")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Link id that must not be built (repeatable).")
    ] = None,
    max_distance: Annotated[float | None, typer.Option(help="Longest link to build, km.", min=0)] = None,
    trunks: Annotated[bool, typer.Option(help="Offer shared heat trunks.")] = True,
    top: Annotated[int, typer.Option("--top", "-k", help="Best K demands per supply as candidates.")] = 5,
    params_file: Annotated[
        Path | None,
        typer.Option("--params", help="YAML/JSON: evaluation parameter overrides or a whole parameter file."),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Solver time limit, seconds.", min=1)] = 60.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (units in the field names).")] = False,
    lang: Annotated[str, typer.Option(help="Language: en or nb.")] = "en",
) -> None:
    """Choose the set of synergies that maximises net benefit, CO2e avoided or a mix."""
    from sidestream.evaluation.links import link_table
    from sidestream.evaluation.parameters import parameters_from_file
    from sidestream.matching import MatchParams, match
    from sidestream.optimise import OptimiseParams, trunk_groups
    from sidestream.optimise import optimise as solve

    lang = normalise_lang(lang)
    choices = OptimiseParams(
        objective=objective, weight=weight, budget_eur=budget, max_distance_km=max_distance,
        include=list(include or []), exclude=list(exclude or []), trunks=trunks, time_limit_s=time_limit,
    )  # fmt: skip
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err, transient=True, disable=as_json and not err.is_terminal)  # fmt: skip
    with bar:
        task = bar.add_task(_t(STEPS[0], lang), total=len(STEPS))
        table = read_valid_table(path)
        bar.update(task, advance=1, description=_t(STEPS[1], lang))
        matches = match(table.frame, MatchParams(top_k=top))
        bar.update(task, advance=1, description=_t(STEPS[2], lang))
        links = link_table(matches, table.frame, parameters_from_file(params_file))
        bar.update(task, advance=1, description=_t(STEPS[3], lang))
        groups = trunk_groups(links, table.frame[["id", "lat", "lon"]]) if trunks else None
        bar.update(task, advance=1, description=_t(STEPS[4], lang))
        # The solve fills its step as blocks finish (called from the solver's threads;
        # rich's update takes a lock).
        before = len(STEPS) - 1

        def solving(done: float) -> None:
            bar.update(task, completed=before + done)

        result = solve(links, choices, groups, progress=solving)
        bar.update(task, completed=len(STEPS))
    frame = table.frame[["id", "actor", "resource"]].astype(str)
    names = {i: f"{a}: {r}" for i, a, r in frame.itertuples(index=False)}
    actors = dict(zip(frame["id"], frame["actor"], strict=True))
    doc = result.to_json()
    for record in doc["links"]:
        for side in ("supply", "demand"):
            record[side] = names.get(str(record[f"{side}_id"]))
            record[f"{side}_actor"] = actors.get(str(record[f"{side}_id"]))
    if as_json:
        from sidestream.cli_output import print_json

        print_json(doc)
        return
    _print(doc, path.name, lang)


def _actor(link: dict[str, Any], side: str) -> str:
    """A link's side: the engine's flat fields, or a stored result cut to the reader
    (a side they may not see is a stub with a text and no actor)."""
    cut = link.get(side) or {}
    return str(
        link.get(f"{side}_actor") or cut.get("actor") or cut.get("text") or link.get(f"{side}_id") or "—"
    )


def _maybe(value: float | None, unit: str, lang: str, digits: int = 1) -> str:
    return "—" if value is None else _num(float(value), unit, lang, digits)


def _print(doc: dict[str, Any], name: str, lang: str) -> None:
    if not doc["links"]:
        out.print(_t(NOTHING, lang))
    else:
        t = Table(title=_t(TITLE, lang, name=name, objective=doc["objective"]))
        for col in ("supply", "demand", "quantity", "mode", "net", "co2e", "capex", "km"):
            t.add_column(_t(HEAD[col], lang), overflow="fold")
        for r in doc["links"]:
            mode = _t(MODE[r["mode"]], lang, trunk=r["trunk_id"]) if r.get("mode") in MODE else ""
            t.add_row(
                _actor(r, "supply"), _actor(r, "demand"),
                _maybe(r.get("quantity"), r.get("quantity_unit") or "", lang), mode,
                _maybe(r.get("net_benefit_eur_per_yr"), "EUR/yr", lang, 0),
                _maybe(r.get("co2e_t_per_yr"), "t/yr", lang),
                _maybe(r.get("capex_eur"), "EUR", lang, 0), _maybe(r.get("distance_km"), "km", lang),
            )  # fmt: skip
        out.print(t)
    out.print(
        _t(SUMMARY, lang, n=doc["n_chosen"], candidates=doc["n_candidates"],
           net=_maybe(doc["net_benefit_eur_per_yr"], "EUR/yr", lang, 0),
           co2e=_maybe(doc["co2e_t_per_yr"], "t CO2e/yr", lang),
           capex=_maybe(doc["capex_eur"], "EUR", lang, 0),
           status=doc["termination"], seconds=format_number(doc["solve_time_s"], lang, 2),
           gap=format_number(100 * doc["mip_gap"], lang, 3) if doc["mip_gap"] is not None else "?"),
        highlight=False,
    )  # fmt: skip
    out.print(_t(METRIC_LINE, lang, metrics=metric_text(doc, lang)), highlight=False)


def metric_text(doc: dict[str, Any], lang: str) -> str:
    """The metric set's totals, ``label value unit`` joined by `` · `` (``unknown`` for
    a total the result does not give, e.g. one stored before it did)."""
    parts = []
    for m in NETWORK_METRICS:
        value = doc.get(m.total)
        text = _t(UNKNOWN, lang) if value is None else _num(float(value), m.unit, lang, 0)
        parts.append(f"{_t(m.label, lang)} {text}")
    return " · ".join(parts)


# --- saved scenarios of a region (the database) -------------------------------------
# Whoever runs these operates the instance: they act as a facilitator of the region,
# so results never show another organisation's private flows.

scenario_app = typer.Typer(
    help="Saved optimisation scenarios of a region: create, list, run, compare.", no_args_is_help=True
)
RegionArg = Annotated[str, typer.Argument(help="Region slug, e.g. helgeland.")]


def scenario_create(
    region: RegionArg,
    name: Annotated[str, typer.Argument(help="A name unique in the region.")],
    preset: Annotated[
        str, typer.Option(help="Start from a preset: baseline, energy-scarcity, landfill-tax-up.")
    ] = "baseline",
    spec_file: Annotated[
        Path | None, typer.Option("--spec", help="A JSON scenario spec (factors, overrides, extra flows).")
    ] = None,
) -> None:
    """Save a scenario for the region (a preset, or a JSON spec file)."""
    from sidestream.cli_data import _store
    from sidestream.cli_facilitation import OPERATOR
    from sidestream.errors import InvalidDataError
    from sidestream.optimise.scenarios import PRESETS
    from sidestream.services import regions, scenarios

    if spec_file is not None:
        try:
            spec: Any = json.loads(spec_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidDataError(
                N_("cannot read the scenario spec {spec_file}: {reason}"), spec_file=spec_file, reason=exc
            ) from None
    elif preset in PRESETS:
        spec = PRESETS[preset]
    else:
        raise InvalidDataError(
            N_("unknown preset {preset!r}: choose one of {presets}"),
            preset=preset,
            presets=", ".join(sorted(PRESETS)),
        )
    with _store() as (_engine, session):
        target = regions.get_region(session, region)
        scenario = scenarios.create_scenario(session, target, OPERATOR, name, spec)
        out.print(f"scenario {scenario.id}: {scenario.name}")


def scenario_list(
    region: RegionArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    lang: Annotated[str, typer.Option(help="Language: en or nb.")] = "en",
) -> None:
    """List the region's scenarios with their last results."""
    from sidestream.cli_data import _store
    from sidestream.cli_facilitation import OPERATOR
    from sidestream.cli_output import print_json
    from sidestream.config import get_settings
    from sidestream.services import regions, scenarios

    lang = normalise_lang(lang)
    with _store() as (_engine, session):
        target = regions.get_region(session, region)
        views = scenarios.list_scenarios(
            session, target, OPERATOR, secret=get_settings().secret_key, lang=lang
        )
    if as_json:
        print_json(views)
        return
    table = Table(title=target.name)
    for col in (
        "id",
        _t(N_("Name"), lang),
        _t(N_("Net benefit"), lang),
        "CO2e",
        _t(N_("Links chosen"), lang),
    ):
        table.add_column(col)
    for v in views:
        r = v["result"]
        table.add_row(
            str(v["id"]), v["name"],
            _num(r["net_benefit_eur_per_yr"], "EUR/yr", lang, 0) if r else "—",
            _num(r["co2e_t_per_yr"], "t CO2e/yr", lang) if r else "—",
            str(r["n_chosen"]) if r else "—",
        )  # fmt: skip
    out.print(table)


def scenario_run(
    region: RegionArg,
    scenario_id: Annotated[int, typer.Argument(help="Scenario id (see `scenario list`).")],
    lang: Annotated[str, typer.Option(help="Language: en or nb.")] = "en",
) -> None:
    """Re-evaluate and re-optimise a saved scenario on the region's current flows."""
    from sidestream.cli_data import _store
    from sidestream.cli_facilitation import OPERATOR
    from sidestream.config import get_settings
    from sidestream.services import regions, scenarios

    lang = normalise_lang(lang)
    with _store() as (_engine, session), Progress(transient=True, console=err) as progress:
        progress.add_task(_t(N_("Matching, evaluating and optimising …"), lang), total=None)
        target = regions.get_region(session, region)
        scenario = scenarios.run_saved(session, target, OPERATOR, scenario_id)
        view = scenarios.scenario_view(
            session, target, OPERATOR, scenario, secret=get_settings().secret_key, lang=lang
        )
    _print(view["result"], view["name"], lang)


def scenario_compare(
    region: RegionArg,
    scenario_ids: Annotated[list[int], typer.Argument(help="Scenario ids; the first is the baseline.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare run scenarios side by side (totals, and links added or dropped)."""
    from sidestream.cli_data import _store
    from sidestream.cli_facilitation import OPERATOR
    from sidestream.cli_output import print_json
    from sidestream.config import get_settings
    from sidestream.services import regions, scenarios

    with _store() as (_engine, session):
        target = regions.get_region(session, region)
        rows = scenarios.compare_scenarios(
            session, target, OPERATOR, scenario_ids, secret=get_settings().secret_key
        )
    if as_json:
        print_json(rows)
        return
    table = Table(title=target.name)
    keys = [k for k in (rows[0] if rows else {}) if not isinstance(rows[0][k], list | dict)]
    for k in keys:
        table.add_column(k)
    for row in rows:
        table.add_row(*(str(row[k]) for k in keys))
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``optimise`` and ``scenario`` to the main app."""
    from sidestream.cli import friendly

    app.command("optimise")(friendly(optimise))
    for name, command in (
        ("create", scenario_create),
        ("list", scenario_list),
        ("run", scenario_run),
        ("compare", scenario_compare),
    ):
        scenario_app.command(name)(friendly(command))
    app.add_typer(scenario_app, name="scenario")
