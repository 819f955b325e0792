"""`chengxin records import` end to end: 双公示 sheets as departments send them, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import json
import random
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings, get_settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.accounts.models import Organisation
from chengxin.domains.reconciliation import service as reconciliation
from chengxin.domains.records import service as record_service
from chengxin.domains.records.models import CreditRecord, UnmatchedRecord
from chengxin.domains.subjects import service as subject_service
from chengxin.domains.subjects.models import Subject
from chengxin.domains.subjects.schemas import LegalSubjectIn, NaturalSubjectIn
from chengxin.security import audit
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from tests.factories import make_ric, make_uscc, wrong_check

runner = CliRunner()
ACTOR = cli_actor("tests")
SOURCE = "南京市市场监督管理局"

PENALTY_HEADER = [
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "法定代表人证件类型", "法定代表人证件号码",
    "证件类型", "证件号码", "行政处罚决定书文号", "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容",
    "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码",
    "备注",
]  # fmt: skip
LICENCE_HEADER = [
    "行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "行政许可决定文书名称", "行政许可决定文书号",
    "许可类别", "许可证书名称", "许可编号", "许可内容", "许可决定日期", "有效期自", "有效期至", "许可机关",
    "许可机关统一社会信用代码", "当前状态", "数据来源单位", "数据来源单位统一社会信用代码", "备注",
]  # fmt: skip


class World:
    """Registered subjects: legal persons by USCC, one natural person by RIC; the known source."""

    def __init__(self, db: Database, settings: Settings, n_legal: int = 6) -> None:
        rng = random.Random(2026)
        self.usccs = [make_uscc(rng) for _ in range(n_legal)]
        self.ric = make_ric(rng, birth="19850315")
        self.unknown_uscc = make_uscc(rng)
        self.unknown_ric = make_ric(rng, birth="19920101")
        self.lr_ric = make_ric(rng, birth="19700707")  # a legal representative's: must be stored nowhere
        pii = cipher(settings)
        with unit_of_work(db) as s:
            self.ids = [
                subject_service.create_subject(
                    s,
                    actor=ACTOR,
                    data=LegalSubjectIn(kind="legal", name=f"南京测试{i}公司", uscc=u),
                    cipher=pii,
                ).id
                for i, u in enumerate(self.usccs)
            ]
            self.person_id = subject_service.create_subject(
                s, actor=ACTOR, data=NaturalSubjectIn(kind="natural", name="张三", ric=self.ric), cipher=pii
            ).id
            from chengxin.domains.accounts import service as accounts

            accounts.create_organisation(s, actor=ACTOR, kind="department", name=SOURCE)


@pytest.fixture
def world(db: Database, settings: Settings) -> World:
    return World(db, settings)


def penalty(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "行政相对人类别": "法人及非法人组织",
        "违法行为类型": "虚假宣传",
        "违法事实": "发布引人误解的商业宣传",
        "处罚依据": "《反不正当竞争法》第二十条",
        "处罚类别": "罚款",
        "处罚内容": "罚款1.5万元",
        "罚款金额（万元）": "1.5",
        "处罚决定日期": "2026/3/5",
        "处罚机关": SOURCE,
        "数据来源单位": SOURCE,
    }
    row.update(kw)
    return row


def legal(w: World, i: int, doc: str, **kw: Any) -> dict[str, Any]:
    return penalty(**{"行政相对人名称": f"南京测试{i}公司", "统一社会信用代码": w.usccs[i],
                      "法定代表人": "王五", "法定代表人证件类型": "身份证", "法定代表人证件号码": w.lr_ric,
                      "行政处罚决定书文号": doc, **kw})  # fmt: skip


def person(name: str, ric: str, doc: str, **kw: Any) -> dict[str, Any]:
    return penalty(**{"行政相对人名称": name, "行政相对人类别": "自然人", "证件类型": "身份证", "证件号码": ric,
                      "行政处罚决定书文号": doc, **kw})  # fmt: skip


def write_xlsx(
    path: Path, header: list[str], rows: list[dict[str, Any]], title: str = "2026年第一季度行政处罚信息公示"
) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws.append([*header[:3], None, *header[3:]])  # an empty column in the middle
    for r in rows:
        cells = [r.get(h) for h in header]
        ws.append([*cells[:3], None, *cells[3:]])
    ws.append([])
    ws.append([None, None, None])  # blank trailing rows, as Excel leaves them
    wb.save(path)
    return path


def write_csv(path: Path, header: list[str], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["行政处罚信息公示表"])
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
        w.writerow([])
    return path


def run(*args: str) -> tuple[int, dict[str, Any]]:
    r = runner.invoke(app, ["records", "import", *args, "--json"])
    if r.exit_code not in (0, 2):
        raise AssertionError(r.output) from r.exception
    lines = [ln for ln in r.stdout.strip().splitlines() if ln.strip()]
    return r.exit_code, (json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"output": r.output})


def count(db: Database, model: Any, *where: Any) -> int:
    with unit_of_work(db, readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def stored_text(db: Database) -> str:
    """Everything the import could have written, as text."""
    with unit_of_work(db, readonly=True) as s:
        parts = [
            json.dumps(list(map(list, s.execute(select(
                CreditRecord.payload, CreditRecord.provenance, CreditRecord.source_record_id)).all())),
                ensure_ascii=False, default=str),
            json.dumps([list(r) for r in s.execute(select(
                UnmatchedRecord.source_record_id, UnmatchedRecord.party_name, UnmatchedRecord.party_code,
                UnmatchedRecord.party_ric_masked, UnmatchedRecord.submission, UnmatchedRecord.detail,
                UnmatchedRecord.provenance)).all()], ensure_ascii=False, default=str),
            json.dumps([list(r) for r in s.execute(text("SELECT detail FROM audit_entries")).all()],
                       ensure_ascii=False, default=str),
            json.dumps([list(r) for r in s.execute(text("SELECT payload FROM outbox_events")).all()],
                       ensure_ascii=False, default=str),
        ]  # fmt: skip
    return "\n".join(parts)


def test_xlsx_penalty_sheet_as_sent_imports_and_a_second_import_changes_nothing(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    rows = [
        legal(world, 0, "宁市监罚〔2026〕1号", 处罚决定日期=datetime(2026, 3, 5)),  # an Excel date cell
        legal(world, 1, "宁市监罚〔2026〕2号", 处罚决定日期="2026年3月6日", 公示截止期="2027年3月6日"),
        legal(world, 2, "宁市监罚〔2026〕3号", 处罚决定日期="20260307", 处罚类别="吊销营业执照", 处罚内容="吊销"),
        person("张三", world.ric, "宁市监罚〔2026〕4号", **{"罚款金额（万元）": "0.2"}),
        legal(world, 3, "宁市监罚〔2026〕5号", 统一社会信用代码=world.unknown_uscc),  # not registered
        person("李四", world.unknown_ric, "宁市监罚〔2026〕6号"),  # not registered
    ]
    path = write_xlsx(tmp_path / "双公示-处罚.xlsx", PENALTY_HEADER, rows)
    code, summary = run(str(path))
    assert code == 0, summary
    assert summary["type"] == "admin_penalty" and summary["rows"] == 6
    assert (summary["inserted"], summary["unmatched"], summary["rejected"], summary["unchanged"]) == (4, 2, 0, 0)
    assert summary["new_sources"] == [] and "report" not in summary
    with unit_of_work(db, readonly=True) as s:
        recs = {r.source_record_id: r for r in s.scalars(select(CreditRecord))}
        assert recs["宁市监罚〔2026〕1号"].decided_on == date(2026, 3, 5)
        assert recs["宁市监罚〔2026〕2号"].decided_on == date(2026, 3, 6)
        assert recs["宁市监罚〔2026〕2号"].payload["source_publicity_until"] == "2027-03-06"
        assert recs["宁市监罚〔2026〕3号"].decided_on == date(2026, 3, 7)
        assert recs["宁市监罚〔2026〕3号"].severity == "serious"  # implied by 吊销
        assert recs["宁市监罚〔2026〕1号"].payload["fine_fen"] == 1_500_000
        assert recs["宁市监罚〔2026〕4号"].subject_id == world.person_id
        assert recs["宁市监罚〔2026〕1号"].subject_id == world.ids[0]
        assert {r.source_org_id for r in recs.values()} == {s.scalar(select(Organisation.id).where(
            Organisation.name == SOURCE))}  # fmt: skip
        queued = {u.source_record_id: u for u in s.scalars(select(UnmatchedRecord))}
        assert queued["宁市监罚〔2026〕5号"].party_code == world.unknown_uscc
        assert (
            queued["宁市监罚〔2026〕6号"].party_ric_masked == world.unknown_ric[:3] + "*" * 11 + world.unknown_ric[-4:]
        )
        assert queued["宁市监罚〔2026〕6号"].party_ric_cipher is not None
    stored = stored_text(db)
    assert world.lr_ric not in stored  # the legal representative's id number is dropped
    assert world.unknown_ric not in stored and world.ric not in stored  # persons' numbers never in clear

    code, again = run(str(path))
    assert code == 0
    assert (again["inserted"], again["corrected"], again["unchanged"], again["unmatched"]) == (0, 0, 4, 2)
    assert count(db, CreditRecord) == 4 and count(db, UnmatchedRecord) == 2


def test_good_rows_land_and_bad_rows_are_reported_with_row_and_reason(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    header = [*PENALTY_HEADER, "记录类型", "严重程度"]
    rows = [
        legal(world, 0, "D-1", 记录类型="行政处罚"),  # row 3
        legal(world, 1, "D-2", 记录类型="行政表扬"),  # 4 unknown type
        legal(world, 2, "D-3", 记录类型="行政处罚", 违法事实=""),  # 5 missing required field
        legal(world, 3, "D-4", 记录类型="行政处罚", 处罚决定日期="2099/1/1"),  # 6 future date
        legal(world, 4, "D-5", 记录类型="行政处罚", 统一社会信用代码=wrong_check(world.usccs[4])),  # 7 check character
        legal(world, 5, "D-6", 记录类型="行政处罚", 严重程度="轻微", 处罚类别="吊销营业执照"),  # 8 inconsistent
        legal(world, 5, "D-7", 记录类型="admin_penalty", 严重程度="严重", 处罚决定日期="2026-02-01"),  # 9
        legal(world, 2, "D-8", 记录类型="行政处罚", 处罚决定日期="2026-13-01"),  # 10 not a date
    ]
    path = write_csv(tmp_path / "mixed.csv", header, rows)
    code, summary = run(str(path))
    assert code == 0, summary
    assert summary["type"] is None  # told per row by the 记录类型 column
    assert (summary["inserted"], summary["rejected"], summary["rows"]) == (2, 6, 8)
    report = list(csv.DictReader(Path(summary["report"]).read_text(encoding="utf-8").splitlines()))
    assert [(r["row"], r["code"]) for r in report] == [
        ("4", "unknown_record_type"),
        ("5", "missing_field"),
        ("6", "future_date"),
        ("7", "uscc_check_character"),
        ("8", "inconsistent_severity"),
        ("10", "invalid_date"),
    ]
    assert all(r["detail"] for r in report) and "violation_facts" in report[1]["detail"]
    with unit_of_work(db, readonly=True) as s:
        severities = dict(s.execute(select(CreditRecord.source_record_id, CreditRecord.severity)).all())
    assert severities == {"D-1": "general", "D-7": "serious"}
    fixed = write_csv(tmp_path / "mixed.csv", header, [rows[0]])  # the same file name, corrected
    code, summary = run(str(fixed))
    assert "report" not in summary and not Path(str(path) + ".rejected.csv").exists()  # the stale report goes


def test_an_unknown_source_is_registered_pending_and_reported(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    other = {"数据来源单位": "苏州市生态环境局", "数据来源单位统一社会信用代码": "11320500MB1234567A"}
    rows = [legal(world, i, f"苏罚-{i}", **other) for i in range(3)]
    rows.append(legal(world, 3, "宁罚-9"))  # the known source
    path = write_csv(tmp_path / "sources.csv", PENALTY_HEADER, rows)
    code, summary = run(str(path))
    assert code == 0 and summary["new_sources"] == ["苏州市生态环境局"] and summary["inserted"] == 4
    with unit_of_work(db, readonly=True) as s:
        org = s.scalar(select(Organisation).where(Organisation.name == "苏州市生态环境局"))
        assert org is not None and (org.kind, org.status, org.code) == ("department", "pending", "11320500MB1234567A")
        assert s.scalar(select(func.count()).where(CreditRecord.source_org_id == org.id)) == 3
        actions = set(s.scalars(text("SELECT action FROM audit_entries")))
        assert {"organisation.create", "record.create"} <= actions
    code, again = run(str(path))
    assert again["new_sources"] == [] and again["unchanged"] == 4


def test_a_sheet_without_a_source_column_needs_source(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    header = [h for h in PENALTY_HEADER if not h.startswith("数据来源单位")]
    path = write_csv(tmp_path / "nosource.csv", header, [legal(world, 0, "N-1")])
    code, summary = run(str(path))
    assert code == 2 and "source_missing" in summary["output"]
    code, summary = run(str(path), "--source", SOURCE)
    assert code == 0 and summary["inserted"] == 1


def test_unusable_files_exit_2(cli_env: Settings, db: Database, tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "x.pdf").write_text("%PDF", encoding="utf-8")
    for args, reason in (
        ([str(tmp_path / "x.csv")], "header_missing"),
        ([str(tmp_path / "x.pdf")], "file_format"),
        ([str(tmp_path / "missing.xlsx")], "file_missing"),
        ([str(tmp_path / "x.csv"), "--type", "no_such_type"], "unknown_record_type"),
    ):
        code, summary = run(*args)
        assert code == 2 and reason in summary["output"], (args, summary)


def test_interrupted_import_rerun_lands_every_valid_row_once(
    cli_env: Settings, db: Database, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [legal(world, i % 6, f"I-{i}") for i in range(29)]
    rows.append(legal(world, 0, "I-bad", 统一社会信用代码=wrong_check(world.usccs[0])))
    path = write_csv(tmp_path / "big.csv", PENALTY_HEADER, rows)
    monkeypatch.setenv("CHENGXIN_IMPORT_BATCH_SIZE", "5")  # 6 batches: read in a second process
    get_settings.cache_clear()
    real = record_service.write_batch
    calls = {"n": 0}

    def crash_on_third(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        real(*args, **kwargs)

    monkeypatch.setattr(record_service, "write_batch", crash_on_third)
    r = runner.invoke(app, ["records", "import", str(path)])
    assert r.exit_code != 0
    assert count(db, CreditRecord) == 10  # two batches committed, the third rolled back
    monkeypatch.setattr(record_service, "write_batch", real)
    code, summary = run(str(path))
    assert code == 0
    assert (summary["inserted"], summary["unchanged"], summary["rejected"]) == (19, 10, 1)
    with unit_of_work(db, readonly=True) as s:
        ids = list(s.scalars(select(CreditRecord.source_record_id)))
        assert sorted(ids) == sorted(f"I-{i}" for i in range(29))  # each valid row exactly once
        assert audit.verify_chain(s).ok


def test_licence_sheet_indefinite_validity_has_no_publicity_end(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    def licence(i: int, doc: str, until: Any) -> dict[str, Any]:
        return {"行政相对人名称": f"南京测试{i}公司", "行政相对人类别": "法人及非法人组织",
                "统一社会信用代码": world.usccs[i], "行政许可决定文书名称": "准予行政许可决定书",
                "行政许可决定文书号": doc, "许可类别": "普通", "许可证书名称": "食品经营许可证", "许可编号": f"JY{i}",
                "许可内容": "预包装食品销售", "许可决定日期": "2025/6/1", "有效期自": "2025/6/1", "有效期至": until,
                "许可机关": SOURCE, "当前状态": "有效", "数据来源单位": SOURCE}  # fmt: skip

    rows = [licence(0, "宁许-1", "2099/12/31"), licence(1, "宁许-2", datetime(2028, 6, 30))]
    path = write_xlsx(tmp_path / "licences.xlsx", LICENCE_HEADER, rows, title="行政许可信息公示")
    code, summary = run(str(path))
    assert code == 0 and summary["type"] == "admin_licence" and summary["inserted"] == 2, summary
    with unit_of_work(db, readonly=True) as s:
        got = {r.source_record_id: r for r in s.scalars(select(CreditRecord))}
        assert got["宁许-1"].publicity_until is None and got["宁许-1"].payload["valid_to"] == "2099-12-31"
        assert got["宁许-2"].publicity_until == date(2028, 6, 30)
        assert got["宁许-1"].payload["licence_no"] == "JY0" and got["宁许-1"].payload["valid_from"] == "2025-06-01"
        assert got["宁许-1"].type_code == "admin_licence" and got["宁许-1"].severity == "none"


def test_one_document_naming_several_parties_keeps_a_record_each(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    rows = [legal(world, 0, "联罚〔2026〕1号"), legal(world, 1, "联罚〔2026〕1号"), legal(world, 2, "单罚-1")]
    path = write_csv(tmp_path / "joint.csv", PENALTY_HEADER, rows)
    code, summary = run(str(path))
    assert summary["inserted"] == 3
    with unit_of_work(db, readonly=True) as s:
        ids = set(s.scalars(select(CreditRecord.source_record_id)))
    assert ids == {f"联罚〔2026〕1号#{world.usccs[0]}", f"联罚〔2026〕1号#{world.usccs[1]}", "单罚-1"}
    code, again = run(str(path))
    assert again["unchanged"] == 3 and again["inserted"] == 0


def test_generic_english_sheet_for_other_catalog_types(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "generic.json"
    path.write_text(json.dumps([
        {"type": "commendation", "source_record_id": "C-1", "decided_on": "2026-05-01", "uscc": world.usccs[0],
         "title": "守合同重信用企业", "awarded_by": "省市场监管局", "source": SOURCE},
        {"type": "tax_arrears", "source_record_id": "T-1", "decided_on": "2026-04-01",
         "subject": {"uscc": world.usccs[1]}, "payload": {"tax_type": "增值税", "amount_yuan": 12000},
         "severity": "serious", "source": SOURCE},
        {"type": "tax_arrears", "source_record_id": "T-2", "decided_on": "2026-04-01", "uscc": world.usccs[2],
         "source": SOURCE},
    ], ensure_ascii=False), encoding="utf-8")  # fmt: skip
    code, summary = run(str(path))
    assert code == 0 and summary["inserted"] == 2 and summary["rejected"] == 1, summary
    with unit_of_work(db, readonly=True) as s:
        got = {r.source_record_id: r for r in s.scalars(select(CreditRecord))}
        assert got["C-1"].payload["title"] == "守合同重信用企业" and got["T-1"].severity == "serious"
        assert got["T-1"].payload["amount_yuan"] == "12000"


def test_records_expire_stops_publishing_what_is_due(
    cli_env: Settings, db: Database, world: World, tmp_path: Path
) -> None:
    rows = [legal(world, i, f"E-{i}", 处罚类别="警告", 处罚内容="警告", **{"罚款金额（万元）": ""}) for i in range(3)]
    run(str(write_csv(tmp_path / "e.csv", PENALTY_HEADER, rows)))
    r = runner.invoke(app, ["records", "expire", "--date", "2026-12-01", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout.strip().splitlines()[-1]) == {"date": "2026-12-01", "expired": 0}
    r = runner.invoke(app, ["records", "expire", "--date", "2031-01-01", "--json"])
    assert json.loads(r.stdout.strip().splitlines()[-1]) == {"date": "2031-01-01", "expired": 3}
    assert count(db, CreditRecord, CreditRecord.status == "expired") == 3
    r = runner.invoke(app, ["records", "expire", "--date", "01/01/2031"])
    assert r.exit_code == 2


def test_resolved_queue_rows_stay_resolved_when_the_sheet_comes_again(
    cli_env: Settings, db: Database, world: World, settings: Settings, tmp_path: Path
) -> None:
    rows = [
        person("王小二", "", "Q-1", 证件类型=""),  # a person without any number: never matched by name
        legal(world, 0, "Q-2", 统一社会信用代码=world.unknown_uscc, 行政相对人名称="新设公司"),
    ]
    path = write_csv(tmp_path / "queue.csv", PENALTY_HEADER, rows)
    code, summary = run(str(path))
    assert summary["unmatched"] == 2 and summary["inserted"] == 0
    pii = cipher(settings)
    with unit_of_work(db) as s:
        queued = {u.source_record_id: u.id for u in reconciliation.list_unmatched(s).items}
        reasons = {u.source_record_id: u.reason for u in reconciliation.list_unmatched(s).items}
        assert reasons == {"Q-1": "no_identifier", "Q-2": "unknown_subject"}
        u1 = reconciliation.resolve(s, actor=ACTOR, unmatched_id=queued["Q-1"], subject_id=world.person_id, cipher=pii)
        u2, subject = reconciliation.register_and_resolve(s, actor=ACTOR, unmatched_id=queued["Q-2"], cipher=pii)
        assert u1.status == u2.status == "resolved" and subject.uscc == world.unknown_uscc
        rec1 = s.get(CreditRecord, u1.resolved_record_id)
        assert rec1 is not None and rec1.subject_id == world.person_id
    code, again = run(str(path))
    assert code == 0, again
    assert (again["unchanged"], again["unmatched"], again["inserted"], again["corrected"]) == (2, 0, 0, 0)
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Subject).where(Subject.uscc == world.unknown_uscc)) == 1
