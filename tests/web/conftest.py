"""The web pages against the Helgeland demo region.

One SQLite database per test session, migrated and loaded with the packaged
Helgeland region through the persistence services (``services.demo.load_demo``),
with three accounts: a facilitator, a member of the organisation owning a private
flow, and a viewer. In-process tests talk to the app with a ``TestClient``; the
browser tests drive Debian's chromium (``/usr/bin/chromium``, never a browser
downloaded by ``playwright install``) against a real uvicorn server started on a
free loopback port, one browser for the whole session.

Without chromium, Python's playwright or the built assets (``make install``) the
browser tests are skipped with the reason — except in CI (``CI`` set), where that is
a failure: CI must prove the set-up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from sqlalchemy import select

from sidestream.config import Settings
from sidestream.domain.visibility import Role
from sidestream.services import accounts, regions
from sidestream.services.demo import load_demo
from sidestream.store.db import make_engine, session_factory, upgrade
from sidestream.store.models import Flow, Organisation
from sidestream.web.app import create_web_app
from sidestream.web.templating import BUILD_DIR
from tests.api.client import ApiClient

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SECRET = "web-test-secret-0123456789abcdef"
PASSWORD = "helgeland-demo-pass"
REGION = "helgeland"
TIMEOUT_MS = 30_000


@dataclass
class Demo:
    """The loaded demo region: its database, accounts and who may see what."""

    url: str
    facilitator: str
    member: str
    viewer: str
    member_org: str
    flows: list[dict[str, Any]] = field(default_factory=list)

    def hidden_from_anonymous(self) -> list[dict[str, Any]]:
        return [f for f in self.flows if f["visibility"] != "public"]

    def public(self) -> list[dict[str, Any]]:
        return [f for f in self.flows if f["visibility"] == "public"]


def settings_for(url: str) -> Settings:
    return Settings(
        database_url=url,
        environment="test",
        secret_key=SECRET,
        session_cookie_secure=False,  # plain http on the loopback
        default_language="en",
        login_max_failures=50,
    )


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    path = tmp_path_factory.mktemp("web") / "helgeland.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            load_demo(session, REGION)
            region = regions.get_region(session, REGION)
            private = session.scalars(
                select(Flow).where(Flow.visibility == "private").order_by(Flow.id)
            ).first()
            assert private is not None, "the demo region has a private flow"
            owner = session.get(Organisation, private.organisation_id)
            assert owner is not None
            emails = {"facilitator": "facilitator@example.org", "member": "member@example.org",
                      "viewer": "viewer@example.org"}  # fmt: skip
            for role, email in emails.items():
                user = accounts.create_user(session, email, PASSWORD, name=role)
                orgs = [owner.id] if role == "member" else []
                accounts.add_membership(session, user, region, Role(role), orgs)
            rows = session.execute(
                select(Flow.key, Flow.visibility, Flow.resource, Flow.organisation_id, Organisation.name)
                .join(Organisation, Organisation.id == Flow.organisation_id)
                .where(Flow.region_id == region.id)
            ).all()
            flows = [
                {"key": k, "visibility": v, "resource": r, "organisation_id": o, "organisation": n}
                for k, v, r, o, n in rows
            ]
            return Demo(url, emails["facilitator"], emails["member"], emails["viewer"], owner.name, flows)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def web_settings(demo: Demo) -> Settings:
    return settings_for(demo.url)


@pytest.fixture(scope="session")
def client(web_settings: Settings) -> Iterator[ApiClient]:
    """The app in process (no browser), shared by the session: tests that log in use
    their own client (:func:`new_client`)."""
    with ApiClient(create_web_app(web_settings), base_url="http://testserver") as c:
        yield c


@pytest.fixture
def new_client(web_settings: Settings) -> Iterator[ApiClient]:
    with ApiClient(create_web_app(web_settings), base_url="http://testserver") as c:
        yield c


# --- a real server -------------------------------------------------------------------


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """uvicorn on a free loopback port; yields its origin, e.g. http://127.0.0.1:41234.

    The listening socket is opened here and handed to uvicorn (``--fd``), so no other
    process can take the port between choosing it and serving on it."""
    if not (BUILD_DIR / "app.js").is_file():
        _missing(f"the web assets are not built ({BUILD_DIR}): run `make install`")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    env = {
        **os.environ,
        "SIDESTREAM_DATABASE_URL": demo.url,
        "SIDESTREAM_ENVIRONMENT": "test",
        "SIDESTREAM_SECRET_KEY": SECRET,
        "SIDESTREAM_SESSION_COOKIE_SECURE": "false",
        "SIDESTREAM_DEFAULT_LANGUAGE": "en",
        "SIDESTREAM_LOGIN_MAX_FAILURES": "50",
    }
    env.pop("SIDESTREAM_TILE_URL", None)
    log = (tmp_path_factory.mktemp("server") / "uvicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "sidestream.web.app:web_app_from_env",
         "--fd", str(sock.fileno()), "--log-level", "warning", "--no-access-log"],
        env=env, stdout=log, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),),
    )  # fmt: skip
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{origin}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                text = Path(log.name).read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"the web server did not start:\n{text[-3000:]}")
            time.sleep(0.2)
        yield origin
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        sock.close()
        log.close()


@pytest.fixture(scope="session")
def browser(server: str) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install chromium (make test does it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Python's playwright is not installed: pip install -e '.[dev]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """A browser tab on the test server that records every request it makes."""

    origin: str
    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        self.page.goto(self.origin + path, wait_until="load", timeout=TIMEOUT_MS)


def open_visit(browser: Browser, origin: str, **context_options: Any) -> Visit:
    context = browser.new_context(base_url=origin, locale="en-GB", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    visit = Visit(origin, context, page)
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on("console", lambda m: visit.console_errors.append(m.text) if m.type == "error" else None)
    return visit


@pytest.fixture
def visit(browser: Browser, server: str) -> Iterator[Visit]:
    v = open_visit(browser, server)
    try:
        yield v
    finally:
        v.context.close()


@pytest.fixture
def phone(browser: Browser, server: str) -> Iterator[Visit]:
    v = open_visit(browser, server, viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    try:
        yield v
    finally:
        v.context.close()


# --- a small confidential region on SQLite and PostgreSQL, for the forms -------------


@dataclass
class Rana:
    """The API tests' confidential world (``tests/api/world.py``) behind the web app,
    on a fresh database per test: forms write, so they never touch the shared demo."""

    world: Any
    settings: Settings
    app: Any
    session: Any

    @property
    def base(self) -> str:
        return f"/regions/{self.world.slug}"

    @contextmanager
    def login(self, role: str) -> Iterator[tuple[ApiClient, str]]:
        """A client logged in as ``role`` (by a real session cookie; no password
        hashing) and its CSRF token; anonymous gets an empty token."""
        from sidestream.api.security import csrf_token, sign_session

        with ApiClient(self.app, base_url="http://testserver") as client:
            user = self.world.users.get(role)
            if user is None:
                yield client, ""
                return
            token = accounts.start_session(self.session, user)
            client.cookies.set(self.settings.session_cookie_name, sign_session(self.settings, token))
            yield client, csrf_token(self.settings, token)


@pytest.fixture
def rana(session: Any, migrated_url: str, migrated_engine: Any) -> Rana:
    from tests.api.world import SECRET as WORLD_SECRET
    from tests.api.world import build_world

    world = build_world(session)
    settings = Settings(
        database_url=migrated_url, environment="test", secret_key=WORLD_SECRET,
        session_cookie_secure=False, default_language="en",
    )  # fmt: skip
    return Rana(world, settings, create_web_app(settings, engine=migrated_engine), session)
