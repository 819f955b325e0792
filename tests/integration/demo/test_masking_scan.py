"""The masking scan (脱敏扫描, issue 9): build the demo, collect the personal data it holds — every natural
person's full name and identity number, the phones and addresses stored, the platform account ids of
persons — reading the database as the credit centre, then call EVERY public GET route (every API route and
page whose permission is ``public:read``, found from the app's routes) anonymously, path parameters filled
from the demo and with query strings built from the persons' own names and numbers, and assert that no
answer — JSON, HTML, CSV, XLSX — carries any of those values unmasked. Searching by a person's full name
must not echo it back either.

The scanner is proven to catch leaks: planted values are found in every encoding, and with the masking
policy switched off the same scan of the live app fails.
"""

from __future__ import annotations

import html
import io
import itertools
import json
import re
import shutil
import typing
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, or_, select
from typer.testing import CliRunner

from chengxin.cli.main import app as cli
from chengxin.config import Settings, get_settings
from chengxin.db import forget_database, open_database, unit_of_work
from chengxin.domains.accounts.models import User
from chengxin.domains.assessments.models import Assessment
from chengxin.domains.catalog.service import active_catalog
from chengxin.domains.checks import standing
from chengxin.domains.commitments.models import Commitment
from chengxin.domains.inspections.models import InspectionPlan
from chengxin.domains.lists.models import ListEntry, Rectification
from chengxin.domains.market.models import AccountLink, MarketAccount
from chengxin.domains.ratings.models import Rating
from chengxin.domains.records.models import CreditRecord, UnmatchedRecord
from chengxin.domains.reports.models import IssuedReport
from chengxin.domains.subjects import fuzzy
from chengxin.domains.subjects.models import Subject
from chengxin.security import masking
from chengxin.security.crypto import cipher
from chengxin.security.http import Require
from chengxin.security.permissions import Permission
from tests.conftest import DB_KINDS, TEST_PII_KEY, _reset_postgres

RIC = "ric"
TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-]{3,}")  # account ids and hashes are matched as whole tokens
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- the scanner


@dataclass
class Personal:
    """Personal data the demo holds: ``texts`` are looked for anywhere (names inside Chinese text have no
    word boundaries), ``tokens`` as whole tokens (account ids, identity numbers, link hashes)."""

    texts: dict[str, str] = field(default_factory=dict)  # value → what it is
    tokens: dict[str, str] = field(default_factory=dict)

    def leaks(self, body: str) -> list[str]:
        found: set[str] = set()
        for text in {body, html.unescape(body), unquote(body)}:
            for value, what in self.texts.items():
                if value in text:
                    found.add(f"{what}: {value}")
            for token in TOKEN.findall(text):
                what = self.tokens.get(token.upper()) or self.tokens.get(token)
                if what:
                    found.add(f"{what}: {token}")
        return sorted(found)


