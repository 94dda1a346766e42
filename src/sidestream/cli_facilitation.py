"""CLI commands for facilitation: ``case``, ``catalogue``, ``funding``, ``benchmark``.

Thin shells over :mod:`sidestream.services` and :mod:`sidestream.facilitation`. Like
the store commands, whoever runs them operates the instance and sees what a
facilitator sees (never other organisations' private flows); cases they create have
no owner until someone takes them on in the web app.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from sidestream.cli_output import print_json
from sidestream.domain.visibility import Role, Viewer
from sidestream.i18n import N_, Message, normalise_lang, translate

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
OPERATOR = Viewer(user_id=None, role=Role.FACILITATOR)

case_app = typer.Typer(
    help="The case pipeline: list, show, create, move, barriers, figures, history.", no_args_is_help=True
)
catalogue_app = typer.Typer(help="The best-case catalogue of real exchanges.", no_args_is_help=True)

RegionArg = Annotated[str, typer.Argument(help="Region slug, e.g. helgeland.")]
CaseArg = Annotated[int, typer.Argument(help="Case id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
LangOpt = Annotated[str, typer.Option(help="Language: en or nb.")]


def _case_json(view: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(view)


# --- case ----------------------------------------------------------------------------


def case_list(
    region: RegionArg,
    stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
    barrier: Annotated[str | None, typer.Option(help="Only cases with this open barrier.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """List the region's cases (the kanban board as a table)."""
    from sidestream.cli_data import _store
    from sidestream.facilitation.cases import CaseStage
    from sidestream.services import cases, regions

    lang = normalise_lang(lang)
    with _store() as (_engine, session):
        r = regions.get_region(session, region)
        rows = cases.board(session, r, OPERATOR, cases.BoardFilters(stage=stage, barrier=barrier))
        if as_json:
            print_json([_case_json(cases.case_view(session, c, OPERATOR)) for c in rows])
            return
        t = Table(title=f"{r.name}: {len(rows)}")
        for col in (
            "id",
            translate(N_("Stage"), lang),
            translate(N_("Title"), lang),
            translate(N_("Barriers"), lang),
        ):
            t.add_column(col, overflow="fold")
        for c in rows:
            open_barriers = ", ".join(b.barrier for b in c.barriers if not b.resolved)
            t.add_row(str(c.id), translate(CaseStage(c.stage).label, lang), c.title, open_barriers)
        out.print(t)


def case_show(region: RegionArg, case_id: CaseArg, as_json: JsonOpt = False, lang: LangOpt = "en") -> None:
    """Show one case: stage, partners, flows, barriers, steps, figures, readiness."""
    from sidestream.cli_data import _store
    from sidestream.facilitation.cases import CaseStage
    from sidestream.facilitation.readiness import Perspective
    from sidestream.services import cases, regions

    lang = normalise_lang(lang)
    with _store() as (_engine, session):
        r = regions.get_region(session, region)
        view = cases.case_view(session, cases.get_case(session, r, OPERATOR, case_id), OPERATOR)
    if as_json:
        print_json(_case_json(view))
        return
    out.print(f"[bold]#{view.id} {view.title}[/] — {translate(CaseStage(view.stage).label, lang)}")
    if view.description:
        out.print(view.description)
    for p in view.partners:
        out.print(f"  {translate('Partner', lang)}: {p.name or translate('hidden', lang)} ({p.role})")
    for f in view.flows:
        text = (
            translate(N_("hidden"), lang) if f.hidden else f"{f.organisation}: {f.resource} ({f.direction})"
        )
        out.print(f"  {translate('Flow', lang)}: {text}")
    for b in view.barriers:
        state = translate(N_("resolved"), lang) if b["resolved"] else translate(N_("open"), lang)
        out.print(f"  {translate('Barrier', lang)}: {b['barrier']} ({state}) {b['note']}")
    for s in view.steps:
        out.print(f"  {translate('Next step', lang)}: {s['text']} {s['due'] or ''} {s['owner']}")
    for fig in view.figures:
        year = f" {fig['year']}" if fig["year"] else ""
        out.print(f"  {fig['kind']}{year}: {fig['metric']} = {fig['value']:g} {fig['unit']}")
    levels = ", ".join(f"{translate(p.label, lang)} {view.readiness_levels[p.value]}/5" for p in Perspective)
    out.print(f"  {translate('Readiness', lang)}: {levels}")


