"""Run the detectors over a dataset, in an order where a later one may use an earlier one's findings
(brushing uses the empty parcels; the others stand alone).

A detector whose tables are absent is skipped and the result says so (``skipped``: detector → reason);
an empty dataset gives empty findings.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol, cast

import polars as pl

from chengxin.analytics.detect import findings as fd
from chengxin.analytics.detect.dataset import Dataset

ORDER = ("price_fraud", "fake_traffic", "empty_parcel", "brushing", "malicious_review")


class Detector(Protocol):
    NAME: str
    NEEDS: tuple[str, ...]

    def detect(self, data: Dataset, found: dict[str, pl.DataFrame]) -> pl.DataFrame: ...


def detector(name: str) -> Detector:
    module: ModuleType = importlib.import_module(f"chengxin.analytics.detect.{name}")
    return cast(Detector, module)


@dataclass
class Run:
    findings: pl.DataFrame
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for det, kind, n in self.findings.group_by("detector", "entity_type").len().iter_rows():
            out.setdefault(det, {})[kind] = n
        return out


def run(data: Dataset, only: Sequence[str] | None = None, progress: Callable[[str], None] | None = None) -> Run:
    chosen = [d for d in ORDER if only is None or d in only]
    unknown = sorted(set(only or ()) - set(ORDER))
    if unknown:
        raise ValueError(f"unknown detector(s) {', '.join(unknown)}; choose from {', '.join(ORDER)}")
    found: dict[str, pl.DataFrame] = {}
    result = Run(fd.empty())
    for name in chosen:
        det = detector(name)
        missing = data.missing(det.NEEDS)
        if missing:
            result.skipped[name] = "missing table(s): " + ", ".join(missing)
            continue
        if progress:
            progress(name)
        started = time.perf_counter()
        found[name] = det.detect(data, found) if not data.empty else fd.empty()
        result.seconds[name] = round(time.perf_counter() - started, 3)
    result.findings = fd.combine(found.values())
    if data.has("accounts"):
        result.findings = fd.with_accounts(result.findings, data.frame("accounts"))
    return result
