"""Masking (脱敏): one set of rules for personal data leaving the system — API, pages, exports, reports.

``mask(field, value)`` masks one value by its kind (:class:`Field`); ``show(field, value, role=…,
purpose=…, own=…)`` masks it unless the policy lets that role, for that purpose, see it whole; a subject
always sees its own data (``own=True``). The policy — which role sees which field whole, and for which
purposes — is configuration: ``masking.toml`` beside this module, or the file named by
``CHENGXIN_MASKING_POLICY``, read once. Everything the policy does not name is masked, for every role.

Permissions still decide *whether* a caller may read a kind of data at all (``subjects:read``,
``subjects:read_pii`` …); this module decides *how much of it* is shown once it is read.

The masks (GB/T 35273 个人信息安全规范 style, as Chinese sites display them):

=============  =====================================  =============================
field          rule                                   example
=============  =====================================  =============================
person_name    surname kept (复姓 whole), rest ``*``  张三丰 → 张**, 欧阳娜娜 → 欧阳**
ric            first 3 and last 4 characters          320***********123X
phone          country code, first 3 and last 4       +86 138****5678
address        divisions up to the county kept        江苏省南京市鼓楼区******
account_id     first and last character               P****2
bank_account   last 4 digits                          ************1234
email          first character of the local part      z***@example.com
=============  =====================================  =============================
"""

from __future__ import annotations

import os
import re
import time
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from chengxin.errors import ProblemsFound
from chengxin.security.permissions import Role

DEFAULTS = Path(__file__).with_name("masking.toml")
ENV = "CHENGXIN_MASKING_POLICY"


class Field(StrEnum):
    person_name = "person_name"  # 姓名
    ric = "ric"  # 公民身份号码 (and other identity document numbers)
    phone = "phone"  # 手机号码 / 电话
    address = "address"  # 地址
    account_id = "account_id"  # platform account / user id (平台账号)
    bank_account = "bank_account"  # 银行账号
    email = "email"  # 电子邮箱


# --------------------------------------------------------------------------- the masks

COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "澹台",
        "端木",
    }
)


