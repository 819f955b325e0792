"""Detector settings come from defaults.toml, complete and typed; a bad file is refused naming its problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from chengxin.analytics.detect import brushing, empty_parcel, fake_traffic, malicious_review, price_fraud, rules
from chengxin.errors import UnusableInput

DETECTORS = (brushing, malicious_review, empty_parcel, fake_traffic, price_fraud)


def test_every_detector_reads_its_table_whole() -> None:
    text = rules.DEFAULTS.read_text(encoding="utf-8")
    for module in DETECTORS:
        assert f"[{module.NAME}]" in text
        assert isinstance(module.SETTINGS, module.Settings)
    assert price_fraud.SETTINGS.reference_days == 7  # the seven days before a promotion
    assert malicious_review.SETTINGS.weights[0] == ("burst", 0.45)  # order kept
    assert empty_parcel.SETTINGS.min_hours[0] == (6, 1.0)
    assert isinstance(brushing.SETTINGS.alpha, float) and isinstance(brushing.SETTINGS.min_shared, int)


def test_a_bad_file_is_refused_naming_every_problem(tmp_path: Path) -> None:
    good = rules.DEFAULTS.read_text(encoding="utf-8")
    bad = (
        good.replace("min_raise = 0.2", 'min_raise = "a fifth"')
        .replace("base_score = 0.6", "")
        .replace("tolerance = 0.0", "tolerance = 0.0\nsurprise = 1")
    )
    path = tmp_path / "rules.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(UnusableInput) as caught:
        rules.load(price_fraud.Settings, "price_fraud", path)
    text = str(caught.value)
    assert "base_score: missing" in text and "surprise: unknown setting" in text and "min_raise: expected" in text
    with pytest.raises(UnusableInput, match="no table"):
        rules.load(price_fraud.Settings, "nothing_here", path)


def test_an_integer_setting_refuses_a_fraction(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(rules.DEFAULTS.read_text(encoding="utf-8").replace("min_shared = 3", "min_shared = 2.5"))
    with pytest.raises(UnusableInput, match="min_shared: expected int"):
        rules.load(brushing.Settings, "brushing", path)
