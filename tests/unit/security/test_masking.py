"""脱敏 (masking): every field kind's mask with its edge cases, the policy by role and purpose, the policy
file (shipped, replaced, refused) and the echo of search terms."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chengxin.domains.commitments import rules as commitment_rules
from chengxin.domains.subjects import names
from chengxin.security import masking
from chengxin.security.masking import Field, PolicyInvalid, mask, reveals, show
from chengxin.security.permissions import Role

# --------------------------------------------------------------------------- the masks


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),  # 复姓 kept whole
        ("司马懿", "司马*"),
        ("端木蓉", "端木*"),
        ("欧阳", "欧*"),  # two characters: surname + given name, not a bare compound surname
        ("张", "张"),
        (" 李四 ", "李*"),
        ("John Smith", "J*********"),
    ],
)
def test_person_name(name: str, masked: str) -> None:
    assert mask(Field.person_name, name) == masked


@pytest.mark.parametrize(
    ("ric", "masked"),
    [
        ("32010219900101123X", "320***********123X"),
        ("32010219900101123x", "320***********123X"),  # lower-case check character
        ("３２０１０２１９９００１０１１２３Ｘ", "320***********123X"),  # full-width digits and letter
        ("320102 19900101 123X", "320***********123X"),  # spaces
        ("110105491231002", "110********1002"),  # 15-digit legacy number
        ("12345678", "123*5678"),
        ("1234567", "*******"),  # short: wholly masked
        ("1234", "****"),
    ],
)
def test_ric(ric: str, masked: str) -> None:
    assert mask(Field.ric, ric) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("008613812345678", "+86 138****5678"),
        ("8613812345678", "+86 138****5678"),  # 86 before a mobile number is the country code
        ("１３８１２３４５６７８", "138****5678"),  # full-width digits
        ("025-83123456", "025****3456"),  # a landline keeps its area code
        ("(025)8312 3456", "025****3456"),
        ("1234567", "*******"),  # short: wholly masked
        ("110", "***"),
    ],
)
def test_phone(phone: str, masked: str) -> None:
    assert mask(Field.phone, phone) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("江苏省南京市鼓楼区中山路100号3栋201室", "江苏省南京市鼓楼区******"),
        ("南京市玄武区长江路1号", "南京市玄武区******"),
        ("上海市浦东新区世纪大道100号", "上海市浦东新区******"),
        ("内蒙古自治区呼和浩特市新城区新华大街1号", "内蒙古自治区呼和浩特市新城区******"),
        ("江苏省南京市", "江苏省******"),  # the last division is masked when nothing follows it
        ("中山路100号", "中山******"),  # no division: a third kept
        ("江苏省南京市鼓楼区中山路１００号", "江苏省南京市鼓楼区******"),  # full-width digits
    ],
)
def test_address(address: str, masked: str) -> None:
    assert mask(Field.address, address) == masked
    assert "100" not in (mask(Field.address, address) or "")


@pytest.mark.parametrize(
    ("account", "masked"),
    [("P01-B000002", "P****2"), ("abc", "a*c"), ("ab", "a*"), ("a", "*")],
)
def test_account_id(account: str, masked: str) -> None:
    assert mask(Field.account_id, account) == masked


def test_bank_account_and_email() -> None:
    assert mask(Field.bank_account, "6222 0212 3456 7890") == "************7890"
    assert mask(Field.bank_account, "６２２２０２１２３４５６７８９０") == "************7890"
    assert mask(Field.bank_account, "1234") == "****"
    assert mask(Field.email, "zhang.san@example.com") == "z***@example.com"
    assert mask(Field.email, "not-an-email") == "n****l"


@pytest.mark.parametrize("field", list(Field))
def test_empty_and_none_pass_through(field: Field) -> None:
    assert mask(field, None) is None
    assert mask(field, "") == ""
    assert show(field, None, role=Role.public) is None


@pytest.mark.parametrize("field", list(Field))
def test_every_field_has_a_mask_that_hides_something(field: Field) -> None:
    value = {
        Field.person_name: "欧阳娜娜",
        Field.ric: "32010219900101123X",
        Field.phone: "13812345678",
        Field.address: "江苏省南京市鼓楼区中山路100号",
        Field.account_id: "P01-B000002",
        Field.bank_account: "6222021234567890",
        Field.email: "zhang@example.com",
    }[field]
    masked = mask(field, value)
    assert masked and masked != value and "*" in masked
    assert mask(str(field), value) == masked  # the field by name


def test_mask_text_replaces_every_occurrence() -> None:
    text = "本承诺主体张小明郑重承诺……承诺主体：张小明"
    assert masking.mask_text(text, name="张小明", masked_name="张**") == "本承诺主体张**郑重承诺……承诺主体：张**"
    assert masking.mask_text(text, name="", masked_name="") == text


def test_old_homes_are_the_same_functions() -> None:
    """One place: the subjects and commitments modules re-export the masks, they do not copy them."""
    assert names.mask_person_name is masking.mask_person_name
    assert names.mask_ric is masking.mask_ric
    assert names.COMPOUND_SURNAMES is masking.COMPOUND_SURNAMES
    assert commitment_rules.mask_text is masking.mask_text
    assert names.shown_name("natural", "张三丰") == "张**"
    assert names.shown_name("legal", "华信有限公司") == "华信有限公司"


# --------------------------------------------------------------------------- the policy


def test_shipped_policy_by_role() -> None:
    assert reveals(Field.person_name, role=Role.department)
    assert reveals(Field.person_name, role=Role.platform)
    assert not reveals(Field.person_name, role=Role.public)
    assert not reveals(Field.person_name, role=Role.subject)  # another person's name
    assert not reveals(Field.ric, role=Role.platform, purpose="hiring")
    assert reveals(Field.account_id, role=Role.credit_centre)
    assert not reveals(Field.account_id, role=Role.department)
    for field in Field:
        assert not reveals(field, role=Role.public, purpose="anything")
        assert reveals(field, role=Role.public, own=True)  # one's own data, always


def test_shipped_policy_ric_needs_a_purpose() -> None:
    assert not reveals(Field.ric, role=Role.department)
    assert not reveals(Field.ric, role=Role.department, purpose="")
    assert reveals(Field.ric, role=Role.department, purpose="执法检查")
    assert show(Field.ric, "32010219900101123X", role=Role.department) == "320***********123X"
    assert show(Field.ric, "32010219900101123X", role=Role.department, purpose="执法检查") == "32010219900101123X"
    assert show(Field.phone, "13812345678", role=Role.credit_centre, purpose="operations") == "13812345678"
    assert show(Field.phone, "13812345678", role=Role.department, purpose="operations") == "138****5678"


POLICY_TEXT = """
[reveal.person_name]
department = "always"
[reveal.ric]
platform = ["hiring", "lending"]
department = "with_purpose"
[reveal.phone]
[reveal.address]
[reveal.account_id]
[reveal.bank_account]
[reveal.email]
"""


def test_policy_from_a_file_with_purposes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "masking.toml"
    path.write_text(POLICY_TEXT, encoding="utf-8")
    policy = masking.load_policy(path)
    assert reveals(Field.ric, role=Role.platform, purpose="hiring", policy=policy)
    assert not reveals(Field.ric, role=Role.platform, purpose="tenancy", policy=policy)
    assert not reveals(Field.ric, role=Role.platform, policy=policy)
    assert not reveals(Field.person_name, role=Role.platform, policy=policy)  # not named: masked
    assert not reveals(Field.phone, role=Role.credit_centre, purpose="x", policy=policy)  # empty table
    monkeypatch.setenv(masking.ENV, str(path))
    assert masking.load_policy() == policy  # CHENGXIN_MASKING_POLICY replaces the shipped file
    assert policy == masking.POLICY
    assert show(Field.person_name, "张三丰", role=Role.platform) == "张**"
    assert show(Field.person_name, "张三丰", role=Role.department) == "张三丰"


def test_a_bad_policy_is_refused_naming_every_problem(tmp_path: Path) -> None:
    raw = {
        "reveal": {
            "person_name": {"public": "always", "nobody": "always", "department": "sometimes"},
            "ric": {"platform": []},
            "shoe_size": {},
        },
        "extra": {},
    }
    with pytest.raises(PolicyInvalid) as err:
        masking.parse_policy(raw)
    problems = "\n".join(err.value.problems)
    for expected in (
        "extra: unknown table",
        "reveal.shoe_size: unknown field",
        "reveal.person_name.public: the public never sees",
        "reveal.person_name.nobody: unknown role",
        "reveal.person_name.department: expected",
        "reveal.ric.platform: expected",
        "reveal.phone: missing",
    ):
        assert expected in problems, expected
    path = tmp_path / "bad.toml"
    path.write_text("[reveal.person_name\n", encoding="utf-8")
    with pytest.raises(PolicyInvalid, match="not valid TOML"):
        masking.load_policy(path)


def test_shipped_file_names_every_field() -> None:
    policy = masking.load_policy(masking.DEFAULTS)
    assert set(policy) == set(Field)
    assert all(Role.public not in roles for roles in policy.values())


# --------------------------------------------------------------------------- names and search terms


def test_show_name() -> None:
    assert masking.show_name("legal", "南京华信科技有限公司") == "南京华信科技有限公司"
    assert masking.show_name("natural", "欧阳娜娜") == "欧阳**"
    assert masking.show_name("natural", "欧阳娜娜", role=Role.department) == "欧阳娜娜"
    assert masking.show_name("natural", "欧阳娜娜", own=True) == "欧阳娜娜"


@pytest.mark.parametrize(
    ("query", "echoed"),
    [
        ("史红馨", "史**"),  # a possible person's name
        ("张三", "张*"),
        ("欧阳娜娜", "欧阳**"),
        ("华信科技", "华信科技"),  # four characters without a compound surname: a company's short name
        ("南京华信科技有限公司", "南京华信科技有限公司"),
        ("320102199001011234", "320***********1234"),
        ("320102900101123", "320********1123"),
        ("13812345678", "138****5678"),
        ("+8613812345678", "+86 138****5678"),
        ("91320106MA1QW3R743", "91320106MA1QW3R743"),  # a USCC is public
        ("", ""),
    ],
)
def test_echo_query_for_the_public(query: str, echoed: str) -> None:
    assert masking.echo_query(query, role=Role.public) == echoed


def test_echo_query_for_those_who_see_it_whole() -> None:
    assert masking.echo_query("史红馨", role=Role.department) == "史红馨"
    assert masking.echo_query("320102199001011234", role=Role.department) == "320***********1234"
    assert masking.echo_query("320102199001011234", role=Role.department, purpose="执法") == "320102199001011234"


def test_the_policy_in_force_is_looked_at_once_a_second(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every masked value asks for the policy: its file's version is checked at most every RECHECK_S."""
    path = tmp_path / "masking.toml"
    path.write_text(POLICY_TEXT, encoding="utf-8")
    monkeypatch.setenv(masking.ENV, str(path))
    first = masking.load_policy()
    path.write_text(POLICY_TEXT.replace('platform = ["hiring", "lending"]', "platform = \"always\""), "utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert masking.load_policy() is first  # within the second: not looked at again
    monkeypatch.setattr(masking, "RECHECK_S", 0.0)
    assert masking.load_policy() != first  # a new version, read once it is looked at