def case_create(
    region: RegionArg,
    title: Annotated[str, typer.Option(help="What the case is about.")],
    description: Annotated[str, typer.Option(help="Longer text.")] = "",
    flow: Annotated[list[str] | None, typer.Option(help="Flow key (the flow table's id); repeat.")] = None,
    organisation: Annotated[list[str] | None, typer.Option(help="Partner organisation name; repeat.")] = None,
    synergy: Annotated[int | None, typer.Option(help="A saved synergy to develop as this case.")] = None,
) -> None:
    """Open a case at the idea stage and print its id."""
    from sqlalchemy import select

    from sidestream.cli_data import _store
    from sidestream.errors import NotFoundError
    from sidestream.services import cases, regions
    from sidestream.services.flows import get_flow_by_key
    from sidestream.store.models import Organisation

    with _store() as (_engine, session):
        r = regions.get_region(session, region)
        flow_ids = [get_flow_by_key(session, r, OPERATOR, key).id for key in flow or []]
        org_ids = []
        for name in organisation or []:
            org = session.scalar(
                select(Organisation).where(Organisation.region_id == r.id, Organisation.name == name)
            )
            if org is None:
                raise NotFoundError(
                    N_("no organisation named {name!r} in region {region}"), name=name, region=r.slug
                )
            org_ids.append(org.id)
        case = cases.create_case(
            session, r, OPERATOR, title=title, description=description, organisation_ids=org_ids,
            flow_ids=flow_ids, synergy_id=synergy, origin="cli",
        )  # fmt: skip
        out.print(case.id)


def case_move(
    region: RegionArg, case_id: CaseArg, stage: Annotated[str, typer.Argument(help="The new stage.")]
) -> None:
    """Move a case to another stage (idea → explored → feasibility → agreement → running; paused, stopped)."""
    from sidestream.cli_data import _store
    from sidestream.services import cases, regions

    with _store() as (_engine, session):
        r = regions.get_region(session, region)
        case = cases.move_case(session, cases.get_case(session, r, OPERATOR, case_id), OPERATOR, stage)
        out.print(f"{case.id}: {case.stage}")


def case_barrier(
    region: RegionArg,
    case_id: CaseArg,
    barrier: Annotated[
        str,
        typer.Argument(
            help="regulation, eu-law-timing, funding, skills, energy, trust, public-acceptance, logistics,"
            " technology, economics"
        ),
    ],
    note: Annotated[str, typer.Option(help="Free note.")] = "",
    resolved: Annotated[bool, typer.Option(help="Mark the barrier resolved.")] = False,
) -> None:
    """Add or change a barrier of a case."""
    from sidestream.cli_data import _store
    from sidestream.services import cases, regions

    with _store() as (_engine, session):
        r = regions.get_region(session, region)
        cases.set_barrier(
            session,
            cases.get_case(session, r, OPERATOR, case_id),
            OPERATOR,
            barrier,
            note=note,
            resolved=resolved,
        )
        out.print(f"{case_id}: {barrier}")


