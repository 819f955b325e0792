"""Commitment rules (pure): the shipped templates, who may sign what, rendering, dates."""

from __future__ import annotations

import random
import tomllib
from datetime import date
from importlib import resources
from typing import Any

import pytest

from chengxin.domains.commitments import rules
from chengxin.errors import Conflict, InvalidInput
from tests.factories import make_uscc

TODAY = date(2026, 11, 24)


def _source() -> dict[str, Any]:
    text = resources.files("chengxin.domains.commitments").joinpath("templates.toml").read_text("utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module")
def tset() -> rules.TemplateSet:
    return rules.default_templates()


def test_shipped_templates_cover_the_policy_topics(tset: rules.TemplateSet) -> None:
    codes = {t.code for t in tset.templates}
    assert codes == {
        "law_abiding",
        "truthful_information",
        "price_integrity",
        "product_quality",
        "service_guarantee",
        "seven_day_returns",
        "advance_compensation",
        "platform_responsibility",
        "delivery_safety",
        "credit_repair",
    }
    for t in tset.templates:
        assert t.title.endswith("承诺书") and t.topic and t.legal_basis
        # every published text says what a breach leads to (自愿接受约束和惩戒)
        assert "约束和惩戒" in tset.full_text(t)
    assert tset.require("credit_repair").repeatable
    assert not tset.require("law_abiding").repeatable


def test_unknown_template_is_refused(tset: rules.TemplateSet) -> None:
    assert tset.get("nope") is None
    with pytest.raises(InvalidInput) as exc:
        tset.require("nope")
    assert exc.value.code == "unknown_template" and exc.value.status == 422


@pytest.mark.parametrize(
    ("code", "kind", "roles", "ok"),
    [
        ("law_abiding", "natural", [], True),  # anyone may commit to abide by the law
        ("law_abiding", "legal", ["consumer"], True),
        ("price_integrity", "legal", ["merchant"], True),
        ("price_integrity", "natural", ["merchant"], True),  # an individual seller (个人卖家)
        ("price_integrity", "natural", ["consumer"], False),
        ("price_integrity", "legal", [], False),
        ("platform_responsibility", "legal", ["platform_operator"], True),
        ("platform_responsibility", "legal", ["merchant"], False),
        ("platform_responsibility", "natural", ["platform_operator"], False),  # legal persons only
        ("delivery_safety", "natural", ["courier"], True),
        ("delivery_safety", "legal", ["logistics_company", "merchant"], True),
        ("delivery_safety", "legal", ["merchant"], False),
        ("seven_day_returns", "legal", ["merchant"], True),
        ("advance_compensation", "legal", ["platform_operator"], True),
        ("credit_repair", "natural", [], True),
    ],
)
def test_who_may_sign(tset: rules.TemplateSet, code: str, kind: str, roles: list[str], ok: bool) -> None:
    template = tset.require(code)
    assert template.applies_to(kind=kind, roles=roles) is ok
    assert (template in tset.applicable(kind=kind, roles=roles)) is ok
    if ok:
        rules.check_applicable(template, kind=kind, roles=roles)
    else:
        with pytest.raises(InvalidInput) as exc:
            rules.check_applicable(template, kind=kind, roles=roles)
        assert exc.value.code == "template_not_applicable"


def test_render_fills_name_code_and_date(tset: rules.TemplateSet) -> None:
    t = tset.require("seven_day_returns")
    uscc = make_uscc(random.Random(8))
    text = rules.render(tset, t, kind="legal", name="南京华信科技有限公司", code=uscc, signed_on=TODAY)
    assert f"本承诺主体南京华信科技有限公司（统一社会信用代码：{uscc}）" in text
    assert "七日内有权退货" in text
    assert text.rstrip().endswith("承诺日期：2026年11月24日")
    assert "{" not in text and "}" not in text
    person = rules.render(tset, t, kind="natural", name="张小明", code="320***********1234", signed_on=TODAY)
    assert "居民身份证号码：320***********1234" in person


def test_mask_text_hides_a_persons_name() -> None:
    text = "本承诺主体张小明郑重承诺……承诺主体：张小明"
    assert rules.mask_text(text, name="张小明", masked_name="张**") == "本承诺主体张**郑重承诺……承诺主体：张**"
    assert rules.mask_text(text, name="", masked_name="") == text


