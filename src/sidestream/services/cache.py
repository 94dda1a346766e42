"""A bounded, thread-safe least-recently-used map for the per-process read caches.

Every cache in Sidestream keys its entries with the data stamps they were computed
from (:mod:`sidestream.store.versions`), so an entry is never wrong, only unused once
the data moves on; this map just bounds how many such entries a process keeps.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most ``size`` entries; reading an entry makes it the most recent.

    >>> cache: LRUCache[str, int] = LRUCache(2)
    >>> cache.put("a", 1), cache.put("b", 2), cache.get("a"), cache.put("c", 3)
    (1, 2, 1, 3)
    >>> cache.get("b") is None, cache.get("a"), len(cache)
    (True, 1, 2)
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("an LRU cache needs room for at least one entry")
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._flights: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_compute(self, key: K, compute: Callable[[], V]) -> V:
        """The entry, or ``compute()`` stored under ``key``. Threads that miss the same
        key at once wait for the first one's result instead of all computing it (fifty
        requests for a region's matches run the engine once); other keys go on."""
        hit = self.get(key)
        if hit is not None:
            return hit
        with self._lock:
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            hit = self.get(key)
            if hit is not None:
                return hit
            try:
                return self.put(key, compute())
            finally:
                with self._lock:
                    self._flights.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
