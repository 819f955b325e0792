"""统一社会信用代码 (USCC) and 居民身份证号码 (RIC) checks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from chengxin.domains.subjects.identifiers import (
    USCC_ALPHABET,
    IdentifierError,
    Uscc,
    classify_code,
    division_of,
    org_code_check_char,
    ric_birth_date,
    ric_check_char,
    ric_from_15,
    ric_sex,
    uscc_check_char,
    validate_ric,
    validate_uscc,
)

# Real codes found online, from python-stdnum's tests/test_cn_uscc.doctest.
REAL_USCCS = [
    "121200004013590816",
    "91110000600037341L",
    "91110000710926094P",
    "91120224064012553U",
    "911522010783710635",
    "91152201078371135X",
    "91310000631696382C",
    "91310115MA1K3BTP2B",
    "9131012056010553X5",
    "91320214745555318W",
    "913205056082348768",
    "913304007429141869",
    "91340600MA2PBM9HXD",
    "91340603MA2UJXXCXF",
    "913505007821784439",
    "91371082775260043P",
    "914112810713741814",
    "91420684MA4927PJ7B",
    "91440300568520498A",
    "9144030071526726XG",
    "9144060573144633XL",
    "91442000696462712R",
    "91620105L015101280",
    "91620105MA73NBBLXE",
    "92340602MA2PBMEM24",
    "92340603MA2UK2002C",
    "92340621MA2PBKRXXG",
    "92340621MA2UK3PJXE",
]


def make_uscc(first16: str) -> str:
    """A valid code from positions 1-16: add the GB 11714 and GB 32100 check characters."""
    first17 = first16 + org_code_check_char(first16[8:16])
    return first17 + uscc_check_char(first17)


def error(func: object, *args: object, **kwargs: object) -> IdentifierError:
    assert callable(func)
    with pytest.raises(IdentifierError) as info:
        func(*args, **kwargs)
    return info.value


# --- USCC -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_codes_are_valid(code: str) -> None:
    assert validate_uscc(code) == Uscc(code, ())
    assert stdnum_uscc.is_valid(code)


def test_input_is_normalised() -> None:
    assert validate_uscc(" 91 110000 600037341l\n").code == "91110000600037341L"
    assert validate_uscc("９１１１００００６０００３７３４１Ｌ").code == "91110000600037341L"  # full width
    assert validate_uscc("91110000600037341L\u3000").code == "91110000600037341L"  # ideographic space


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_authorities_a_n_y_are_accepted_though_stdnum_rejects_them(authority: str) -> None:
    code = make_uscc(f"{authority}2320102MA1X2Y3P")
    assert validate_uscc(code) == Uscc(code, ())
    assert not stdnum_uscc.is_valid(code)  # the python-stdnum bug we work around


@pytest.mark.parametrize("code", ["N11100006000373417", "A1110000600037341K", "Y1110000600037341Y"])
def test_a_n_y_examples(code: str) -> None:
    # The real code 91110000600037341L with authority A / N / Y; check character recomputed.
    assert stdnum_uscc.calc_check_digit(code[:17]) == code[17]  # stdnum's arithmetic is right …
    assert validate_uscc(code).code == code  # … but only we accept the code


@pytest.mark.parametrize("value", ["", "   ", "\u3000", "\u200b"])
def test_uscc_empty(value: str) -> None:
    exc = error(validate_uscc, value)
    assert exc.code == "uscc_empty"
    assert exc.message_zh


@pytest.mark.parametrize(("value", "length"), [("12345", 5), ("91110000600037341", 17), ("91110000600037341L0", 19)])
def test_uscc_length(value: str, length: int) -> None:
    exc = error(validate_uscc, value)
    assert exc.code == "uscc_length"
    assert f"got {length}" in exc.detail and "18" in exc.detail
    assert str(length) in exc.message_zh


@pytest.mark.parametrize(
    ("value", "position", "char"),
    [
        ("9111000060003734IL", 17, "I"),
        ("9111000060003IOZSV", 14, "I"),
        ("91110000O00037341L", 9, "O"),
        ("91110000600037341S", 18, "S"),
        ("911100006000373-1L", 16, "-"),
        ("91A10000600037341L", 3, "A"),  # positions 3-8 are the division: digits only
        ("9111000B600037341L", 8, "B"),
    ],
)
def test_uscc_character_names_position_and_character(value: str, position: int, char: str) -> None:
    exc = error(validate_uscc, value)
    assert exc.code == "uscc_character"
    assert f"position {position}: {char!r}" in exc.detail
    assert f"第{position}位" in exc.message_zh and char in exc.message_zh


@pytest.mark.parametrize("authority", ["0", "B", "X", "M"])
def test_uscc_registration_authority(authority: str) -> None:
    code = make_uscc(f"{authority}1110000600037341"[:16])  # correct check character, bad authority
    exc = error(validate_uscc, code)
    assert exc.code == "uscc_registration_authority"
    assert f"position 1: {authority!r}" in exc.detail and "1-9, A, N or Y" in exc.detail


def test_uscc_check_character_names_expected_and_got() -> None:
    exc = error(validate_uscc, "91110000600037341N")
    assert exc.code == "uscc_check_character"
    assert exc.detail == "position 18: check character should be 'L', got 'N'"
    assert "L" in exc.message_zh and "N" in exc.message_zh


def test_org_code_mismatch_is_a_warning_not_an_error() -> None:
    first17 = "91110000600037342"  # real code with position 17 changed: 1 → 2
    code = first17 + uscc_check_char(first17)
    assert validate_uscc(code) == Uscc(code, ("org_code_check",))


def test_org_code_check_char_examples() -> None:
    assert org_code_check_char("60003734") == "1"  # 91110000600037341L
    assert org_code_check_char("07837113") == "5"  # 91152201078371135X
    assert org_code_check_char("56010553") == "X"  # 9131012056010553X5
    assert org_code_check_char("MA1K3BTP") == "2"  # 91310115MA1K3BTP2B
    with pytest.raises(ValueError):
        org_code_check_char("1234567")


def test_uscc_check_char_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        uscc_check_char("9111000060003734")
    with pytest.raises(ValueError):
        uscc_check_char("9111000060003734I")


_alphabet = st.sampled_from(USCC_ALPHABET)
_digits = st.sampled_from("0123456789")
uscc_bodies = st.builds(
    lambda a, t, d, o: a + t + "".join(d) + "".join(o),
    st.sampled_from("123456789ANY"),
    _alphabet,
    st.lists(_digits, min_size=6, max_size=6),
    st.lists(_alphabet, min_size=9, max_size=9),
)


@given(uscc_bodies, _alphabet)
def test_property_check_char_validates_and_any_other_check_is_rejected(body: str, other: str) -> None:
    check = uscc_check_char(body)
    assert check == stdnum_uscc.calc_check_digit(body)
    result = validate_uscc(body + check)
    assert result.code == body + check
    assert result.warnings == (() if org_code_check_char(body[8:16]) == body[16] else ("org_code_check",))
    if other != check:
        exc = error(validate_uscc, body + other)
        assert exc.code == "uscc_check_character"
        assert f"should be {check!r}, got {other!r}" in exc.detail


@given(uscc_bodies, st.integers(0, 16), _alphabet)
def test_property_single_substitution_in_body_is_rejected(body: str, pos: int, new: str) -> None:
    code = body + uscc_check_char(body)
    changed = code[:pos] + new + code[pos + 1 :]
    if changed == code or (pos == 0 and new not in "123456789ANY") or (2 <= pos <= 7 and not new.isdigit()):
        return  # other error codes cover these
    assert error(validate_uscc, changed).code == "uscc_check_character"


# --- RIC --------------------------------------------------------------------------------------


def test_ric_15_to_18() -> None:
    assert ric_from_15("110105491231002") == "11010519491231002X"
    assert validate_ric("110105491231002") == "11010519491231002X"
    assert stdnum_ric.is_valid("11010519491231002X")


def test_ric_valid_and_normalised() -> None:
    assert validate_ric("360426199101010071") == "360426199101010071"
    assert validate_ric(" 11010519491231002x ") == "11010519491231002X"
    assert validate_ric("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_ric_helpers() -> None:
    assert ric_check_char("11010519491231002") == "X"
    assert ric_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert ric_birth_date("110105491231002") == date(1949, 12, 31)
    assert ric_sex("11010519491231002X") == "female"
    assert ric_sex("360426199101010071") == "male"
    with pytest.raises(ValueError):
        ric_check_char("1101051949123100X")


@pytest.mark.parametrize("value", ["", "  "])
def test_ric_empty(value: str) -> None:
    assert error(validate_ric, value).code == "ric_empty"


@pytest.mark.parametrize("value", ["1101051949123100", "11010519491231002X1", "1234"])
def test_ric_length(value: str) -> None:
    exc = error(validate_ric, value)
    assert exc.code == "ric_length" and f"got {len(value)}" in exc.detail


@pytest.mark.parametrize(
    ("value", "position", "char"),
    [
        ("11010519491231002A", 18, "A"),
        ("1101051949123100XX", 17, "X"),
        ("11010A491231002", 6, "A"),
        ("X10105194912310021", 1, "X"),
    ],
)
def test_ric_character(value: str, position: int, char: str) -> None:
    exc = error(validate_ric, value)
    assert exc.code == "ric_character"
    assert f"position {position}: {char!r}" in exc.detail and f"第{position}位" in exc.message_zh


@pytest.mark.parametrize("prefix", ["91", "00", "16", "24", "38", "47", "55", "66", "72", "80", "84", "99"])
def test_ric_division(prefix: str) -> None:
    first17 = prefix + "010519491231002"
    exc = error(validate_ric, first17 + ric_check_char(first17))
    assert exc.code == "ric_division" and repr(prefix) in exc.detail


@pytest.mark.parametrize(
    "prefix", ["11", "15", "21", "23", "31", "37", "41", "46", "50", "54", "61", "65", "71", "81", "82", "83"]
)
def test_ric_division_accepted(prefix: str) -> None:
    first17 = prefix + "010519491231002"
    assert validate_ric(first17 + ric_check_char(first17)) == first17 + ric_check_char(first17)


def test_ric_birth_date_feb_30_rejected() -> None:
    first17 = "11010519490230002"
    exc = error(validate_ric, first17 + ric_check_char(first17))
    assert exc.code == "ric_birth_date" and "'19490230'" in exc.detail and "positions 7-14" in exc.detail
    exc = error(validate_ric, "110105490230002")
    assert exc.code == "ric_birth_date" and "'490230'" in exc.detail and "positions 7-12" in exc.detail


def test_ric_birth_date_future_and_before_1900() -> None:
    first17 = "11010520250601001"
    code = first17 + ric_check_char(first17)
    assert validate_ric(code) == code  # no today: no clock read, no future check
    assert validate_ric(code, today=date(2025, 6, 1)) == code
    exc = error(validate_ric, code, today=date(2025, 5, 31))
    assert exc.code == "ric_birth_date" and "2025-06-01" in exc.detail and "2025-05-31" in exc.detail
    first17 = "11010518991231001"
    exc = error(validate_ric, first17 + ric_check_char(first17))
    assert exc.code == "ric_birth_date" and "before 1900" in exc.detail


def test_ric_check_digit_names_expected_and_got() -> None:
    exc = error(validate_ric, "110105194912310021")
    assert exc.code == "ric_check_digit"
    assert exc.detail == "position 18: check digit should be 'X', got '1'"


# Divisions stdnum's database knows for every birth year we generate.
_old_divisions = st.sampled_from(["110101", "110105", "120101", "310101"])
_new_divisions = st.sampled_from(["320102", "330102", "360426", "440104", "510104", "650102"])


@st.composite
def rics(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        division, year = draw(_old_divisions), draw(st.integers(1900, 2023))
    else:
        division, year = draw(_new_divisions), draw(st.integers(1990, 2023))
    born = draw(st.dates(date(year, 1, 1), date(year, 12, 31)))
    first17 = f"{division}{born:%Y%m%d}{draw(st.integers(0, 999)):03d}"
    return first17 + ric_check_char(first17)


@given(rics())
def test_property_generated_rics_agree_with_stdnum(code: str) -> None:
    assert stdnum_ric.is_valid(code)
    assert validate_ric(code, today=date(2024, 1, 1) if code[6:10] < "2024" else None) == code
    assert ric_check_char(code[:17]) == stdnum_ric.calc_check_digit(code)
    assert ric_sex(code) == ("male" if int(code[16]) % 2 else "female")
    assert classify_code(code) == "ric"
    assert division_of(code) == code[:6]


@given(
    _old_divisions,
    st.integers(1900, 2023),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 999),
    st.sampled_from("0123456789X"),
)
def test_property_accept_iff_stdnum_accepts(
    division: str, year: int, month: int, day: int, seq: int, check: str
) -> None:
    code = f"{division}{year:04d}{month:02d}{day:02d}{seq:03d}{check}"
    try:
        validate_ric(code)
        ours = True
    except IdentifierError:
        ours = False
    assert ours == stdnum_ric.is_valid(code)


@given(rics(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_property_single_substitution_is_rejected(code: str, pos: int, new: str) -> None:
    if new == code[pos] or (new == "X" and pos < 17):
        return
    with pytest.raises(IdentifierError):
        validate_ric(code[:pos] + new + code[pos + 1 :])


@given(
    st.sampled_from(["110105", "320102", "440104"]), st.dates(date(1900, 1, 1), date(1999, 12, 31)), st.integers(0, 999)
)
def test_property_15_digit_conversion(division: str, born: date, seq: int) -> None:
    legacy = f"{division}{born:%y%m%d}{seq:03d}"
    full = validate_ric(legacy)
    assert full[:17] == f"{division}{born:%Y%m%d}{seq:03d}"
    assert validate_ric(full) == full and ric_birth_date(legacy) == born
    assert ric_sex(legacy) == ric_sex(full)


# --- classification ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("91110000600037341L", "uscc"),
        ("91310115MA1K3BTP2B", "uscc"),
        ("９１１１００００６０００３７３４１ｌ", "uscc"),
        ("121200004013590816", "uscc"),
        ("911522010783710635", "uscc"),
        ("9111000060003734IL", "uscc"),  # mistyped, still routed to the USCC validator
        ("911100006000373410", "uscc"),  # all digits, no check holds, 91 is no province
        ("360426199101010071", "ric"),
        ("11010519491231002x", "ric"),
        ("110105491231002", "ric"),
        ("110105194912310021", "ric"),  # RIC with a wrong check digit: still a RIC
        ("华信科技", None),
        ("91110000", None),
        ("hello world 123456", None),
        ("", None),
        ("ABCDEFGHJKLMNPQRTU", None),
    ],
)
def test_classify_code(value: str, kind: str | None) -> None:
    assert classify_code(value) == kind


@given(uscc_bodies)
def test_property_valid_uscc_with_a_letter_is_uscc(body: str) -> None:
    code = body + uscc_check_char(body)
    if not code[:17].isdigit():
        assert classify_code(code) == "uscc"
        assert division_of(code) == code[2:8]


def test_division_of() -> None:
    assert division_of("91320214745555318W") == "320214"
    assert division_of("11010519491231002X") == "110105"
    assert division_of("110105491231002") == "110105"
    assert division_of("913205056082348768", kind="uscc") == "320505"
    with pytest.raises(ValueError):
        division_of("华信科技")
