"""Screenshots of the main pages for the README: ``make screenshots``.

Builds a throw-away demo database (the Helgeland region and the demo facilitator),
starts the web app on a free loopback port, drives Debian's chromium through
playwright and writes one PNG per page to ``docs/screenshots/``. Nothing here
touches the network: the basemap is the packaged Natural Earth outline.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

from sidestream.domain.visibility import Role
from sidestream.services import accounts, regions
from sidestream.services.demo import load_demo
from sidestream.store.db import make_engine, session_factory, upgrade

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
EMAIL, PASSWORD = "demo@sidestream.example", "demo-facilitator"
REGION = "helgeland"
BASE = f"/regions/{REGION}"
SECRET = "screenshots-secret-0123456789abcdef"
BAD_FILE = (
    "id,actor,site,lat,lon,direction,resource,category,quantity,unit,months,visibility\n"
    "new-1,Fjordfisk AS,Settefisk,66.3301,14.1502,demand,varmt vann til settefisk,heat,4,GWh/yr,1-12,"
    "facilitator\n"
    "new-2,Fjordfisk AS,Settefisk,166.3301,14.1502,supply,fiskeslam,by-product,90,t/yr,1-12,facilitator\n"
    "new-3,Fjordfisk AS,Settefisk,66.3301,14.1502,sideways,spillvarme,heat,2,bananas,13,facilitator\n"
)


def prepare(url: str) -> None:
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            load_demo(session, REGION)
            region = regions.get_region(session, REGION)
            user = accounts.create_user(session, EMAIL, PASSWORD, name="Demo facilitator")
            accounts.add_membership(session, user, region, Role.FACILITATOR)
    finally:
        engine.dispose()


def serve(url: str) -> tuple[subprocess.Popen[bytes], str, socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    env = {**os.environ, "SIDESTREAM_DATABASE_URL": url, "SIDESTREAM_SECRET_KEY": SECRET,
           "SIDESTREAM_SESSION_COOKIE_SECURE": "false", "SIDESTREAM_DEFAULT_LANGUAGE": "en"}  # fmt: skip
    env.pop("SIDESTREAM_TILE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "sidestream.web.app:web_app_from_env",
         "--fd", str(sock.fileno()), "--log-level", "warning"],
        env=env, pass_fds=(sock.fileno(),),
    )  # fmt: skip
    origin = f"http://127.0.0.1:{sock.getsockname()[1]}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{origin}/api/v1/health", timeout=2).status_code == 200:
                return process, origin, sock
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the web server did not start")
        time.sleep(0.2)


def shoot(page: Page, name: str, out: Path) -> None:
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / f"{name}.png"), full_page=False)
    print(f"wrote {out / (name + '.png')}")


def take(origin: str, out: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 1280, "height": 860}, base_url=origin, locale="en-GB"
        )
        page = context.new_page()
        page.goto("/login?next=/")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("form.login-form button[type=submit]")
        page.goto(f"{BASE}?lang=en")
        page.wait_for_selector("#map[data-ready='true']")
        page.wait_for_selector(".leaflet-basemap-pane path", state="attached")
        page.wait_for_selector("#sankey svg")
        shoot(page, "overview", out)
        page.goto(f"{BASE}/flows")
        shoot(page, "flows", out)
        page.goto(f"{BASE}/organisations")
        shoot(page, "organisations", out)
        org = page.locator("#organisations-table tbody a", has_text="Elkem Rana").first.get_attribute("href")
        page.goto(f"{org}/flows/new")
        page.fill("#f-resource", "overskuddsvarme 45 °C fra kjølevann")
        page.wait_for_selector("#classify-suggestions .suggestion-box")
        page.click("#classify-suggestions [data-set-category]")
        page.wait_for_timeout(400)
        shoot(page, "flow-form", out)
        page.goto(f"{BASE}/import")
        page.set_input_files("#import-file", files=[{"name": "fjordfisk.csv", "mimeType": "text/csv",
                                                     "buffer": BAD_FILE.encode()}])  # fmt: skip
        with page.expect_navigation():
            page.click(".upload-form button[type=submit]")
        page.wait_for_selector("table.problems", timeout=90_000)
        shoot(page, "import-preview", out)
        page.goto(f"{BASE}/matches")
        page.wait_for_selector("ol.matches")
        shoot(page, "matches", out)
        with page.expect_navigation():
            page.locator("a.open-match").first.click()
        with page.expect_navigation():
            page.click("article.match-detail button:has-text('Save as synergy')")
        page.fill("#comment-text", "Kontakt fjernvarmeselskapet om kapasitet neste vinter.")
        with page.expect_navigation():
            page.click(".comment-form button")
        page.select_option("#synergy-status", "contacted")
        with page.expect_navigation():
            page.click("form[action$='/status'] button")
        shoot(page, "synergy", out)
        page.goto("/account/tokens")
        page.fill("#token-name", "nightly export script")
        with page.expect_navigation():
            page.click("form[action='/account/tokens'] button")
        shoot(page, "tokens", out)
        page.goto(f"{BASE}/audit")
        shoot(page, "audit", out)
        phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, base_url=origin)
        mobile = phone.new_page()
        mobile.goto(f"{BASE}?lang=nb")
        mobile.wait_for_selector("#map[data-ready='true']")
        shoot(mobile, "overview-phone-nb", out)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/screenshots.sqlite"
        prepare(url)
        process, origin, sock = serve(url)
        try:
            take(origin, args.out)
        finally:
            process.terminate()
            process.wait(timeout=15)
            sock.close()


if __name__ == "__main__":
    main()
