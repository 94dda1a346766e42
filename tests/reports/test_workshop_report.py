"""The outcome report of a Helgeland workshop, printed through chromium: page count,
the key numbers read back from the PDF text (pypdf), both languages, and a PNG for a
person to look at (``SIDESTREAM_WRITE_SCREENSHOTS=1`` writes it to
``docs/screenshots/workshop-report.png``)."""

from __future__ import annotations

import io
import os
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from sidestream.domain.categories import Direction, Visibility
from sidestream.domain.visibility import Role, Viewer
from sidestream.reports import pdf
from sidestream.reports import workshop as report
from sidestream.services import regions
from sidestream.services import workshops as service
from sidestream.services.demo import load_demo
from sidestream.services.workshops import NewIdea, NewWorkshop, WorkshopFlowInput
from sidestream.store.db import make_engine, session_factory, upgrade
from sidestream.store.models import Organisation

pytestmark = pytest.mark.skipif(
    not pdf.CHROMIUM.exists() and not os.environ.get("CI"), reason="needs /usr/bin/chromium"
)
ROOT = Path(__file__).resolve().parents[2]
SECRET = "report-test-secret"
FACILITATOR = Viewer(user_id=None, role=Role.FACILITATOR)
ORGS = ["Elkem Rana AS", "Celsa Armeringsstål AS", "Mo Fjernvarme AS", "Rana kommune", "Nova Sea AS"]
# Votes each participant gives, by idea position: written out so the totals are known.
VOTES = {0: [0, 1, 2], 1: [0, 1], 2: [0, 3], 3: [1, 2], 4: [0]}  # idea 0: 4, idea 1: 3, idea 2: 2, idea 3: 1
IDEAS = [
    ("Surplus heat from the smelter to district heating", "Heat recovery on the furnace off-gas."),
    ("Steel slag as road aggregate", "Replace quarried gravel in municipal roads."),
    ("Warm cooling water for smolt", "Heat for the hatchery at 30 °C."),
    ("Shared CO2 capture study", "A joint feasibility study."),
]


@pytest.fixture(scope="module")
def outcome_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Session, service.Actor]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'helgeland.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        load_demo(session, "helgeland")
        region = regions.get_region(session, "helgeland")
        w = service.create_workshop(session, region, FACILITATOR, NewWorkshop(
            title="Industrial symbiosis in Mo i Rana", place="Mo Industripark", lat=66.3167, lon=14.13,
            language="en", groups=["Energy", "Materials"], vote_budget=3))  # fmt: skip
        guests = [service.join(session, w.join_code, f"Person {i + 1}", org) for i, org in enumerate(ORGS)]
        actor_of = [service.actor_for(session, w.id, participant=g.participant, user=None) for g in guests]
        facilitator = service.Actor(w, region, FACILITATOR)
        service.add_flow(session, actor_of[4], WorkshopFlowInput(
            direction=Direction.DEMAND, resource="varme 30 °C til settefisk", quantity=4, unit="GWh/yr",
            visibility=Visibility.PUBLIC, site_name="Settefisk Dalsgrenda", lat=66.28, lon=13.95))  # fmt: skip
        own = session.scalar(select(Organisation.id).where(Organisation.name == "Elkem Rana AS"))
        assert own is not None  # joining with an organisation's name finds it in the registry
        ideas = [service.propose(session, actor_of[i % 5], NewIdea(title=t, description=d), secret=SECRET)
                 for i, (t, d) in enumerate(IDEAS)]  # fmt: skip
        service.set_phase(session, facilitator, "voting")
        for p, positions in VOTES.items():
            actor = service.actor_for(session, w.id, participant=guests[p].participant, user=None)
            for pos in positions:
                service.vote(session, actor, ideas[pos].id)
        for p, (impact, effort) in enumerate([(5, 2), (4, 3), (5, 1)]):
            actor = service.actor_for(session, w.id, participant=guests[p].participant, user=None)
            service.place(session, actor, ideas[1].id, impact, effort)
            service.place(session, actor, ideas[0].id, 5, 4)
        service.update_idea(session, facilitator, ideas[0].id, service.IdeaChanges(
            chosen=True, next_steps="Heat survey at the smelter by March; meet the utility", owner="Mo Fjernvarme"))  # fmt: skip
        service.update_idea(session, facilitator, ideas[1].id, service.IdeaChanges(
            chosen=True, next_steps="Leaching tests against the road authority's limits", owner="Rana kommune"))  # fmt: skip
        service.set_phase(session, facilitator, "closed")
        facilitator = service.Actor(service.get_workshop(session, w.id), region, FACILITATOR)
        yield session, facilitator
    engine.dispose()


def _flat(text: str) -> str:
    """PDF text with ligatures (ﬂ, ﬀ) unfolded and white space collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


def _text(reader: PdfReader) -> str:
    return _flat(" ".join(page.extract_text() for page in reader.pages))


def test_outcome_numbers_by_hand(outcome_session: tuple[Session, service.Actor]) -> None:
    session, actor = outcome_session
    data = service.outcome(session, actor, secret=SECRET, lang="en")
    assert len(data.participants) == 5 and data.ideas == 4 and data.added == 1
    assert data.votes_cast == 10  # 3 + 2 + 2 + 2 + 1
    assert [i.votes for i in data.by_votes] == [4, 3, 2, 1]
    # Idea 1: impact (5+4+5)/3 = 4.67, effort (2+3+1)/3 = 2 → 4.67 × 4 / 25 = 0.7467;
    # idea 0: 5 × (6 − 4) / 25 = 0.4.
    assert [i.title for i in data.by_priority] == [IDEAS[1][0], IDEAS[0][0]]
    assert round(data.by_priority[0].priority or 0, 3) == 0.747
    assert [i.title for i in data.top] == [IDEAS[0][0], IDEAS[1][0]]


def test_pdf_report_pages_and_key_numbers(outcome_session: tuple[Session, service.Actor]) -> None:
    session, actor = outcome_session
    data = service.outcome(session, actor, secret=SECRET, lang="en")
    reader = PdfReader(io.BytesIO(report.render_pdf(data, "en")))
    assert 2 <= len(reader.pages) <= 4
    flat = _text(reader)
    assert "Industrial symbiosis in Mo i Rana" in flat
    assert "Heat survey at the smelter by March" in flat and "Mo Fjernvarme" in flat
    assert "4 participants" in flat  # idea 0: four voters
    assert "0.75" in flat  # idea 1's priority
    first = _flat(reader.pages[0].extract_text())
    for number, label in (
        ("5", "participants"),
        ("4", "ideas proposed"),
        ("1", "new flows mapped"),
        ("10", "votes cast"),
    ):
        assert f"{number} {label}" in first, (number, label, first[:400])
    nb = _text(PdfReader(io.BytesIO(report.render_pdf(data, "nb"))))
    assert "Neste steg" in nb and "Ideer rangert etter stemmer" in nb and "0,75" in nb


def test_png_of_the_report(outcome_session: tuple[Session, service.Actor], tmp_path: Path) -> None:
    session, actor = outcome_session
    data = service.outcome(session, actor, secret=SECRET, lang="en")
    png = pdf.html_to_png(report.render_html(data, "en"), width=900)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    target = ROOT / "docs" / "screenshots" / "workshop-report.png"
    if os.environ.get("SIDESTREAM_WRITE_SCREENSHOTS"):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png)
    else:
        (tmp_path / "workshop-report.png").write_bytes(png)
