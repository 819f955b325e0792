"""Reading 双公示 sheets (no database): header mapping, row mapping, record ids; the import's transport format."""

from __future__ import annotations

import json
import pickle
import random
from datetime import date
from pathlib import Path

import pytest

from chengxin.domains.catalog import rules as catalog_rules
from chengxin.domains.records import importer as im
from chengxin.domains.records import multiparty, sheets
from chengxin.domains.records import service as record_service
from chengxin.domains.records.rules import Party, RecordRejected
from chengxin.errors import UnusableInput
from chengxin.security.crypto import PiiCipher
from tests.factories import make_ric, make_uscc

CATALOG = catalog_rules.parse_catalog(catalog_rules.default_catalog_source(), version=1)
CIPHER = PiiCipher.from_master(bytes(range(32)))
TODAY = date(2026, 11, 24)
RNG = random.Random(7)
USCC = make_uscc(RNG)
RIC = make_ric(RNG, birth="19800101")
LR_RIC = make_ric(RNG, birth="19700101")


def test_headers_as_departments_write_them() -> None:
    fields = sheets.map_header(
        ["行政相对人名称", "罚款金额（万元）", " *统一社会信用代码： ", "行政相对人代码_1（统一社会信用代码）",
         "没收违法所得、没收非法财物的金额（万元）", "处罚决定日期", "备注", "经办人", "", None, "payload.sector"],
        sheets.ALIASES,
    )  # fmt: skip
    assert fields == ["name", "fine_wan", "uscc", "uscc", "confiscation_wan", "decided_on", "note", None, None,
                      None, "sector"]  # fmt: skip


def test_the_first_of_two_id_column_pairs_is_the_legal_representatives() -> None:
    fields = sheets.map_header(
        ["法定代表人", "证件类型", "证件号码", "行政相对人名称", "证件类型", "证件号码"], sheets.ALIASES
    )
    assert fields == ["legal_representative", "lr_id_type", "lr_id_number", "name", "id_type", "id_number"]
    # one pair only: the party's (used for natural persons, dropped for legal ones)
    assert sheets.map_header(["法定代表人", "证件类型", "证件号码"], sheets.ALIASES)[1:] == ["id_type", "id_number"]


def test_sheet_kind_from_the_columns() -> None:
    assert sheets.detect_type({"penalty_document_no", "decided_on", "name"}) == "admin_penalty"
    assert sheets.detect_type({"licence_document_no", "licence_category", "valid_to"}) == "admin_licence"
    assert sheets.detect_type({"type", "decided_on"}) is None
    assert sheets.detect_type({"decided_on", "name"}) is None
    with pytest.raises(UnusableInput) as exc:
        sheets.detect_type({"penalty_category", "licence_category"})
    assert exc.value.code == "record_type_ambiguous"


def test_csv_title_row_blank_rows_empty_columns_and_row_numbers(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text(
        "2026年行政处罚公示表,,,,\n"
        "行政相对人名称,,罚款金额（万元）,处罚决定日期,经办人\n"
        "甲公司,,1.5,2026/3/5,张\n"
        ",,,,\n"
        "乙公司,,,2026年3月6日,\n"
        "\n,,\n",
        encoding="utf-8-sig",
    )
    sheet = sheets.open_file(p)
    assert sheet.header_row == 2 and sheet.ignored_headers == ["经办人"]
    assert list(sheet.rows) == [
        (3, {"name": "甲公司", "fine_wan": "1.5", "decided_on": "2026/3/5"}),
        (5, {"name": "乙公司", "decided_on": "2026年3月6日"}),
    ]


def test_gb18030_csv_and_only_some_fields(tmp_path: Path) -> None:
    p = tmp_path / "gbk.csv"
    p.write_bytes("行政相对人名称,统一社会信用代码,处罚决定日期\n丙公司,X1,20260305\n".encode("gb18030"))
    assert list(sheets.open_file(p).rows) == [(2, {"name": "丙公司", "uscc": "X1", "decided_on": "20260305"})]
    assert list(sheets.open_file(p, only=frozenset({"uscc"})).rows) == [(2, {"uscc": "X1"})]


def test_json_rows_with_nested_objects(tmp_path: Path) -> None:
    p = tmp_path / "r.json"
    row = {"type": "commendation", "source_record_id": "C-1", "decided_on": "2026-05-01", "subject": {"uscc": USCC},
           "payload": {"title": "守合同重信用企业", "awarded_by": "省局", "sector": "市场监管"}}  # fmt: skip
    p.write_text(json.dumps({"rows": [row]}, ensure_ascii=False), encoding="utf-8")
    [(n, got)] = list(sheets.open_file(p).rows)  # payload keys need no alias
    assert n == 2 and got == {"type": "commendation", "record_id": "C-1", "decided_on": "2026-05-01", "uscc": USCC,
                              "title": "守合同重信用企业", "awarded_by": "省局", "sector": "市场监管"}  # fmt: skip


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [("a,b,c\n1,2,3\n", "x.csv", "header_missing"), ("whatever", "x.docx", "file_format"),
     ("[1, 2]", "x.json", "file_format")],
)  # fmt: skip
def test_unusable_files(tmp_path: Path, content: str, name: str, code: str) -> None:
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(UnusableInput) as exc:
        sheets.open_file(p)
    assert exc.value.code == code
    with pytest.raises(UnusableInput) as missing:
        sheets.open_file(tmp_path / "nope.csv")
    assert missing.value.code == "file_missing"