def case_figure(
    region: RegionArg,
    case_id: CaseArg,
    metric: Annotated[
        str, typer.Argument(help="e.g. co2e_avoided, landfill_diverted, energy_exchanged, cost_savings, jobs")
    ],
    value: Annotated[float, typer.Argument(help="The amount.")],
    unit: Annotated[str, typer.Argument(help="A unit: t/yr, MWh/yr, t CO2e/yr, EUR/yr, FTE …")],
    realised: Annotated[
        bool, typer.Option(help="A realised figure (needs --year, --method and --evidence).")
    ] = False,
    year: Annotated[int | None, typer.Option(help="Year achieved (realised figures).")] = None,
    method: Annotated[str, typer.Option(help="How the figure was found.")] = "",
    evidence: Annotated[str, typer.Option(help="What it rests on (report, meter, invoice).")] = "",
) -> None:
    """Record an expected or realised figure of a case."""
    from sidestream.cli_data import _store
    from sidestream.services import cases, regions

    with _store() as (_engine, session):
        r = regions.get_region(session, region)
        fig = cases.set_figure(
            session, cases.get_case(session, r, OPERATOR, case_id), OPERATOR,
            kind="realised" if realised else "expected", metric=metric, value=value, unit=unit, year=year,
            method=method, evidence=evidence,
        )  # fmt: skip
        out.print(f"{fig.metric}: {fig.canonical_value:g} {fig.canonical_unit}")


def case_history(region: RegionArg, case_id: CaseArg, as_json: JsonOpt = False) -> None:
    """Every change to a case: who, when, before and after."""
    from dataclasses import asdict

    from sidestream.cli_data import _store
    from sidestream.services import cases, regions

    with _store() as (_engine, session):
        r = regions.get_region(session, region)
        entries = cases.history(session, cases.get_case(session, r, OPERATOR, case_id), OPERATOR)
    if as_json:
        print_json([asdict(e) for e in entries])
        return
    t = Table()
    for col in ("at", "who", "action", "before", "after"):
        t.add_column(col, overflow="fold")
    for e in entries:
        t.add_row(
            e.at.isoformat(timespec="seconds"),
            e.user or "—",
            e.action,
            json.dumps(e.before, ensure_ascii=False, default=str) if e.before else "",
            json.dumps(e.after, ensure_ascii=False, default=str) if e.after else "",
        )
    out.print(t)


# --- catalogue, funding --------------------------------------------------------------


