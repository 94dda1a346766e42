"""CLI commands for the store: db, import, export, backup, restore, demo loading.

Thin shells over :mod:`sidestream.services` and :mod:`sidestream.store.db`: parse,
call, print. The database is ``Settings().database_url`` (``SIDESTREAM_DATABASE_URL``;
a SQLite file under ``var/`` by default). Whoever runs these commands operates the
instance, so they act without a user account; exports see what a facilitator sees
(never other organisations' private flows).

The commands are plain functions registered in :func:`register`, which is also where
``sidestream.cli.friendly`` is imported: ``cli`` imports this module while it is being
built, so importing it at the top here would be circular.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sidestream.cli_output import print_json
from sidestream.domain.visibility import Role, Viewer
from sidestream.io import Problem

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# The operator exporting from the command line sees what a facilitator sees.
OPERATOR = Viewer(user_id=None, role=Role.FACILITATOR)


def _database_url() -> str:
    from sidestream.config import Settings

    return Settings().database_url


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _store(*, migrated: bool = True) -> Iterator[tuple[Engine, Session]]:
    """An engine and a session on the configured database (checked to be migrated)."""
    from sidestream.store.db import check_migrated, make_engine, session_factory

    engine = make_engine(_database_url())
    try:
        if migrated:
            check_migrated(engine)
        with session_factory(engine)() as session:
            yield engine, session
    finally:
        engine.dispose()


def _problems_table(title: str, problems: list[Problem]) -> Table:
    table = Table(title=title)
    for column in ("row", "column", "severity", "reason", "value"):
        table.add_column(column)
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        table.add_row(
            "" if p.row is None else str(p.row),
            p.column or "",
            f"[{colour}]{p.severity}[/]",
            p.message,
            p.value or "",
        )
    return table


# --- db ------------------------------------------------------------------------------


def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Create or migrate the database schema."""
    from sidestream.store.db import current, upgrade

    url = _database_url()
    upgrade(url, revision)
    out.print(f"{_shown(url)} is at revision {current(url)}")


def db_downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision; 'base' removes every table.")],
) -> None:
    """Migrate the database schema down (back up first: data in dropped tables is lost)."""
    from sidestream.store.db import current, downgrade

    url = _database_url()
    downgrade(url, revision)
    out.print(f"{_shown(url)} is at revision {current(url) or 'base (empty)'}")


def db_current() -> None:
    """Print the database's schema revision and whether it is up to date."""
    from sidestream.store.db import current, head_revision

    url = _database_url()
    revision, head = current(url), head_revision()
    state = "up to date" if revision == head else f"needs `sidestream db upgrade` to {head}"
    out.print(f"{_shown(url)}: revision {revision or 'none (empty database)'} — {state}")


# --- import / export -----------------------------------------------------------------


def import_flows(
    flows: Annotated[Path, typer.Argument(help="Flow table: CSV, XLSX or GeoJSON.")],
    region: Annotated[str, typer.Option("--region", help="Region slug; created if missing.")],
    region_name: Annotated[str | None, typer.Option("--region-name", help="Name for a new region.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; save nothing.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any row has an error.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import a flow table into a region: new flows are added, known ids updated."""
    from sidestream.services.imports import import_flow_table
    from sidestream.services.regions import check_slug, ensure_region

    check_slug(region)
    with _store() as (_engine, session):
        target = ensure_region(session, region, region_name, commit=not dry_run)
        report = import_flow_table(session, target, flows, dry_run=dry_run, strict=strict)
        session.rollback()  # a dry run into a new region: the region goes too
    if as_json:
        print_json(report.as_dict())
    else:
        if report.problems:
            out.print(_problems_table(f"Problems in {flows.name}", report.problems))
        if report.strict and report.errors:
            out.print(f"[red]nothing imported[/]: {len(report.errors)} error(s) and --strict")
        else:
            verb = "would import" if dry_run else "imported"
            r = report
            out.print(
                f"{region}: {verb} {r.created} new, {r.updated} updated, {r.unchanged} unchanged,"
                f" {r.skipped} skipped; organisations {r.organisations_created} new,"
                f" {r.organisations_updated} updated; sites {r.sites_created} new, {r.sites_updated} updated"
                + (" [yellow](dry run: nothing saved)[/]" if dry_run else "")
            )
    if report.errors:
        raise typer.Exit(1)


def export_flows(
    region: Annotated[str, typer.Option("--region", help="Region slug.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, xlsx or geojson (default: from --output).")
    ] = None,
) -> None:
    """Export a region's flows as a flow table (private flows are never exported)."""
    from sidestream.services import exports
    from sidestream.services.regions import get_region

    with _store() as (_engine, session):
        result = exports.export_flows(session, get_region(session, region), OPERATOR, output, fmt)
    out.print(f"wrote {result.flows} flows of {region} to {result.path} ({result.format})")


# --- backup / restore / demo ---------------------------------------------------------


def backup_command(
    file: Annotated[Path, typer.Argument(help="Backup file to write (gzip JSON, e.g. backup.json.gz).")],
    region: Annotated[
        str | None, typer.Option("--region", help="Only this region (no user accounts).")
    ] = None,
) -> None:
    """Write the whole instance, or one region, to a backup file."""
    from sidestream.services.backup import backup

    with _store() as (engine, _session):
        summary = backup(engine, file, region)
    what = f"region {summary.region}" if summary.region else "the whole instance"
    out.print(f"backed up {what}: {sum(summary.rows.values())} rows in {len(summary.rows)} tables to {file}")


def restore_command(
    file: Annotated[Path, typer.Argument(help="Backup file written by `sidestream backup`.")],
) -> None:
    """Restore a backup into an empty, migrated database."""
    from sidestream.services.backup import restore

    with _store(migrated=False) as (engine, _session):
        summary = restore(engine, file)
    what = f"region {summary.region}" if summary.region else "the whole instance"
    out.print(f"restored {what}: {sum(summary.rows.values())} rows in {len(summary.rows)} tables")


def demo_load(
    region: Annotated[
        str, typer.Option("--region", help="Packaged demo region: helgeland or kalundborg.")
    ] = "helgeland",
) -> None:
    """Migrate the database and load a packaged demo region (safe to run again)."""
    from sidestream.services.demo import load_demo
    from sidestream.store.db import upgrade

    upgrade(_database_url())
    with _store() as (_engine, session):
        report = load_demo(session, region)
    out.print(
        f"{region}: {report.created} new, {report.updated} updated, {report.unchanged} unchanged flows;"
        f" {report.organisations_created} new organisations, {report.sites_created} new sites"
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    from sidestream.cli import friendly

    db_app = typer.Typer(help="Database schema: upgrade, downgrade, current revision.", no_args_is_help=True)
    db_app.command("upgrade")(friendly(db_upgrade))
    db_app.command("downgrade")(friendly(db_downgrade))
    db_app.command("current")(friendly(db_current))
    app.add_typer(db_app, name="db")
    app.command("import")(friendly(import_flows))
    app.command("export")(friendly(export_flows))
    app.command("backup")(friendly(backup_command))
    app.command("restore")(friendly(restore_command))
    app.command("demo-load")(friendly(demo_load))