PENALTY_ROW = {
    "name": "南京某某贸易有限公司",
    "kind": "法人及非法人组织",
    "uscc": USCC.lower(),
    "legal_representative": "王五",
    "lr_id_type": "身份证",
    "lr_id_number": LR_RIC,
    "penalty_document_no": "宁市监罚〔2026〕8号",
    "violation_facts": "发布虚假广告",
    "penalty_category": "罚款",
    "penalty_content": "罚款1.5万元",
    "fine_wan": "1.5",
    "confiscation_wan": "0",
    "decided_on": "2026年3月5日",
    "source_publicity_until": "2027/3/5",
    "penalty_valid_until": "长期",
    "source": "南京市市场监督管理局",
    "source_code": "11320100MB0000000X",
}


def test_a_legal_partys_penalty_row() -> None:
    sub, source, code = sheets.RowMapper(default_type="admin_penalty").submission(PENALTY_ROW)
    assert (source, code) == ("南京市市场监督管理局", "11320100MB0000000X")
    assert sub.type_code == "admin_penalty" and sub.source_record_id == "宁市监罚〔2026〕8号"
    assert sub.document_no == "宁市监罚〔2026〕8号" and sub.decided_on == "2026年3月5日"
    assert sub.party == Party(name="南京某某贸易有限公司", kind="legal", uscc=USCC)  # normalised upper case
    p = dict(sub.payload)
    assert p["fine_wan"] == "1.5" and p["fine_fen"] == 1_500_000 and p["confiscation_fen"] == 0
    assert p["source_publicity_until"] == "2027-03-05" and p["penalty_valid_until"] == "长期"
    assert p["legal_representative"] == "王五"
    # the legal representative's identity number is read past: nowhere in the submission
    assert LR_RIC not in repr(sub)


def test_a_natural_persons_row_uses_the_id_number_when_it_is_a_resident_id() -> None:
    mapper = sheets.RowMapper(default_type="admin_penalty")
    row = {"name": "李四", "kind": "自然人", "id_type": "身份证", "id_number": RIC, "penalty_document_no": "D-1",
           "decided_on": "2026-01-01", "legal_representative": "x"}  # fmt: skip
    sub, _, _ = mapper.submission(row)
    assert sub.party == Party(name="李四", kind="natural", ric=RIC)
    assert "legal_representative" not in sub.payload
    passport, _, _ = mapper.submission({**row, "id_type": "护照", "id_number": "E12345678"})
    assert passport.party.ric is None and "E12345678" not in repr(passport)
    # a legal party's 证件号码 is its representative's: never used as the party's
    legal, _, _ = mapper.submission({**row, "kind": "个体工商户", "uscc": USCC})
    assert legal.party.kind == "legal" and legal.party.ric is None and RIC not in repr(legal)


@pytest.mark.parametrize(
    ("change", "code"),
    [({"kind": "外星人"}, "invalid_party_category"), ({"fine_wan": "一万"}, "invalid_amount"),
     ({"fine_wan": "-1"}, "invalid_amount"), ({"penalty_document_no": ""}, "missing_field")],
)  # fmt: skip
def test_rows_rejected_while_mapping(change: dict[str, str], code: str) -> None:
    row = {k: v for k, v in {**PENALTY_ROW, **change}.items() if v}
    with pytest.raises(RecordRejected) as exc:
        sheets.RowMapper(default_type="admin_penalty").submission(row)
    assert exc.value.code == code


