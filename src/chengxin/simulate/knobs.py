"""Difficulty levels: how well the injected fraud hides among the honest rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Knobs:
    """How well the fraud hides; ``default`` is the level detectors are judged at."""

    camouflage: float  # honest orders per fake order placed by a brusher
    link_share: float  # share of brushers / attackers sharing a device, IP, … with their group
    new_share: float  # share of brushers that are fresh accounts (the rest are recruited buyers)
    campaign_days: tuple[int, int]  # how long a seller's brushing campaign lasts
    quick_rating: float  # share of fake orders rated within hours of signing
    all_fives: float  # share of fake orders' ratings with DSR 5/5/5
    template_text: float  # share of fake orders' texts from the studio's templates (else honest-like)
    empty_share: float  # share of ring fake orders shipped as empty parcels
    obvious_weight: float  # share of empty parcels with an implausibly low weight
    broken_tracking: float  # share of empty parcels whose tracking shows no real trip
    attack_days: tuple[int, int]  # how many days a malicious-review campaign is spread over
    bot_jitter: float  # relative spread of a bot's interval between events
    raise_weeks: tuple[int, int]  # how many weeks before the promotion the price is raised


DIFFICULTIES: dict[str, Knobs] = {
    "easy": Knobs(0.3, 0.95, 0.7, (10, 30), 0.95, 0.95, 0.9, 0.5, 0.95, 0.95, (1, 2), 0.02, (1, 3)),
    "default": Knobs(1.0, 0.7, 0.5, (20, 120), 0.7, 0.8, 0.7, 0.4, 0.65, 0.8, (1, 6), 0.15, (1, 5)),
    "hard": Knobs(2.0, 0.45, 0.35, (45, 200), 0.45, 0.6, 0.45, 0.35, 0.4, 0.55, (3, 14), 0.35, (2, 6)),
}
