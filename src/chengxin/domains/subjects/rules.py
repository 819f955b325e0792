"""Subject rules (pure): kinds, legal forms, roles, and what identity a kind needs.

Identifier checks live in ``identifiers.py`` and name normalisation in ``names.py``; both are
pure too. Here: which combinations are allowed, and how a validated identity is keyed
(one identity, one subject — 唯一性).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chengxin.domains.subjects.identifiers import IdentifierError, validate_ric, validate_uscc


class Kind(StrEnum):
    legal = "legal"  # 法人及非法人组织
    natural = "natural"  # 自然人


class LegalForm(StrEnum):
    enterprise = "enterprise"  # 企业
    platform = "platform"  # 电子商务平台经营者
    logistics_company = "logistics_company"  # 寄递物流企业
    service_provider = "service_provider"  # 代运营、咨询、信用服务机构
    social_organisation = "social_organisation"  # 社会组织
    individual_business = "individual_business"  # 个体工商户


class SubjectRoleName(StrEnum):
    platform_operator = "platform_operator"  # 平台经营者
    merchant = "merchant"  # 平台内经营者 / 网店
    logistics_company = "logistics_company"  # 寄递物流企业
    courier = "courier"  # 快递员
    practitioner = "practitioner"  # 从业人员
    consumer = "consumer"  # 消费者


LEGAL_ONLY_ROLES = frozenset({SubjectRoleName.platform_operator, SubjectRoleName.logistics_company})
NATURAL_ONLY_ROLES = frozenset({SubjectRoleName.courier, SubjectRoleName.practitioner})

# 行政相对人类别 in 双公示 files → our kind and legal form.
PARTY_CATEGORY = {
    "法人及非法人组织": (Kind.legal, None),
    "法人": (Kind.legal, None),
    "非法人组织": (Kind.legal, None),
    "企业": (Kind.legal, LegalForm.enterprise),
    "个体工商户": (Kind.legal, LegalForm.individual_business),
    "自然人": (Kind.natural, None),
    "社会组织": (Kind.legal, LegalForm.social_organisation),
}


@dataclass(frozen=True)
class Identity:
    kind: Kind
    code: str  # normalised USCC or 18-digit RIC
    warnings: tuple[str, ...] = ()


def check_identity(kind: Kind, *, uscc: str | None, ric: str | None, today: date | None = None) -> Identity:
    """Validate the identifier a kind needs; raises ``IdentifierError`` naming the problem.

    ``today`` (the legal date, Asia/Shanghai) makes a birth date after it an error."""
    if kind is Kind.legal:
        if ric:
            raise IdentifierError(
                "ric_not_allowed",
                "a legal person is identified by its USCC, not a RIC",
                "法人及非法人组织应使用统一社会信用代码",
            )
        result = validate_uscc(uscc or "")
        return Identity(kind, result.code, result.warnings)
    if uscc:
        raise IdentifierError(
            "uscc_not_allowed", "a natural person is identified by a RIC, not a USCC", "自然人应使用居民身份证号码"
        )
    return Identity(kind, validate_ric(ric or "", today=today))


def default_legal_form(uscc: str) -> LegalForm:
    """Legal form implied by the USCC's authority and type (positions 1-2) when none is given."""
    head = uscc[:2]
    if head == "92":
        return LegalForm.individual_business
    if head[0] in "5":
        return LegalForm.social_organisation
    return LegalForm.enterprise


def check_roles(kind: Kind, roles: list[str]) -> list[SubjectRoleName]:
    """Roles must exist and fit the kind (a courier is a person, a platform operator is not)."""
    out: list[SubjectRoleName] = []
    for raw in roles:
        try:
            role = SubjectRoleName(raw)
        except ValueError as exc:
            raise ValueError(f"unknown role {raw!r}") from exc
        if kind is Kind.natural and role in LEGAL_ONLY_ROLES:
            raise ValueError(f"role {role} needs a legal person")
        if kind is Kind.legal and role in NATURAL_ONLY_ROLES:
            raise ValueError(f"role {role} needs a natural person")
        if role not in out:
            out.append(role)
    return sorted(out)


@dataclass(frozen=True)
class Disclosure:
    """Which protected fields a viewer sees in clear (脱敏 decides the rest)."""

    full_name: bool
    full_ric: bool
    verification: bool

    @property
    def protected_fields(self) -> list[str]:
        return [f for f, shown in (("name", self.full_name), ("ric", self.full_ric)) if shown]


def disclosure_for(
    kind: Kind,
    *,
    is_self: bool,
    can_read: bool,
    can_read_pii: bool,
    purpose: str | None,
    reveal_ric: bool,
    name_whole: bool = True,
    ric_whole: bool = True,
) -> Disclosure:
    """A legal person's identity is public; a natural person's is personal information
    (PIPL §28: identity numbers are sensitive). The person sees its own file in clear; a
    reader with ``subjects:read`` sees the full name; the RIC in clear needs
    ``subjects:read_pii``, a stated purpose and an explicit request to reveal it. ``name_whole`` /
    ``ric_whole``: whether the masking policy (``security.masking``) shows the field whole to the
    reader's role for its purpose — both the permission and the policy must allow it."""
    if kind is Kind.legal:
        return Disclosure(full_name=True, full_ric=False, verification=True)
    if is_self:
        return Disclosure(full_name=True, full_ric=True, verification=True)
    return Disclosure(
        full_name=can_read and name_whole,
        full_ric=can_read_pii and ric_whole and bool(purpose) and reveal_ric,
        verification=can_read,
    )
