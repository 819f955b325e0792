"""名称规范化 (name normalisation) and 脱敏 (masking)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chengxin.domains.subjects.names import core_name, mask_person_name, mask_ric, normalise_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("臺灣積體電路製造股份有限公司", "台湾积体电路制造股份有限公司"),  # 繁 / 简
        ("華信科技（南京）有限責任公司", "华信科技(南京)有限公司"),
        ("ＡＢＣ贸易有限公司", "ABC贸易有限公司"),  # 全角 / 半角
        ("华信科技（南京）有限公司", "华信科技(南京)有限公司"),  # （） / ()
        ("华信科技【南京】有限公司", "华信科技〔南京〕有限公司"),
        ("华信科技［南京］有限公司", "华信科技[南京]有限公司"),
        ("华信科技有限责任公司", "华信科技有限公司"),
        ("华信 科技\u3000有限公司 ", "华信科技有限公司"),
        ("阿里·巴巴", "阿里•巴巴"),
        ("阿里・巴巴", "阿里巴巴"),
        ("ABC Trading Co., Ltd.", "abc trading co.,ltd"),
        ("ABC Trading Company Limited", "ABC TRADING LIMITED"),
        ("ABC Trading Ltd", "abc trading co. ltd."),
        ("北京某某投资中心（有限合伙企业）", "北京某某投资中心(有限合伙)"),
        ("某某会计师事务所（特殊的普通合伙）", "某某会计师事务所(特殊普通合伙)"),
        ("某某合伙企业（普通合伙企业）", "某某合伙企业(普通合伙)"),
    ],
)
def test_variants_normalise_equal(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("华信科技股份有限公司", "华信科技有限公司"),  # 股份 is a different legal form: kept distinct
        ("某某投资中心(有限合伙)", "某某投资中心(普通合伙)"),
        ("华信科技有限公司", "华信科技"),
        ("Sky Unlimited", "Sky co.ltd"),  # whole words only
    ],
)
def test_different_names_stay_different(a: str, b: str) -> None:
    assert normalise_name(a) != normalise_name(b)


def test_normalised_forms() -> None:
    assert normalise_name("臺灣積體電路製造股份有限公司") == "台湾积体电路制造股份有限公司"
    assert normalise_name("華信科技（南京）有限責任公司") == "华信科技(南京)有限公司"
    assert normalise_name("ＡＢＣ Co., Ltd.") == "abcco.ltd"
    assert normalise_name("某某投资中心（有限合伙）") == "某某投资中心(有限合伙)"
    assert normalise_name("") == ""


_name_chars = st.sampled_from(
    list("华信科技臺灣積體有限責任公司股份（）()【】《》「」 　·•・ＡＢ")
    + list("abcCoLtd.,limited合伙普通特殊的企业南京市区")
)


@given(st.lists(_name_chars, max_size=30).map("".join))
def test_property_normalise_is_idempotent(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once
    assert not any(ch.isspace() for ch in once)
    assert not set(once) & set("（）【】《》「」[]·•・")


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("江苏省南京市华信科技有限公司", "华信科技"),
        ("江苏南京华信科技有限公司", "华信科技"),  # bare city names come from the GB/T 2260 table
        ("金华科技有限公司", "金华科技"),  # a city name is kept when only an industry word would remain
        ("南京市华信科技有限责任公司", "华信科技"),
        ("华信科技（南京）有限公司", "华信科技"),
        ("北京市朝阳区华信科技股份有限公司", "华信科技"),
        ("上海浦东发展银行股份有限公司", "浦东发展银行"),
        ("内蒙古自治区伊利实业集团股份有限公司", "伊利实业集团"),
        ("华信集团有限公司", "华信集团"),  # 集团 is kept
        ("华信（集团）有限公司", "华信集团"),
        ("某某投资中心（有限合伙）", "某某投资中心"),
        ("ABC Trading Co., Ltd.", "abctrading"),
        ("南京市场有限公司", "南京市场"),  # 市场 is not a region
        ("华润超市有限公司", "华润超市"),
        ("园区服务有限公司", "园区服务"),
        ("北京有限公司", "北京"),  # never empty
        ("有限公司", "有限公司"),
    ],
)
def test_core_name(name: str, core: str) -> None:
    assert core_name(normalise_name(name)) == core


def test_core_name_of_variants_is_equal() -> None:
    a = core_name(normalise_name("江蘇省南京市華信科技有限責任公司"))
    b = core_name(normalise_name("华信科技（南京）有限公司"))
    assert a == b == "华信科技"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("诸葛亮", "诸葛*"),
        ("欧阳", "欧*"),  # a two-character name is surname + given name
        ("张", "张"),
        ("", ""),
        (" 李四 ", "李*"),
        ("John Smith", "J*********"),
    ],
)
def test_mask_person_name(name: str, masked: str) -> None:
    assert mask_person_name(name) == masked


def test_mask_ric() -> None:
    assert mask_ric("32010219900101123X") == "320***********123X"
    assert mask_ric("32010219900101123x") == "320***********123X"
    assert len(mask_ric("11010519491231002X")) == 18
    assert mask_ric("110105491231002") == "110********1002"
    assert mask_ric("1234") == "****"