def test_severity_in_chinese_and_type_by_chinese_name() -> None:
    mapper = sheets.RowMapper(type_names={"行政处罚": "admin_penalty"})
    sub, _, _ = mapper.submission({**PENALTY_ROW, "severity": "轻微", "type": "行政处罚"})
    assert sub.severity == "minor" and sub.type_code == "admin_penalty"
    with pytest.raises(RecordRejected):
        sheets.RowMapper().submission(PENALTY_ROW)  # no type at all


def test_the_row_id_column_wins_over_the_document_number() -> None:
    sub, _, _ = sheets.RowMapper(default_type="admin_penalty").submission({**PENALTY_ROW, "record_id": "ID-77"})
    assert sub.source_record_id == "ID-77"


def test_documents_naming_several_parties() -> None:
    rows = [
        (3, {"penalty_document_no": "A", "uscc": "1"}),
        (4, {"penalty_document_no": "A", "uscc": "2"}),
        (5, {"penalty_document_no": "B", "uscc": "1"}),
        (6, {"penalty_document_no": "B", "uscc": "1"}),  # the same party twice: one document, one party
        (7, {"penalty_document_no": "C", "id_type": "身份证", "id_number": "x"}),
        (8, {"penalty_document_no": "C", "name": "y"}),
        (9, {"penalty_document_no": "D", "record_id": "own-1", "uscc": "1"}),
        (10, {"penalty_document_no": "D", "record_id": "own-2", "uscc": "2"}),
    ]
    assert multiparty.multi_party_documents(rows) == {"A", "C"}


def _items(rows: list[dict[str, str]]) -> list[record_service.Item]:
    mapper = sheets.RowMapper(default_type="admin_penalty")
    subs = [(i, mapper.submission(r)[0], {"row": i}) for i, r in enumerate(rows)]
    counts = record_service.BatchCounts()
    items = record_service.prepare_items(
        CATALOG, subs, submitter_role="department", cipher=CIPHER, today=TODAY, counts=counts
    )
    assert not counts.outcomes, counts.outcomes
    return items


def test_multi_party_record_ids_name_the_party_but_never_a_persons_number() -> None:
    person = {"name": "李四", "kind": "自然人", "id_type": "身份证", "id_number": RIC}
    items = _items([PENALTY_ROW, {**PENALTY_ROW, **person}, {**PENALTY_ROW, "penalty_document_no": "other"}])
    kept, rejected = multiparty.apply_multi_party(items, {"宁市监罚〔2026〕8号"}, CIPHER)
    ids = [it.prepared.values["source_record_id"] for it in kept]
    assert not rejected and ids[0] == f"宁市监罚〔2026〕8号#{USCC}" and ids[2] == "other"
    assert ids[1].startswith("宁市监罚〔2026〕8号#p") and RIC not in ids[1] and RIC[-6:] not in ids[1]
    again = _items([{**PENALTY_ROW, **person}])
    assert (
        multiparty.apply_multi_party(again, {"宁市监罚〔2026〕8号"}, CIPHER)[0][0].prepared.values["source_record_id"]
        == ids[1]
    )


def test_chunks_cross_processes_as_plain_tuples_and_come_back_equal() -> None:
    items = _items([PENALTY_ROW, {**PENALTY_ROW, "penalty_document_no": "Z"}])
    chunk = im.Chunk(3, [sheets.Rejection(9, "x", "y")], [im.Group("源", None, "department", items)])
    back = im.unpack(pickle.loads(pickle.dumps(im.pack(chunk))), CATALOG)
    assert back == chunk


def test_sources_by_name_or_code() -> None:
    orgs = [
        im.SourceOrg(1, "甲局", "department", uscc="11320100MB0000000X"),
        im.SourceOrg(2, "乙平台", "platform", code="P2"),
    ]
    assert im.match_source(orgs, "甲局", None) == orgs[0]
    assert im.match_source(orgs, "甲市场监管局", "11320100mb0000000x") == orgs[0]
    assert im.match_source(orgs, "别名", "p2") == orgs[1]
    assert im.match_source(orgs, "丙局", None) is None
    known = im.Sources(None, orgs)  # type: ignore[arg-type]
    assert known.expected_kind("乙平台", None) == "platform" and known.expected_kind("新单位", None) == "department"
