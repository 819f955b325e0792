"""`chengxin subjects import` end to end: Chinese 双公示 headers, bad rows, idempotent re-runs."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from chengxin.cli.main import app
from chengxin.config import Settings, get_settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.subjects import importer
from chengxin.domains.subjects.models import Subject
from chengxin.security import audit
from tests.factories import make_ric, make_uscc, wrong_check

runner = CliRunner()


HEADER = [
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "罚款金额（万元）",
    "",
    "数据来源单位",
]


def penalty_rows(n_good: int) -> tuple[list[list[str]], list[str]]:
    rng = random.Random(42)
    rows, codes = [], []
    for i in range(n_good):
        code = make_uscc(rng)
        codes.append(code)
        rows.append(
            [
                f"南京测试{i:04d}贸易有限公司",
                "法人及非法人组织",
                code,
                "王五",
                "",
                "",
                f"宁市监罚〔2026〕{i}号",
                "1.5",
                "",
                "南京市市场监督管理局",
            ]
        )
    rows.append(["个体户甲", "个体工商户", make_uscc(rng, head="92"), "", "", "", "x", "", "", ""])
    rows.append(["李小华", "自然人", "", "", "身份证", make_ric(rng, birth="19800101"), "y", "", "", ""])
    rows.append(["坏代码公司", "法人及非法人组织", wrong_check(make_uscc(rng)), "", "", "", "z", "", "", ""])
    rows.append(["", "法人及非法人组织", make_uscc(rng), "", "", "", "z", "", "", ""])
    rows.append(["未知类别", "外星人", make_uscc(rng), "", "", "", "z", "", "", ""])
    return rows, codes


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(["2026年第三季度行政处罚信息公示表"])  # title row above the header
        w.writerow(HEADER)
        w.writerows(rows)
        w.writerow([])
        w.writerow(["", "", ""])
    return path


def _count(db: Database) -> int:
    with unit_of_work(db, readonly=True) as s:
        return int(s.scalar(select(func.count()).select_from(Subject)) or 0)


def test_penalty_sheet_imports_with_report_and_reruns_idempotently(
    cli_env: Settings, db: Database, tmp_path: Path
) -> None:
    rows, _ = penalty_rows(20)
    path = write_csv(tmp_path / "penalties.csv", rows)
    r = runner.invoke(app, ["subjects", "import", str(path), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["inserted"] == 22 and summary["rejected"] == 3 and summary["rows"] == 25
    assert "行政处罚决定书文号" in summary["ignored_columns"]
    report = list(csv.DictReader(Path(summary["report"]).read_text(encoding="utf-8").splitlines()))
    assert {(row["row"], row["code"]) for row in report} == {
        ("25", "uscc_check_character"),
        ("26", "invalid_row"),
        ("27", "invalid_row"),
    }
    again = runner.invoke(app, ["subjects", "import", str(path), "--json"])
    second = json.loads(again.stdout.strip().splitlines()[-1])
    assert second["inserted"] == 0 and second["unchanged"] == 22 and second["rejected"] == 3
    assert _count(db) == 22
    with unit_of_work(db, readonly=True) as s:
        kinds = dict(s.execute(select(Subject.kind, func.count()).group_by(Subject.kind)).all())
        forms = set(s.scalars(select(Subject.legal_form)))
    assert kinds == {"legal": 21, "natural": 1}
    assert "individual_business" in forms


def test_xlsx_and_json_inputs(cli_env: Settings, db: Database, tmp_path: Path) -> None:
    rows, codes = penalty_rows(3)
    wb = Workbook()
    ws = wb.active
    ws.append(["标题"])
    ws.append(HEADER)
    for row in rows[:3]:
        ws.append(row)
    wb.save(tmp_path / "s.xlsx")
    r = runner.invoke(app, ["subjects", "import", str(tmp_path / "s.xlsx"), "--json"])
    assert json.loads(r.stdout.strip().splitlines()[-1])["inserted"] == 3
    (tmp_path / "s.json").write_text(
        json.dumps(
            [
                {
                    "name": "扬州某某食品有限公司",
                    "kind": "legal",
                    "uscc": make_uscc(random.Random(9)),
                    "roles": "merchant",
                }
            ]
        ),
        encoding="utf-8",
    )
    r = runner.invoke(app, ["subjects", "import", str(tmp_path / "s.json"), "--json"])
    assert json.loads(r.stdout.strip().splitlines()[-1])["inserted"] == 1


def test_unusable_file_exits_non_zero(cli_env: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "nothing.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    r = runner.invoke(app, ["subjects", "import", str(bad)])
    assert r.exit_code == 2 and "header_missing" in r.output
    r = runner.invoke(app, ["subjects", "import", str(tmp_path / "missing.csv")])
    assert r.exit_code == 2


def test_interrupted_import_rerun_lands_each_row_once(
    cli_env: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, codes = penalty_rows(50)
    path = write_csv(tmp_path / "p.csv", rows)
    monkeypatch.setenv("CHENGXIN_IMPORT_BATCH_SIZE", "10")
    get_settings.cache_clear()
    real = importer.write_batch
    calls = {"n": 0}

    def crash_on_third(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(importer, "write_batch", crash_on_third)
    r = runner.invoke(app, ["subjects", "import", str(path)])
    assert r.exit_code != 0
    assert _count(db) == 20  # two batches committed, the third rolled back
    monkeypatch.setattr(importer, "write_batch", real)
    r = runner.invoke(app, ["subjects", "import", str(path), "--json"])
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["inserted"] == 52 - 20 and summary["unchanged"] == 20
    with unit_of_work(db, readonly=True) as s:
        assert s.scalar(select(func.count(func.distinct(Subject.uscc))).where(Subject.uscc.in_(codes))) == 50
        assert audit.verify_chain(s).ok


def test_renamed_company_counts_as_updated(cli_env: Settings, db: Database, tmp_path: Path) -> None:
    code = make_uscc(random.Random(3))
    p = tmp_path / "a.csv"
    p.write_text(f"名称,统一社会信用代码\n常州甲公司,{code}\n", encoding="utf-8")
    runner.invoke(app, ["subjects", "import", str(p)])
    p.write_text(f"名称,统一社会信用代码\n常州乙公司,{code}\n", encoding="utf-8")
    r = runner.invoke(app, ["subjects", "import", str(p), "--json"])
    assert json.loads(r.stdout.strip().splitlines()[-1])["updated"] == 1
