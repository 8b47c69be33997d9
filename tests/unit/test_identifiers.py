"""UPN and ULN checks (docs/identifiers.md): the DfE examples, and what a typo does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.errors import InvalidIdentifier
from ledger.domain.identifiers import (
    UPN_CHECK_ALPHABET,
    UPN_CHECK_MISMATCH,
    is_valid_uln,
    is_valid_upn,
    make_uln,
    make_upn,
    normalise_uln,
    normalise_upn,
)

UPPER_AND_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def refusal(check: Callable[[str], object], raw: str) -> InvalidIdentifier:
    with pytest.raises(InvalidIdentifier) as caught:
        check(raw)
    return caught.value


@pytest.mark.parametrize("upn", ["H801200001001", "G80120000101A"])
def test_the_design_examples_of_a_permanent_and_a_temporary_upn_are_valid(upn: str) -> None:
    assert normalise_upn(upn) == upn


def test_a_upn_typed_in_lower_case_with_spaces_is_stored_in_its_canonical_form() -> None:
    assert normalise_upn("  h801200001001 ") == "H801200001001"


def test_the_design_example_uln_1000000043_is_valid() -> None:
    assert normalise_uln("1000000043") == "1000000043"


def test_the_design_example_uln_1000000063_is_refused_because_no_check_digit_fits() -> None:
    # 1x10 + 6x2 = 22, remainder 0 mod 11: no check digit is valid for these nine digits.
    exc = refusal(normalise_uln, "1000000063")
    assert exc.problems[0].field == "uln"
    assert "characters 1-9 give a remainder of 0" in exc.problems[0].reason


@pytest.mark.parametrize(
    ("upn", "named"),
    [
        ("J801200001001", "check letter worked out from the digits; it does not match them"),
        ("I801200001001", "character 1 must be a check letter"),
        ("1801200001001", "character 1 must be a check letter"),
        ("H8012X0001001", "character 6 must be a digit"),
        ("H80120000100I", "character 13 must be a digit, or a letter"),
        ("H80120000100-", "character 13 must be a digit, or a letter"),
        ("H80120000100", "must be 13 characters, got 12"),
        ("H8012000010011", "must be 13 characters, got 14"),
    ],
)
def test_a_bad_upn_is_refused_with_the_wrong_character_named(upn: str, named: str) -> None:
    exc = refusal(normalise_upn, upn)
    assert named in str(exc)
    assert exc.problems[0].field == "upn"
    assert upn not in str(exc)


@pytest.mark.parametrize(
    ("uln", "named"),
    [
        ("1000000044", "check digit worked out from the first nine; it does not match them"),
        ("10000A0043", "character 6 must be a digit"),
        ("100000004", "must be 10 digits, got 9 characters"),
        ("1000000053", "check digit worked out from the first nine; it does not match them"),
    ],
)
def test_a_bad_uln_is_refused_with_the_wrong_character_named(uln: str, named: str) -> None:
    exc = refusal(normalise_uln, uln)
    assert named in str(exc)
    assert uln not in str(exc)


def test_the_field_name_in_the_refusal_is_the_one_the_caller_gives() -> None:
    exc = refusal(lambda raw: normalise_upn(raw, field="pupils.3.upn"), "H801200001002")
    assert exc.problems[0].field == "pupils.3.upn"
    assert str(exc).startswith("pupils.3.upn: ")


def test_a_temporary_upns_final_letter_counts_as_its_alphabet_index() -> None:
    # DfE's rule: the check cannot tell a final "A" (index 0) from a final "0", so both
    # the permanent UPN and its temporary twin are valid.  The property below allows for it.
    assert is_valid_upn("H801200001001")
    assert is_valid_upn("H80120000100B")


upns = st.builds(
    make_upn,
    la_code=st.integers(0, 999),
    establishment=st.integers(0, 9999),
    year=st.integers(0, 99),
    serial=st.integers(0, 999),
)


@settings(deadline=None)  # microseconds each, but a busy CI machine can stall one
@given(upns)
def test_every_upn_made_by_make_upn_validates(upn: str) -> None:
    assert len(upn) == 13
    assert normalise_upn(upn) == upn


@settings(deadline=None)
@given(st.integers(0, 999_999_999))
def test_every_uln_made_by_make_uln_validates(first_nine: int) -> None:
    uln = make_uln(first_nine)
    if uln is None:
        return  # no check digit 0-9 exists for these nine digits
    assert uln.startswith(f"{first_nine:09d}")
    assert normalise_uln(uln) == uln


@settings(deadline=None)
@given(upns, st.integers(0, 12), st.sampled_from(UPPER_AND_DIGITS))
def test_any_single_character_change_to_a_valid_upn_is_refused(
    upn: str, index: int, replacement: str
) -> None:
    original = upn[index]
    if replacement == original:
        return
    if index == 12 and UPN_CHECK_ALPHABET.find(replacement) == int(original):
        return  # the temporary-UPN twin, valid by DfE's rule (see the test above)
    changed = upn[:index] + replacement + upn[index + 1 :]
    assert not is_valid_upn(changed)
    exc = refusal(normalise_upn, changed)
    # Either the character that breaks the UPN's form is named, or the check letter is
    # explained (any one mistyped character fails it, so no position can be named).
    reason = exc.problems[0].reason
    assert "character" in reason or reason == UPN_CHECK_MISMATCH


@settings(deadline=None)
@given(st.integers(0, 999_999_999), st.integers(0, 9), st.sampled_from(UPPER_AND_DIGITS))
def test_any_single_character_change_to_a_valid_uln_is_refused(
    first_nine: int, index: int, replacement: str
) -> None:
    uln = make_uln(first_nine)
    if uln is None or uln[index] == replacement:
        return
    changed = uln[:index] + replacement + uln[index + 1 :]
    assert not is_valid_uln(changed)


ARABIC_INDIC_ONE = "\u0661"
FULLWIDTH_ZERO = "\uff10"


@pytest.mark.parametrize(
    ("upn", "position"),
    [
        ("H80120000100" + ARABIC_INDIC_ONE, 13),
        ("H8012000" + FULLWIDTH_ZERO + "1001", 9),
    ],
)
def test_a_upn_with_a_digit_of_another_script_is_refused_without_echoing_it(
    upn: str, position: int
) -> None:
    error = refusal(normalise_upn, upn)
    (problem,) = error.problems
    assert problem.field == "upn"
    assert f"character {position}" in problem.reason
    assert "0-9" in problem.reason
    assert upn not in str(error)
    assert upn[1:] not in str(error)
    assert not is_valid_upn(upn)


@pytest.mark.parametrize(
    ("uln", "position"),
    [("100000004" + "\u0663", 10), ("\u0661" + "000000043", 1)],
)
def test_a_uln_with_a_digit_of_another_script_is_refused_without_echoing_it(
    uln: str, position: int
) -> None:
    error = refusal(normalise_uln, uln)
    (problem,) = error.problems
    assert problem.field == "uln"
    assert f"character {position} must be a digit 0-9" == problem.reason
    assert uln not in str(error)
    assert not is_valid_uln(uln)


@pytest.mark.parametrize("urn", ["10000" + ARABIC_INDIC_ONE, FULLWIDTH_ZERO + "0000001"])
def test_an_institution_urn_or_ukprn_with_a_digit_of_another_script_is_refused(urn: str) -> None:
    from pydantic import ValidationError

    from ledger.domain.payloads import Enrolment

    data = {"occurred_on": "2024-09-05", "year_group": 7, "academic_year": 2024}
    with pytest.raises(ValidationError) as caught:
        Enrolment.model_validate({**data, "institution_id": urn})
    errors = caught.value.errors(include_input=False)
    assert [e["loc"] for e in errors] == [("institution_id",)]
    assert urn not in str(errors)


def test_a_date_written_with_digits_of_another_script_is_refused_as_not_yyyy_mm_dd() -> None:
    from pydantic import ValidationError

    from ledger.domain.payloads import Enrolment

    data = {"institution_id": "100001", "year_group": 7, "academic_year": 2024}
    with pytest.raises(ValidationError) as caught:
        Enrolment.model_validate({**data, "occurred_on": "2024-09-0" + ARABIC_INDIC_ONE})
    (error,) = caught.value.errors(include_input=False)
    assert error["loc"] == ("occurred_on",)
    assert "YYYY-MM-DD" in error["msg"]
