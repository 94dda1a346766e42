"""Reading the data stamps once for many concurrent requests.

Every cacheable GET starts by reading the stamps (:mod:`sidestream.store.versions`):
that read is what lets each worker keep its own caches and still see a write made
by another worker on the very next request. Under load, fifty requests a few
milliseconds apart would each pay for it — on PostgreSQL a thread-pool hop, a pooled
connection's pre-ping, the query and the reset on return: three round trips, and
the thread pool and the database's CPU shared with everything else.

:class:`StampReader` reads for many requests at once without weakening that
guarantee. What a request needs is stamps read *after it arrived* (then every write
committed before it is visible in them). So at most one read is in flight per event
loop; requests that arrive while it runs wait for the *next* read, which starts as
soon as the current one ends and serves all of them. A request therefore waits at
most two reads, and a burst of fifty costs two queries instead of fifty.

On PostgreSQL the read goes through one connection held for the reader's lifetime,
in autocommit mode: one round trip per read (no pre-ping, no reset; each statement
is its own transaction, so nothing is held open between reads). A broken connection
is replaced on the next read. SQLite reads in-process through the pool, as before.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Mapping

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from sidestream.store.versions import STAMPS_QUERY, read_stamps


class _Batch:
    """The coalescing state of one event loop."""

    def __init__(self) -> None:
        self.waiting: asyncio.Future[Mapping[str, int]] | None = None  # the next read's result
        self.running: asyncio.Task[None] | None = None


class StampReader:
    """Data stamps for the requests of one application (one per worker process)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.reads = 0  # queries made (for tests and benchmarks)
        self._dedicated = engine.dialect.name == "postgresql"
        self._connection: Connection | None = None
        self._lock = threading.Lock()  # one read at a time on the held connection
        # An application dropped without its shutdown (tests build many, and dispose
        # of their engines first) closes the connection when it is collected or at
        # exit, instead of leaving it open.
        self._held: list[Connection] = []
        weakref.finalize(self, _close_held, self._held)
        # Futures belong to a loop: an application served from several loops (tests
        # with two clients) coalesces per loop.
        self._batches: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Batch] = (
            weakref.WeakKeyDictionary()
        )

    async def read(self) -> Mapping[str, int]:
        """Stamps read after this call began (shared with concurrent callers)."""
        loop = asyncio.get_running_loop()
        batch = self._batches.get(loop)
        if batch is None:
            batch = self._batches[loop] = _Batch()
        future = batch.waiting
        if future is None:
            future = batch.waiting = loop.create_future()
            future.add_done_callback(_retrieve)
            if batch.running is None:
                batch.running = loop.create_task(self._drain(batch))
        # shield: one caller giving up (a client disconnect) must not cancel the read
        # the others wait for.
        return await asyncio.shield(future)

    async def _drain(self, batch: _Batch) -> None:
        """Run reads while callers wait for one; each read serves every caller that
        arrived before it started."""
        try:
            while batch.waiting is not None:
                future, batch.waiting = batch.waiting, None
                try:
                    stamps = await run_in_threadpool(self.read_now)
                except asyncio.CancelledError:
                    future.cancel()
                    raise
                except Exception as exc:
                    if not future.done():
                        future.set_exception(exc)
                else:
                    if not future.done():
                        future.set_result(stamps)
        finally:
            batch.running = None
            if batch.waiting is not None and not batch.waiting.done():  # cancelled mid-way
                batch.waiting.cancel()
                batch.waiting = None

    def read_now(self) -> dict[str, int]:
        """One read, on the calling thread."""
        self.reads += 1
        if not self._dedicated:
            return read_stamps(self.engine)
        with self._lock:
            try:
                return self._read_held()
            except DBAPIError:  # the server restarted or dropped us: once more, afresh
                self._drop()
                return self._read_held()

    def _read_held(self) -> dict[str, int]:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self._held.append(self._connection)
        rows = self._connection.execute(STAMPS_QUERY)
        return {str(scope): int(version) for scope, version in rows}

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self._held.clear()
        if connection is not None:
            try:
                connection.invalidate()
                connection.close()
            except Exception:  # pragma: no cover - it is broken already
                pass

    def close(self) -> None:
        """Give the held connection back (application shutdown)."""
        with self._lock:
            connection, self._connection = self._connection, None
            self._held.clear()
        if connection is not None:
            connection.close()


def _close_held(held: list[Connection]) -> None:
    """Close the database connection itself (not back to a pool that may be disposed)."""
    for connection in held:
        try:
            connection.invalidate()
            connection.close()
        except Exception:  # pragma: no cover - closing a dead connection
            pass
    held.clear()


def _retrieve(future: asyncio.Future[Mapping[str, int]]) -> None:
    """Mark a failed read's exception as seen when every waiter gave up before it."""
    if not future.cancelled():
        future.exception()
