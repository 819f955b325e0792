"""Identifier checks (pure): 统一社会信用代码 (USCC) and 居民身份证号码 (RIC).

* USCC — GB 32100-2015 统一社会信用代码: 18 characters from a 31-symbol alphabet (no I O S V Z).
  Position 1 登记管理部门 (registration authority: 1-9, A, N, Y), 2 机构类别 (entity type), 3-8
  行政区划码 (GB/T 2260 division), 9-17 组织机构代码 (GB 11714 organisation code, its own check
  character at 17), 18 校验码 (check character).
* RIC — GB 11643-1999 公民身份号码: 6-digit division, 8-digit birth date, 3-digit sequence (odd
  male, even female), ISO 7064 MOD 11-2 check digit. Legacy 15-digit numbers (一代身份证, born
  19xx, no check digit) are converted to 18 digits.

Input normalisation for both: NFKC (full-width → half-width, so ``９１１１…`` is accepted), every
whitespace character removed (also inside: ``91 110000 600037341L``), upper case.

Errors are :class:`IdentifierError` with a stable ``code``, an English ``detail`` naming the exact
position / character / expected value, and a Chinese ``message_zh`` for the web UI.

Why we do not simply call ``stdnum.cn.uscc.validate``: python-stdnum insists that the first eight
characters are digits, so it rejects valid codes whose registration authority is A (宗教活动场所
等), N (工会/农业农村) or Y (其他) — see RULES.md "Identifiers". Its check-character arithmetic is
correct and the tests cross-check ours against it; ``stdnum.cn.ric`` is likewise used as a
cross-check in the tests (it does not accept 15-digit numbers, and needs its bundled division
database, which is why we keep the checks here self-contained).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = [
    "RIC_PROVINCES",
    "USCC_ALPHABET",
    "USCC_AUTHORITIES",
    "IdentifierError",
    "Uscc",
    "classify_code",
    "division_of",
    "normalise_code",
    "org_code_check_char",
    "ric_birth_date",
    "ric_check_char",
    "ric_from_15",
    "ric_sex",
    "uscc_check_char",
    "validate_ric",
    "validate_uscc",
]

# --- 统一社会信用代码 (GB 32100-2015) -------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, S, V, Z
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
USCC_AUTHORITIES = frozenset("123456789ANY")  # 登记管理部门码

# GB 11714 组织机构代码: digits 0-9, letters A=10 … Z=35; weights over the 8-character body.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_VALUE = {ch: i for i, ch in enumerate(_ORG_ALPHABET)}

WARNING_ORG_CODE_CHECK = "org_code_check"

# --- 居民身份证号码 (GB 11643-1999) ---------------------------------------------------------

_RIC_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_RIC_CHECK = "10X98765432"  # remainder 0..10 → check character
RIC_PROVINCES = frozenset(
    [str(n) for n in (*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47))]
    + [str(n) for n in (*range(50, 55), *range(61, 66), 71, 81, 82, 83)]
)  # 省级行政区划 (71 台湾, 81 香港, 82 澳门, 83 港澳台居民居住证)
_MIN_BIRTH = date(1900, 1, 1)
_DIGITS = frozenset("0123456789")
# The shape the per-character checks of ``validate_uscc`` accept, as one expression: a quick
# pass for the valid codes that make up nearly all of a million-row import (the loop then only
# runs to say what is wrong).
_PLAIN = re.compile("[0-9A-Z]*")
_USCC_SHAPE = re.compile(f"[{USCC_ALPHABET}]{{2}}[0-9]{{6}}[{USCC_ALPHABET}]{{10}}")

_STRIP = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))  # zero-width characters


class IdentifierError(ValueError):
    """An identifier (统一社会信用代码 / 居民身份证号码) failed validation.

    ``code`` is stable for machines, ``detail`` is English and names the exact problem,
    ``message_zh`` is the Chinese text shown in the web UI.
    """

    def __init__(self, code: str, detail: str, message_zh: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.message_zh = message_zh


@dataclass(frozen=True)
class Uscc:
    """A validated 统一社会信用代码 and its non-fatal warnings (e.g. ``org_code_check``)."""

    code: str
    warnings: tuple[str, ...] = ()


def normalise_code(value: str) -> str:
    """NFKC (全角→半角), drop all whitespace and zero-width characters, upper-case."""
    if _PLAIN.fullmatch(value) is not None:  # nothing to normalise (the usual case, cheaply told)
        return value
    text = unicodedata.normalize("NFKC", value).translate(_STRIP)
    return "".join(text.split()).upper()


def uscc_check_char(first17: str) -> str:
    """GB 32100 校验码 (position 18) for the first 17 characters.

    Σ value·3^(i-1) mod 31 over positions 1-17; check = 31 − (Σ mod 31), and 31 → 0.
    Raises ``ValueError`` if ``first17`` is not 17 characters of the USCC alphabet.
    """
    if len(first17) != 17 or any(ch not in _USCC_VALUE for ch in first17):
        raise ValueError(f"expected 17 characters of {USCC_ALPHABET!r}, got {first17!r}")
    return _uscc_check(first17)


def _uscc_check(first17: str) -> str:
    total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, first17), _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 组织机构代码 check character for the 8-character body (USCC positions 9-16).

    Σ value·weight (weights 3 7 9 10 5 8 4 2; 0-9 → 0-9, A-Z → 10-35); check = 11 − (Σ mod 11),
    10 → ``X``, 11 → ``0``. Raises ``ValueError`` unless ``first8`` is 8 characters 0-9/A-Z.
    """
    if len(first8) != 8 or any(ch not in _ORG_VALUE for ch in first8):
        raise ValueError(f"expected 8 characters 0-9/A-Z, got {first8!r}")
    return _org_code_check(first8)


