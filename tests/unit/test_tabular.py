"""Reading department files as they come (title rows, full-width headers, blank rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from chengxin.errors import UnusableInput
from chengxin.tabular import normalise_header, read_rows

ALIASES = {"行政相对人名称": "name", "罚款金额(万元)": "fine", "统一社会信用代码": "uscc"}


def test_header_normalisation() -> None:
    assert normalise_header(" 罚款金额（万元） ") == "罚款金额(万元)"
    assert normalise_header("＊统一社会信用代码：") == "统一社会信用代码"


def test_csv_with_title_row_fullwidth_headers_blank_rows(tmp_path: Path) -> None:
    p = tmp_path / "a.csv"
    p.write_text(
        "行政处罚公示表,,,\n行政相对人名称,罚款金额（万元）,,备注\n甲公司,1.5,,x\n,,,\n乙公司,,,\n\n",
        encoding="utf-8-sig",
    )
    table = read_rows(p, ALIASES, required={"name"})
    assert table.header_row == 2 and table.ignored_headers == ["备注"]
    assert list(table.rows) == [(3, {"name": "甲公司", "fine": "1.5"}), (5, {"name": "乙公司"})]


def test_gb18030_csv(tmp_path: Path) -> None:
    p = tmp_path / "gbk.csv"
    p.write_bytes("行政相对人名称\n丙公司\n".encode("gb18030"))
    assert list(read_rows(p, ALIASES, required={"name"}).rows) == [(2, {"name": "丙公司"})]


def test_quoted_multiline_cell(tmp_path: Path) -> None:
    p = tmp_path / "m.csv"
    p.write_text('行政相对人名称,罚款金额(万元)\n"丁公司\n（分公司）",2\n', encoding="utf-8")
    assert list(read_rows(p, ALIASES, required={"name"}).rows) == [(2, {"name": "丁公司\n（分公司）", "fine": "2"})]


def test_xlsx_numbers_and_dates(tmp_path: Path) -> None:
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append(["标题"])
    ws.append(["行政相对人名称", "罚款金额(万元)", "统一社会信用代码"])
    ws.append(["戊公司", 3.0, dt.date(2026, 1, 2)])
    ws.append(["庚公司", 1.0, dt.datetime(2026, 1, 2, 9, 30)])  # a time cell keeps its time
    wb.save(tmp_path / "x.xlsx")
    rows = list(read_rows(tmp_path / "x.xlsx", ALIASES, required={"name"}).rows)
    assert rows == [
        (3, {"name": "戊公司", "fine": "3", "uscc": "2026-01-02"}),
        (4, {"name": "庚公司", "fine": "1", "uscc": "2026-01-02 09:30:00"}),
    ]


def test_json_list_and_wrapped(tmp_path: Path) -> None:
    p = tmp_path / "j.json"
    p.write_text(json.dumps({"rows": [{"行政相对人名称": "己公司", "extra": 1}]}), encoding="utf-8")
    assert list(read_rows(p, ALIASES, required={"name"}).rows) == [(2, {"name": "己公司"})]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("no_header.csv", "a,b\n1,2\n", "header_missing"),
        ("bad.json", "{not json", "file_format"),
        ("obj.json", '{"x": 1}', "file_format"),
        ("bad.xlsx", "not a zip", "file_format"),
        ("a.pdf", "x", "file_format"),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, content: str, code: str) -> None:
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(UnusableInput) as err:
        read_rows(p, ALIASES, required={"name"})
    assert err.value.code == code


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnusableInput) as err:
        read_rows(tmp_path / "nope.csv", ALIASES, required={"name"})
    assert err.value.code == "file_missing"
