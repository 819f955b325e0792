"""Simulated marketplaces with injected fraud and its labels (test beds for fraud detectors)."""

from __future__ import annotations

from chengxin.simulate.ctx import DIFFICULTIES
from chengxin.simulate.market import simulate_market

__all__ = ["DIFFICULTIES", "simulate_market"]
