"""Report rules and signing, without a database: the rules file is checked, who may have which kind of
report, report numbers catch typos, and a signed file fails verification when any byte changes."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chengxin.domains.reports import rules, signing

RAW = tomllib.loads(rules.DEFAULTS.read_text(encoding="utf-8"))
KEY = signing.key_from_seed(bytes(range(32)))


def test_the_shipped_rules_load_and_every_problem_of_a_bad_file_is_named() -> None:
    policy = rules.parse_rules(RAW)
    assert policy.validity_days == 30
    assert policy.policy("public").identity == "masked" and not policy.policy("public").grade
    assert policy.policy("self").records == "self" and policy.policy("third_party").records == "full"
    raw: dict[str, Any] = copy.deepcopy(RAW)
    raw["validity_days"] = 0
    raw["kinds"]["public"]["records"] = "self"  # a public report may never show the whole file
    raw["kinds"]["third_party"]["lists"] = ["secret"]
    del raw["kinds"]["self"]
    with pytest.raises(rules.RulesInvalid) as bad:
        rules.parse_rules(raw)
    text = "; ".join(bad.value.problems)
    for part in (
        "validity_days",
        "kinds.self: missing",
        "kinds.public: only the subject's own",
        "kinds.third_party.lists",
    ):
        assert part in text


def check(kind: str, **kw: Any) -> str:
    args: dict[str, Any] = {"role": "public", "is_self": False, "may_issue": False, "may_query": False,
                            "purpose": None} | kw  # fmt: skip
    return rules.check_request(kind, **args)


def refusal(kind: str, **kw: Any) -> str:
    with pytest.raises(rules.Refusal) as r:
        check(kind, **kw)
    return r.value.code


def test_who_may_have_which_report() -> None:
    assert check("public") == "public"  # anyone
    assert check("self", role="subject", is_self=True) == "self"
    assert check("self", role="credit_centre") == "self"  # the centre for the subject
    assert refusal("self", role="department", may_issue=True) == "report_not_own"
    assert refusal("self", role="subject") == "report_not_own"  # another subject's
    assert refusal("third_party", role="subject") == "report_not_authorised"
    assert refusal("third_party", role="platform", may_query=True) == "purpose_required"
    # the purpose, the authorisation or legal basis: decided as for an authorised query (queries.rules.decide)
    assert check("third_party", role="platform", may_query=True, purpose="hiring") == "third_party"
    assert check("third_party", role="department", may_issue=True, purpose="licensing") == "third_party"
    with pytest.raises(rules.Refusal) as unknown:
        check("everything")
    assert unknown.value.code == "report_kind_unknown" and not unknown.value.denied


def test_report_numbers_carry_a_check_character_that_catches_typos() -> None:
    number = rules.new_number("XY", date(2026, 11, 25), bytes(range(10, 18)))
    assert number.startswith("XY20261125") and len(number) == 19
    assert rules.well_formed(number) and rules.well_formed(number.lower())
    for i in range(len(number) - 1):  # every single-character change of the body is caught
        wrong = number[:i] + ("1" if number[i] != "1" else "2") + number[i + 1 :]
        assert not rules.well_formed(wrong), wrong
    assert not rules.well_formed(number[:-1] + "O")  # not in the alphabet
    issued = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    until = rules.valid_until(issued, 30)
    assert until == datetime(2026, 12, 25, 2, 0, tzinfo=UTC)
    assert not rules.is_expired(until, until) and rules.is_expired(until, datetime(2026, 12, 25, 2, 1, tzinfo=UTC))


PDF = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> endobj\n(\xe4\xbf\xa1\xe7\x94\xa8\xe6\x8a\xa5\xe5\x91\x8a)\n%%EOF\n"


def test_a_signed_file_verifies_and_any_changed_byte_breaks_it() -> None:
    signed = signing.sign(PDF, number="XY20261125ABCDEFGHJ", key=KEY)
    read = signing.read_signed(signed)
    assert (read.number, read.key_id) == ("XY20261125ABCDEFGHJ", KEY.key_id)
    assert signed.startswith(PDF) and signing.signature_holds(read, KEY.public_raw)
    for i in range(len(signed)):  # every byte: content, the %%EOF, the signature line's number, key id, signature
        bad = bytearray(signed)
        bad[i] ^= 0x01
        try:
            again = signing.read_signed(bytes(bad))
        except signing.NotSigned:
            continue  # the signature line no longer reads: a failure too
        assert not signing.signature_holds(again, KEY.public_raw), f"byte {i} changed and still verifies"
    other = signing.key_from_seed(bytes(32))
    assert not signing.signature_holds(read, other.public_raw)  # another key
    with pytest.raises(signing.NotSigned) as unsigned:
        signing.read_signed(PDF)
    assert unsigned.value.code == "not_signed"
    with pytest.raises(signing.NotSigned) as appended:
        signing.read_signed(signed + b"trailing junk\n")
    assert appended.value.code == "signature_malformed"