def test_chinese_date() -> None:
    assert rules.chinese_date(date(2026, 1, 5)) == "2026年1月5日"


def test_signed_on_not_in_the_future_nor_too_early(tset: rules.TemplateSet) -> None:
    rules.check_signed_on(TODAY, today=TODAY, earliest=tset.earliest_signed_on)
    with pytest.raises(InvalidInput) as future:
        rules.check_signed_on(date(2026, 11, 25), today=TODAY, earliest=tset.earliest_signed_on)
    assert future.value.code == "future_date" and future.value.errors[0]["field"] == "signed_on"
    with pytest.raises(InvalidInput) as early:
        rules.check_signed_on(date(1999, 1, 1), today=TODAY, earliest=tset.earliest_signed_on)
    assert early.value.code == "date_too_early"


def test_found_on_between_signing_and_today() -> None:
    signed = date(2026, 3, 1)
    rules.check_found_on(signed, signed_on=signed, today=TODAY)
    rules.check_found_on(TODAY, signed_on=signed, today=TODAY)
    with pytest.raises(InvalidInput) as future:
        rules.check_found_on(date(2027, 1, 1), signed_on=signed, today=TODAY)
    assert future.value.code == "future_date"
    with pytest.raises(InvalidInput) as before:
        rules.check_found_on(date(2026, 2, 28), signed_on=signed, today=TODAY)
    assert before.value.code == "date_order"


def test_one_active_commitment_per_template(tset: rules.TemplateSet) -> None:
    rules.check_not_duplicate(tset.require("law_abiding"), active_id=None)
    with pytest.raises(Conflict) as exc:
        rules.check_not_duplicate(tset.require("law_abiding"), active_id=7)
    assert exc.value.code == "already_committed" and exc.value.status == 409
    assert exc.value.errors[0]["existing_id"] == 7
    rules.check_not_duplicate(tset.require("credit_repair"), active_id=7)  # one per repair application


def test_breach_of_a_withdrawn_commitment_is_refused() -> None:
    rules.check_breachable("active")
    rules.check_breachable("breached")  # a second breach of the same commitment is recorded too
    with pytest.raises(Conflict) as exc:
        rules.check_breachable("withdrawn")
    assert exc.value.code == "commitment_withdrawn"


def test_public_sees_published_commitments_in_force_or_breached() -> None:
    assert rules.publicly_listed(status="active", published=True)
    assert rules.publicly_listed(status="breached", published=True)
    assert not rules.publicly_listed(status="withdrawn", published=True)
    assert not rules.publicly_listed(status="active", published=False)
    assert rules.sees_everything(is_self=True, is_official=False)
    assert rules.sees_everything(is_self=False, is_official=True)
    assert not rules.sees_everything(is_self=False, is_official=False)


def test_statuses_have_chinese_labels() -> None:
    assert rules.STATUS_ZH[rules.Status.active] == "履约中"
    assert rules.STATUS_ZH[rules.Status.breached] == "已违诺"
    assert set(rules.CHANNEL_ZH) == set(rules.Channel)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["templates"][0].update(body="本人{name}承诺{phone}"), "unknown placeholder"),
        (lambda c: c["templates"][0].update(body="本人{name"), "malformed placeholder"),
        (lambda c: c["templates"][1].update(code=c["templates"][0]["code"]), "duplicate code"),
        (lambda c: c["templates"][0].update(roles=["seller"]), "unknown role"),
        (lambda c: c["templates"][0].update(subject_kinds=[]), "subject_kinds"),
        (lambda c: c["templates"][0].update(code="has space"), "identifier"),
        (lambda c: c.update(earliest_signed_on="2014"), "earliest_signed_on"),
        (lambda c: c.update(templates=[]), "no templates"),
        (lambda c: c.update(closing="  "), "closing"),
    ],
)
def test_bad_configuration_fails_at_load(change: Any, message: str) -> None:
    content = _source()
    change(content)
    with pytest.raises(rules.TemplateError, match=message):
        rules.parse_templates(content)


def test_shipped_file_parses_as_is() -> None:
    parsed = rules.parse_templates(_source())
    assert parsed == rules.default_templates()
    assert parsed.earliest_signed_on == date(2014, 6, 14)
