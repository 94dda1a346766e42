"""Importing flow tables: one transaction, idempotent by flow id, strict or lenient,
dry runs that write nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from tests.conftest import HEADER, write_csv

from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import PermissionDeniedError, StoreError
from sidestream.services.imports import import_flow_table
from sidestream.store.models import AuditEvent, Base, Flow, Organisation, Region, Site

ROWS = [
    "s1,Elkem Rana,company,24.10,Mo Industripark,66.3167,14.1300,supply,overskuddsvarme 90 °C,heat,,150,GWh/yr,90,1-12,public,",
    "s2,Celsa Armeringsstål,company,24.10,Mo Industripark,66.3190,14.1250,supply,stålslagg,by-product,10 02 02,60000,t/yr,,1-12,network,",
    "d1,Mo Fjernvarme,utility,35.30,Mo i Rana,66.3130,14.1420,demand,fjernvarme 80 °C,heat,,120,GWh/yr,80,1-12,public,",
    "d2,Rana kommune,municipality,84.11,Rådhuset,66.3120,14.1600,demand,pukk og grus,material,,40000,t/yr,,4-10,public,",
    "d3,Rana kommune,municipality,93.11,Svømmehallen,66.3150,14.1500,demand,varme til basseng,heat,,2,GWh/yr,30,1-12,network,",
]
BAD_ROW = "x1,Bad AS,company,,Nowhere,666,14.1,supply,something,heat,,1,t/yr,,1-12,public,"


def _counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        name: session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
        for name in ("organisations", "sites", "flows", "audit_events")
    }


@pytest.fixture
def region(make_region: Callable[..., Region]) -> Region:
    return make_region("rana")


def test_import_creates_organisations_sites_and_flows(
    session: Session, region: Region, tmp_path: Path
) -> None:
    report = import_flow_table(session, region, write_csv(tmp_path / "f.csv", ROWS), user_id=None)
    assert report.ok and report.applied
    assert (report.created, report.updated, report.unchanged, report.skipped) == (5, 0, 0, 0)
    assert (report.organisations_created, report.sites_created) == (4, 5)
    assert _counts(session) == {"organisations": 4, "sites": 5, "flows": 5, "audit_events": 14}
    kommune = session.scalars(select(Organisation).where(Organisation.name == "Rana kommune")).one()
    assert (kommune.actor_type, kommune.nace) == ("municipality", "84.11")  # from its first row
    pool = session.scalars(select(Site).where(Site.name == "Svømmehallen")).one()
    assert pool.nace == "93.11"  # the site's own activity is kept
    s2 = session.scalars(select(Flow).where(Flow.key == "s2")).one()
    assert (s2.annual_quantity, s2.annual_unit, s2.ewc, s2.hazardous) == (60000.0, "t/yr", "10 02 02", False)
    assert (s2.visibility, s2.months_mask, s2.region_id) == ("network", 0xFFF, region.id)


def test_reimport_is_idempotent(session: Session, region: Region, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", ROWS)
    import_flow_table(session, region, path)
    before = _counts(session)
    again = import_flow_table(session, region, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert (again.organisations_created, again.organisations_updated, again.sites_created, again.sites_updated) == (
        0, 0, 0, 0,
    )  # fmt: skip
    assert _counts(session) == before  # no duplicates and no audit noise
    assert {f.version for f in session.scalars(select(Flow))} == {1}


def test_reimport_updates_changed_rows_by_id(session: Session, region: Region, tmp_path: Path) -> None:
    import_flow_table(session, region, write_csv(tmp_path / "f.csv", ROWS))
    changed = [
        ROWS[0].replace(",150,GWh/yr,", ",175,GWh/yr,"),
        *ROWS[1:3],
        ROWS[3].replace("66.3120", "66.3121"),
    ]
    report = import_flow_table(session, region, write_csv(tmp_path / "g.csv", changed))
    assert (report.created, report.updated, report.unchanged, report.sites_updated) == (0, 1, 3, 1)
    s1 = session.scalars(select(Flow).where(Flow.key == "s1")).one()
    assert (s1.quantity, s1.annual_quantity, s1.version) == (175, 175_000.0, 2)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "flow", AuditEvent.before.is_not(None))
    ).one()
    assert event.action == "import" and event.entity_id == str(s1.id)
    assert event.before is not None and event.after is not None
    assert (event.before["quantity"], event.after["quantity"]) == (150, 175)
    assert _counts(session)["flows"] == 5  # d3 not in the file: kept, not deleted


def test_lenient_applies_valid_rows_and_reports_the_rest(
    session: Session, region: Region, tmp_path: Path
) -> None:
    report = import_flow_table(session, region, write_csv(tmp_path / "f.csv", [*ROWS[:2], BAD_ROW]))
    assert report.applied and not report.ok
    assert (report.created, report.skipped) == (2, 1)
    assert [(p.row, p.column) for p in report.errors] == [(4, "lat")]
    assert _counts(session)["flows"] == 2


def test_strict_applies_nothing_when_a_row_is_bad(session: Session, region: Region, tmp_path: Path) -> None:
    report = import_flow_table(session, region, write_csv(tmp_path / "f.csv", [*ROWS, BAD_ROW]), strict=True)
    assert not report.applied and not report.ok
    assert (report.created, report.skipped) == (0, 6)
    assert _counts(session) == {"organisations": 0, "sites": 0, "flows": 0, "audit_events": 0}
    good = import_flow_table(session, region, write_csv(tmp_path / "g.csv", ROWS), strict=True)
    assert good.applied and good.created == 5


def test_dry_run_reports_but_writes_nothing(session: Session, region: Region, tmp_path: Path) -> None:
    report = import_flow_table(session, region, write_csv(tmp_path / "f.csv", ROWS), dry_run=True)
    assert (report.created, report.organisations_created, report.applied, report.dry_run) == (
        5,
        4,
        False,
        True,
    )
    assert _counts(session) == {"organisations": 0, "sites": 0, "flows": 0, "audit_events": 0}
    import_flow_table(session, region, write_csv(tmp_path / "f.csv", ROWS))
    changed = [ROWS[0].replace("public", "private"), *ROWS[1:]]
    preview = import_flow_table(session, region, write_csv(tmp_path / "g.csv", changed), dry_run=True)
    assert (preview.updated, preview.unchanged) == (1, 4)
    session.expire_all()
    assert session.scalars(select(Flow.visibility).where(Flow.key == "s1")).one() == "public"


def _install_failing_trigger(engine: Engine) -> None:
    """A real database error on the flow whose resource is 'boom' (no mocks)."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(
                text(
                    "CREATE TRIGGER boom BEFORE INSERT ON flows WHEN NEW.resource = 'boom'"
                    " BEGIN SELECT RAISE(ABORT, 'boom: refused by trigger'); END"
                )
            )
        else:
            connection.execute(
                text(
                    "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN"
                    " IF NEW.resource = 'boom' THEN RAISE EXCEPTION 'boom: refused by trigger'; END IF;"
                    " RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(
                text("CREATE TRIGGER boom BEFORE INSERT ON flows FOR EACH ROW EXECUTE FUNCTION boom()")
            )


def test_a_failure_midway_leaves_nothing(
    session: Session, region: Region, tmp_path: Path, migrated_engine: Engine
) -> None:
    _install_failing_trigger(migrated_engine)
    boom = "b1,Boom AS,company,,Boomtown,66.0,14.0,supply,boom,heat,,1,GWh/yr,,1-12,public,"
    with pytest.raises(StoreError, match=r"nothing was saved.*boom"):
        import_flow_table(session, region, write_csv(tmp_path / "f.csv", [*ROWS[:3], boom, *ROWS[3:]]))
    assert _counts(session) == {"organisations": 0, "sites": 0, "flows": 0, "audit_events": 0}
    # and on top of earlier data, the earlier data is untouched
    import_flow_table(session, region, write_csv(tmp_path / "g.csv", ROWS))
    before = _counts(session)
    edited = [ROWS[0].replace("150", "999"), boom]
    with pytest.raises(StoreError):
        import_flow_table(session, region, write_csv(tmp_path / "h.csv", edited))
    assert _counts(session) == before
    assert session.scalars(select(Flow.quantity).where(Flow.key == "s1")).one() == 150


def test_values_longer_than_the_schema_are_row_problems(
    session: Session, region: Region, tmp_path: Path
) -> None:
    long_id = "x" * 101
    row = ROWS[0].replace("s1,", f"{long_id},", 1)
    report = import_flow_table(session, region, write_csv(tmp_path / "f.csv", [row, ROWS[1]]))
    assert [(p.row, p.column) for p in report.errors] == [(2, "id")]
    assert (report.created, report.skipped) == (1, 1)


def test_the_source_column_is_kept(session: Session, region: Region, tmp_path: Path) -> None:
    header = HEADER + ",source"
    rows = [ROWS[0] + ",https://doi.org/10.3390/en13184627", ROWS[1] + ",estimate: 1.5 % of capacity"]
    import_flow_table(session, region, write_csv(tmp_path / "f.csv", rows, header=header))
    sources = dict(session.execute(select(Flow.key, Flow.source)).all())
    assert sources == {"s1": "https://doi.org/10.3390/en13184627", "s2": "estimate: 1.5 % of capacity"}
    # a file without the column leaves the sources as they are
    again = import_flow_table(session, region, write_csv(tmp_path / "g.csv", ROWS[:2]))
    assert again.unchanged == 2
    session.expire_all()
    assert dict(session.execute(select(Flow.key, Flow.source)).all()) == sources


def test_conflicting_rows_warn_and_the_first_wins(session: Session, region: Region, tmp_path: Path) -> None:
    moved = (
        ROWS[1]
        .replace("s2,", "s9,", 1)
        .replace("66.3190", "66.0000")
        .replace("Celsa Armeringsstål", "Elkem Rana")
    )
    report = import_flow_table(session, region, write_csv(tmp_path / "f.csv", [ROWS[0], moved]))
    assert report.ok and [(p.row, p.column) for p in report.warnings] == [(3, "site")]
    assert session.scalars(select(Site.lat)).all() == [66.3167]


def test_organisations_match_case_insensitively(session: Session, region: Region, tmp_path: Path) -> None:
    import_flow_table(session, region, write_csv(tmp_path / "f.csv", ROWS[:1]))
    shouting = (
        ROWS[0].replace("s1,Elkem Rana,", "s7,ELKEM RANA,").replace("Mo Industripark", "MO INDUSTRIPARK")
    )
    report = import_flow_table(session, region, write_csv(tmp_path / "g.csv", [shouting]))
    assert (report.created, report.organisations_created, report.sites_created) == (1, 0, 0)


def test_only_managers_import_through_the_api(session: Session, region: Region, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", ROWS)
    with pytest.raises(PermissionDeniedError):
        import_flow_table(session, region, path, viewer=Viewer(7, Role.MEMBER, frozenset({1})))
    report = import_flow_table(session, region, path, viewer=Viewer(None, Role.FACILITATOR))
    assert report.created == 5


def test_unreadable_file_is_reported_not_raised(session: Session, region: Region, tmp_path: Path) -> None:
    report = import_flow_table(session, region, tmp_path / "missing.csv")
    assert not report.ok and not report.applied and "cannot read" in report.errors[0].message


def test_an_import_never_touches_a_flow_the_importer_cannot_see(
    session: Session,
    region: Region,
    tmp_path: Path,
    make_organisation,
    make_flow,  # type: ignore[no-untyped-def]
) -> None:
    owner = make_organisation(region, "Secret AS")
    hidden = make_flow(
        owner, key="s1", visibility="private", resource="hemmelig slagg", category="by-product"
    )
    path = write_csv(tmp_path / "f.csv", ROWS)
    facilitator = Viewer(None, Role.FACILITATOR)
    report = import_flow_table(session, region, path, viewer=facilitator)
    refused = [p for p in report.problems if p.column == "id"]
    assert len(refused) == 1 and refused[0].row == 2
    assert "cannot be used here" in refused[0].message and "Secret" not in refused[0].message
    session.expire_all()
    again = session.get(Flow, hidden.id)
    assert again is not None
    assert (again.visibility, again.resource) == ("private", "hemmelig slagg")
    assert report.created == len(ROWS) - 1 and report.updated == 0
    strict = import_flow_table(session, region, path, viewer=facilitator, strict=True, dry_run=True)
    assert not strict.applied
