"""Name normalisation (名称规范化) for search and matching; the masks (脱敏) are in ``security.masking``.

RULES.md "Identifiers": names must match across traditional/simplified script (繁简), full/half
width (全角/半角), Chinese/ASCII brackets and company-form variants (有限公司 / 有限责任公司 …).
A name match — exact after normalisation or fuzzy — is only ever a *candidate*: never punish,
list or link a record to a subject on a name alone; an identifier match or human confirmation is
required (that decision belongs to the matching/import layer, not here).

Decisions:

* 有限责任公司 → 有限公司 (the same legal form under the Company Law); 股份有限公司 stays
  distinct (a different form — a company limited by shares), and 集团 is kept (see ``core_name``).
* Partnerships (合伙企业): ``(普通合伙企业)`` → ``(普通合伙)``, ``(有限合伙企业)`` → ``(有限合伙)``,
  ``(特殊的普通合伙)`` → ``(特殊普通合伙)``; ``(有限合伙)`` itself stays. 有限责任合伙 (LLP, a
  foreign/HK form) is left as written: it is not the same thing as 特殊普通合伙.
* English forms: ``co.,ltd`` / ``co., ltd.`` / ``company limited`` / ``limited`` / ``ltd`` →
  ``co.ltd`` (whole words only, so "Unlimited" is untouched).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from opencc import OpenCC

# The masks live in security.masking (one place for 脱敏); re-exported here for existing callers.
from chengxin.security.masking import COMPOUND_SURNAMES, mask_person_name, mask_ric, show_name

__all__ = [
    "COMPOUND_SURNAMES",
    "PROVINCES",
    "core_name",
    "mask_person_name",
    "mask_ric",
    "normalise_name",
    "shown_name",
]


@cache
def _t2s() -> OpenCC:
    """The OpenCC traditional→simplified (繁→简) converter, created once on first use."""
    return OpenCC("t2s")


# After NFKC （）［］ are already ASCII; the rest are mapped here. Middle dots are deleted.
_BRACKETS = "【〔［〈《「『〖〘｢{[" + "】〕］〉》」』〗〙｣}]"
_TRANSLATE: dict[int, str | None] = {
    **{ord(ch): "(" for ch in _BRACKETS[: len(_BRACKETS) // 2]},
    **{ord(ch): ")" for ch in _BRACKETS[len(_BRACKETS) // 2 :]},
    **dict.fromkeys(map(ord, "·•・‧∙⋅\u200b\u200c\u200d\u2060\ufeff"), None),
}

# English company forms, applied while word boundaries (spaces) still exist.
# The second branch skips an already canonical "co.ltd" (whose "co" may be glued to the name).
_EN_FORM = re.compile(
    r"(?<![a-z0-9])(?:co|company)\s*\.?\s*,?\s*(?:ltd|limited)(?![a-z0-9])\.?"
    r"|(?<![a-z0-9])(?<!co\.)(?:ltd|limited)(?![a-z0-9])\.?"
)
_ZH_FORMS = {
    "有限责任公司": "有限公司",
    "(普通合伙企业)": "(普通合伙)",
    "(有限合伙企业)": "(有限合伙)",
    "(特殊的普通合伙)": "(特殊普通合伙)",
    "(特殊普通合伙企业)": "(特殊普通合伙)",
}
_ZH_FORM = re.compile("|".join(re.escape(k) for k in sorted(_ZH_FORMS, key=len, reverse=True)))


def normalise_name(name: str) -> str:
    """规范化名称: the key two names must share to be the same name.

    NFKC (全角→半角, （）→()), 繁→简 (OpenCC t2s), every bracket kind → ``()``, whitespace and
    middle dots (·•・) removed, lower case, company-form variants → one canonical form (see the
    module docstring). Idempotent.
    """
    text = unicodedata.normalize("NFKC", name)
    if not text.isprintable():  # control and format characters carry no meaning in a name
        text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    if not text.isascii():
        text = str(_t2s().convert(text))
    text = text.lower().translate(_TRANSLATE)
    if "ltd" in text or "limited" in text:
        text = _EN_FORM.sub("co.ltd", text)
    text = "".join(text.split())
    if "公司" in text or "合伙" in text:
        text = _ZH_FORM.sub(lambda m: _ZH_FORMS[m.group()], text)
    return text


# 34 province-level divisions (省级行政区), full names first so the longest form is stripped.
_PROVINCE_FULL = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
)
_PROVINCE_SUFFIX = re.compile("(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
_PROVINCE_SHORT = tuple(_PROVINCE_SUFFIX.sub("", full) for full in _PROVINCE_FULL)
PROVINCES = (
    frozenset(_PROVINCE_FULL)
    | frozenset(_PROVINCE_SHORT)
    | frozenset({"广西自治区", "宁夏自治区", "新疆自治区", "香港特区", "澳门特区"})
)
_PROVINCE_PREFIX = re.compile("|".join(sorted(PROVINCES, key=len, reverse=True)))

# A leading 2-4 character region token (南京市, 张家口市, 浦东新区, 沛县) — only when more text
# follows, and not when the suffix character starts or ends an ordinary word (市场, 超市, 园区 …).
_REGION_TOKEN = re.compile(r"[\u4e00-\u9fff]{1,3}?(?:省|市|区|县)")
_NOT_REGION_END = (
    "超市",
    "门市",
    "夜市",
    "股市",
    "集市",
    "菜市",
    "城市",
    "园区",
    "社区",
    "景区",
    "小区",
    "校区",
    "街区",
    "专区",
    "展区",
    "片区",
    "厂区",
    "营区",
    "矿区",
    "商区",
    "学区",
    "辖区",
)
_NOT_REGION_NEXT = {"市": "场政民值容监", "区": "块域间别", "省": "钱心力电事油时", "县": "城域"}

# Bracketed regions — (南京), (上海市), (浦东新区), (中国), (china) — anywhere in the name; "(集团)"
# is unbracketed instead, so that "华信(集团)有限公司" and "华信集团有限公司" share the core "华信集团".
_GROUP = "(集团)"
_BRACKETED = re.compile(r"\((?:[\u4e00-\u9fff]{2,3}|[\u4e00-\u9fff]{1,6}(?:省|市|区|县)|china)\)")
# Company forms as written (有限责任公司 normalises to 有限公司, see ``_ZH_FORMS``), longest first.
COMPANY_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司")
_FORM_SUFFIX = re.compile(
    "(?:" + "|".join(COMPANY_FORMS) + r"|(?<!分)公司|co\.ltd|\((?:特殊普通|普通|有限)合伙\))$"  # not 分公司
)


# Bare city and county names (南京, 苏州, 昆山, 沛 is too short) from python-stdnum's GB/T 2260
# table: company names usually start with one, without its 市/县 suffix ("南京华信科技有限公司").
# A bare name is stripped only when a real brand remains, not a generic industry word
# ("金华科技" keeps its core "金华科技": 金华 is a city, but 科技 alone is no brand).
_GENERIC_REST = frozenset(
    [
        "科技",
        "贸易",
        "商贸",
        "实业",
        "食品",
        "服饰",
        "服装",
        "物流",
        "电子",
        "电器",
        "网络",
        "信息",
        "农业",
        "商务",
        "建设",
        "建筑",
        "工程",
        "发展",
        "投资",
        "控股",
        "集团",
        "置业",
        "传媒",
        "文化",
        "旅游",
        "医药",
        "机械",
        "化工",
        "环保",
        "能源",
        "市场",
        "电子商务",
        "网络科技",
        "信息技术",
    ]
)


@cache
def _bare_places() -> frozenset[str]:
    import importlib.resources

    names: set[str] = set()
    text = importlib.resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    for m in re.finditer(r'county="(?:\[[^\]]*\])?([^"]+?)(?:市|县|地区|自治州|盟)"', text):
        if len(m.group(1)) >= 2:
            names.add(m.group(1))
    return frozenset(names)


def _strip_bare_place(text: str) -> str:
    places = _bare_places()
    for size in (4, 3, 2):
        head, rest = text[:size], text[size:]
        if head in places and len(rest) >= 2 and rest not in _GENERIC_REST:
            return rest
    return text


def _strip_region_prefix(text: str) -> str:
    for _ in range(4):  # province, city, district/county — a few levels at most
        m = _PROVINCE_PREFIX.match(text)
        if m is None:
            m = _REGION_TOKEN.match(text)
            if m is not None:
                token, nxt = m.group(), text[m.end() : m.end() + 1]
                if token.endswith(_NOT_REGION_END) or nxt in _NOT_REGION_NEXT[token[-1]]:
                    m = None
        if m is None or len(text) - m.end() < 2:
            break
        text = text[m.end() :]
    return text


def core_name(normalised: str) -> str:
    """字号 ("brand" part) of a normalised name, for searching: "江苏省南京市华信科技有限公司" → "华信科技".

    Strips a leading administrative-region prefix (province-level names with or without 省/市/
    自治区, then any leading 2-4 character token ending in 省/市/区/县 that is followed by more
    text), bracketed regions such as ``(南京)`` / ``(中国)`` anywhere, and trailing company forms
    (股份有限公司, 有限公司, 公司, co.ltd, (有限合伙) …). 集团 is kept: "华信集团" and "华信" are
    usually different legal entities. Best effort — never returns an empty string when the input
    was not empty. Pass the output of :func:`normalise_name`.
    """
    text = _BRACKETED.sub("", normalised.replace(_GROUP, "集团"))
    for _ in range(2):  # e.g. "…科技有限公司(有限合伙)" is rare, but allow two forms
        stripped = _FORM_SUFFIX.sub("", text)
        if stripped == text or not stripped:
            break
        text = stripped
    text = _strip_bare_place(_strip_region_prefix(text))
    return text or normalised


def shown_name(kind: str, name: str) -> str:
    """A subject's name as the public sees it: a legal person's as registered, a natural person's masked
    (``security.masking.show_name``; pass the caller's role there to apply the masking policy)."""
    return show_name(kind, name)
