"""Bulk jobs (imports of a million rows): the garbage collector's settings (also the server's), and
database waits side by side with Python work (``side_by_side``).

CPython's cyclic garbage collector runs a collection every 700 allocations net, and its older
generations rescan every long-lived object — the modules, the catalog, the rows waiting in a
batch. A bulk import allocates tens of millions of short-lived, acyclic objects (cells, dicts,
tuples) and spent a fifth of its time in those collections (measured on the records import).
``bulk_gc`` moves what exists at the start out of the collector's sight (``gc.freeze``) and
collects less often while the job runs; cycles are still collected, later.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

BULK_THRESHOLDS = (100_000, 50, 100)
A = TypeVar("A")
B = TypeVar("B")


@contextmanager
def bulk_gc() -> Iterator[None]:
    """Within the block: collections every 100,000 allocations, with what existed before frozen."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BULK_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


SERVER_THRESHOLDS = (20_000, 20, 50)


def settle_server() -> None:
    """Once the server has started (modules, routes, templates, the catalog loaded): collect once,
    freeze what is left — gen-2 collections, the long pauses in a request's latency, no longer
    rescan it — and collect the young generation every 20,000 allocations instead of 700."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVER_THRESHOLDS)


def side_by_side(waiting: Callable[[], A], working: Callable[[], B], *, threaded: bool) -> tuple[A, B]:
    """``waiting()`` — work that mostly waits on the database — in a worker thread while
    ``working()`` — pure Python — runs here, so the database server and this process use the two
    cores at once; returns both results. ``waiting`` may use the caller's session: ``working`` must
    not. ``threaded=False`` (SQLite, whose connections stay in their thread) runs them in turn."""
    if not threaded:
        return waiting(), working()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(waiting)
        try:
            done = working()
        finally:
            result = future.result()
    return result, done
