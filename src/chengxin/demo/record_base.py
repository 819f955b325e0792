"""The demo record generator's foundations: the record spec, what a subject looks like to the
generator (tags from its name and roles), the shares and weights of the mix, and the drawing and
dating helpers every kind of record uses (chengxin.demo.records)."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from chengxin.demo import names_data as nd
from chengxin.demo import record_texts as rt
from chengxin.demo.province import LegalSubjectSpec, NaturalSubjectSpec, Province
from chengxin.domains.records.rules import Party, Submission

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
    if _has(s.name, rt.FOOD_WORDS):
        tags.add("food")
        if not shop and s.legal_form == "enterprise":
            tags.add("food_maker")
    if not shop and _has(s.name, rt.MAKER_WORDS):
        tags.add("maker")
    if not shop and _has(s.name, rt.INDUSTRIAL_WORDS):
        tags.add("industrial")
    if _has(s.name, rt.TECH_WORDS):
        tags.add("tech")
    if _has(s.name, rt.PHARMA_WORDS):
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


class RecordBase:
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
