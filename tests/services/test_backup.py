"""Backup and restore give back exactly what was saved, ids and all."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sidestream.domain.visibility import Role, Viewer
from sidestream.errors import StoreError
from sidestream.services import flows
from sidestream.services.backup import SKIPPED_TABLES, backup, read_backup, restore
from sidestream.services.demo import load_demo
from sidestream.services.flows import FlowChanges
from sidestream.services.regions import get_region
from sidestream.store.db import make_engine, session_factory, upgrade
from sidestream.store.models import (
    ApiToken,
    Base,
    Flow,
    Organisation,
    Region,
    Synergy,
    SynergyComment,
    User,
)


def _rows(engine: Engine, skip: frozenset[str] = SKIPPED_TABLES) -> dict[str, list[Any]]:
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
            if table.name not in skip
        }


@pytest.fixture
def populated(
    session: Session, make_user: Callable[..., User], make_region: Callable[..., Region]
) -> Session:
    """Two demo regions, users with memberships and tokens, a synergy with a comment,
    and audited edits."""
    load_demo(session, "helgeland")
    load_demo(session, "kalundborg")
    helgeland = get_region(session, "helgeland")
    org = session.scalars(select(Organisation).where(Organisation.region_id == helgeland.id)).first()
    assert org is not None
    member = make_user(Role.MEMBER, helgeland, (org.id,), name="Kari")
    make_user(Role.FACILITATOR, helgeland)
    session.add(ApiToken(user_id=member.id, name="laptop", prefix="ss_abc", token_hash="f" * 64))
    supply, demand = session.scalars(
        select(Flow).where(Flow.region_id == helgeland.id).order_by(Flow.id).limit(2)
    ).all()
    synergy = Synergy(
        region_id=helgeland.id, supply_flow_id=supply.id, demand_flow_id=demand.id, score=0.8,
        match={"reasons": ["heat to heat"], "distance_km": 1.5}, created_by=member.id,
    )  # fmt: skip
    session.add(synergy)
    session.flush()
    session.add(SynergyComment(synergy_id=synergy.id, user_id=member.id, text="Vi tar kontakt — ærlig talt!"))
    session.commit()
    viewer = Viewer(member.id, Role.MEMBER, frozenset({org.id}))
    own = session.scalars(select(Flow).where(Flow.organisation_id == org.id)).first()
    assert own is not None
    flows.update_flow(session, helgeland, viewer, own.id, FlowChanges(notes="oppdatert"), expected_version=1)
    return session


def _second_database(db_url: str) -> Engine:
    upgrade(db_url)
    return make_engine(db_url)


def test_instance_round_trip_is_identical(
    populated: Session, migrated_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "instance.json.gz"
    summary = backup(migrated_engine, path)
    assert summary.scope == "instance" and summary.rows["flows"] == 214 + 82 and summary.rows["users"] == 2
    target = _second_database(db_url)
    try:
        restored = restore(target, path)
        assert restored.rows == summary.rows
        assert _rows(target) == _rows(migrated_engine)
        # ids continue after the restored ones (PostgreSQL sequences were moved on)
        with session_factory(target)() as session:
            region = Region(slug="new", name="New")
            session.add(region)
            session.commit()
            assert region.id == max(r.id for r in session.scalars(select(Region)))
        # a second backup of the restored database holds the same rows
        again = read_backup(backup(target, tmp_path / "again.json.gz").path)
        assert again["tables"]["flows"] == read_backup(path)["tables"]["flows"]
    finally:
        target.dispose()


def test_region_backup_has_no_users(
    populated: Session, migrated_engine: Engine, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "helgeland.json.gz"
    summary = backup(populated, path, region="helgeland")
    assert summary.scope == "region" and summary.region == "helgeland"
    doc = read_backup(path)
    assert set(doc["tables"]) == {
        "regions", "organisations", "sites", "flows", "synergies", "synergy_comments", "audit_events",
    }  # fmt: skip
    assert [r[1] for r in doc["tables"]["regions"]["rows"]] == ["helgeland"]
    assert len(doc["tables"]["flows"]["rows"]) == 214
    target = _second_database(db_url)
    try:
        restore(target, path)
        source, copy = _rows(migrated_engine), _rows(target)
        helgeland_id = doc["tables"]["regions"]["rows"][0][0]
        source_flows = [row for row in source["flows"] if row[1] == helgeland_id]
        assert copy["flows"] == source_flows
        assert copy["users"] == [] and copy["memberships"] == [] and copy["api_tokens"] == []
        comment = copy["synergy_comments"][0]
        assert comment[2] is None and comment[3] == "Vi tar kontakt — ærlig talt!"  # author left out
    finally:
        target.dispose()


def test_restore_refuses_a_database_with_data(
    populated: Session, migrated_engine: Engine, tmp_path: Path
) -> None:
    path = backup(migrated_engine, tmp_path / "b.json.gz").path
    with pytest.raises(StoreError, match="restore needs an empty database, and table regions has 2 row"):
        restore(migrated_engine, path)


def test_restore_refuses_an_unmigrated_database(migrated_engine: Engine, db_url: str, tmp_path: Path) -> None:
    path = backup(migrated_engine, tmp_path / "b.json.gz").path
    target = make_engine(db_url)
    try:
        with pytest.raises(StoreError, match="not migrated"):
            restore(target, path)
    finally:
        target.dispose()


def test_restore_refuses_what_is_not_a_backup(migrated_engine: Engine, tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text("{}", encoding="utf-8")
    with pytest.raises(StoreError, match="not a Sidestream backup"):
        restore(migrated_engine, plain)
    foreign = tmp_path / "foreign.json.gz"
    with gzip.open(foreign, "wt", encoding="utf-8") as fh:
        json.dump({"format": "something-else"}, fh)
    with pytest.raises(StoreError, match="not a Sidestream backup"):
        restore(migrated_engine, foreign)
    future = tmp_path / "future.json.gz"
    with gzip.open(future, "wt", encoding="utf-8") as fh:
        json.dump({"format": "sidestream-backup", "version": 99, "tables": {}}, fh)
    with pytest.raises(StoreError, match="format version 99"):
        restore(migrated_engine, future)
    with pytest.raises(StoreError, match="no backup file"):
        restore(migrated_engine, tmp_path / "missing.json.gz")


def test_a_sqlite_backup_restores_into_either_database(
    migrated_engine: Engine, tmp_path: Path, session: Session
) -> None:
    """A SQLite pilot moves to PostgreSQL by backup and restore."""
    pilot_url = f"sqlite:///{tmp_path / 'pilot.sqlite'}"
    upgrade(pilot_url)
    pilot = make_engine(pilot_url)
    try:
        with session_factory(pilot)() as pilot_session:
            load_demo(pilot_session, "kalundborg")
        path = backup(pilot, tmp_path / "pilot.json.gz").path
        restore(migrated_engine, path)
        assert _rows(migrated_engine) == _rows(pilot)
    finally:
        pilot.dispose()
