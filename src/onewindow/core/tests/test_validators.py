"""GB 11643 resident ID numbers, GB 32100 unified social credit codes and mobile numbers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent

from onewindow.core.validators import (
    mask_mobile,
    mask_name,
    mask_resident_id,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)
from onewindow.testing.factories import BIRTH_REGIONS

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(BIRTH_REGIONS))
    birth = draw(st.dates(min_value=date(1986, 1, 1), max_value=date(2020, 12, 31)))
    sequence = draw(st.integers(0, 999))
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


@st.composite
def usccs(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["11", "12", "13", "19", "51", "52", "91", "92", "93", "N2", "Y1"]))
    region = draw(st.sampled_from(["110000", "379900", "440300", "310115"]))
    body = head + region + draw(st.text(USCC_ALPHABET, min_size=9, max_size=9))
    return body + uscc.calc_check_digit(body)


@given(resident_ids())
def test_every_valid_resident_id_passes(number: str) -> None:
    assert validate_resident_id(number) == number
    assert validate_resident_id(f" {number.lower()} ") == number


@given(resident_ids(), st.data())
def test_every_single_character_change_of_an_id_fails(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 17))
    replacement = data.draw(st.sampled_from("0123456789X").filter(lambda c: c != number[position]))
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(ValidationError):
        validate_resident_id(changed)


@given(usccs())
def test_every_valid_uscc_passes(code: str) -> None:
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


@given(usccs(), st.data())
def test_every_single_character_change_of_a_uscc_fails(code: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, 17))
    replacement = data.draw(
        st.sampled_from(USCC_ALPHABET + "IOSVZ").filter(lambda c: c != code[position])
    )
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(ValidationError):
        validate_uscc(changed)


def with_check(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_number_length"),
        ("11010519491231002", "id_number_length"),
        ("11010519491231002A", "id_number_format"),
        ("110105194912310021", "id_number_checksum"),
        (with_check("11010519490230002"), "id_number_component"),  # 30 February
        (with_check("00000019491231002"), "id_number_component"),  # no such region
        (with_check("99010519491231002"), "id_number_component"),  # no such province
        (with_check("11010518991231002"), "id_number_component"),  # born before 1900
        (with_check("11010520991231002"), "id_number_component"),  # born in the future
        (with_check("11010519491301002"), "id_number_component"),  # 13th month
    ],
)
def test_resident_id_errors_name_the_problem(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_resident_id(value)
    assert caught.value.code == code


def test_known_good_numbers() -> None:
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize("value", ["13800000000", "+86 138 0000 0000", "199-0000-1111"])
def test_mobile_numbers_are_normalised(value: str) -> None:
    assert len(validate_mobile(value)) == 11


@pytest.mark.parametrize("value", ["", "12800000000", "1380000000", "138000000001", "abc"])
def test_bad_mobile_numbers_fail(value: str) -> None:
    with pytest.raises(ValidationError):
        validate_mobile(value)


def test_masks() -> None:
    assert mask_resident_id("11010519491231002X") == "110105********002X"
    assert mask_mobile("13800000001") == "138****0001"
    assert mask_name("张晓明") == "张**"
    assert mask_name("欧阳娜娜") == "欧阳**"


@pytest.mark.parametrize(
    "body",
    [
        # 房山区 got code 110111 in 1986 (房山县 was 110225); people born before keep numbers that
        # python-stdnum dates to 1986 and later, so it refuses them.
        "11011119600101123",
        # 燕山区 (110110) was abolished in 1986; a child registered there late keeps the number.
        "11011019870315042",
        # 通县 (110203) became 通州区 (110112) in 1997 via 110223 and is unknown to stdnum after 1982.
        "11020319900101123",
    ],
)
def test_historical_county_codes_are_accepted(body: str) -> None:
    number = with_check(body)
    with pytest.raises(InvalidComponent):
        ric.validate(number)  # the library this validator used to trust
    assert validate_resident_id(number) == number


def test_a_historical_county_code_with_a_bad_check_character_is_still_refused() -> None:
    number = with_check("11011119600101123")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        validate_resident_id(wrong)
    assert caught.value.code == "id_number_checksum"


def test_a_birth_date_of_today_is_accepted_and_tomorrow_refused() -> None:
    number = with_check("11010520260101002")
    assert validate_resident_id(number, today=date(2026, 1, 1)) == number
    with pytest.raises(ValidationError):
        validate_resident_id(number, today=date(2025, 12, 31))
