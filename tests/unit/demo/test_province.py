"""The synthetic demo province: determinism, valid and unique identifiers, a realistic mix."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from opencc import OpenCC
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from chengxin.demo import names_data as nd
from chengxin.demo.province import (
    LEGAL_FORMS,
    REGISTRY_CSV_HEADERS,
    ROLES,
    SUBJECT_CSV_FIELDS,
    USER_ROLES,
    Province,
    generate_province,
    iter_subject_rows,
    write_registry_csv,
    write_subjects_csv,
)
from chengxin.domains.subjects.identifiers import org_code_check_char, validate_ric, validate_uscc
from chengxin.domains.subjects.names import normalise_name


@pytest.fixture(scope="module")
def province() -> Province:
    return generate_province()


def _valid_uscc(code: str) -> None:
    assert validate_uscc(code).code == code
    assert validate_uscc(code).warnings == ()  # the GB 11714 organisation-code check holds too
    assert org_code_check_char(code[8:16]) == code[16]
    if code[:8].isdigit():  # stdnum rejects valid A/N/Y codes (RULES.md), so only cross-check the rest
        assert stdnum_uscc.is_valid(code), code


def _valid_ric(code: str) -> None:
    assert validate_ric(code) == code
    assert stdnum_ric.is_valid(code), code  # also checks the division existed in the birth year


def test_same_seed_same_province_other_seed_differs() -> None:
    a = generate_province(seed=11, enterprises=300, persons=150)
    assert a == generate_province(seed=11, enterprises=300, persons=150)
    b = generate_province(seed=12, enterprises=300, persons=150)
    assert a.legal_subjects != b.legal_subjects
    assert a.natural_subjects != b.natural_subjects
    assert generate_province() == generate_province(seed=2026, enterprises=4000, persons=2000)
    assert (a.seed, b.seed) == (11, 12)


def test_sizes_and_too_small(province: Province) -> None:
    assert len(province.legal_subjects) == 4000
    assert len(province.natural_subjects) == 2000
    with pytest.raises(ValueError):
        generate_province(enterprises=20)
    with pytest.raises(ValueError):
        generate_province(persons=5)


def test_identifiers_valid_and_unique(province: Province) -> None:
    usccs = [s.uscc for s in province.legal_subjects]
    rics = [p.ric for p in province.natural_subjects]
    for code in usccs:
        _valid_uscc(code)
    for code in rics:
        _valid_ric(code)
    assert len(set(usccs)) == len(usccs)
    assert len(set(rics)) == len(rics)
    assert all(s.division == s.uscc[2:8] for s in province.legal_subjects)
    assert all(p.division == p.ric[:6] for p in province.natural_subjects)
    # birth dates stay in 1950-2005
    assert all("1950" <= p.ric[6:10] <= "2005" for p in province.natural_subjects)


def test_divisions_are_real_jiangsu_codes() -> None:
    for division in (nd.PROVINCE, *nd.ALL_DIVISIONS):
        first17 = division.code + "20200101001"
        info = stdnum_ric.get_birth_place(first17 + stdnum_ric.calc_check_digit(first17 + "0"))
        assert info["province"] == "江苏省"
        assert info["county"] == division.name, division
    assert len(nd.CITIES) == 13


def test_names_unique_even_after_normalisation(province: Province) -> None:
    names = [s.name for s in province.legal_subjects]
    assert len(set(names)) == len(names)
    assert len({normalise_name(n) for n in names}) == len(names)


def test_realistic_mix(province: Province) -> None:
    legal = province.legal_subjects
    forms = Counter(s.legal_form for s in legal)
    assert set(forms) == set(LEGAL_FORMS)
    assert forms["platform"] == 5
    assert forms["logistics_company"] == 20
    assert 0.83 <= forms["enterprise"] / len(legal) <= 0.88
    prefixes = Counter(s.uscc[:2] for s in legal)
    assert prefixes["92"] == forms["individual_business"] == 400
    assert {"51", "52", "53", "93", "N2", "N3", "Y1"} <= set(prefixes)
    assert sum(n for p, n in prefixes.items() if p[0] in "ANY") >= 5
    assert all(s.uscc.startswith("92") for s in legal if s.legal_form == "individual_business")
    assert all(s.uscc[0] in "5Y" for s in legal if s.legal_form == "social_organisation")
    roles = Counter(r for s in legal for r in s.roles)
    roles.update(r for p in province.natural_subjects for r in p.roles)
    assert set(roles) == set(ROLES)
    sellable = [
        s for s in legal if s.legal_form in ("enterprise", "individual_business") and s.uscc[:2] in ("91", "92", "93")
    ]
    assert 0.55 <= sum("merchant" in s.roles for s in sellable) / len(sellable) <= 0.65
    couriers = sum("courier" in p.roles for p in province.natural_subjects)
    assert couriers == 200
    assert all(s.roles == ("logistics_company",) for s in legal if s.legal_form == "logistics_company")
    assert all(
        any(w in s.name for w in ("速运", "快递", "物流", "快运", "供应链", "速递"))
        for s in legal
        if s.legal_form == "logistics_company"
    )


def test_name_variants_present(province: Province) -> None:
    names = [s.name for s in province.legal_subjects]
    bracketed = [n for n in names if "（" in n and n.endswith("分公司）")]
    to_simplified = OpenCC("t2s")
    traditional = [n for n in names if to_simplified.convert(n) != n]
    assert 0.01 <= len(bracketed) / len(names) <= 0.05
    assert 0.01 <= len(traditional) / len(names) <= 0.04
    assert any("有限责任公司" in n or "有限責任公司" in n for n in names)
    assert any(len(p.name) >= 3 and p.name[:2] in nd.COMPOUND_SURNAMES for p in province.natural_subjects)


def test_organisations(province: Province) -> None:
    kinds = Counter(o.kind for o in province.organisations)
    assert kinds == {"credit_centre": 1, "department": 10, "platform": 5}
    centre = next(o for o in province.organisations if o.kind == "credit_centre")
    assert centre.name == "江苏省公共信用信息中心"
    sectors = {o.sector for o in province.organisations if o.kind == "department"}
    assert sectors == {
        "market_regulation",
        "commerce",
        "postal",
        "cyberspace",
        "public_security",
        "tax",
        "court",
        "utility",
        "human_resources",
        "civilisation",
    }
    by_uscc = {s.uscc: s for s in province.legal_subjects}
    for org in province.organisations:
        if org.kind == "platform":
            assert org.uscc is not None
            subject = by_uscc[org.uscc]
            assert (subject.legal_form, subject.roles) == ("platform", ("platform_operator",))
            assert subject.name == org.name
    assert len({o.key for o in province.organisations}) == len(province.organisations)


def test_users(province: Province) -> None:
    users = province.users
    assert {u.role for u in users} == set(USER_ROLES)
    assert len({u.username for u in users}) == len(users)
    org_keys = {o.key for o in province.organisations}
    departments = {o.key for o in province.organisations if o.kind == "department"}
    platforms = {o.key for o in province.organisations if o.kind == "platform"}
    assert {u.organisation_key for u in users if u.role == "department"} == departments
    assert {u.organisation_key for u in users if u.role == "platform"} == platforms
    assert all(u.organisation_key in org_keys for u in users if u.organisation_key)
    admin = next(u for u in users if u.username == "admin")
    assert (admin.role, admin.password) == ("credit_centre", "demo-admin-2026")
    subjects = [u for u in users if u.role == "subject"]
    by_uscc = {s.uscc: s for s in province.legal_subjects}
    by_ric = {p.ric: p for p in province.natural_subjects}
    merchant = next(by_uscc[u.subject_ref] for u in subjects if u.subject_ref in by_uscc)
    person = next(by_ric[u.subject_ref] for u in subjects if u.subject_ref in by_ric)
    assert "merchant" in merchant.roles
    assert person.name in {u.display_name for u in subjects}
    assert all(u.password.startswith("demo-") and u.password.endswith("-2026") for u in users)


def test_registry_has_all_verification_outcomes(province: Province) -> None:
    registry = {e.code: e for e in province.registry}
    assert len(registry) == len(province.registry)
    outcomes: Counter[tuple[str, str]] = Counter()
    subjects = [(s.uscc, s.name, "business") for s in province.legal_subjects]
    subjects += [(p.ric, p.name, "population") for p in province.natural_subjects]
    for code, name, kind in subjects:
        entry = registry.get(code)
        if entry is None:
            outcomes[kind, "missing"] += 1
            continue
        assert entry.kind == kind
        if entry.status in ("注销", "吊销", "死亡"):
            outcomes[kind, "gone"] += 1
        elif entry.name != name:
            assert normalise_name(entry.name) != normalise_name(name)
            outcomes[kind, "mismatch"] += 1
        else:
            assert entry.status in ("存续", "正常")
            outcomes[kind, "ok"] += 1
    for kind, total in (("business", 4000), ("population", 2000)):
        assert outcomes[kind, "ok"] / total >= 0.96
        for outcome in ("missing", "gone", "mismatch"):
            assert outcomes[kind, outcome] == total // 100, (kind, outcome)
    assert {e.status for e in province.registry} == {"存续", "注销", "吊销", "正常", "死亡"}
    assert all(e.legal_representative for e in province.registry if e.kind == "business")
    # the demo logins and platforms verify cleanly
    by_uscc = {s.uscc: s for s in province.legal_subjects}
    by_ric = {p.ric: p for p in province.natural_subjects}
    refs = [u.subject_ref for u in province.users if u.subject_ref]
    refs += [o.uscc for o in province.organisations if o.uscc]
    for ref in refs:
        assert ref is not None
        subject_name = by_uscc[ref].name if ref in by_uscc else by_ric[ref].name
        assert registry[ref].name == subject_name
        assert registry[ref].status in ("存续", "正常")
    # small provinces still have every outcome
    small = generate_province(seed=3, enterprises=60, persons=20)
    assert len(small.registry) == len(small.legal_subjects) + len(small.natural_subjects) - 2
    assert {"存续", "正常", "死亡"} <= {e.status for e in small.registry}


def test_iter_subject_rows_valid_unique() -> None:
    rows = list(iter_subject_rows(20_000))
    assert len(rows) == 20_000
    assert all(tuple(r) == SUBJECT_CSV_FIELDS for r in rows)
    legal = [r for r in rows if r["kind"] == "legal"]
    natural = [r for r in rows if r["kind"] == "natural"]
    assert len(legal) + len(natural) == len(rows)
    assert 0.77 <= len(legal) / len(rows) <= 0.83
    for r in legal:
        assert r["ric"] == "" and r["legal_form"] in LEGAL_FORMS and r["name"]
        _valid_uscc(r["uscc"])
    for r in natural:
        assert r["uscc"] == "" and r["legal_form"] == "" and r["name"]
        _valid_ric(r["ric"])
    assert len({r["uscc"] for r in legal}) == len(legal)
    assert len({r["ric"] for r in natural}) == len(natural)
    roles = {role for r in rows for role in r["roles"].split(";") if role}
    assert roles == set(ROLES)
    assert {r["legal_form"] for r in legal} >= set(LEGAL_FORMS) - {"platform"}
    assert rows[:500] == list(iter_subject_rows(500))  # deterministic prefix
    assert list(iter_subject_rows(300, seed=8)) != rows[:300]
    assert list(iter_subject_rows(0)) == []


def test_csv_writers(tmp_path: Path) -> None:
    province = generate_province(seed=5, enterprises=100, persons=30)
    subjects = tmp_path / "subjects.csv"
    assert write_subjects_csv(subjects, iter_subject_rows(50)) == 50
    with subjects.open(encoding="utf-8", newline="") as fh:
        read = list(csv.DictReader(fh))
    assert read == list(iter_subject_rows(50))

    registry = tmp_path / "registry.csv"
    assert write_registry_csv(registry, province.registry) == len(province.registry)
    with registry.open(encoding="utf-8", newline="") as fh:
        header, *lines = list(csv.reader(fh))
    assert tuple(header) == REGISTRY_CSV_HEADERS
    assert header == ["主体类别", "名称", "统一社会信用代码", "身份证号码", "登记状态", "法定代表人"]
    for line, entry in zip(lines, province.registry, strict=True):
        kind, name, uscc, ric, status, rep = line
        assert name == entry.name and status == entry.status
        if entry.kind == "business":
            assert (kind, uscc, ric, rep) == ("企业", entry.code, "", entry.legal_representative)
        else:
            assert (kind, uscc, ric, rep) == ("自然人", "", entry.code, "")