def readable(content: bytes, content_type: str) -> str:
    """An answer as text a person would read: JSON re-dumped without ``\\u`` escapes, XLSX cells, CSV."""
    if content[:2] == b"PK" or content_type.startswith(XLSX):
        with zipfile.ZipFile(io.BytesIO(content)) as z:  # every sheet, shared string and property part
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    text = content.decode("utf-8-sig", "replace")
    if "json" in content_type:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def collect_personal(url: str, settings: Settings) -> Personal:
    """Read as the credit centre: the names and decrypted identity numbers of natural persons (subjects and
    unmatched records), the display names of persons' logins, persons' commitments signatories, the
    platform accounts of persons (buyers) and the hashed phones, addresses and devices linked to accounts.
    A person's name that is also part of a legal person's registered name or a legal representative's
    (public by law, 企业信用信息公示) is not personal data the scan could tell apart; those few are left out."""
    pii = cipher(settings)
    out = Personal()
    with unit_of_work(open_database(url), readonly=True) as s:
        public_text = "\n".join(
            f"{n}|{r or ''}"
            for n, r in s.execute(select(Subject.name, Subject.legal_representative).where(Subject.kind == "legal"))
        )
        persons = s.execute(select(Subject.id, Subject.name, Subject.ric_cipher).where(Subject.kind == "natural"))
        for sid, name, ric_cipher in persons:
            out.texts[name] = f"name of person {sid}"
            out.tokens[pii.decrypt(ric_cipher, context=RIC).upper()] = f"RIC of person {sid}"
        for uid, party, ric_cipher in s.execute(
            select(UnmatchedRecord.id, UnmatchedRecord.party_name, UnmatchedRecord.party_ric_cipher).where(
                UnmatchedRecord.party_kind == "natural"
            )
        ):
            out.texts[party] = f"name in unmatched record {uid}"
            if ric_cipher is not None:
                out.tokens[pii.decrypt(ric_cipher, context=RIC).upper()] = f"RIC in unmatched record {uid}"
        natural = select(Subject.id).where(Subject.kind == "natural")
        for cid, signatory in s.execute(
            select(Commitment.id, Commitment.signatory).where(Commitment.subject_id.in_(natural))
        ):
            out.texts[signatory] = f"signatory of commitment {cid}"
        for username, display in s.execute(
            select(User.username, User.display_name).where(User.subject_id.in_(natural))
        ):
            out.texts[display] = f"display name of login {username}"
        for (account,) in s.execute(select(MarketAccount.account_id).where(MarketAccount.role == "buyer")):
            out.tokens[account] = "a person's platform account"
        for link_type, value in s.execute(select(AccountLink.link_type, AccountLink.value).distinct()):
            out.tokens[value] = f"linked {link_type} (hashed)"
    out.texts = {v: w for v, w in out.texts.items() if len(v.strip()) >= 2}
    shared = {v for v in out.texts if v in public_text}
    assert len(shared) <= max(3, len(out.texts) // 50), f"too many persons' names are public names: {shared}"
    for v in shared:
        del out.texts[v]
    return out


# --------------------------------------------------------------------------- the demo


@dataclass
class Demo:
    url: str
    settings: Settings
    personal: Personal
    samples: dict[str, list[str]]  # path/query parameter → values from the demo


@pytest.fixture(scope="module", params=DB_KINDS)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``chengxin demo`` (small: 400 legal persons, 200 persons, 20,000 orders), built once per database."""
    tmp = tmp_path_factory.mktemp(f"masking-{request.param}")
    if request.param == "sqlite":
        path = tmp / "chengxin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _reset_postgres(open_database(url))
        fuzzy.forget()
        standing.forget()
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp / "var",
        database_url=url,
        pii_key=TEST_PII_KEY,
        identity_verifier="local_registry",
        jobs_enabled=False,
        _env_file=None,
    )
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (("DATABASE_URL", url), ("VAR_DIR", str(tmp / "var")), ("PII_KEY", TEST_PII_KEY)):
            mp.setenv(f"CHENGXIN_{name}", value)
        mp.setenv("CHENGXIN_JOBS_ENABLED", "false")
        get_settings.cache_clear()
        args = ["demo", "--no-serve", "--json", "--enterprises", "400", "--persons", "200", "--orders", "20000"]
        result = CliRunner().invoke(cli, [*args, "--seed", "5"])
        assert result.exit_code == 0, result.output[-2000:]
        code = person_on_file(url, settings)
        for kind in ("public", "self"):  # credit reports of a person: the public one, and one anonymous may not read
            made = CliRunner().invoke(cli, ["reports", "make", code, "--kind", kind, "--out", str(tmp / f"{kind}.pdf")])
            assert made.exit_code == 0, made.output[-2000:]
        get_settings.cache_clear()
    yield Demo(url, settings, collect_personal(url, settings), samples_of(url, settings))
    if request.param == "sqlite":
        forget_database(url)


def person_on_file(url: str, settings: Settings) -> str:
    """The identity number of the first person with credit records."""
    with unit_of_work(open_database(url), readonly=True) as s:
        found = s.scalar(
            select(Subject.ric_cipher)
            .where(Subject.kind == "natural", Subject.id.in_(select(CreditRecord.subject_id)))
            .order_by(Subject.id)
            .limit(1)
        )
    assert found is not None
    return cipher(settings).decrypt(found, context=RIC)


def samples_of(url: str, settings: Settings) -> dict[str, list[str]]:
    """Values for the routes' parameters, persons' data first: their subjects, records, commitments and
    ratings, the accounts that rated, the listings and rectifications, every plan and period."""
    pii = cipher(settings)
    with unit_of_work(open_database(url), readonly=True) as s:
        natural = select(Subject.id).where(Subject.kind == "natural")
        busy = list(
            s.scalars(
                select(Subject.id)
                .where(Subject.kind == "natural")
                .where(
                    or_(
                        Subject.id.in_(select(CreditRecord.subject_id)),
                        Subject.id.in_(select(Commitment.subject_id)),
                        Subject.id.in_(select(ListEntry.subject_id)),
                    )
                )
                .order_by(Subject.id)
                .limit(25)
            )
        )
        quiet = list(s.scalars(natural.where(Subject.id.not_in(busy)).order_by(Subject.id).limit(5)))
        listed_legal = list(s.scalars(select(ListEntry.subject_id).distinct().limit(3)))
        persons = s.execute(
            select(Subject.name, Subject.ric_cipher).where(Subject.id.in_(busy[:4] + quiet[:2])).order_by(Subject.id)
        ).all()
        rics = [pii.decrypt(c, context=RIC) for _, c in persons]
        usccs = list(s.scalars(select(Subject.uscc).where(Subject.uscc.is_not(None)).order_by(Subject.id).limit(2)))
        sellers = list(
            s.scalars(
                select(Rating.ratee_account_id)
                .where(Rating.direction == "buyer_to_seller")
                .group_by(Rating.ratee_account_id)
                .order_by(func.count().desc(), Rating.ratee_account_id)
                .limit(6)
            )
        )
        buyers = list(s.scalars(select(MarketAccount.account_id).where(MarketAccount.role == "buyer").limit(3)))
        ratings = list(
            s.scalars(
                select(Rating.rating_id).where(Rating.ratee_account_id.in_(sellers)).order_by(Rating.rating_id).limit(8)
            )
        )
        ratings += list(
            s.scalars(select(Rating.rating_id).where(Rating.direction == "seller_to_buyer").limit(4))
        )  # ratings of persons (buyers)
        records = list(
            s.scalars(select(CreditRecord.id).where(CreditRecord.subject_id.in_(natural)).order_by(CreditRecord.id))
        )
        records = records[:: max(1, len(records) // 30)][:30] + list(s.scalars(select(CreditRecord.id).limit(3)))
        commitments = list(
            s.scalars(
                select(Commitment.id)
                .order_by(Commitment.subject_id.in_(natural).desc(), Commitment.id)  # persons' first
                .limit(15)
            )
        )
        plans = [str(i) for i in s.scalars(select(InspectionPlan.id))]
        periods = sorted(set(s.scalars(select(Assessment.period))))
        rectifications = [str(i) for i in s.scalars(select(Rectification.id).limit(6))]
        types = sorted(active_catalog(s).types)[:5]
        reports = list(s.scalars(select(IssuedReport.number).order_by(IssuedReport.id)))
    ids = [str(i) for i in busy + quiet + listed_legal]
    return {
        "subject_id": ids,
        "code": rics[:4] + usccs,
        "code@/api/v1/catalog/types/{code}": types,
        "record_id": [str(i) for i in records],
        "commitment_id": [str(i) for i in commitments],
        "account_id": sellers + buyers,
        "rating_id": ratings,
        "plan_id": plans,
        "period": periods,
        "rectification_id": rectifications,
        "number": reports,  # credit reports (the HTML is scanned; the PDF is rendered from the same content)
        # query strings: search terms built from the persons' own data (full names, RICs, RIC prefixes)
        "q": [n for n, _ in persons] + rics[:2] + [r[:6] for r in rics[:1]],
        "query@subject_id": [str(i) for i in busy[:2]],
        "since": ["2000-01-01T00:00:00+00:00"],
        "reveal": ["true"],
    }


# --------------------------------------------------------------------------- the routes


def public_get_routes(app: FastAPI) -> list[APIRoute]:
    from chengxin.app import api_routes

    out = []
    for route in api_routes(app.routes):
        req = next(d.call for d in route.dependant.dependencies if isinstance(d.call, Require))
        if req.permission is Permission.public_read and "GET" in (route.methods or ()):
            out.append(route)
    return out


def choices(annotation: Any) -> list[str]:
    """The values of a Literal or Enum parameter (also inside Optional/Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [str(m.value) for m in annotation]
    if typing.get_origin(annotation) is typing.Literal:
        return [str(a) for a in typing.get_args(annotation)]
    return [c for a in typing.get_args(annotation) for c in choices(a)]


def urls_of(route: APIRoute, samples: dict[str, list[str]]) -> list[str]:
    """The URLs to call for one route: every sample of each path parameter (a product, capped), then each
    query parameter set to each of its samples in turn. A parameter without samples fails the test."""
    path_values: list[list[str]] = []
    for p in route.dependant.path_params:
        values = samples.get(f"{p.name}@{route.path}") or samples.get(p.name) or choices(p.field_info.annotation)
        assert values, f"no demo values for path parameter {p.name} of {route.path}: add them to samples_of()"
        path_values.append(values)
    paths = []
    for combo in itertools.islice(itertools.product(*path_values), 40):
        path = route.path
        for p, v in zip(route.dependant.path_params, combo, strict=True):
            path = path.replace("{" + p.name + "}", quote(v, safe=""))
        paths.append(path)
    required: dict[str, str] = {}
    variants: list[tuple[str, str]] = []
    for q in route.dependant.query_params:
        values = samples.get(f"query@{q.alias}") or samples.get(q.alias) or choices(q.field_info.annotation)
        if q.field_info.is_required():
            assert values, f"no demo values for required query parameter {q.alias} of {route.path}"
            required[q.alias] = values[0]
        variants += [(q.alias, v) for v in values]
    out = []
    for path in paths[:8] if variants else paths:
        base = dict(required)
        out.append(path + ("?" + "&".join(f"{k}={quote(v)}" for k, v in base.items()) if base else ""))
        for k, v in variants:
            query = {**base, k: v}
            out.append(path + "?" + "&".join(f"{a}={quote(b)}" for a, b in query.items()))
    for path in paths[8:] if variants else []:
        out.append(path + ("?" + "&".join(f"{k}={quote(v)}" for k, v in required.items()) if required else ""))
    return list(dict.fromkeys(out))


ACCEPTS = ({"Accept": "text/html"}, {"Accept": "application/json"}, {"Accept": "text/html", "HX-Request": "true"})


@dataclass
class Scan:
    calls: int = 0
    leaks: dict[str, list[str]] = field(default_factory=dict)  # url → what leaked
    errors: dict[str, int] = field(default_factory=dict)  # url → 5xx status
    answered: set[str] = field(default_factory=set)  # routes with at least one 2xx answer


def scan(client: TestClient, routes: list[APIRoute], samples: dict[str, list[str]], personal: Personal) -> Scan:
    out = Scan()
    for route in routes:
        for url in urls_of(route, samples):
            for headers in ACCEPTS if not route.path.startswith("/api/") else ACCEPTS[1:2]:
                r = client.get(url, headers=headers)
                out.calls += 1
                if r.status_code >= 500:
                    out.errors[url] = r.status_code
                if r.status_code < 300:
                    out.answered.add(route.path)
                leaked = personal.leaks(readable(r.content, r.headers.get("content-type", "")))
                leaked += [f"header {k}: {v}" for k, v in r.headers.items() if personal.leaks(v)]
                if r.status_code >= 400:  # a refusal may name what was asked for ("instance"): it confirms nothing
                    leaked = [w for w in leaked if w.rsplit(": ", 1)[1] not in unquote(url)]
                if leaked:
                    out.leaks[f"{r.status_code} {url} {headers}"] = leaked
    return out


# Public routes that answer the public with an error by design: a rectification (its notice and letter)
# is for its subject and the reviewing organisations only (404 to others); a record's history for the
# subject itself and readers of shared records.
NOT_FOR_THE_PUBLIC = {
    "/api/v1/rectifications/{rectification_id}",
    "/rectifications/{rectification_id}/{document}",
    "/api/v1/records/{record_id}/history",
}


def app_of(d: Demo) -> FastAPI:
    from chengxin.app import create_app

    return create_app(d.settings)


def test_no_public_route_shows_personal_data(demo: Demo) -> None:
    assert sum(w.startswith("name of person") for w in demo.personal.texts.values()) >= 150
    assert sum(w.startswith("RIC of person") for w in demo.personal.tokens.values()) == 200
    assert sum(w == "a person's platform account" for w in demo.personal.tokens.values()) > 1000
    app = app_of(demo)
    routes = public_get_routes(app)
    assert {"/search", "/subjects/{subject_id}", "/lists/{kind}/export.csv", "/api/v1/assessments/{period}/export"} <= {
        r.path for r in routes
    }
    with TestClient(app) as client:
        result = scan(client, routes, demo.samples, demo.personal)
    assert result.calls > 500
    assert not result.leaks, "personal data leaked to the public:\n" + "\n".join(
        f"{url}: {what[:5]}" for url, what in list(result.leaks.items())[:30]
    )
    assert not result.errors, f"server errors while scanning: {result.errors}"
    unanswered = {r.path for r in routes} - result.answered - NOT_FOR_THE_PUBLIC
    assert not unanswered, f"public routes never answered 2xx, so never really scanned: {sorted(unanswered)}"


def test_searching_a_person_by_full_name_does_not_echo_it(demo: Demo) -> None:
    names = [v for v, w in demo.personal.texts.items() if w.startswith("name of person")][:5]
    with TestClient(app_of(demo)) as client:
        for name in names:
            for url in ("/search?q=", "/api/v1/subjects?q=", "/lists/black?q="):
                url += quote(name)
                r = client.get(url, headers={"Accept": "text/html"})
                assert r.status_code == 200, url
                assert name not in r.text and quote(name) not in r.text, url
                assert masking.mask_person_name(name) in html.unescape(r.text), url  # echoed masked
            assert client.get(f"/api/v1/subjects?q={quote(name)}").json()["results"] == []  # nor found by name


def test_the_scan_catches_a_leak(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the name mask switched off (a name "masked" to itself), the same scan fails: persons' names come
    back from their subject pages."""
    app = app_of(demo)
    wanted = ("/subjects/{subject_id}", "/api/v1/subjects/{subject_id}")
    routes = [r for r in public_get_routes(app) if r.path in wanted]
    samples = {**demo.samples, "subject_id": demo.samples["subject_id"][:3]}
    monkeypatch.setattr(masking, "mask_person_name", lambda name: name)
    with TestClient(app) as client:
        result = scan(client, routes, samples, demo.personal)
    found = "\n".join(w for ws in result.leaks.values() for w in ws)
    assert "name of person" in found


# --------------------------------------------------------------------------- the scanner itself (no database)


def planted() -> Personal:
    return Personal(
        texts={"欧阳娜娜": "name of person 1"}, tokens={"32010219900101123X": "RIC of person 1", "P01-B000002": "acct"}
    )


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (json.dumps({"name": "欧阳娜娜"}).encode(), "application/json"),  # \u escapes
        ("<td>欧阳娜娜</td>".encode(), "text/html"),
        (b"<a href='/search?q=%E6%AC%A7%E9%98%B3%E5%A8%9C%E5%A8%9C'>", "text/html"),  # percent-encoded
        (b"<td>&#27431;&#38451;&#23068;&#23068;</td>", "text/html"),  # HTML entities
        ("名单,32010219900101123x\r\n".encode("utf-8-sig"), "text/csv"),  # lower-case check character
        (b'{"rater": "P01-B000002"}', "application/json"),
    ],
)
def test_scanner_finds_planted_values(content: bytes, content_type: str) -> None:
    assert planted().leaks(readable(content, content_type))


def test_scanner_reads_xlsx_and_spares_masked_values() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["主体名称", "欧阳娜娜"])
    buf = io.BytesIO()
    wb.save(buf)
    assert planted().leaks(readable(buf.getvalue(), XLSX)) == ["name of person 1: 欧阳娜娜"]
    masked = "欧阳** 320***********123X P****2 P01-B0000021"  # masked forms; a longer id is another id
    assert planted().leaks(masked) == []


def test_scanner_fills_every_parameter_or_fails(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db", pii_key=TEST_PII_KEY, _env_file=None
    )
    from chengxin.app import create_app

    routes = {r.path: r for r in public_get_routes(create_app(settings))}
    urls = urls_of(routes["/lists/{kind}"], {"q": ["欧阳娜娜"]})
    assert "/lists/black" in urls and f"/lists/red?q={quote('欧阳娜娜')}" in urls
    with pytest.raises(AssertionError, match="subject_id"):
        urls_of(routes["/subjects/{subject_id}"], {})
