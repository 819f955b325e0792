"""Credit records for the demo province: who has which record, from which source, decided when.

Pure and deterministic: ``generate_records(province, today=…)`` depends only on the province (its
seed) and ``today``. Most subjects have no negative record, a minority one or two, a few bad
actors several; some legal persons hold licences and commendations, some natural persons
qualifications, titles and honours. Decision dates lie in the five years before ``today`` (recent
years weigh more for negative records), so part of the records' publicity has already ended.
Platform-reported types come from the platforms, everything else from the department whose
sector decides it. The two self-service logins get a fixed small file: a live licence and
platform finding, an expired penalty or honour and a restricted unpaid-electricity record.
A handful of submissions name firms from other provinces or no identifier at all, so the
unmatched queue (待匹配) is not empty either.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from chengxin.demo import names_data as nd
from chengxin.demo.province import LegalSubjectSpec, NaturalSubjectSpec, Province, _make_uscc
from chengxin.domains.catalog.rules import add_months
from chengxin.domains.records.rules import Party, Submission

__all__ = ["DEMO_RECORD_TYPES", "INDEFINITE", "PLATFORM_TYPES", "RecordSpec", "generate_records"]

# The catalog types the demo fills (commitment types come from the commitment capability).
DEMO_RECORD_TYPES: Final = (
    "admin_licence",
    "admin_penalty",
    "commendation",
    "court_dishonest_debtor",
    "tax_arrears",
    "unpaid_utility_fees",
    "sampling_inspection_failure",
    "upheld_complaint",
    "malicious_review",
    "brushing",
    "fake_traffic",
    "item_not_as_described",
    "counterfeit",
    "price_fraud",
    "empty_parcel",
    "pii_abuse",
    "professional_qualification",
    "professional_title",
    "volunteer_honour",
    "model_citizen_honour",
)
# Types only the platforms report in the demo (they may also come from departments in general).
PLATFORM_TYPES: Final = frozenset(
    {"malicious_review", "brushing", "fake_traffic", "item_not_as_described", "counterfeit", "price_fraud"}
)
INDEFINITE: Final = date(2099, 12, 31)  # 有效期至 2099-12-31: 长期
YEARS: Final = 5  # decisions lie in the last five years
_DAYS: Final = round(YEARS * 365.25)

# Negative records: (share of bad actors, share with one or two) by subject kind.
_NEGATIVE_SHARES: Final = {"legal": (0.015, 0.10), "natural": (0.006, 0.05)}
# Weights of negative record types by subject tag; a subject's weights are the sum over its tags.
_NEGATIVE_WEIGHTS: Final[dict[str, dict[str, int]]] = {
    "legal": {
        "admin_penalty": 30,
        "upheld_complaint": 6,
        "tax_arrears": 6,
        "unpaid_utility_fees": 6,
        "court_dishonest_debtor": 5,
    },
    "maker": {"sampling_inspection_failure": 10, "admin_penalty": 5},
    "food": {"sampling_inspection_failure": 6, "admin_penalty": 8},
    "seller": {
        "brushing": 6,
        "fake_traffic": 2,
        "item_not_as_described": 7,
        "counterfeit": 3,
        "price_fraud": 3,
        "pii_abuse": 1,
        "upheld_complaint": 4,
        "malicious_review": 1,
        "empty_parcel": 1,
    },
    "carrier": {"empty_parcel": 8, "pii_abuse": 3, "upheld_complaint": 8},
    "logistics": {"admin_penalty": 10},
    "organiser": {"brushing": 10, "fake_traffic": 8, "malicious_review": 3},
    "tech": {"pii_abuse": 3, "admin_penalty": 2},
    "consumer": {
        "malicious_review": 10,
        "brushing": 5,
        "unpaid_utility_fees": 18,
        "court_dishonest_debtor": 9,
        "admin_penalty": 7,
        "tax_arrears": 1,
    },
    "practitioner": {"unpaid_utility_fees": 8, "court_dishonest_debtor": 5, "admin_penalty": 4, "tax_arrears": 4},
    "natural_seller": {"unpaid_utility_fees": 5, "court_dishonest_debtor": 4, "admin_penalty": 4, "tax_arrears": 2},
}
# Severity of types whose severity the source states: (minor, general, serious) weights.
_SEVERITY_WEIGHTS: Final[dict[str, tuple[int, int, int]]] = {
    "sampling_inspection_failure": (25, 60, 15),
    "upheld_complaint": (80, 20, 0),
    "malicious_review": (50, 45, 5),
    "brushing": (0, 80, 20),
    "fake_traffic": (20, 65, 15),
    "item_not_as_described": (75, 25, 0),
    "counterfeit": (0, 70, 30),
    "price_fraud": (30, 60, 10),
    "empty_parcel": (0, 80, 20),
    "pii_abuse": (0, 75, 25),
}
_SEVERITIES: Final = ("minor", "general", "serious")
_HEAVY: Final = ("吊销", "行政拘留", "责令关闭", "限制从业")
_MEDIUM: Final = ("罚款", "没收", "责令停产停业", "暂扣")
_NOT_FOR_PERSONS: Final = ("吊销营业执照", "吊销许可证件", "责令停产停业")
_SOURCE_ID_PREFIX: Final = {
    **{sector: login for sector, _, login in nd.DEPARTMENTS},
    **{f"platform_{key}": key for key, _, _, _ in nd.PLATFORMS},
}


@dataclass(frozen=True, slots=True)
class RecordSpec:
    source: str  # OrganisationSpec.key of the submitting organisation
    submission: Submission


@dataclass(frozen=True, slots=True)
class _Subject:
    ref: str  # USCC or RIC
    kind: str  # legal | natural
    name: str
    division: str
    tags: frozenset[str]


def _has(name: str, words: Sequence[str]) -> bool:
    return any(w in name for w in words)


def _legal(s: LegalSubjectSpec) -> _Subject:
    tags = {"legal"}
    shop = s.legal_form == "individual_business"
    if s.uscc[:2] in ("91", "92", "93"):
        tags.add("registered")
    if shop:
        tags.add("shop")
    if "merchant" in s.roles:
        tags |= {"online", "seller"}
    if _has(s.name, nd.FOOD_WORDS):
        tags.add("food")
        if not shop and s.legal_form == "enterprise":
            tags.add("food_maker")
    if not shop and _has(s.name, nd.MAKER_WORDS):
        tags.add("maker")
    if not shop and _has(s.name, nd.INDUSTRIAL_WORDS):
        tags.add("industrial")
    if _has(s.name, nd.TECH_WORDS):
        tags.add("tech")
    if _has(s.name, nd.PHARMA_WORDS):
        tags.add("pharma")
    if s.legal_form == "logistics_company":
        tags |= {"logistics", "carrier"}
    if s.legal_form == "service_provider" and _has(s.name, ("代运营", "营销策划")):
        tags.add("organiser")
    if s.legal_form == "social_organisation":
        tags.add("social")
    return _Subject(s.uscc, "legal", s.name, s.division, frozenset(tags))


def _natural(p: NaturalSubjectSpec) -> _Subject:
    tags = {"natural", "person", *p.roles}
    if "merchant" in p.roles:
        tags |= {"online", "seller", "natural_seller"}
    if "courier" in p.roles:
        tags.add("carrier")
    return _Subject(p.ric, "natural", p.name, p.division, frozenset(tags))


def _wan(yuan: int) -> str:
    return format((Decimal(yuan) / 10_000).normalize(), "f")


class _RecordGenerator:
    def __init__(self, province: Province, today: date) -> None:
        self.rng = random.Random(f"chengxin-demo-records-{province.seed}")
        # Serial numbers depend on the dates, so they draw from their own stream: which subject has
        # which record is then the same whatever ``today`` is; only dates and numbers move.
        self.serial_rng = random.Random(f"chengxin-demo-serials-{province.seed}")
        self.today = today
        self.out: list[RecordSpec] = []
        self.seq: dict[str, int] = {}
        self.serial: dict[tuple[str, int], int] = {}
        self.platforms = [(f"platform_{key}", brand) for key, brand, _, _ in nd.PLATFORMS]

    # --- small helpers ------------------------------------------------------------------------------

    def pick(self, seq: Sequence[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def weighted(self, weights: Mapping[str, int]) -> str:
        keys = [k for k, w in weights.items() if w > 0]
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def money(self, low: int, high: int) -> int:
        """Log-uniform amount in yuan, rounded to two significant digits."""
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        step: int = 10 ** max(0, int(math.log10(value)) - 1)
        return max(step, round(value / step) * step)

    def decided(self, *, recent: bool = True, max_days: int = _DAYS, min_days: int = 0) -> date:
        """A working day ``min_days``…``max_days`` before today; ``recent`` weighs recent days more."""
        u = self.rng.random() ** 1.4 if recent else self.rng.random()
        day = self.today - timedelta(days=min_days + int(u * (max_days - min_days)))
        if day.weekday() >= 5:  # decisions are made on working days
            day -= timedelta(days=day.weekday() - 4)
        return day

    def before(self, day: date, low: int, high: int) -> date:
        return day - timedelta(days=self.rng.randint(low, high))

    def number(self, prefix: str, year: int) -> int:
        """Serial numbers of one issuer's documents in one year, increasing with gaps."""
        last = self.serial.get((prefix, year))
        n = (self.serial_rng.randint(0, 30) if last is None else last) + self.serial_rng.randint(1, 9)
        self.serial[prefix, year] = n
        return n

    def place(self, division: str) -> tuple[nd.Division, str | None]:
        """(city, district name) of a division; province-level subjects are placed in 南京."""
        city = nd.CITY_OF.get(division) or nd.CITIES[0][0]
        return city, nd.DISTRICT_NAME.get(division)

    def local(self, division: str) -> tuple[str, str]:
        """(place, abbreviation) of the local authority: a district's or, half the time, the city's."""
        city, district = self.place(division)
        if district is None or self.rng.random() < 0.5:
            return city.name, nd.CITY_ABBR[city.code]
        return (district if district[-1] in "市县" else city.name + district), district[0]

    def home_platform(self, subject: _Subject) -> tuple[str, str]:
        return self.platforms[sum(map(ord, subject.ref)) % len(self.platforms)]

    def add(
        self,
        source: str,
        subject: _Subject,
        type_code: str,
        decided: date,
        payload: dict[str, Any],
        *,
        occurred: date | None = None,
        severity: str | None = None,
        document_no: str | None = None,
        valid_to: date | None = None,
    ) -> None:
        n = self.seq[source] = self.seq.get(source, 0) + 1
        party = (
            Party(name=subject.name, kind="legal", uscc=subject.ref or None)
            if subject.kind == "legal"
            else Party(name=subject.name, kind="natural", ric=subject.ref)
        )
        sub = Submission(
            type_code=type_code,
            source_record_id=f"{_SOURCE_ID_PREFIX[source].upper()}-{n:06d}",
            decided_on=decided,
            party=party,
            occurred_on=occurred,
            severity=severity,
            document_no=document_no,
            payload=payload,
            valid_to=valid_to,
        )
        self.out.append(RecordSpec(source, sub))

    def severity(self, type_code: str, bad: bool) -> str:
        weights = _SEVERITY_WEIGHTS[type_code]
        draws = [self.rng.choices(_SEVERITIES, weights=weights)[0] for _ in range(2 if bad else 1)]
        return max(draws, key=_SEVERITIES.index)

    # --- negative records --------------------------------------------------------------------------

    def negative(self, s: _Subject, type_code: str, bad: bool) -> None:
        handlers: dict[str, Callable[[_Subject, date, bool], None]] = {
            "admin_penalty": self._admin_penalty,
            "court_dishonest_debtor": self._court_dishonest_debtor,
            "tax_arrears": self._tax_arrears,
            "unpaid_utility_fees": self._unpaid_utility_fees,
            "sampling_inspection_failure": self._sampling_inspection_failure,
            "upheld_complaint": self._upheld_complaint,
            "empty_parcel": self._empty_parcel,
            "pii_abuse": self._pii_abuse,
        }
        handler = handlers.get(type_code)
        if handler is None:
            self._platform(s, self.decided(), bad, type_code)
        else:
            handler(s, self.decided(), bad)

    def _admin_penalty(self, s: _Subject, decided: date, bad: bool, case: nd.PenaltyCase | None = None) -> None:
        if case is None:
            cases = [c for c in nd.PENALTY_CASES if c.tag in s.tags]
            case = self.rng.choices(cases, weights=[1 if c.tag == "legal" else 3 for c in cases])[0]
        natural = s.kind == "natural"
        options = [(w, c) for w, c in case.categories if not (natural and _has(c, _NOT_FOR_PERSONS))]
        draws = [
            self.rng.choices([c for _, c in options], weights=[w for w, _ in options])[0]
            for _ in range(2 if bad else 1)
        ]
        category = max(draws, key=lambda c: 3 if _has(c, _HEAVY) else 2 if _has(c, _MEDIUM) else 1)
        city, district = self.place(s.division)
        place, abbr = self.local(s.division)
        authority, prefix = {
            "market_regulation": (f"{place}市场监督管理局", f"{abbr}市监罚"),
            "postal": (f"{city.name}邮政管理局", f"{nd.CITY_ABBR[city.code]}邮管罚"),
            "tax": (f"国家税务总局{place}税务局", f"{abbr}税罚"),
            "cyberspace": ("江苏省互联网信息办公室", "苏网信罚"),
            "public_security": (
                f"{city.name}公安局{district}分局" if district and district.endswith("区") else f"{place}公安局",
                f"{nd.CITY_ABBR[city.code]}公（{(district or city.name)[0]}）行罚决字",
            ),
        }[case.source]
        food, goods = self.pick(nd.FOOD_GOODS), self.pick(nd.GOODS)
        product, item, standard = self.pick(nd.INSPECTIONS)
        occurred = self.before(decided, 20, 180)
        facts = case.facts.format(
            day=f"{occurred.year}年{occurred.month}月{occurred.day}日",
            food=food,
            goods=goods,
            n=self.rng.randint(3, 120),
            value=self.money(200, 60_000),
            platform=self.home_platform(s)[1],
            claim=self.pick(nd.FALSE_CLAIMS),
            brand=self.pick(nd.FAKE_BRANDS),
            product=product,
            item=item,
            standard=standard,
            superlative=self.pick(nd.SUPERLATIVES),
            equipment=self.pick(nd.EQUIPMENT),
            meter=self.pick(nd.METERS),
            tax_type=self.pick(nd.TAX_TYPES_LEGAL),
            prohibited=self.pick(nd.PROHIBITED),
            app=self.pick(nd.BRANDS) + self.pick(nd.BRANDS) + self.pick(nd.APP_SUFFIXES),
        )
        payload: dict[str, Any] = {
            "violation_type": case.violation_type,
            "violation_facts": f"{facts}违反了{case.basis}的规定。",
            "legal_basis": f"依据{case.penalty_basis}",
            "penalty_category": category,
            "authority": authority,
        }
        content: list[str] = []
        for part in category.split(";"):
            if part == "罚款":
                fine = self.money(200, 5_000) if natural else self.money(2_000, 200_000)
                payload["fine_wan"], payload["fine_fen"] = _wan(fine), fine * 100
                content.append(f"罚款人民币{fine}元")
            elif part == "没收违法所得":
                gains = self.money(300, 50_000)
                payload["confiscation_wan"], payload["confiscation_fen"] = _wan(gains), gains * 100
                content.append(f"没收违法所得人民币{gains}元")
            elif part == "没收非法财物":
                content.append("没收涉案物品")
            elif part == "责令停产停业":
                content.append(f"责令停业整顿{self.rng.choice((7, 15, 30))}日")
            elif part == "行政拘留":
                content.append(f"行政拘留{self.rng.randint(3, 10)}日")
            elif part == "吊销营业执照":
                payload["licence_suspended"] = f"营业执照（{s.ref}）"
                content.append("吊销营业执照")
            elif part == "吊销许可证件":
                payload["licence_suspended"] = "食品经营许可证"
                content.append("吊销食品经营许可证")
            else:
                content.append(part)
        payload["penalty_content"] = "；".join(content)
        year = decided.year
        document_no = f"{prefix}〔{year}〕{self.number(prefix, year)}号"
        self.add(case.source, s, "admin_penalty", decided, payload, occurred=occurred, document_no=document_no)

    def _court_dishonest_debtor(self, s: _Subject, decided: date, bad: bool) -> None:
        city, district = self.place(s.division)
        local = district is not None and self.rng.random() < 0.75
        court_code = f"苏{s.division[2:6]}" if local and district else f"苏{city.code[2:4]}"
        court = (
            (district if district[-1] in "市县" else city.name + district) + "人民法院"
            if local and district
            else f"江苏省{city.name}中级人民法院"
        )
        trial = self.before(decided, 120, 700)
        trial_no = self.number(court_code + "民初", trial.year)
        amount = self.money(3_000, 200_000) if s.kind == "natural" else self.money(20_000, 5_000_000)
        payload = {
            "case_no": f"（{decided.year}）{court_code}执{self.number(court_code + '执', decided.year)}号",
            "court": court,
            "obligation": self.pick(nd.OBLIGATIONS).format(amount=amount),
            "basis_document": f"（{trial.year}）{court_code}民初{trial_no}号民事判决书",
            "dishonest_conduct": self.pick(nd.DISHONEST_CONDUCT),
            "performance": "部分未履行" if self.rng.random() < 0.3 else "全部未履行",
        }
        self.add("court", s, "court_dishonest_debtor", decided, payload)

    def _tax_arrears(self, s: _Subject, decided: date, bad: bool) -> None:
        natural = s.kind == "natural"
        amount = self.money(2_000, 80_000) if natural else self.money(5_000, 3_000_000)
        place, _ = self.local(s.division)
        quarter = (decided.month - 1) // 3  # the arrears are of the quarter before the announcement
        year, quarter = (decided.year, quarter) if quarter else (decided.year - 1, 4)
        payload = {
            "tax_type": self.pick(nd.TAX_TYPES_NATURAL if natural else nd.TAX_TYPES_LEGAL),
            "amount_yuan": amount,
            "authority": f"国家税务总局{place}税务局",
            "period": f"{year}年第{quarter}季度",
        }
        severity = "serious" if amount >= 1_000_000 or (bad and self.rng.random() < 0.3) else "general"
        self.add("tax", s, "tax_arrears", decided, payload, severity=severity)

    def _unpaid_utility_fees(self, s: _Subject, decided: date, bad: bool, months: int | None = None) -> None:
        natural = s.kind == "natural"
        amount = self.money(150, 4_000) if natural else self.money(2_000, 300_000)
        months = months or self.rng.randint(3, 12)
        city, _ = self.place(s.division)
        payload = {
            "utility": "电费",
            "amount_yuan": amount,
            "arrears_months": months,
            "supplier": f"国网{city.name}供电公司",
        }
        severity = "general" if amount >= (3_000 if natural else 100_000) else "minor"
        occurred = decided - timedelta(days=30 * months)
        self.add("utility", s, "unpaid_utility_fees", decided, payload, occurred=occurred, severity=severity)

    def _sampling_inspection_failure(self, s: _Subject, decided: date, bad: bool) -> None:
        food = "food" in s.tags
        choices = [i for i in nd.INSPECTIONS if (i[0] in nd.FOOD_GOODS) == food] or list(nd.INSPECTIONS)
        product, item, standard = self.pick(choices)
        place, _ = self.local(s.division)
        payload = {
            "product": product,
            "inspection_result": f"不合格（{item}项目不符合{standard}要求）",
            "failed_item": item,
            "standard": standard,
            "authority": f"{place}市场监督管理局",
            "inspection_agency": "江苏省产品质量监督检验研究院",
        }
        occurred = self.before(decided, 20, 60)
        severity = self.severity("sampling_inspection_failure", bad)
        self.add(
            "market_regulation",
            s,
            "sampling_inspection_failure",
            decided,
            payload,
            occurred=occurred,
            severity=severity,
        )

    def _upheld_complaint(self, s: _Subject, decided: date, bad: bool) -> None:
        goods = self.pick(nd.GOODS)
        if "carrier" in s.tags:
            source, finding = "postal", self.pick(nd.COMPLAINTS_POSTAL)
            number = f"YZSS{decided:%Y%m%d}{self.rng.randint(1, 9999):04d}"
        elif "seller" in s.tags and self.rng.random() < 0.4:
            source, brand = self.home_platform(s)
            finding = self.pick(nd.COMPLAINTS_PLATFORM)
            number = f"{_SOURCE_ID_PREFIX[source].upper()}-TS{decided:%Y%m%d}{self.rng.randint(1, 99999):05d}"
        else:
            source, finding = "market_regulation", self.pick(nd.COMPLAINTS_MARKET)
            number = f"12315-{decided:%Y%m%d}-{self.rng.randint(1, 99999):05d}"
        payload = {"complaint_no": number, "finding": finding.format(goods=goods, n=self.rng.randint(3, 15))}
        occurred = self.before(decided, 5, 40)
        self.add(
            source,
            s,
            "upheld_complaint",
            decided,
            payload,
            occurred=occurred,
            severity=self.severity("upheld_complaint", bad),
        )

    def _platform(self, s: _Subject, decided: date, bad: bool, type_code: str, source: str | None = None) -> None:
        """A finding reported by the subject's platform (or, for some types, a department)."""
        templates = nd.PLATFORM_FINDINGS[type_code]
        if "organiser" in s.tags and "organiser" in templates:
            who = "organiser"
        elif "tech" in s.tags and "tech" in templates and "seller" not in s.tags:
            who = "tech"
        elif "carrier" in s.tags and "carrier" in templates:
            who = "carrier"
        elif "seller" in s.tags or s.kind == "legal":
            who = "seller"
        else:
            who = "consumer"
        key, brand = self.home_platform(s)
        source = source or key
        severity = self.severity(type_code, bad)
        p1 = self.money(99, 3_000)
        finding = self.pick(templates[who]).format(
            platform=brand,
            goods=self.pick(nd.GOODS),
            amount=self.money(50, 5_000),
            n=self.rng.randint(5, 800),
            m=self.rng.randint(2, 30),
            attr=self.pick(nd.ITEM_ATTRIBUTES),
            brand=self.pick(nd.FAKE_BRANDS),
            p1=p1,
            p2=max(1, p1 * self.rng.randint(40, 80) // 100),
            app=self.pick(nd.BRANDS) + self.pick(nd.BRANDS) + self.pick(nd.APP_SUFFIXES),
        )
        payload: dict[str, Any] = {"finding": finding}
        if source.startswith("platform_"):
            measures = nd.PLATFORM_MEASURES["consumer" if who == "consumer" else "seller"]
            payload |= {"platform": brand, "measure": measures[severity]}
        occurred = self.before(decided, 3, 45)
        self.add(source, s, type_code, decided, payload, occurred=occurred, severity=severity)

    def _empty_parcel(self, s: _Subject, decided: date, bad: bool) -> None:
        carrier = "carrier" in s.tags and "seller" not in s.tags
        self._platform(s, decided, bad, "empty_parcel", "postal" if carrier and self.rng.random() < 0.6 else None)

    def _pii_abuse(self, s: _Subject, decided: date, bad: bool) -> None:
        if "seller" in s.tags and self.rng.random() < 0.6:
            source = None  # the platform
        elif "carrier" in s.tags:
            source = self.pick(("postal", "cyberspace"))
        else:
            source = "cyberspace"
        self._platform(s, decided, bad, "pii_abuse", source)

    # --- positive and basic records ----------------------------------------------------------------

    def licence(self, s: _Subject, kind: nd.LicenceKind, decided: date | None = None) -> None:
        decided = decided or self.decided(recent=False)
        city, _ = self.place(s.division)
        place, abbr = self.local(s.division)
        number = kind.number.format(
            uscc=s.ref,
            div=s.division,
            abbr=nd.CITY_ABBR[city.code],
            year=decided.year,
            n=self.number(kind.name, decided.year),
            m=self.rng.randint(1, 30),
        )
        valid_to = INDEFINITE if kind.years == 0 else add_months(decided, 12 * kind.years) - timedelta(days=1)
        authority = {
            "market_regulation": f"{place}市场监督管理局" if kind.years == 0 else f"{city.name}市场监督管理局",
            "postal": "江苏省邮政管理局",
        }[kind.source]
        if kind.category == "登记":
            document_name = "准予登记通知书"
            word = "个" if s.ref.startswith("92") else "企"
            document_no = f"（{abbr}）登记{word}字〔{decided.year}〕第{self.number(abbr + '登记', decided.year)}号"
        else:
            document_name, document_no = "行政许可决定书", number
        payload = {
            "licence_document_name": document_name,
            "licence_category": kind.category,
            "certificate_name": kind.name,
            "licence_no": number,
            "licence_content": self.pick(kind.contents),
            "valid_from": decided.isoformat(),
            "authority": authority,
        }
        self.add(kind.source, s, "admin_licence", decided, payload, document_no=document_no, valid_to=valid_to)

    def commendation(self, s: _Subject, source: str, title: str, awarded_by: str, decided: date | None = None) -> None:
        decided = decided or self.decided(recent=False)
        payload = {"title": title.format(year=decided.year - 1), "awarded_by": awarded_by}
        self.add(source, s, "commendation", decided, payload)

    def qualification(self, s: _Subject, item: tuple[str, str, str, int], decided: date | None = None) -> None:
        source, _, name, years = item
        decided = decided or self.decided(recent=False)
        valid_to = INDEFINITE if years == 0 else add_months(decided, 12 * years) - timedelta(days=1)
        city, _ = self.place(s.division)
        hr = source == "human_resources"
        payload = {
            "qualification": name,
            "certificate_no": f"{'S' if hr else 'TZ'}{s.division}{decided:%y%m}{self.rng.randrange(10**8):08d}",
            "authority": f"{city.name}{'人力资源和社会保障局' if hr else '市场监督管理局'}",
            "valid_from": decided.isoformat(),
        }
        self.add(source, s, "professional_qualification", decided, payload, valid_to=valid_to)

    def title(self, s: _Subject) -> None:
        decided = self.decided(recent=False)
        title, series, senior = self.pick(nd.TITLES)
        city, _ = self.place(s.division)
        payload = {
            "title": title,
            "series": series,
            "awarded_by": "江苏省人力资源和社会保障厅" if senior else f"{city.name}人力资源和社会保障局",
            "certificate_no": f"{decided.year}{s.division}{self.rng.randrange(10**6):06d}",
        }
        self.add("human_resources", s, "professional_title", decided, payload)

    def honour(self, s: _Subject, type_code: str, decided: date | None = None) -> None:
        decided = decided or self.decided(recent=False)
        city, _ = self.place(s.division)
        options = nd.VOLUNTEER_HONOURS if type_code == "volunteer_honour" else nd.MODEL_CITIZEN_HONOURS
        title, awarded_by = self.pick(options)
        payload: dict[str, Any] = {
            "title": title.format(city=city.name),
            "awarded_by": awarded_by.format(city=city.name),
        }
        if type_code == "volunteer_honour":
            payload["service_hours"] = self.rng.randrange(100, 3000, 10)
        else:
            payload["deed"] = self.pick(nd.GOOD_DEEDS).format(amount=self.money(500, 20_000))
        self.add("civilisation", s, type_code, decided, payload)

    # --- the whole province ------------------------------------------------------------------------

    def negatives_for(self, s: _Subject) -> None:
        bad_share, some_share = _NEGATIVE_SHARES[s.kind]
        if "social" in s.tags:
            bad_share, some_share = 0.0, some_share / 3
        u = self.rng.random()
        if u < bad_share:
            count, bad = self.rng.randint(3, 7), True
        elif u < bad_share + some_share:
            count, bad = (1 if self.rng.random() < 0.72 else 2), False
        else:
            return
        weights: dict[str, int] = {}
        for tag in sorted(s.tags):  # not set order, which varies between processes
            for type_code, w in _NEGATIVE_WEIGHTS.get(tag, {}).items():
                weights[type_code] = weights.get(type_code, 0) + w
        for _ in range(count):
            self.negative(s, self.weighted(weights), bad)

    def positives_for_legal(self, s: _Subject, clean: bool) -> None:
        kinds = [k for k in nd.LICENCE_KINDS if k.tag in s.tags]
        specific = [k for k in kinds if k.tag != "registered"]
        p = 0.9 if "logistics" in s.tags else 0.35 if specific else 0.10
        if kinds and self.rng.random() < p:
            for _ in range(1 if self.rng.random() < 0.8 else 2):
                self.licence(s, self.pick(specific) if specific and self.rng.random() < 0.7 else self.pick(kinds))
        if clean and self.rng.random() < 0.03:
            options = [c for c in nd.COMMENDATIONS if c[1] in s.tags]
            source, _, title, awarded_by = self.pick(options)
            self.commendation(s, source, title, awarded_by)

    def positives_for_natural(self, s: _Subject, clean: bool) -> None:
        p_qual = 0.7 if "practitioner" in s.tags else 0.3 if "carrier" in s.tags else 0.08
        if self.rng.random() < p_qual:
            options = [q for q in nd.QUALIFICATIONS if q[1] in s.tags]
            self.qualification(s, self.pick(options))
        if self.rng.random() < (0.4 if "practitioner" in s.tags else 0.06):
            self.title(s)
        if clean and self.rng.random() < 0.05:
            self.honour(s, "volunteer_honour")
        if clean and self.rng.random() < 0.006:
            self.honour(s, "model_citizen_honour")

    def curated(self, merchant: _Subject | None, person: _Subject | None) -> None:
        """The self-service logins' files: live and expired, public and restricted records."""
        if merchant is not None:
            kinds = [k for k in nd.LICENCE_KINDS if k.tag in merchant.tags and k.tag != "registered"]
            self.licence(merchant, kinds[0] if kinds else nd.DEFAULT_LICENCE, self.decided(min_days=400, max_days=700))
            case = next(c for c in nd.PENALTY_CASES if c.violation_type == "网络交易")
            # 警告 four years ago: its publicity (at most three years) has ended.
            self._admin_penalty(merchant, self.decided(min_days=4 * 365, max_days=4 * 365 + 60), False, case)
            self._platform(merchant, self.decided(min_days=20, max_days=40), False, "item_not_as_described")
            self._unpaid_utility_fees(merchant, self.decided(min_days=25, max_days=35), False, months=4)
        if person is not None:
            self._unpaid_utility_fees(person, self.decided(min_days=40, max_days=50), False, months=3)
            # a volunteer honour is published for three years: this one, from four years ago, has ended
            self.honour(person, "volunteer_honour", self.decided(min_days=4 * 365, max_days=4 * 365 + 60))
            item = next(q for q in nd.QUALIFICATIONS if q[2].startswith("育婴员"))
            self.qualification(person, item, self.decided(min_days=780, max_days=820))

    def unmatched(self, count: int) -> None:
        """Penalties on firms this province does not register (待匹配), one without any code."""
        case = next(c for c in nd.PENALTY_CASES if c.violation_type == "价格违法")
        for i in range(count):
            division, city = nd.OTHER_PROVINCE_DIVISIONS[i % len(nd.OTHER_PROVINCE_DIVISIONS)]
            body = "MA" + "".join(self.rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=6))
            name = f"{city}{self.pick(nd.BRANDS)}{self.pick(nd.BRANDS)}{self.pick(nd.INDUSTRIES)}有限公司"
            s = _Subject(_make_uscc("91", division, body), "legal", name, "320100", frozenset({"legal"}))
            self._admin_penalty(s, self.decided(max_days=365), False, case)
        shop = f"{self.pick(nd.DISTRICTS).name}{self.pick(nd.BRANDS)}{self.pick(nd.BRANDS)}{self.pick(nd.SHOP_WORDS)}"
        nameless = _Subject("", "legal", shop, "320100", frozenset({"legal"}))  # a name alone is never matched
        self._admin_penalty(nameless, self.decided(max_days=365), False, case)


def generate_records(province: Province, *, today: date, unmatched: int = 5) -> tuple[RecordSpec, ...]:
    """The demo's credit records for ``province`` as of ``today`` (deterministic for both)."""
    g = _RecordGenerator(province, today)
    logins = {u.subject_ref for u in province.users if u.role == "subject" and u.subject_ref}
    merchant = person = None
    platform_usccs = {o.uscc for o in province.organisations if o.kind == "platform"}
    for spec in province.legal_subjects:
        s = _legal(spec)
        if spec.uscc in logins:
            merchant = s
            continue
        if spec.uscc in platform_usccs:
            g.commendation(s, "commerce", "江苏省电子商务示范企业", "江苏省商务厅")
            continue
        before = len(g.out)
        g.negatives_for(s)
        g.positives_for_legal(s, clean=len(g.out) == before)
    for nspec in province.natural_subjects:
        s = _natural(nspec)
        if nspec.ric in logins:
            person = s
            continue
        before = len(g.out)
        g.negatives_for(s)
        g.positives_for_natural(s, clean=len(g.out) == before)
    g.curated(merchant, person)
    g.unmatched(unmatched)
    return tuple(g.out)