def _org_code_check(first8: str) -> str:
    check = 11 - sum(map(operator.mul, map(_ORG_VALUE.__getitem__, first8), _ORG_WEIGHTS)) % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def validate_uscc(value: str) -> Uscc:
    """Validate and normalise a 统一社会信用代码; raises :class:`IdentifierError`.

    A GB 11714 organisation-code check mismatch (position 17) is not an error: real codes
    occasionally carry one, so it only adds the warning ``org_code_check``.
    """
    code = normalise_code(value)
    if not code:
        raise IdentifierError("uscc_empty", "no USCC given", "请填写统一社会信用代码")
    if len(code) != 18:
        raise IdentifierError(
            "uscc_length",
            f"a USCC has 18 characters, got {len(code)}",
            f"统一社会信用代码应为18位，实际为{len(code)}位",
        )
    for pos, ch in enumerate(code if _USCC_SHAPE.fullmatch(code) is None else "", start=1):
        if ch not in _USCC_VALUE:
            raise IdentifierError(
                "uscc_character",
                f"position {pos}: {ch!r} is not allowed; a USCC uses only 0-9 and A-H J-N P-R T U W-Y "
                "(never I, O, S, V, Z)",
                f"第{pos}位字符“{ch}”不合法：统一社会信用代码只使用数字和除I、O、S、V、Z以外的大写字母",
            )
        if 3 <= pos <= 8 and ch not in _DIGITS:
            raise IdentifierError(
                "uscc_character",
                f"position {pos}: {ch!r} is not allowed; positions 3-8 (administrative division) are digits",
                f"第{pos}位字符“{ch}”不合法：第3-8位为行政区划码，只能是数字",
            )
    if code[0] not in USCC_AUTHORITIES:
        raise IdentifierError(
            "uscc_registration_authority",
            f"position 1: {code[0]!r} is not a registration authority code (expected 1-9, A, N or Y)",
            f"第1位“{code[0]}”不是有效的登记管理部门代码（应为1-9、A、N或Y）",
        )
    expected = _uscc_check(code[:17])  # every character checked above
    if code[17] != expected:
        raise IdentifierError(
            "uscc_check_character",
            f"position 18: check character should be {expected!r}, got {code[17]!r}",
            f"第18位校验码应为“{expected}”，实际为“{code[17]}”，请核对代码是否抄错",
        )
    warnings: tuple[str, ...] = ()
    if _org_code_check(code[8:16]) != code[16]:  # the USCC alphabet is within 0-9/A-Z
        warnings = (WARNING_ORG_CODE_CHECK,)
    return Uscc(code, warnings)


