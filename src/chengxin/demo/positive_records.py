"""The demo's positive and basic records: licences, commendations, qualifications, titles and
honours (chengxin.demo.records)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from chengxin.demo import names_data as nd
from chengxin.demo import positive_texts as pt
from chengxin.demo import record_texts as rt
from chengxin.demo.record_base import INDEFINITE, RecordBase, _Subject
from chengxin.domains.catalog.rules import add_months


class PositiveRecords(RecordBase):
    def licence(self, s: _Subject, kind: rt.LicenceKind, decided: date | None = None) -> None:
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
        title, series, senior = self.pick(pt.TITLES)
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
        options = pt.VOLUNTEER_HONOURS if type_code == "volunteer_honour" else pt.MODEL_CITIZEN_HONOURS
        title, awarded_by = self.pick(options)
        payload: dict[str, Any] = {
            "title": title.format(city=city.name),
            "awarded_by": awarded_by.format(city=city.name),
        }
        if type_code == "volunteer_honour":
            payload["service_hours"] = self.rng.randrange(100, 3000, 10)
        else:
            payload["deed"] = self.pick(pt.GOOD_DEEDS).format(amount=self.money(500, 20_000))
        self.add("civilisation", s, type_code, decided, payload)

    def positives_for_legal(self, s: _Subject, clean: bool) -> None:
        kinds = [k for k in rt.LICENCE_KINDS if k.tag in s.tags]
        specific = [k for k in kinds if k.tag != "registered"]
        p = 0.9 if "logistics" in s.tags else 0.35 if specific else 0.10
        if kinds and self.rng.random() < p:
            for _ in range(1 if self.rng.random() < 0.8 else 2):
                self.licence(s, self.pick(specific) if specific and self.rng.random() < 0.7 else self.pick(kinds))
        if clean and self.rng.random() < 0.03:
            options = [c for c in pt.COMMENDATIONS if c[1] in s.tags]
            source, _, title, awarded_by = self.pick(options)
            self.commendation(s, source, title, awarded_by)

    def positives_for_natural(self, s: _Subject, clean: bool) -> None:
        p_qual = 0.7 if "practitioner" in s.tags else 0.3 if "carrier" in s.tags else 0.08
        if self.rng.random() < p_qual:
            options = [q for q in pt.QUALIFICATIONS if q[1] in s.tags]
            self.qualification(s, self.pick(options))
        if self.rng.random() < (0.4 if "practitioner" in s.tags else 0.06):
            self.title(s)
        if clean and self.rng.random() < 0.05:
            self.honour(s, "volunteer_honour")
        if clean and self.rng.random() < 0.006:
            self.honour(s, "model_citizen_honour")
