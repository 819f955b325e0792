"""A deterministic synthetic province (江苏-like) for the demo, benchmarks and import tests.

Everything derives from ``random.Random(seed)``; divisions are real GB/T 2260 codes of Jiangsu;
identifiers carry valid check characters (GB 32100 with GB 11714 inside, GB 11643); names are
unique even after normalisation (繁简, brackets, 有限公司/有限责任公司). I/O only in the CSV writers.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Literal

from chengxin.demo import names_data as nd
from chengxin.domains.subjects.identifiers import (
    USCC_ALPHABET,
    org_code_check_char,
    ric_check_char,
    uscc_check_char,
)

__all__ = [
    "LEGAL_FORMS",
    "REGISTRY_CSV_HEADERS",
    "ROLES",
    "SUBJECT_CSV_FIELDS",
    "USER_ROLES",
    "LegalSubjectSpec",
    "NaturalSubjectSpec",
    "OrganisationSpec",
    "Province",
    "RegistryEntrySpec",
    "UserSpec",
    "generate_province",
    "iter_subject_rows",
    "write_registry_csv",
    "write_subjects_csv",
]

LEGAL_FORMS: Final = (
    "enterprise",
    "platform",
    "logistics_company",
    "service_provider",
    "social_organisation",
    "individual_business",
)
ROLES: Final = ("platform_operator", "merchant", "logistics_company", "courier", "practitioner", "consumer")
USER_ROLES: Final = ("credit_centre", "auditor", "department", "platform", "subject")
SUBJECT_CSV_FIELDS: Final = ("name", "kind", "uscc", "ric", "legal_form", "roles")
REGISTRY_CSV_HEADERS: Final = ("主体类别", "名称", "统一社会信用代码", "身份证号码", "登记状态", "法定代表人")


@dataclass(frozen=True, slots=True)
class LegalSubjectSpec:
    name: str
    uscc: str
    legal_form: str  # one of LEGAL_FORMS
    roles: tuple[str, ...]  # from ROLES; empty for subjects without an e-commerce role
    division: str  # GB/T 2260 code of the registration authority (USCC positions 3-8)
    legal_representative: str


@dataclass(frozen=True, slots=True)
class NaturalSubjectSpec:
    name: str
    ric: str
    roles: tuple[str, ...]
    division: str  # RIC positions 1-6


@dataclass(frozen=True, slots=True)
class OrganisationSpec:
    key: str
    kind: str  # credit_centre | department | platform
    name: str
    sector: str | None  # departments only
    uscc: str | None  # platforms only (they are also legal subjects)


@dataclass(frozen=True, slots=True)
class UserSpec:
    username: str
    password: str
    role: str  # one of USER_ROLES
    organisation_key: str | None
    subject_ref: str | None  # USCC or RIC of the subject a self-service login belongs to
    display_name: str


@dataclass(frozen=True, slots=True)
class RegistryEntrySpec:
    kind: Literal["business", "population"]
    code: str  # USCC (business) or RIC (population)
    name: str
    status: str  # 存续/注销/吊销 (business), 正常/死亡 (population)
    legal_representative: str | None


@dataclass(frozen=True, slots=True)
class Province:
    organisations: tuple[OrganisationSpec, ...]
    legal_subjects: tuple[LegalSubjectSpec, ...]
    natural_subjects: tuple[NaturalSubjectSpec, ...]
    users: tuple[UserSpec, ...]
    registry: tuple[RegistryEntrySpec, ...]
    seed: int  # the generator seed; the demo's credit records (chengxin.demo.records) derive from it


def _make_uscc(prefix: str, division: str, body: str) -> str:
    first17 = prefix + division + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)


# --- generate_province ---------------------------------------------------------------------------


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.keys: set[str] = set()  # simplified names without company form: unique after normalising
        self.codes: set[str] = set()
        self.variants: set[str] = set()  # branch (full-width brackets) and traditional-script names

    def pick(self, seq: str | tuple[str, ...]) -> str:
        return seq[self.rng.randrange(len(seq))]

    def brand(self, size: int = 2) -> str:
        return "".join(self.rng.sample(nd.BRANDS, size))

    def person(self) -> str:
        return nd.person_name(self.rng.random, self.rng.random() < 0.5)

    def unique(self, build: Callable[[str], tuple[str, str]]) -> str:
        """``build(extra)`` returns ``(key, name)``; retry, then add a trade-name disambiguator."""
        for attempt in range(300):
            key, name = build("" if attempt < 8 else self.brand(2 + attempt // 100))
            if key not in self.keys:
                self.keys.add(key)
                return name
        raise RuntimeError("could not find a unique name")  # pragma: no cover

    def uscc(self, prefix: str, division: str, style: str) -> str:
        """``style``: ``MA`` (new-style body MA…), ``digits`` (legacy numeric) or ``mixed``."""
        while True:
            if style == "MA" or (style == "mixed" and self.rng.random() < 0.6):
                body = "MA" + "".join(self.rng.choices(USCC_ALPHABET, k=6))
            else:
                body = "".join(self.rng.choices("0123456789", k=8))
            if (code := _make_uscc(prefix, division, body)) not in self.codes:
                self.codes.add(code)
                return code

    def ric(self) -> tuple[str, bool]:
        day = self.rng.randrange(len(nd.BIRTH_DATES))
        while True:
            male = self.rng.random() < 0.5
            seq = 2 * self.rng.randrange(500) + 1 if male else 2 * self.rng.randrange(1, 500)
            first17 = f"{self.pick(nd.BIRTH_DIVISIONS[day])}{nd.BIRTH_DATES[day]}{seq:03d}"
            if (code := first17 + ric_check_char(first17)) not in self.codes:
                self.codes.add(code)
                return code, male

    def company(self, division: str, words: tuple[str, ...], variants: bool = True) -> str:
        city, district = nd.CITY_SHORT[nd.CITY_OF[division].code], nd.DISTRICT_NAME.get(division)
        branch = variants and district is not None and self.rng.random() < 0.03
        traditional = variants and self.rng.random() < 0.02

        def build(extra: str) -> tuple[str, str]:
            core = ("江苏" if self.rng.random() < 0.15 else city) + self.brand() + extra + self.pick(words)
            suffix = f"（{nd.short_place(district)}分公司）" if branch and district else ""
            return core + suffix, core + self.pick(nd.COMPANY_FORMS) + suffix

        name = self.unique(build)
        name = nd.traditional(name) if traditional else name
        if branch or traditional:
            self.variants.add(name)
        return name

    def named(self, place: str, words: tuple[str, ...], brand_first: bool = True) -> str:
        def build(extra: str) -> tuple[str, str]:
            name = place + (self.brand() if brand_first else "") + extra + self.pick(words)
            return name, name

        return self.unique(build)

    def misspelt(self, name: str) -> str:
        """Another name for the same subject: its trade name (字号) changed by one character."""
        i = 0
        while place := next((p for p in nd.PLACES if name.startswith(p, i)), None):
            i += len(place)
        if name[i] in nd.BRANDS or name[i] in nd.SURNAMES:
            return name[:i] + self.pick(nd.BRANDS.replace(name[i], "")) + name[i + 1 :]
        return name[:i] + self.brand() + name[i:]


def _legal_plan(n: int) -> list[str]:
    """Kinds of the non-platform legal subjects in realistic proportions, at least a few of each."""
    logistics, service, social = max(2, round(n * 0.005)), max(2, round(n * 0.02)), max(5, round(n * 0.015))
    coops, individual = max(3, round(n * 0.01)), max(2, round(n * 0.10))
    enterprise = n - len(nd.PLATFORMS) - logistics - service - social - coops - individual
    if enterprise < 10:
        raise ValueError(f"enterprises={n} is too small for a realistic mix (need about 30 or more)")
    return (
        ["91"] * enterprise
        + ["92"] * individual
        + ["logistics"] * logistics
        + ["service"] * service
        + [("51", "52", "53", "Y1", "51")[i % 5] for i in range(social)]
        + [("93", "N2", "N3")[i % 3] for i in range(coops)]
    )


def _legal_subject(g: _Generator, kind: str) -> LegalSubjectSpec:
    district = g.rng.choice(nd.DISTRICTS)
    city, rep = nd.CITY_OF[district.code], g.person()
    if kind in ("91", "logistics", "service"):
        division = district.code if g.rng.random() < 0.7 else city.code
        words, form = {
            "91": (nd.INDUSTRIES, "enterprise"),
            "service": (nd.SERVICE_WORDS, "service_provider"),
            "logistics": (nd.LOGISTICS_WORDS, "logistics_company"),
        }[kind]
        name = g.company(division, words, variants=kind == "91")
        roles = ("logistics_company",) if kind == "logistics" else ()
        return LegalSubjectSpec(name, g.uscc("91", division, "mixed"), form, roles, division, rep)
    if kind == "92":
        place = (city.name if g.rng.random() < 0.3 else "") + district.name
        owner = nd.surname_of(rep) + "记" if g.rng.random() < 0.4 else ""
        name = g.named(place + owner, nd.SHOP_WORDS, brand_first=not owner)
        return LegalSubjectSpec(
            name, g.uscc("92", district.code, "mixed"), "individual_business", (), district.code, rep
        )
    division, form = district.code, "social_organisation"
    if kind == "51":  # 社会团体 at province, city or district level
        division = g.rng.choice((nd.PROVINCE.code, city.code, city.code, district.code))
        place = {nd.PROVINCE.code: nd.PROVINCE.name, city.code: city.name}.get(division, district.name)
        name = g.named(place, nd.ASSOCIATIONS, brand_first=False)
    elif kind == "53":  # 基金会
        division, name = nd.PROVINCE.code, g.named(nd.PROVINCE.name, nd.FOUNDATION_WORDS)
    elif kind in ("52", "Y1"):  # 民办非企业单位, other authorities
        words = nd.PRIVATE_NONPROFITS if kind == "52" else nd.OTHER_ORGS
        name = g.named(city.name + district.name, words)
    else:  # 93 农民专业合作社, N2/N3 村级/乡镇级集体经济组织
        words = {"93": nd.COOP_WORDS, "N2": nd.VILLAGE_COLLECTIVE, "N3": nd.TOWN_COLLECTIVE}[kind]
        name, form = g.named(district.name, words), "enterprise"
    return LegalSubjectSpec(name, g.uscc(kind, division, "digits"), form, (), division, rep)


def _registry(
    g: _Generator, legal: list[LegalSubjectSpec], natural: list[NaturalSubjectSpec], protected: set[str]
) -> list[RegistryEntrySpec]:
    """~97 % exact, ~1 % other name, ~1 % deregistered/deceased, ~1 % missing (at least one each)."""
    outcome: dict[str, str] = {}
    for codes in ([s.uscc for s in legal], [p.ric for p in natural]):
        pool = [c for c in codes if c not in protected]
        g.rng.shuffle(pool)
        k = max(1, round(len(codes) * 0.01))
        for i, label in enumerate(("mismatch", "gone", "missing")):
            outcome.update(dict.fromkeys(pool[i * k : (i + 1) * k], label))
    entries: list[RegistryEntrySpec] = []
    names = {s.name for s in legal}
    for s in legal:
        if (label := outcome.get(s.uscc, "ok")) == "missing":
            continue
        name = s.name
        while label == "mismatch" and name in names:
            name = g.misspelt(s.name)
        status = g.pick(("注销", "吊销")) if label == "gone" else "存续"
        entries.append(RegistryEntrySpec("business", s.uscc, name, status, s.legal_representative))
    for p in natural:
        if (label := outcome.get(p.ric, "ok")) == "missing":
            continue
        name = p.name
        while label == "mismatch" and name == p.name:
            other = g.person()
            name = nd.surname_of(p.name) + other[len(nd.surname_of(other)) :]
        status = "死亡" if label == "gone" else "正常"
        entries.append(RegistryEntrySpec("population", p.ric, name, status, None))
    return entries


def generate_province(*, seed: int = 2026, enterprises: int = 4000, persons: int = 2000) -> Province:
    """The demo province: ``enterprises`` legal subjects (5 of them platforms), ``persons`` natural
    persons, the organisations, demo logins and the authoritative registry."""
    if persons < 10:
        raise ValueError(f"persons={persons} is too small (need at least 10)")
    g = _Generator(seed)
    platforms = [
        LegalSubjectSpec(
            company, g.uscc("91", division, "MA"), "platform", ("platform_operator",), division, g.person()
        )
        for _, _, company, division in nd.PLATFORMS
    ]
    g.keys.update(s.name.removesuffix("有限公司") for s in platforms)
    plan = _legal_plan(enterprises)
    g.rng.shuffle(plan)
    others = [_legal_subject(g, kind) for kind in plan]
    sellable = [
        i
        for i, s in enumerate(others)
        if s.uscc[:2] in ("91", "92", "93") and s.legal_form in ("enterprise", "individual_business")
    ]
    for i in g.rng.sample(sellable, round(len(sellable) * 0.6)):
        others[i] = replace(others[i], roles=(*others[i].roles, "merchant"))
    legal = platforms + others
    shares = [round(persons * share) for share in (0.10, 0.15, 0.10)]
    roles_plan = [("courier",)] * shares[0] + [("practitioner",)] * shares[1] + [("merchant",)] * shares[2]
    roles_plan += [("consumer",)] * (persons - sum(shares))
    g.rng.shuffle(roles_plan)
    natural: list[NaturalSubjectSpec] = []
    for roles in roles_plan:
        ric, male = g.ric()
        extra = ("consumer",) if roles != ("consumer",) and g.rng.random() < 0.3 else ()
        natural.append(NaturalSubjectSpec(nd.person_name(g.rng.random, male), ric, (*roles, *extra), ric[:6]))

    merchant = next(s for s in others if "merchant" in s.roles and s.uscc.startswith("91") and s.name not in g.variants)
    person = next(p for p in natural if p.roles == ("consumer",))
    organisations = [OrganisationSpec("credit_centre", "credit_centre", nd.CREDIT_CENTRE_NAME, None, None)]
    users = [
        UserSpec("admin", "demo-admin-2026", "credit_centre", "credit_centre", None, "信用中心管理员"),
        UserSpec("auditor", "demo-auditor-2026", "auditor", "credit_centre", None, "信用中心审计员"),
    ]
    for sector, dept_name, login in nd.DEPARTMENTS:
        organisations.append(OrganisationSpec(sector, "department", dept_name, sector, None))
        users.append(
            UserSpec(f"dept-{login}", f"demo-dept-{login}-2026", "department", sector, None, f"{dept_name}数据报送员")
        )
    for (key, brand, _, _), spec in zip(nd.PLATFORMS, platforms, strict=True):
        organisations.append(OrganisationSpec(f"platform_{key}", "platform", spec.name, None, spec.uscc))
        users.append(
            UserSpec(
                f"platform-{key}",
                f"demo-platform-{key}-2026",
                "platform",
                f"platform_{key}",
                None,
                f"{brand}平台对接员",
            )
        )
    users += [
        UserSpec("merchant-demo", "demo-merchant-2026", "subject", None, merchant.uscc, merchant.name),
        UserSpec("person-demo", "demo-person-2026", "subject", None, person.ric, person.name),
    ]

    # Demo logins and platforms always verify; traditional/branch names keep their exact registry name.
    protected = {s.uscc for s in legal if s in platforms or s.name in g.variants}
    registry = _registry(g, legal, natural, protected | {merchant.uscc, person.ric})
    return Province(tuple(organisations), tuple(legal), tuple(natural), tuple(users), tuple(registry), seed)


# --- iter_subject_rows: fast streaming rows -----------------------------------------------------


def _prev_prime(n: int) -> int:
    while not all(n % d for d in range(2, int(n**0.5) + 1)):
        n -= 1
    return n


# Unique identifiers without remembering them: the k-th legal/natural row gets permutation(k) of a
# prime-sized domain, x → ((a·x + b) mod p)^e mod p with gcd(e, p − 1) = 1, a bijection on [0, p).
_PAIRS: Final = tuple(a + b for a in USCC_ALPHABET for b in USCC_ALPHABET)  # 961 two-char chunks
_P6: Final = _prev_prime(31**6 - 1)  # domain of organisation-code tails (positions 11-16)
_PR: Final = _prev_prime(len(nd.BIRTH_DATES) * 1000)  # domain of (birth date, sequence) pairs
_E6: Final = next(e for e in (3, 5, 7, 11, 13) if (_P6 - 1) % e)
_ER: Final = next(e for e in (3, 5, 7, 11, 13) if (_PR - 1) % e)


def iter_subject_rows(count: int, *, seed: int = 7) -> Iterator[dict[str, str]]:
    """Stream ``count`` subject rows (~80 % legal, ~20 % natural) with keys ``SUBJECT_CSV_FIELDS``.

    Identifiers are valid and unique within the stream by construction (a seeded permutation of the
    row counter, no set of seen codes), so memory stays flat for any ``count`` up to ~887 million
    legal and ~20 million natural rows. Names are realistic but may repeat; roles are joined by ';'.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    rng = random.Random(seed)
    rand = rng.random
    a6, b6, ar, br = rng.randrange(1, _P6), rng.randrange(_P6), rng.randrange(1, _PR), rng.randrange(_PR)
    districts = [
        (d.code, d.name, nd.CITY_OF[d.code].name, nd.CITY_SHORT[nd.CITY_OF[d.code].code]) for d in nd.DISTRICTS
    ]
    n_d, n_b, forms = len(districts), len(nd.BRANDS), nd.COMPANY_FORMS
    legal_i = natural_i = 0
    for _ in range(count):
        if rand() < 0.8:
            if legal_i >= _P6:
                raise ValueError("too many legal rows for unique organisation codes")
            tail = pow((a6 * legal_i + b6) % _P6, _E6, _P6)
            legal_i += 1
            r = rand()
            prefix, form, words, roles = next(m[1:] for m in nd.LEGAL_MIX if r < m[0])
            code, dname, cname, cshort = districts[int(rand() * n_d)]
            brand = nd.BRANDS[int(rand() * n_b)] + nd.BRANDS[int(rand() * n_b)]
            name = brand + words[int(rand() * len(words))]
            if prefix in ("91", "93"):
                name = (cshort if rand() < 0.85 else "江苏") + name
                name += forms[int(rand() * len(forms))] if prefix == "91" else ""
                if form == "enterprise" and rand() < 0.02:
                    name += f"（{nd.short_place(dname)}分公司）"
            else:
                name = (dname if prefix == "92" else cname + dname) + name
            if not roles and prefix in ("91", "92") and form != "service_provider" and rand() < 0.6:
                roles = "merchant"
            head = "MA" if rand() < 0.6 else _PAIRS[int(rand() * 10) * 31 + int(rand() * 10)]
            body = head + _PAIRS[tail // 923521] + _PAIRS[tail // 961 % 961] + _PAIRS[tail % 961]
            yield {
                "name": name,
                "kind": "legal",
                "uscc": _make_uscc(prefix, code, body),
                "ric": "",
                "legal_form": form,
                "roles": roles,
            }
        else:
            if natural_i >= _PR:
                raise ValueError("too many natural rows for unique identity numbers")
            day, seq = divmod(pow((ar * natural_i + br) % _PR, _ER, _PR), 1000)
            natural_i += 1
            divisions = nd.BIRTH_DIVISIONS[day]
            first17 = f"{divisions[int(rand() * len(divisions))]}{nd.BIRTH_DATES[day]}{seq:03d}"
            r = rand()
            role = next(m[1] for m in nd.NATURAL_MIX if r < m[0])
            role += ";consumer" if role != "consumer" and rand() < 0.3 else ""
            yield {
                "name": nd.person_name(rand, seq % 2 == 1),
                "kind": "natural",
                "uscc": "",
                "ric": first17 + ric_check_char(first17),
                "legal_form": "",
                "roles": role,
            }


# --- CSV writers (UTF-8, no BOM) -----------------------------------------------------------------


def _write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    n = 0
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for n, row in enumerate(rows, start=1):  # noqa: B007 - n is the count
            writer.writerow(row)
    return n


def write_subjects_csv(path: str | Path, rows: Iterable[Mapping[str, str]]) -> int:
    """Write subject rows (``iter_subject_rows`` format) under ``SUBJECT_CSV_FIELDS``; returns the count."""
    fields = SUBJECT_CSV_FIELDS
    return _write_csv(path, fields, ([row.get(k, "") for k in fields] for row in rows))


def write_registry_csv(path: str | Path, entries: Iterable[RegistryEntrySpec]) -> int:
    """Write the registry under ``REGISTRY_CSV_HEADERS`` (主体类别 企业/自然人); returns the count."""
    return _write_csv(
        path,
        REGISTRY_CSV_HEADERS,
        (
            ["企业", e.name, e.code, "", e.status, e.legal_representative or ""]
            if e.kind == "business"
            else ["自然人", e.name, "", e.code, e.status, e.legal_representative or ""]
            for e in entries
        ),
    )
