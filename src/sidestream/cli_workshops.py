"""CLI commands for workshops: create, list and print the outcome report.

The operator acts as a facilitator of the region (like the other store commands)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

workshop_app = typer.Typer(help="Facilitated workshops: create, list, outcome report.", no_args_is_help=True)


def create(
    region: Annotated[str, typer.Option(help="Region slug.")],
    title: Annotated[str, typer.Option(help="Title of the workshop.")],
    held_on: Annotated[str | None, typer.Option("--date", help="Date, YYYY-MM-DD.")] = None,
    place: Annotated[str, typer.Option(help="Where it is held.")] = "",
    language: Annotated[str, typer.Option(help="en or nb.")] = "nb",
    group: Annotated[list[str] | None, typer.Option(help="A group/table (repeat).")] = None,
    agenda: Annotated[
        list[str] | None, typer.Option(help="An agenda item, e.g. '09:00 Welcome' (repeat).")
    ] = None,
    votes: Annotated[int, typer.Option(help="Votes per participant.")] = 5,
) -> None:
    """Create a workshop and print its join code."""
    from sidestream.cli_data import OPERATOR, _store, out
    from sidestream.services import regions, workshops
    from sidestream.services.workshops import AgendaEntry, NewWorkshop

    with _store() as (_engine, session):
        items = []
        for line in agenda or []:
            head, _, rest = line.strip().partition(" ")
            ok = len(head) == 5 and head[2] == ":" and rest
            items.append(
                AgendaEntry(starts_at=head if ok else None, title=rest.strip() if ok else line.strip())
            )
        data = NewWorkshop(
            title=title, held_on=date.fromisoformat(held_on) if held_on else None, place=place,
            language=language, groups=list(group or []), agenda=items, vote_budget=votes,
        )  # fmt: skip
        w = workshops.create_workshop(session, regions.get_region(session, region), OPERATOR, data)
        from sidestream.facilitation.workshops import format_join_code

        out.print(f"workshop {w.id}: {w.title} — join code {format_join_code(w.join_code)} (at /join)")


def list_(region: Annotated[str, typer.Option(help="Region slug.")]) -> None:
    """List the region's workshops."""
    from rich.table import Table

    from sidestream.cli_data import OPERATOR, _store, out
    from sidestream.facilitation.workshops import format_join_code
    from sidestream.services import regions, workshops

    with _store() as (_engine, session):
        rows = workshops.list_workshops(session, regions.get_region(session, region), OPERATOR)
        table = Table("id", "title", "date", "place", "phase", "code")
        for w in rows:
            table.add_row(
                str(w.id), w.title, str(w.held_on or ""), w.place, w.phase, format_join_code(w.join_code)
            )
        out.print(table)


def report(
    workshop_id: Annotated[int, typer.Argument(help="The workshop's id.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.pdf or .html).")],
    lang: Annotated[str | None, typer.Option(help="en or nb (default: the workshop's language).")] = None,
) -> None:
    """Write the outcome report as PDF or HTML (by the file's extension)."""
    from sidestream.cli_data import OPERATOR, _store, out
    from sidestream.config import Settings
    from sidestream.reports import workshop as report_module
    from sidestream.services import workshops
    from sidestream.store.models import Region

    with _store() as (_engine, session):
        w = workshops.get_workshop(session, workshop_id)
        region = session.get(Region, w.region_id)
        assert region is not None
        actor = workshops.Actor(w, region, OPERATOR)
        data = workshops.outcome(session, actor, secret=Settings().secret_key, lang=lang or w.language)
        if output.suffix.lower() == ".pdf":
            output.write_bytes(report_module.render_pdf(data, lang))
        else:
            output.write_text(report_module.render_html(data, lang), encoding="utf-8")
        out.print(f"wrote {output}")


def register(app: typer.Typer) -> None:
    from sidestream.cli import friendly

    workshop_app.command("create")(friendly(create))
    workshop_app.command("list")(friendly(list_))
    workshop_app.command("report")(friendly(report))
    app.add_typer(workshop_app, name="workshop")
