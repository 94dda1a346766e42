"""CLI commands for the service: serve, user and token management."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import select

from sidestream.i18n import N_
from sidestream.store.models import User

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

WORKER_HEALTHCHECK_SECONDS = 120
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Manage personal API tokens.", no_args_is_help=True)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart when the code changes (development).")] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (uvicorn). 1 for development; about one per CPU core in"
            " production. Caches are per process and checked against the database on every"
            " request, so any number of workers stays consistent.",
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option(help="Log one line per request (turn off for load tests).")
    ] = True,
) -> None:
    """Run the web app and the JSON API (under /api/v1) with uvicorn."""
    import uvicorn

    from sidestream.cli import out
    from sidestream.config import get_settings
    from sidestream.errors import InvalidDataError
    from sidestream.store.db import check_migrated, make_engine

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        check_migrated(engine)
    finally:
        engine.dispose()
    if reload and workers > 1:
        raise InvalidDataError(N_("--reload restarts one process: use it without --workers"))
    shown = f"[{host}]" if ":" in host else host
    plural = f" ({workers} workers)" if workers > 1 else ""
    out.print(
        f"Sidestream on http://{shown}:{port}/{plural}  — API docs: http://{shown}:{port}/api/docs",
        highlight=False,
    )
    uvicorn.run(
        "sidestream.web.app:web_app_from_env",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=workers,
        access_log=access_log,
        # A worker answers the supervisor's health check only once its imports (pandas,
        # scipy, the matching engine) are done: on a busy machine that takes longer than
        # uvicorn's default 5 s, and the worker would be killed and restarted forever.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        log_level="info",
    )


def user_create(
    email: Annotated[str, typer.Option(help="The user's e-mail address (their login).")],
    password: Annotated[
        str | None, typer.Option(help="Password (asked for when omitted and a terminal is attached).")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    admin: Annotated[bool, typer.Option("--admin", help="Make an instance administrator.")] = False,
    region: Annotated[str | None, typer.Option(help="Give a role in this region (slug).")] = None,
    role: Annotated[
        str, typer.Option(help="Role in --region: viewer, member, facilitator or admin.")
    ] = "member",
    exist_ok: Annotated[
        bool, typer.Option("--exist-ok", help="Do nothing if the user already exists (for scripts).")
    ] = False,
) -> None:
    """Create a user, optionally with a role in a region."""
    from sidestream.cli import out
    from sidestream.errors import InvalidDataError
    from sidestream.services import accounts, regions

    if password is None:
        if not sys.stdin.isatty():
            raise InvalidDataError(N_("no terminal to ask for a password: pass --password"))
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as session:
        if exist_ok and session.scalar(select(User.id).where(User.email == accounts.normalise_email(email))):
            out.print(f"user {email} exists; nothing to do", highlight=False)
            return
        target = regions.get_region(session, region) if region else None
        role_ = accounts.parse_role(role)
        user = accounts.create_user(session, email, password, name=name, is_admin=admin)
        if target is not None:
            accounts.add_membership(session, user, target, role_)
        where = f", {role_.value} in {target.slug}" if target is not None else ""
        out.print(f"created user {user.id} {user.email}{' (admin)' if admin else ''}{where}", highlight=False)


def token_create(
    email: Annotated[str, typer.Option(help="Whose token.")],
    name: Annotated[str, typer.Option(help="What the token is for.")],
) -> None:
    """Create a personal API token and print it once (only its hash is stored)."""
    from sidestream.services import accounts

    with _session() as session:
        user = accounts.user_by_email(session, email)
        issued = accounts.create_token(session, user, name)
    sys.stdout.write(issued.plaintext + "\n")
    sys.stderr.write(f"token {issued.token.id} ({issued.token.prefix}…) for {user.email}: store it now\n")


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured, migrated database; closed afterwards."""
    from sidestream.config import get_settings
    from sidestream.store.db import check_migrated, make_engine, session_factory

    engine = make_engine(get_settings().database_url)
    try:
        check_migrated(engine)
        with session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    from sidestream.cli import friendly

    app.command("serve")(friendly(serve))
    user_app.command("create")(friendly(user_create))
    token_app.command("create")(friendly(token_create))
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
