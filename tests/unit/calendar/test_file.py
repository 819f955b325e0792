"""Calendar files (工作日历文件): the format, Chinese headers, and bad rows reported by row number.

Every day below is a made-up example, not an official schedule.
"""

from __future__ import annotations

from datetime import date

import pytest

from chengxin.domains.calendar import rules as r
from chengxin.domains.calendar.rules import CalendarDay

GOOD = """\
# Example calendar — made-up days for tests, not an official schedule
# year: 2027
date,kind,name
2027-01-01,holiday,元旦 (example)
2027/1/2,off,元旦 (example)

2027-01-09,workday,补班 (example)
2027-02-06, 班 ,
"""

CHINESE = """\ufeff日期,类型,名称,备注
２０２７年２月１０日,休,春节（示例）,ignored column
2027/2/11,休息,春节（示例）,
2027-2-20,上班,春节调休（示例）,
"""


def test_a_good_file() -> None:
    parsed = r.parse_calendar(GOOD)
    assert parsed.years == frozenset({2027})
    assert (
        list(parsed.days)
        == r.parse_calendar_file(GOOD)
        == [
            CalendarDay(date(2027, 1, 1), False, "元旦 (example)"),
            CalendarDay(date(2027, 1, 2), False, "元旦 (example)"),
            CalendarDay(date(2027, 1, 9), True, "补班 (example)"),
            CalendarDay(date(2027, 2, 6), True, ""),
        ]
    )


def test_chinese_headers_full_width_digits_and_a_bom() -> None:
    assert r.parse_calendar_file(CHINESE) == [
        CalendarDay(date(2027, 2, 10), False, "春节(示例)"),
        CalendarDay(date(2027, 2, 11), False, "春节(示例)"),
        CalendarDay(date(2027, 2, 20), True, "春节调休(示例)"),
    ]


def test_the_years_are_the_rows_years_and_the_declared_ones() -> None:
    assert r.parse_calendar("# year: 2028\ndate,kind\n").years == frozenset({2028})
    assert r.parse_calendar("# 年份：2028, 2029\n日期,类型\n2027-10-01,休\n").years == frozenset({2027, 2028, 2029})
    assert r.parse_calendar_file("# year: 2028\ndate,kind\n") == []


def test_every_bad_row_is_reported_with_its_row_number() -> None:
    text = (
        "date,kind,name\n"  # row 1
        "2027-01-01,holiday,ok\n"  # row 2
        "2027-02-30,holiday,\n"  # row 3: no such day
        "2027-01-05,maybe,\n"  # row 4: unknown kind
        "01/05/2027,holiday,\n"  # row 5: not a date form we accept
        "2027-01-01,workday,\n"  # row 6: listed twice
        f"2027-03-01,off,{'长' * 61}\n"  # row 7: name too long
        "1999-10-01,off,\n"  # row 8: outside the years
        ",,\n"  # blank: skipped
    )
    with pytest.raises(r.CalendarFileError) as err:
        r.parse_calendar(text)
    rows = {p.row: p.reason for p in err.value.problems}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8]
    assert "not a date" in rows[3] and "maybe" in rows[4] and "not a date" in rows[5]
    assert "listed twice (also row 2)" in rows[6]
    assert "longer than 60" in rows[7] and "outside the years" in rows[8]
    assert "row 3:" in str(err.value) and "row 8:" in str(err.value)


def test_a_row_with_two_problems_says_both() -> None:
    with pytest.raises(r.CalendarFileError) as err:
        r.parse_calendar("date,kind\nsoon,perhaps\n")
    [problem] = err.value.problems
    assert problem.row == 2 and "not a date" in problem.reason and "perhaps" in problem.reason


@pytest.mark.parametrize(
    ("text", "row", "reason"),
    [
        ("", 1, "no header row"),
        ("# only a comment\n\n", 1, "no header row"),
        ("day,type_of_day\n2027-01-01,off\n", 1, "must name the columns date and kind"),
        ("# year: 2027\n\nname,kind\n", 3, "must name the columns date and kind"),
        ("date,kind,name\n", 1, "lists no day and declares no year"),
        ("# year: next\ndate,kind\n2027-01-01,off\n", 1, "'# year:' must name years"),
    ],
)
def test_unusable_files(text: str, row: int, reason: str) -> None:
    with pytest.raises(r.CalendarFileError) as err:
        r.parse_calendar(text)
    assert [p.row for p in err.value.problems] == [row]
    assert reason in err.value.problems[0].reason


def test_encodings() -> None:
    text = "日期,类型,名称\n2027-01-01,休,元旦\n"
    assert r.decode_calendar_bytes(text.encode("utf-8-sig")) == text
    assert r.decode_calendar_bytes(text.encode("gb18030")) == text
    with pytest.raises(ValueError, match="not UTF-8 or GB18030"):
        r.decode_calendar_bytes(b"\xff\xfe\x00\x81")
