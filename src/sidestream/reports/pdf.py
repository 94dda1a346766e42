"""Print an HTML document to PDF (and to a PNG for a look) with headless chromium.

A browser is the layout engine the reports are designed for, so printing through it
keeps screen and paper alike. The document must be self-contained: the page is given
no network (every request outside ``data:`` is aborted), so a report that renders
here renders anywhere offline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sidestream.errors import ReportError
from sidestream.i18n import N_

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path(os.environ.get("SIDESTREAM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PaperFormat = Literal["A4", "Letter"]


def _render(html: str, action: str, *, width: int = 1100) -> bytes:
    if not CHROMIUM.exists():
        raise ReportError(
            N_("{chromium} is missing, so no PDF can be printed: apt-get install chromium"), chromium=CHROMIUM
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ReportError(N_("Python's playwright is not installed: pip install playwright")) from exc
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.route("**/*", lambda route: route.abort())  # offline: no fetch leaves the page
            page.set_content(html, wait_until="load")
            return _act(page, action)
        finally:
            browser.close()


def _act(page: Page, action: str) -> bytes:
    if action == "pdf":
        return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    return page.screenshot(full_page=True, type="png")


def html_to_pdf(html: str) -> bytes:
    """The document printed to an A4 PDF (a ``@page`` rule in its CSS may change it)."""
    return _render(html, "pdf")


def html_to_png(html: str, *, width: int = 1100) -> bytes:
    """A full-page PNG of the document, for people (and reviewers) to look at."""
    return _render(html, "png", width=width)
