"""Printing HTML through Debian's chromium: the PDF holds the text, pages and no fetch."""

from __future__ import annotations

import io
import os

import pytest
from pypdf import PdfReader

from sidestream.errors import ReportError
from sidestream.reports import pdf

pytestmark = pytest.mark.skipif(
    not pdf.CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)


def test_pdf_has_the_text_and_one_page_per_break() -> None:
    html = (
        "<html><body><h1>Helgeland 12 345 MWh/yr</h1>"
        "<div style='page-break-before: always'>Second page: Mo i Rana</div>"
        "<img src='https://example.org/tile.png' alt=''></body></html>"
    )
    data = pdf.html_to_pdf(html)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    assert "12 345 MWh/yr" in reader.pages[0].extract_text()
    assert "Mo i Rana" in reader.pages[1].extract_text()


def test_png_is_a_png() -> None:
    data = pdf.html_to_png("<p>hei</p>", width=400)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_browser_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setattr(pdf, "CHROMIUM", pdf.Path("/nonexistent/chromium"))
    with pytest.raises(ReportError, match="apt-get install chromium"):
        pdf.html_to_pdf("<p>x</p>")
