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

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from chengxin.demo import names_data as nd
from chengxin.demo import positive_texts as pt
from chengxin.demo import record_texts as rt
from chengxin.demo.positive_records import PositiveRecords
from chengxin.demo.province import Province, _make_uscc
from chengxin.demo.record_base import (  # noqa: F401 - the generator's public names live here
    _HEAVY,
    _MEDIUM,
    _NEGATIVE_SHARES,
    _NEGATIVE_WEIGHTS,
    _NOT_FOR_PERSONS,
    _SOURCE_ID_PREFIX,
    DEMO_RECORD_TYPES,
    INDEFINITE,
    PLATFORM_TYPES,
    RecordSpec,
    _has,
    _legal,
    _natural,
    _Subject,
    _wan,
)

__all__ = ["DEMO_RECORD_TYPES", "INDEFINITE", "PLATFORM_TYPES", "RecordSpec", "generate_records"]


class _RecordGenerator(PositiveRecords):
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

    def _admin_penalty(self, s: _Subject, decided: date, bad: bool, case: rt.PenaltyCase | None = None) -> None:
        if case is None:
            cases = [c for c in rt.PENALTY_CASES if c.tag in s.tags]
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
        food, goods = self.pick(rt.FOOD_GOODS), self.pick(rt.GOODS)
        product, item, standard = self.pick(rt.INSPECTIONS)
        occurred = self.before(decided, 20, 180)
        facts = case.facts.format(
            day=f"{occurred.year}年{occurred.month}月{occurred.day}日",
            food=food,
            goods=goods,
            n=self.rng.randint(3, 120),
            value=self.money(200, 60_000),
            platform=self.home_platform(s)[1],
            claim=self.pick(rt.FALSE_CLAIMS),
            brand=self.pick(rt.FAKE_BRANDS),
            product=product,
            item=item,
            standard=standard,
            superlative=self.pick(rt.SUPERLATIVES),
            equipment=self.pick(rt.EQUIPMENT),
            meter=self.pick(rt.METERS),
            tax_type=self.pick(rt.TAX_TYPES_LEGAL),
            prohibited=self.pick(rt.PROHIBITED),
            app=self.pick(nd.BRANDS) + self.pick(nd.BRANDS) + self.pick(rt.APP_SUFFIXES),
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
            "obligation": self.pick(rt.OBLIGATIONS).format(amount=amount),
            "basis_document": f"（{trial.year}）{court_code}民初{trial_no}号民事判决书",
            "dishonest_conduct": self.pick(rt.DISHONEST_CONDUCT),
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
            "tax_type": self.pick(rt.TAX_TYPES_NATURAL if natural else rt.TAX_TYPES_LEGAL),
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
        choices = [i for i in rt.INSPECTIONS if (i[0] in rt.FOOD_GOODS) == food] or list(rt.INSPECTIONS)
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
        goods = self.pick(rt.GOODS)
        if "carrier" in s.tags:
            source, finding = "postal", self.pick(rt.COMPLAINTS_POSTAL)
            number = f"YZSS{decided:%Y%m%d}{self.rng.randint(1, 9999):04d}"
        elif "seller" in s.tags and self.rng.random() < 0.4:
            source, brand = self.home_platform(s)
            finding = self.pick(rt.COMPLAINTS_PLATFORM)
            number = f"{_SOURCE_ID_PREFIX[source].upper()}-TS{decided:%Y%m%d}{self.rng.randint(1, 99999):05d}"
        else:
            source, finding = "market_regulation", self.pick(rt.COMPLAINTS_MARKET)
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
        templates = rt.PLATFORM_FINDINGS[type_code]
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
            goods=self.pick(rt.GOODS),
            amount=self.money(50, 5_000),
            n=self.rng.randint(5, 800),
            m=self.rng.randint(2, 30),
            attr=self.pick(rt.ITEM_ATTRIBUTES),
            brand=self.pick(rt.FAKE_BRANDS),
            p1=p1,
            p2=max(1, p1 * self.rng.randint(40, 80) // 100),
            app=self.pick(nd.BRANDS) + self.pick(nd.BRANDS) + self.pick(rt.APP_SUFFIXES),
        )
        payload: dict[str, Any] = {"finding": finding}
        if source.startswith("platform_"):
            measures = rt.PLATFORM_MEASURES["consumer" if who == "consumer" else "seller"]
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

    def curated(self, merchant: _Subject | None, person: _Subject | None) -> None:
        """The self-service logins' files: live and expired, public and restricted records."""
        if merchant is not None:
            kinds = [k for k in rt.LICENCE_KINDS if k.tag in merchant.tags and k.tag != "registered"]
            self.licence(merchant, kinds[0] if kinds else rt.DEFAULT_LICENCE, self.decided(min_days=400, max_days=700))
            case = next(c for c in rt.PENALTY_CASES if c.violation_type == "网络交易")
            # 警告 four years ago: its publicity (at most three years) has ended.
            self._admin_penalty(merchant, self.decided(min_days=4 * 365, max_days=4 * 365 + 60), False, case)
            self._platform(merchant, self.decided(min_days=20, max_days=40), False, "item_not_as_described")
            self._unpaid_utility_fees(merchant, self.decided(min_days=25, max_days=35), False, months=4)
        if person is not None:
            self._unpaid_utility_fees(person, self.decided(min_days=40, max_days=50), False, months=3)
            # a volunteer honour is published for three years: this one, from four years ago, has ended
            self.honour(person, "volunteer_honour", self.decided(min_days=4 * 365, max_days=4 * 365 + 60))
            item = next(q for q in pt.QUALIFICATIONS if q[2].startswith("育婴员"))
            self.qualification(person, item, self.decided(min_days=780, max_days=820))

    def unmatched(self, count: int) -> None:
        """Penalties on firms this province does not register (待匹配), one without any code."""
        case = next(c for c in rt.PENALTY_CASES if c.violation_type == "价格违法")
        for i in range(count):
            division, city = rt.OTHER_PROVINCE_DIVISIONS[i % len(rt.OTHER_PROVINCE_DIVISIONS)]
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