def _compact(value: str) -> str:
    """NFKC (full-width digits and letters → ASCII) without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def _keep_ends(text: str, head: int, tail: int) -> str:
    """``head`` and ``tail`` characters kept, the middle masked; short values (≤ head + tail) wholly masked."""
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]


def mask_person_name(name: str) -> str:
    """姓名脱敏: keep the surname, mask the given name — 张三 → 张*, 欧阳娜娜 → 欧阳**.

    Compound surnames (复姓) from :data:`COMPOUND_SURNAMES` are kept whole when a given name
    follows; a single character is returned as is; Latin names keep their first letter
    ("John Smith" → "J*********"). Surrounding whitespace is dropped.
    """
    text = name.strip()
    if len(text) <= 1:
        return text
    keep = 2 if len(text) > 2 and text[:2] in COMPOUND_SURNAMES else 1
    return text[:keep] + "*" * (len(text) - keep)


def mask_ric(ric18: str) -> str:
    """身份证号码脱敏: first 3 and last 4 characters, 11 asterisks — "320***********123X".

    The common Chinese display mask: it keeps the province and the check digit region visible for
    support staff without revealing the city, birth date or sequence. Other lengths (e.g. a
    15-digit number) keep the same 3 + 4 characters; anything of 7 characters or fewer is fully
    masked. Full-width characters and spaces are normalised first.
    """
    return _keep_ends(_compact(ric18).upper(), 3, 4)


_COUNTRY = re.compile(r"^(?:\+|00)(86)|^(86)(?=1\d{10}$)")


def mask_phone(phone: str) -> str:
    """手机号码脱敏: first 3 and last 4 digits — 138****5678; a country code (+86, 0086, 86 before a
    mobile number) is kept as ``+86 `` in front. Separators (spaces, hyphens, brackets) and full-width
    digits are normalised first; 7 digits or fewer are wholly masked."""
    text = re.sub(r"[\s\-()（）.]", "", unicodedata.normalize("NFKC", phone))
    prefix = ""
    found = _COUNTRY.match(text)
    if found:
        prefix, text = f"+{found.group(1) or found.group(2)} ", text[found.end() :]
    return prefix + _keep_ends(text, 3, 4)


# Administrative divisions an address keeps: province, city, county/district (up to 3 of them).
_DIVISION = re.compile(r".{1,8}?(?:特别行政区|自治区|自治州|自治县|地区|盟|省|市|区|县|旗|州)")


def mask_address(address: str) -> str:
    """地址脱敏: the administrative divisions at the start (省/市/区/县 …, at most three) are kept, the
    street, number and room masked with six asterisks — 江苏省南京市鼓楼区中山路1号 → 江苏省南京市鼓楼区******.
    Without a recognisable division a third of the text is kept."""
    text = unicodedata.normalize("NFKC", address).strip()
    if not text:
        return text
    keep = 0
    for _ in range(3):
        found = _DIVISION.match(text, keep)
        if not found or found.end() >= len(text):
            break
        keep = found.end()
    if keep == 0:
        keep = len(text) // 3
    return text[:keep] + "*" * 6


def mask_account(account_id: str) -> str:
    """平台账号脱敏: first and last character only, at most four asterisks between — P****2; two
    characters keep the first, one is wholly masked."""
    text = account_id.strip()
    if len(text) <= 2:
        return text[:1] + "*" if len(text) == 2 else "*"
    return text[0] + "*" * min(len(text) - 2, 4) + text[-1]


def mask_bank_account(number: str) -> str:
    """银行账号脱敏: last 4 digits."""
    text = _compact(number)
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_email(email: str) -> str:
    """电子邮箱脱敏: the first character of the local part — z***@example.com."""
    local, at, domain = email.strip().partition("@")
    return (local[:1] + "***" + at + domain) if at else mask_account(email)


MASKS: Mapping[Field, Callable[[str], str]] = {
    Field.person_name: mask_person_name,
    Field.ric: mask_ric,
    Field.phone: mask_phone,
    Field.address: mask_address,
    Field.account_id: mask_account,
    Field.bank_account: mask_bank_account,
    Field.email: mask_email,
}


def mask(field: Field | str, value: str | None) -> str | None:
    """``value`` masked as a ``field``; None and "" are returned as they are."""
    if value is None or value == "":
        return value
    return MASKS[Field(field)](value)


def mask_text(text: str, *, name: str, masked_name: str) -> str:
    """A free text (a signed commitment, a finding) with a person's name replaced by its masked form."""
    return text.replace(name, masked_name) if name else text


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class Reveal:
    """When a role sees a field whole: ``always``; with any stated purpose (``purposes`` None and
    ``needs_purpose``); or only with one of ``purposes``."""

    needs_purpose: bool = False
    purposes: frozenset[str] | None = None

    def allows(self, purpose: str | None) -> bool:
        if self.purposes is not None:
            return purpose is not None and purpose in self.purposes
        return bool(purpose) or not self.needs_purpose


ALWAYS = Reveal()
WITH_PURPOSE = Reveal(needs_purpose=True)

Policy = Mapping[Field, Mapping[Role, Reveal]]


class PolicyInvalid(ProblemsFound):
    """A masking policy file with problems; ``problems`` names every one of them."""


def parse_policy(raw: Mapping[str, object]) -> dict[Field, dict[Role, Reveal]]:
    """The ``[reveal.<field>]`` tables: ``<role> = "always" | "with_purpose" | ["purpose", …]``.
    Every field must be named (an empty table: masked for everyone); the public role never sees whole."""
    problems: list[str] = []
    unknown = sorted(set(raw) - {"reveal"})
    problems += [f"{k}: unknown table (expected [reveal.<field>])" for k in unknown]
    tables = raw.get("reveal", {})
    if not isinstance(tables, Mapping):
        raise PolicyInvalid(["reveal: expected tables [reveal.<field>]"])
    out: dict[Field, dict[Role, Reveal]] = {}
    for key in sorted(set(tables) - set(Field)):
        problems.append(f"reveal.{key}: unknown field (fields: {', '.join(Field)})")
    for field in Field:
        table = tables.get(str(field))
        if not isinstance(table, Mapping):
            problems.append(f"reveal.{field}: missing (write an empty table to mask it for everyone)")
            continue
        roles: dict[Role, Reveal] = {}
        for name, rule in table.items():
            where = f"reveal.{field}.{name}"
            if name not in set(Role):
                problems.append(f"{where}: unknown role (roles: {', '.join(Role)})")
            elif Role(name) is Role.public:
                problems.append(f"{where}: the public never sees personal data whole")
            elif rule == "always":
                roles[Role(name)] = ALWAYS
            elif rule == "with_purpose":
                roles[Role(name)] = WITH_PURPOSE
            elif isinstance(rule, list) and rule and all(isinstance(p, str) and p for p in rule):
                roles[Role(name)] = Reveal(needs_purpose=True, purposes=frozenset(rule))
            else:
                problems.append(f'{where}: expected "always", "with_purpose" or a list of purposes, got {rule!r}')
        out[field] = roles
    if problems:
        raise PolicyInvalid(problems)
    return out


