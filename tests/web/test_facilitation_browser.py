"""The case board and the public page in a real browser (Debian's chromium): a case
moves with the keyboard (no drag and drop), residents leave feedback without an
account, no serious accessibility violations, and a phone does not scroll sideways."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.web.conftest import REGION, Demo, Visit, open_visit
from tests.web.test_browser import log_in, run_axe
from tests.web.visibility import leaks

BASE = f"/regions/{REGION}"


def open_case(visit: Visit, title: str) -> str:
    visit.goto(f"{BASE}/cases?lang=en")
    visit.page.fill("#new-title", title)
    with visit.page.expect_navigation():
        visit.page.press("#new-title", "Enter")
    return visit.page.url.split(visit.origin, 1)[1]


def test_kanban_move_with_the_keyboard(visit: Visit, demo: Demo) -> None:
    log_in(visit, demo.member)
    case_url = open_case(visit, "Keyboard case")
    case_id = case_url.rsplit("/", 1)[1]
    visit.goto(f"{BASE}/cases?lang=en")
    page = visit.page
    card = page.locator(f"#case-{case_id}")
    assert card.locator("xpath=ancestor::section").get_attribute("data-stage") == "idea"
    # keyboard only: focus the stage select, choose with the arrow keys, Tab to the button, Enter
    page.focus(f"#move-{case_id}")
    assert page.eval_on_selector(f"#move-{case_id}", "s => s.value") == "explored"  # the first choice
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Move"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    moved = page.locator(f"#case-{case_id}")
    assert moved.locator("xpath=ancestor::section").get_attribute("data-stage") == "explored"
    assert not run_axe(visit), run_axe(visit)
    visit.goto(case_url + "?lang=en")
    page.wait_for_selector("svg.readiness-chart rect.chart-bar", state="attached")
    assert page.locator("svg.readiness-chart rect.chart-bar").count() == 6  # one bar per perspective
    assert page.locator(".stage").inner_text() == "Explored"
    assert not run_axe(visit)
    assert not visit.console_errors, visit.console_errors


def test_resident_leaves_feedback_on_the_public_page(
    browser: Browser, server: str, visit: Visit, demo: Demo
) -> None:
    log_in(visit, demo.member)
    case_url = open_case(visit, "Heat for the greenhouse")
    visit.goto(case_url + "?lang=en")
    page = visit.page
    page.fill("#pub-summary", "A greenhouse heated with surplus heat")
    page.fill("#pub-place", "Mo industrial park")
    page.check("input[name=is_public]")
    with page.expect_navigation():
        page.click("#public button[type=submit]")
    public_path = page.locator("#public a").first.get_attribute("href")
    assert public_path and public_path.startswith("/public/cases/")
    resident = open_visit(browser, server)
    try:
        resident.goto(public_path + "?lang=nb")
        rp = resident.page
        assert "A greenhouse heated with surplus heat" in rp.content()
        assert not leaks(demo, rp.content())
        rp.fill("#fb-name", "Kari")
        rp.fill("#fb-text", "Blir det lukt?")
        with rp.expect_navigation():
            rp.click("#feedback-form button[type=submit]")
        rp.wait_for_selector("text=Takk: meldingen din er sendt til saksteamet.")
        assert "Blir det lukt?" in rp.locator("ul.feedback").inner_text()
        assert not run_axe(resident)
        assert not resident.console_errors, resident.console_errors
    finally:
        resident.context.close()


def test_board_fits_a_phone(phone: Visit) -> None:
    for path in (f"{BASE}/cases", "/catalogue", "/benchmarking"):
        phone.goto(path)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