def ric_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 校验码 of a 居民身份证号码 from its first 17 digits.

    Σ digit·weight (7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) mod 11 → ``10X98765432``.
    Raises ``ValueError`` unless ``first17`` is 17 ASCII digits.
    """
    if len(first17) != 17 or any(ch not in _DIGITS for ch in first17):
        raise ValueError(f"expected 17 digits, got {first17!r}")
    return _RIC_CHECK[sum(int(ch) * w for ch, w in zip(first17, _RIC_WEIGHTS, strict=True)) % 11]


def _check_ric_shape(code: str) -> None:
    """Length and characters of an 18- or 15-character RIC (already normalised)."""
    if not code:
        raise IdentifierError("ric_empty", "no resident identity number given", "请填写居民身份证号码")
    if len(code) not in (15, 18):
        raise IdentifierError(
            "ric_length",
            f"a resident identity number has 18 characters (or 15 digits), got {len(code)}",
            f"居民身份证号码应为18位（或旧版15位），实际为{len(code)}位",
        )
    for pos, ch in enumerate(code, start=1):
        if ch in _DIGITS or (pos == 18 and ch == "X"):
            continue
        if pos == 18:
            raise IdentifierError(
                "ric_character",
                f"position 18: {ch!r} is not allowed; the check digit is 0-9 or X",
                f"第18位“{ch}”不合法：校验码只能是数字或X",
            )
        if len(code) == 15:
            raise IdentifierError(
                "ric_character",
                f"position {pos}: {ch!r} is not allowed; a 15-digit number is all digits",
                f"第{pos}位“{ch}”不合法：15位身份证号码只能是数字",
            )
        raise IdentifierError(
            "ric_character",
            f"position {pos}: {ch!r} is not allowed; positions 1-17 must be digits",
            f"第{pos}位“{ch}”不合法：身份证号码前17位只能是数字",
        )


def ric_from_15(value: str) -> str:
    """Convert a legacy 15-digit 身份证号码 to 18: insert ``19`` before the 2-digit year and append
    the MOD 11-2 check digit. Shape errors raise :class:`IdentifierError`; the date is not checked
    here (``validate_ric`` does that)."""
    code = normalise_code(value)
    _check_ric_shape(code)
    if len(code) != 15:
        raise IdentifierError(
            "ric_length",
            f"a legacy resident identity number has 15 digits, got {len(code)}",
            f"旧版身份证号码应为15位，实际为{len(code)}位",
        )
    first17 = code[:6] + "19" + code[6:]
    return first17 + ric_check_char(first17)


def ric_birth_date(ric18: str) -> date:
    """出生日期 from positions 7-14 of an 18-digit number (a 15-digit one is converted first).

    Raises :class:`IdentifierError` (``ric_birth_date``) if the digits are not a calendar date.
    """
    code = normalise_code(ric18)
    _check_ric_shape(code)
    legacy = len(code) == 15
    if legacy:
        code = ric_from_15(code)
    digits = code[6:14]
    where = "positions 7-12" if legacy else "positions 7-14"
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        shown = digits[2:] if legacy else digits
        raise IdentifierError(
            "ric_birth_date",
            f"{where}: {shown!r} is not a valid date",
            f"出生日期“{shown}”不是有效日期",
        ) from None


def ric_sex(ric18: str) -> Literal["male", "female"]:
    """性别 from the sequence code (position 17; position 15 of a 15-digit number): odd male."""
    code = normalise_code(ric18)
    _check_ric_shape(code)
    return "male" if int(code[16 if len(code) == 18 else 14]) % 2 else "female"


def validate_ric(value: str, *, today: date | None = None) -> str:
    """Validate a 居民身份证号码 (18 or legacy 15 digits) and return the normalised 18-digit form.

    Checks, in order: empty, length, characters, province-level division (positions 1-2), birth
    date (a real date, not before 1900, and — only when ``today`` is given — not after
    ``today``; the function never reads the clock), check digit (18-digit input only; a 15-digit
    number gets its check digit computed). Raises :class:`IdentifierError`.
    """
    code = normalise_code(value)
    _check_ric_shape(code)
    if code[:2] not in RIC_PROVINCES:
        raise IdentifierError(
            "ric_division",
            f"positions 1-2: {code[:2]!r} is not a province-level division code "
            "(expected 11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, 81, 82 or 83)",
            f"前两位“{code[:2]}”不是有效的省级行政区划代码",
        )
    legacy = len(code) == 15
    born = ric_birth_date(code)
    where = "positions 7-12" if legacy else "positions 7-14"
    if born < _MIN_BIRTH:
        raise IdentifierError(
            "ric_birth_date",
            f"{where}: birth date {born.isoformat()} is before 1900-01-01",
            f"出生日期{born.isoformat()}早于1900年",
        )
    if today is not None and born > today:
        raise IdentifierError(
            "ric_birth_date",
            f"{where}: birth date {born.isoformat()} is after today ({today.isoformat()})",
            f"出生日期{born.isoformat()}晚于今天（{today.isoformat()}）",
        )
    if legacy:
        return ric_from_15(code)
    expected = ric_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierError(
            "ric_check_digit",
            f"position 18: check digit should be {expected!r}, got {code[17]!r}",
            f"第18位校验码应为“{expected}”，实际为“{code[17]}”，请核对号码是否抄错",
        )
    return code


def _uscc_ok(code: str) -> bool:
    return code[0] in USCC_AUTHORITIES and uscc_check_char(code[:17]) == code[17]


def _ric_plausible(code: str) -> bool:
    """18 digits(+X) with a valid check digit, province and birth date (no ``today`` check)."""
    try:
        return validate_ric(code) == code
    except IdentifierError:
        return False


def classify_code(value: str) -> Literal["uscc", "ric"] | None:
    """Quick shape test (after normalisation): is a search query a USCC, a RIC, or neither?

    * 15 digits → ``ric`` (legacy number);
    * 18 characters 0-9/A-Z with digits at positions 3-8 and a letter among positions 1-17 →
      ``uscc`` (a RIC has only digits there; letters outside the USCC alphabet still count, so
      that a mistyped code reaches the validator and gets a precise error);
    * 17 digits + a digit or ``X`` (ambiguous): ``ric`` if it passes the full RIC check (check
      digit, province, birth date), else ``uscc`` if the USCC check holds, else ``ric`` if the
      RIC check digit holds or positions 1-2 are a province code, else ``uscc`` (e.g. a mistyped
      ``91…`` code — 91 is no province);
    * anything else → ``None`` (treat the query as a name).

    A valid all-digit USCC can, rarely, also be a plausible RIC; callers that know which kind a
    stored code is should say so (``division_of(code, kind=...)``) rather than rely on this.
    """
    code = normalise_code(value)
    if len(code) == 15:
        return "ric" if code.isascii() and code.isdigit() else None
    if len(code) != 18 or not (code.isascii() and code.isalnum()):
        return None
    first17 = code[:17]
    if first17.isdigit() and (code[17].isdigit() or code[17] == "X"):
        if _ric_plausible(code):
            return "ric"
        if _uscc_ok(code):
            return "uscc"
        return "ric" if ric_check_char(first17) == code[17] or code[:2] in RIC_PROVINCES else "uscc"
    return "uscc" if code[2:8].isdigit() else None


def division_of(code: str, kind: Literal["uscc", "ric"] | None = None) -> str:
    """6-digit 行政区划代码: USCC positions 3-8, RIC positions 1-6.

    ``kind`` defaults to :func:`classify_code`; pass it when known (an all-digit USCC can look
    like a RIC). Raises ``ValueError`` when ``code`` has neither shape.
    """
    kind = kind or classify_code(code)
    normalised = normalise_code(code)
    if kind == "uscc":
        return normalised[2:8]
    if kind == "ric":
        return normalised[:6]
    raise ValueError(f"{code!r} is neither a USCC nor a resident identity number")