def catalogue_search(
    query: Annotated[str, typer.Argument(help="Words that must all occur (any language).")] = "",
    resource_class: Annotated[
        str | None, typer.Option("--class", help="A resource class id, e.g. fgd_gypsum.")
    ] = None,
    sector: Annotated[str | None, typer.Option(help="NACE code or prefix, e.g. 24.")] = None,
    country: Annotated[str | None, typer.Option(help="Country code, e.g. NO.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """Search the best-case catalogue (the packaged cases with public sources)."""
    from sidestream.facilitation.catalogue import packaged_cases, search

    lang = normalise_lang(lang)
    found = search(packaged_cases(), query, resource_class=resource_class, sector=sector, country=country)
    if as_json:
        print_json([c.model_dump(mode="json") for c in found])
        return
    t = Table(title=Message(N_("{n} cases"), {"n": len(found)}).render(lang))
    for col in (
        "id",
        translate(N_("Title"), lang),
        translate(N_("Place"), lang),
        translate(N_("Year"), lang),
        translate(N_("Source"), lang),
    ):
        t.add_column(col, overflow="fold")
    for c in found:
        t.add_row(
            c.id, c.title.localise(lang), f"{c.place} ({c.country})", str(c.year or ""), str(c.sources[0].url)
        )
    out.print(t)


def catalogue_show(
    case_id: Annotated[str, typer.Argument(help="Catalogue case id.")], lang: LangOpt = "en"
) -> None:
    """Show one catalogue case with its figures, lessons and sources."""
    from sidestream.errors import NotFoundError
    from sidestream.facilitation.catalogue import packaged_cases

    lang = normalise_lang(lang)
    case = next((c for c in packaged_cases() if c.id == case_id), None)
    if case is None:
        raise NotFoundError(
            N_("no catalogue case {case_id!r}: try `sidestream catalogue search`"), case_id=case_id
        )
    out.print(f"[bold]{case.title.localise(lang)}[/] — {case.place} ({case.country}) {case.year or ''}")
    out.print(
        f"{' → '.join([', '.join(case.supply), ', '.join(case.demand)])}  NACE {', '.join(case.sectors)}"
    )
    out.print(", ".join(case.partners))
    for f in case.figures:
        out.print(f"  {f.value:g} {f.unit}: {f.what.localise(lang)}")
    out.print(case.lessons.localise(lang))
    for s in case.sources:
        out.print(f"  {s.title}: {s.url}")


def funding_list(
    country: Annotated[
        str | None, typer.Option(help="Only programmes open to this country, e.g. NO.")
    ] = None,
    stage: Annotated[str | None, typer.Option(help="Only programmes for this case stage.")] = None,
    lang: LangOpt = "en",
) -> None:
    """Funding programmes for symbiosis projects, with what they fund and typical amounts."""
    from sidestream.facilitation.cases import parse_stage
    from sidestream.facilitation.funding import for_case, programmes

    lang = normalise_lang(lang)
    items = list(programmes())
    if stage:
        items = for_case(items, country=country, stage=parse_stage(stage))
    elif country:
        items = [p for p in items if p.open_to(country)]
    t = Table()
    for col in (
        translate(N_("Programme"), lang),
        translate(N_("Funds"), lang),
        translate(N_("Typical support"), lang),
        "URL",
    ):
        t.add_column(col, overflow="fold")
    for p in items:
        t.add_row(p.name, p.funds.localise(lang), p.typical.localise(lang), str(p.url))
    out.print(t)


# --- benchmark -----------------------------------------------------------------------


def benchmark(
    regions_: Annotated[list[str], typer.Argument(metavar="REGION...", help="Region slugs to compare.")],
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of the screen.")] = None,
    lang: LangOpt = "en",
) -> None:
    """Indicators of several regions side by side, computed from the data (not typed in)."""
    from sidestream.cli_data import _store
    from sidestream.config import Settings
    from sidestream.errors import InvalidDataError
    from sidestream.services import benchmarking, regions

    if fmt not in ("table", "csv", "json"):
        raise InvalidDataError(N_("unknown format {fmt!r}: use table, csv or json"), fmt=fmt)
    lang = normalise_lang(lang)
    settings = Settings()
    with _store() as (_engine, session):
        found = [regions.get_region(session, slug) for slug in dict.fromkeys(regions_)]
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task(translate(N_("Computing indicators"), lang), total=len(found))

            def step(region: Any) -> None:
                progress.advance(task)

            comparison = benchmarking.compare_regions(
                session, found, None, secret=settings.secret_key, lang=lang,
                viewer_of=lambda _region: OPERATOR, progress=step,
            )  # fmt: skip
    if fmt == "csv":
        text = benchmarking.to_csv(comparison)
    elif fmt == "json":
        text = benchmarking.dumps(benchmarking.to_json(comparison, lang)) + "\n"
    else:
        t = Table()
        t.add_column(translate(N_("Indicator"), lang), overflow="fold")
        t.add_column(translate(N_("Unit"), lang))
        for r in comparison.regions:
            t.add_column(r.slug, justify="right")
        for ind in comparison.table.index:
            row = comparison.table.loc[ind]
            values = ["" if row[r.slug] != row[r.slug] else f"{row[r.slug]:,.4g}" for r in comparison.regions]
            t.add_row(comparison.labels.get(str(ind), str(ind)), str(row["unit"]), *values)
        if output is None:
            out.print(t)
            return
        with output.open("w", encoding="utf-8") as handle:
            Console(file=handle, width=160).print(t)
        err.print(str(output))
        return
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(str(output))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    from sidestream.cli import friendly

    case_app.command("list")(friendly(case_list))
    case_app.command("show")(friendly(case_show))
    case_app.command("create")(friendly(case_create))
    case_app.command("move")(friendly(case_move))
    case_app.command("barrier")(friendly(case_barrier))
    case_app.command("figure")(friendly(case_figure))
    case_app.command("history")(friendly(case_history))
    app.add_typer(case_app, name="case")
    catalogue_app.command("search")(friendly(catalogue_search))
    catalogue_app.command("show")(friendly(catalogue_show))
    app.add_typer(catalogue_app, name="catalogue")
    app.command("funding")(friendly(funding_list))
    app.command("benchmark")(friendly(benchmark))