RECHECK_S = 1.0  # the policy in force is masked with on every value: its file is looked at once a second


def load_policy(path: Path | None = None) -> Policy:
    """The policy in force: ``path``, else ``CHENGXIN_MASKING_POLICY``, else the shipped ``masking.toml``;
    read once per file version. Without ``path`` (every masked value asks) the file's version is looked at
    at most once every ``RECHECK_S`` seconds, not on every call."""
    global _current
    if path is not None:
        return _load(str(path), path.stat().st_mtime_ns)
    chosen, now = os.environ.get(ENV) or str(DEFAULTS), time.monotonic()
    if _current is not None and _current[0] == chosen and now - _current[1] < RECHECK_S:
        return _current[2]
    policy = _load(chosen, Path(chosen).stat().st_mtime_ns)
    _current = (chosen, now, policy)
    return policy


_current: tuple[str, float, Policy] | None = None


@cache
def _load(path: str, _mtime_ns: int) -> Policy:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyInvalid([f"{path}: not valid TOML ({exc})"]) from exc
    return parse_policy(raw)


def __getattr__(name: str) -> Policy:
    """``POLICY``: the policy in force (read on first use)."""
    if name == "POLICY":
        return load_policy()
    raise AttributeError(name)


def reveals(
    field: Field | str,
    *,
    role: Role,
    purpose: str | None = None,
    own: bool = False,
    policy: Policy | None = None,
) -> bool:
    """Whether ``role``, for ``purpose``, sees ``field`` whole; ``own``: the data is the viewer's own."""
    if own:
        return True
    rule = (policy if policy is not None else load_policy())[Field(field)].get(Role(role))
    return rule is not None and rule.allows(purpose)


def show(
    field: Field | str,
    value: str | None,
    *,
    role: Role,
    purpose: str | None = None,
    own: bool = False,
    policy: Policy | None = None,
) -> str | None:
    """``value`` whole when :func:`reveals` says so, masked otherwise."""
    return value if reveals(field, role=role, purpose=purpose, own=own, policy=policy) else mask(field, value)


def show_name(kind: str, name: str, *, role: Role = Role.public, purpose: str | None = None, own: bool = False) -> str:
    """A subject's name as ``role`` sees it: a legal person's as registered (public information), a
    natural person's by the policy (masked for the public)."""
    if kind == "legal":
        return name
    return show(Field.person_name, name, role=role, purpose=purpose, own=own) or name


def show_person_names(names: Iterable[str], *, role: Role = Role.public, purpose: str | None = None) -> list[str]:
    """``show_name`` of many natural persons at once (none the viewer's own): the policy asked once, not per
    name (a check answers up to 10,000 subjects)."""
    if reveals(Field.person_name, role=role, purpose=purpose):
        return list(names)
    return [mask(Field.person_name, name) or name for name in names]


# A search term that may be a person's name (2-3 Han characters, 3-4 after a compound surname; company
# short names are mostly 4), an identity number or a phone number is echoed back masked to callers who
# may not see it whole. Decided on the text alone: whether such a person exists is never hinted at.
_HAN_NAME = re.compile(r"^[\u3400-\u9fff]{2,4}$")
_RIC_LIKE = re.compile(r"^(?:\d{15}|\d{17}[\dX])$")
_PHONE_LIKE = re.compile(r"^(?:\+?86)?1\d{10}$")


def echo_query(query: str, *, role: Role, purpose: str | None = None) -> str:
    """A search term as it may be echoed back (search box, "no result for …"): masked as a name, an
    identity number or a phone number when it looks like one and ``role`` may not see that field whole."""
    text = _compact(query).upper()
    if _RIC_LIKE.match(text):
        field = Field.ric
    elif _PHONE_LIKE.match(text):
        field = Field.phone
    elif _HAN_NAME.match(text) and (len(text) <= 3 or text[:2] in COMPOUND_SURNAMES):
        field = Field.person_name
    else:
        return query
    return show(field, text, role=role, purpose=purpose) or ""
