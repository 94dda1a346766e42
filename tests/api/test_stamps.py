"""The stamp reader serves many concurrent requests with few queries, and never hands
a request stamps read before it arrived: a write committed before a request began is
always in the stamps it gets. Both backends."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping

from sqlalchemy import Engine, text

from sidestream.api.stamps import StampReader
from sidestream.store.versions import bump, read_stamps

SCOPE = "region:4242"


def write(engine: Engine) -> int:
    """Commit a new stamp for ``SCOPE`` (as any write to that region would); return it."""
    with engine.begin() as connection:
        bump(connection, [SCOPE])
    return read_stamps(engine)[SCOPE]


def test_concurrent_reads_share_queries(migrated_engine: Engine) -> None:
    reader = StampReader(migrated_engine)
    expected = write(migrated_engine)

    async def burst() -> list[Mapping[str, int]]:
        return await asyncio.gather(*(reader.read() for _ in range(50)))

    try:
        results = asyncio.run(burst())
    finally:
        reader.close()
    assert all(r[SCOPE] == expected for r in results)
    # the first caller starts a read; the other 49 arrive while it runs and share the next
    assert reader.reads <= 2


class GatedReader(StampReader):
    """Holds its first read (after querying) until the test lets it finish."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.first_read_done = threading.Event()
        self.release = threading.Event()

    def read_now(self) -> dict[str, int]:
        stamps = super().read_now()
        if not self.first_read_done.is_set():
            self.first_read_done.set()
            assert self.release.wait(10)
        return stamps


def test_a_request_never_gets_stamps_read_before_it_arrived(migrated_engine: Engine) -> None:
    old = write(migrated_engine)
    reader = GatedReader(migrated_engine)

    async def scenario() -> tuple[Mapping[str, int], Mapping[str, int], int]:
        early = asyncio.create_task(reader.read())  # its read sees ``old`` and is held
        await asyncio.to_thread(reader.first_read_done.wait, 10)
        new = await asyncio.to_thread(write, migrated_engine)  # committed while that read runs
        late = asyncio.create_task(reader.read())  # arrives after the write's commit
        await asyncio.sleep(0)
        reader.release.set()
        return await early, await late, new

    try:
        early, late, new = asyncio.run(scenario())
    finally:
        reader.close()
    assert new != old
    assert early[SCOPE] == old  # read before the write: correct for the early request
    assert late[SCOPE] == new  # not the in-flight read's result: a read of its own
    assert reader.reads == 2


def test_a_failed_read_reaches_every_waiter_and_the_next_read_works(migrated_engine: Engine) -> None:
    reader = StampReader(migrated_engine)
    real = reader.read_now
    calls = 0

    def flaky() -> dict[str, int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database away")
        return real()

    reader.read_now = flaky  # type: ignore[method-assign]

    async def two_rounds() -> tuple[list[object], Mapping[str, int]]:
        failed = await asyncio.gather(reader.read(), reader.read(), return_exceptions=True)
        return list(failed), await reader.read()

    try:
        failed, stamps = asyncio.run(two_rounds())
    finally:
        reader.close()
    assert len(failed) == 2 and all(isinstance(f, RuntimeError) for f in failed)
    assert stamps == read_stamps(migrated_engine)


def test_a_dropped_held_connection_is_replaced(migrated_engine: Engine) -> None:
    reader = StampReader(migrated_engine)
    if migrated_engine.dialect.name != "postgresql":  # SQLite reads in-process, holding nothing
        assert reader.read_now() == read_stamps(migrated_engine)
        assert reader._connection is None
        return
    try:
        reader.read_now()
        assert reader._connection is not None
        pid = reader._connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with migrated_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        expected = write(migrated_engine)
        assert reader.read_now()[SCOPE] == expected
    finally:
        reader.close()
