"""``bulk_gc``: fewer collections inside a bulk job, the collector as it was afterwards."""

from __future__ import annotations

import gc

from chengxin.bulk import BULK_THRESHOLDS, bulk_gc


def test_bulk_gc_sets_and_restores_the_collector() -> None:
    before = gc.get_threshold()
    with bulk_gc():
        assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_freeze_count() > 0  # what existed before is out of the collector's sight
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_bulk_gc_restores_after_an_error_and_still_collects_cycles() -> None:
    before = gc.get_threshold()
    try:
        with bulk_gc():
            a: list[object] = []
            a.append(a)  # a cycle made inside the block
            del a
            assert gc.collect() >= 1  # an explicit collection still finds it
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before


@bulk_gc()
def _decorated() -> tuple[int, int, int]:
    return gc.get_threshold()


def test_bulk_gc_as_a_decorator() -> None:
    assert _decorated() == BULK_THRESHOLDS
    assert gc.get_threshold() != BULK_THRESHOLDS
