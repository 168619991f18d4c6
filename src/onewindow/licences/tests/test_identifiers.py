"""GB/T 36904 identifiers: the check character (ISO/IEC 7064 MOD 37,36) catches every single
character change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.licences import identifiers

REAL = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def test_a_published_real_identifier_checks() -> None:
    parsed = identifiers.parse(REAL)
    assert parsed.type_code == "11100000000013338W011"
    assert parsed.issuer_code == "11430000006122244L"
    assert parsed.serial == "20230000403" and parsed.version == "001"
    assert parsed.check == "U"
    assert (
        str(identifiers.build("11100000000013338W011", "11430000006122244L", "20230000403")) == REAL
    )


def test_a_wrong_check_character_is_refused_with_a_reason() -> None:
    with pytest.raises(identifiers.InvalidIdentifier, match="check character"):
        identifiers.parse(REAL[:-1] + "V")
    with pytest.raises(identifiers.InvalidIdentifier, match="shaped"):
        identifiers.parse("1.2.156.3005.2.123.456")


@given(
    position=st.integers(min_value=0, max_value=len(REAL) - 1),
    replacement=st.sampled_from(ALPHABET),
)
def test_any_single_character_change_is_detected(position: int, replacement: str) -> None:
    if REAL[position] == "." or REAL[position] == replacement or position < len("1.2.156.3005.2."):
        return
    changed = REAL[:position] + replacement + REAL[position + 1 :]
    assert not identifiers.is_valid(changed)


@given(
    type_code=st.text(ALPHABET, min_size=21, max_size=21),
    issuer=st.text(ALPHABET, min_size=18, max_size=18),
    serial=st.text(ALPHABET, min_size=1, max_size=16),
    version=st.integers(min_value=1, max_value=999),
)
def test_built_identifiers_parse_back(
    type_code: str, issuer: str, serial: str, version: int
) -> None:
    built = identifiers.build(type_code, issuer, serial, version)
    assert identifiers.parse(str(built)) == built
