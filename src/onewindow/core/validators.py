"""Validators for the identity numbers of the People's Republic of China.

The algorithms come from python-stdnum; this module adds normalisation, one clear message per failure
and the masks used on screen. Messages are Chinese msgids translated through the locale files.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# A fixed line as dialled from another city: trunk prefix 0 and a two- or three-digit area code
# (YD/T 2141: 010, 02x, 0xxx), a local number of seven or eight digits not starting with 0, and
# an optional extension. A bare seven-digit local number names no city and is refused.
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIXED_LINE_RE = re.compile(r"^0\d{2,3}[1-9]\d{6,7}(?:[#*]\d{1,6})?$")
# Registration authority (1-9, A, N, Y), organisation category, six-digit region, nine characters of
# organisation code and the check character, all from the alphabet without I, O, S, V, Z.
USCC_RE = re.compile(r"^[1-9ANY][0-9A-HJ-NP-RTUWXY]\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")


def normalise_resident_id(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


# GB/T 2260 province-level codes (the first two digits), by major region: North, North-east, East,
# Central-south, South-west, North-west, then Taiwan, Hong Kong and Macao, and 83, which the GB 11643
# numbers of residence permits for Taiwan residents carry.
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 83))
PROVINCE_CODES = frozenset(
    str(c) for first, last in _PROVINCE_RANGES for c in range(first, last + 1)
)
EARLIEST_BIRTH = date(1900, 1, 1)


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    """GB 11643-1999 citizen identity number: 17 digits + ISO 7064 MOD 11-2 check, a real birth
    date (1900 or later, not in the future) and an existing province. Returns the normalised number.

    The county (digits 3-6) is deliberately not looked up: a person keeps the number for life while
    GB/T 2260 has changed every year since 1980, so a code that was abolished or renamed since (or
    that python-stdnum's table dates differently, e.g. 110111 房山区 for someone born before 1986)
    is still a real person's number."""
    number = normalise_resident_id(value)
    if len(number) != 18:
        raise ValidationError(_("身份证号码应为18位。"), code="id_number_length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("身份证号码只能包含数字，最后一位可以是X。"), code="id_number_format"
        )
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(_("身份证号码校验位不正确，请核对。"), code="id_number_checksum")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if (
        birth is None
        or not EARLIEST_BIRTH <= birth <= (today or timezone.localdate())
        or number[:2] not in PROVINCE_CODES
    ):
        raise ValidationError(
            _("身份证号码中的出生日期或地区代码无效。"), code="id_number_component"
        )
    return number


def normalise_uscc(value: str) -> str:
    return re.sub(r"\s", "", value or "").upper()


def uscc_validator(value: str) -> None:
    """``validate_uscc`` as a model field validator."""
    validate_uscc(value)


def validate_uscc(value: str) -> str:
    """GB 32100-2015 unified social credit code: 18 characters from ``0-9A-Z`` without I, O, S, V, Z;
    check character by weights 3^i mod 31. Returns the normalised code."""
    code = normalise_uscc(value)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="uscc_length")
    # stdnum insists on eight leading digits, but GB 32100 gives some registration authorities letter
    # codes (N for agriculture, e.g. N2 village collectives; Y for others), so the shape is checked
    # here and stdnum computes the check character.
    if not USCC_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码包含无效字符（不使用I、O、S、V、Z）。"), code="uscc_format"
        )
    if code[-1] != uscc.calc_check_digit(code[:17]):
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="uscc_checksum")
    return code


def validate_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_RE.match(number):
        raise ValidationError(_("请输入11位中国大陆手机号码。"), code="phone_format")
    return number


def validate_phone(value: str) -> str:
    """A contact phone: an 11-digit mainland mobile number (spaces, dashes and +86 allowed) or a
    fixed line with its area code (``0999-12345001``, an extension after ``-``, ``#`` or ``*``).
    Returns the digits as typed without spaces (a fixed line keeps the dash after its area code)."""
    try:
        return validate_mobile(value)
    except ValidationError:
        pass
    parts = re.sub(r"\s", "", value or "").split("-")
    if len(parts) == 3 and parts[2].isdigit():  # area code, number, extension
        parts = [parts[0], parts[1] + "#" + parts[2]]
    if FIXED_LINE_RE.match("".join(parts)):
        return "-".join(parts)
    raise ValidationError(
        _("请输入11位手机号码，或带区号的固定电话（如0999-12345678）。"), code="phone_format"
    )


def validate_iso_date(value: str) -> str:
    """A calendar date written ``YYYY-MM-DD`` (ISO 8601, what a date field sends), that exists."""
    text = (value or "").strip()
    if ISO_DATE_RE.match(text):
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:  # 2026-02-30
            pass
    raise ValidationError(_("请按“年-月-日”填写一个真实的日期，如2026-01-31。"), code="date_format")


def mask_resident_id(number: str) -> str:
    """``110105********002X``: region kept, birth date hidden, last four kept."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[14:]


def mask_mobile(number: str) -> str:
    """``138****5678``."""
    if len(number) != 11:
        return "*" * len(number)
    return number[:3] + "****" + number[7:]


def mask_name(name: str) -> str:
    """``张*`` / ``欧阳**``: the family name stays, the given name is hidden."""
    if len(name) <= 1:
        return name
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
