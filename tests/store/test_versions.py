"""Data stamps change with every write to their scope, in the same transaction, and
with nothing else. Both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from sidestream.services import accounts
from sidestream.store.db import session_factory
from sidestream.store.models import Flow, Region
from sidestream.store.versions import ACCOUNTS, ALL, read_stamps, region_scope


def stamps(engine: Engine) -> dict[str, int]:
    return read_stamps(engine)


def test_a_flow_write_changes_its_region_only(
    migrated_engine: Engine, session: Session, make_region: Callable[..., Region], make_organisation: Any,
    make_flow: Any,
) -> None:  # fmt: skip
    one, two = make_region("one"), make_region("two")
    flow = make_flow(make_organisation(one))
    make_flow(make_organisation(two, "Two AS"))
    before = stamps(migrated_engine)
    flow.notes = "changed"
    session.commit()
    after = stamps(migrated_engine)
    assert after[region_scope(one.id)] != before[region_scope(one.id)]
    assert after[region_scope(two.id)] == before[region_scope(two.id)]
    assert after.get(ACCOUNTS) == before.get(ACCOUNTS)


def test_a_rolled_back_write_changes_nothing(
    migrated_engine: Engine, session: Session, make_region: Any, make_organisation: Any, make_flow: Any
) -> None:
    flow = make_flow(make_organisation(make_region()))
    before = stamps(migrated_engine)
    flow.notes = "never saved"
    session.flush()
    session.rollback()
    assert stamps(migrated_engine) == before


def test_a_site_write_changes_its_organisations_region(
    migrated_engine: Engine, session: Session, make_region: Any, make_organisation: Any, make_site: Any
) -> None:
    region = make_region()
    site = make_site(make_organisation(region))
    before = stamps(migrated_engine)[region_scope(region.id)]
    site.lat = 66.5
    session.commit()
    assert stamps(migrated_engine)[region_scope(region.id)] != before


def test_tokens_change_accounts_only_when_revoked(
    migrated_engine: Engine, session: Session, make_user: Any
) -> None:
    user = make_user()
    before = stamps(migrated_engine).get(ACCOUNTS)
    issued = accounts.create_token(session, user, "script")
    issued.token.last_used_at = datetime.now(UTC)
    session.commit()
    assert stamps(migrated_engine).get(ACCOUNTS) == before  # new or used: no cache is affected
    accounts.revoke_token(session, user, issued.token.id)
    assert stamps(migrated_engine).get(ACCOUNTS) != before


def test_membership_organisations_change_accounts(
    migrated_engine: Engine, session: Session, make_region: Any, make_organisation: Any, make_user: Any
) -> None:
    region = make_region()
    organisation = make_organisation(region)
    user = make_user("member", region, [organisation.id])
    before = stamps(migrated_engine)[ACCOUNTS]
    accounts.add_membership(session, user, region, "member", [])  # same role, fewer organisations
    assert stamps(migrated_engine)[ACCOUNTS] != before


def test_a_bulk_statement_changes_all(
    migrated_engine: Engine, session: Session, make_region: Any, make_organisation: Any, make_flow: Any
) -> None:
    make_flow(make_organisation(make_region()))
    before = stamps(migrated_engine).get(ALL)
    session.execute(update(Flow).values(notes="bulk"))
    session.commit()
    assert stamps(migrated_engine).get(ALL) not in (None, before)


def test_stamps_are_read_once_per_transaction(migrated_engine: Engine, make_region: Any) -> None:
    from sidestream.store.versions import read_versions

    region = make_region()
    with session_factory(migrated_engine)() as reader, session_factory(migrated_engine)() as writer:
        assert reader.get(Region, region.id) is not None  # begins the reader's transaction
        first = read_versions(reader)
        writer.add(Region(slug="other", name="Other"))
        writer.commit()
        assert read_versions(reader) is first  # same transaction: the stamps it started with
        reader.rollback()
        assert read_versions(reader) != first  # a new transaction sees the write
