"""CLI commands of regional mapping: ``hubs`` and ``potential`` of a flow table, and
``report region`` from the database. Thin: read, call an engine or a service, print.

``hubs`` and ``potential`` read a file the caller already holds, so every row in it is
used. ``report region`` reads the database as a region administrator: public, network
and facilitator flows — never an organisation's private flows (see
:mod:`sidestream.services.reports`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sidestream.cli_output import read_valid_table
from sidestream.i18n import N_

if TYPE_CHECKING:
    import pandas as pd
    from rich.progress import Progress

report_app = typer.Typer(
    help="Reports: a region's map, hubs, potential and top synergies.", no_args_is_help=True
)

LangOption = Annotated[str, typer.Option("--lang", help="Language: en or nb.")]


@contextmanager
def _progress() -> Iterator[Progress]:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from sidestream.cli import err

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                  transient=True) as progress:  # fmt: skip
        yield progress


def _read_and_match(path: Path, lang: str, progress: Progress) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    from sidestream.matching import MatchParams, match

    task = progress.add_task(f"reading {path.name}", total=2)
    table = read_valid_table(path)
    progress.update(task, advance=1, description="matching")
    doc = match(table.frame, MatchParams(top_k=5)).to_json(lang)
    progress.update(task, advance=1, description="mapping")
    return table.frame, doc["matches"]


def hubs_command(
    path: Annotated[Path, typer.Argument(help="Flow table: CSV, XLSX or GeoJSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the hubs as JSON.")] = False,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="Write hub outlines as GeoJSON here.")
    ] = None,
    lang: LangOption = "en",
) -> None:
    """Find potential hubs: clusters of sites whose supplies and demands fit each other."""
    from rich.table import Table

    from sidestream.cli import out
    from sidestream.cli_output import print_json
    from sidestream.i18n import normalise_lang
    from sidestream.mapping.hubs import co2e_by_pair, evaluations_from_matches, find_hubs, hubs_geojson
    from sidestream.reports.region import amount_text

    lang = normalise_lang(lang)
    with _progress() as progress:
        frame, matches = _read_and_match(path, lang, progress)
        co2e = co2e_by_pair(evaluations_from_matches(matches))
        hubs = find_hubs(frame, matches, co2e_t_per_yr=co2e)
    if geojson is not None:
        geojson.write_text(json.dumps(hubs_geojson(hubs, lang), ensure_ascii=False), encoding="utf-8")
    if as_json:
        print_json({"hubs": [h.to_json(lang) for h in hubs], "co2e_estimated": co2e is not None})
        return
    if not hubs:
        out.print("no potential hubs found")
        return
    table = Table(title=f"Potential hubs in {path.name}", show_lines=True)
    for col in ("#", "hub", "sites", "matches", "potential", "CO2e avoided", "why"):
        table.add_column(col)
    for h in hubs:
        potential = "\n".join(amount_text(v, u, lang) for u, v in h.potential.items())
        co2e_text = (
            amount_text(h.co2e_t_per_yr, "t/yr", lang) if h.co2e_t_per_yr is not None else "not estimated"
        )
        table.add_row(str(h.rank), h.name, str(len(h.members)), str(h.matches), potential, co2e_text,
                      "\n".join(h.explain(lang)))  # fmt: skip
    out.print(table)


def potential_command(
    path: Annotated[Path, typer.Argument(help="Flow table: CSV, XLSX or GeoJSON.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the tables as JSON.")] = False,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="Write the h3 hexagons (choropleth GeoJSON) here.")
    ] = None,
    lang: LangOption = "en",
) -> None:
    """What there is to use: surplus heat by temperature, materials, water, by municipality."""
    from rich.table import Table

    from sidestream.cli import out
    from sidestream.cli_output import print_json
    from sidestream.i18n import normalise_lang
    from sidestream.mapping.potential import regional_potential
    from sidestream.reports.region import amount_text

    lang = normalise_lang(lang)
    with _progress() as progress:
        frame, matches = _read_and_match(path, lang, progress)
        potential = regional_potential(frame, matches, lang=lang)
    if geojson is not None:
        geojson.write_text(json.dumps(potential.hexagons, ensure_ascii=False), encoding="utf-8")
        if not as_json:
            out.print(f"wrote {len(potential.hexagons['features'])} hexagons to {geojson}", highlight=False)
    if as_json:
        print_json(potential.to_json())
        return
    sections = [
        ("Surplus heat by temperature", potential.heat_bands),
        ("Materials by kind", potential.materials[:20]),
        ("Water", potential.water),
    ]
    for title, rows in sections:
        table = Table(title=title)
        for col in ("kind", "supplies", "supply", "demands", "demand"):
            table.add_column(col, justify="left" if col == "kind" else "right")
        for r in rows:
            supply, demand = (
                amount_text(r.supply_amount, r.unit, lang),
                amount_text(r.demand_amount, r.unit, lang),
            )
            table.add_row(r.label, str(r.supplies), supply, str(r.demands), demand)
        out.print(table)
    table = Table(title="By municipality (nearest municipality centre)")
    for col in ("municipality", "flows", "heat supply", "material supply", "water supply"):
        table.add_column(col, justify="left" if col == "municipality" else "right")
    for m in potential.municipalities:
        table.add_row(m.municipality, str(m.flows), amount_text(m.heat_supply_mwh_per_yr, "MWh/yr", lang),
                      amount_text(m.material_supply_t_per_yr, "t/yr", lang),
                      amount_text(m.water_supply_m3_per_yr, "m3/yr", lang))  # fmt: skip
    out.print(table)


def report_region(
    region: Annotated[str, typer.Argument(help="Region slug in the database.")],
    lang: LangOption = "en",
    fmt: Annotated[str, typer.Option("--format", help="html or pdf.")] = "html",
    output: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout for HTML).")
    ] = None,
) -> None:
    """Write the region report (map, hubs, potential, top synergies) as HTML or PDF.

    Runs as a region administrator: confidential flows are included, organisations'
    private flows are not."""
    from sidestream.cli import err
    from sidestream.cli_server import _session
    from sidestream.config import get_settings
    from sidestream.errors import InvalidDataError
    from sidestream.i18n import normalise_lang
    from sidestream.reports.region import render_region_html, render_region_pdf
    from sidestream.services import regions
    from sidestream.services.reports import CLI_VIEWER, region_report

    if fmt not in ("html", "pdf"):
        raise InvalidDataError(N_("--format must be html or pdf, not {fmt!r}"), fmt=fmt)
    if fmt == "pdf" and output is None:
        raise InvalidDataError(N_("a PDF needs a file: add --out report.pdf"))
    lang = normalise_lang(lang)
    with _progress() as progress:
        progress.add_task(f"gathering {region}")
        with _session() as session:
            target = regions.get_region(session, region)
            data = region_report(session, target, CLI_VIEWER, secret=get_settings().secret_key, lang=lang)
        if fmt == "pdf":
            progress.add_task("printing PDF")
            content = render_region_pdf(data, lang)
        else:
            content = render_region_html(data, lang).encode("utf-8")
    if output is None:
        sys.stdout.write(content.decode("utf-8"))
        return
    output.write_bytes(content)
    err.print(f"wrote {output} ({len(content) / 1024:.0f} KiB, {len(data.hubs)} hubs)", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    from sidestream.cli import friendly

    app.command("hubs")(friendly(hubs_command))
    app.command("potential")(friendly(potential_command))
    report_app.command("region")(friendly(report_region))
    app.add_typer(report_app, name="report")
