"""Licence identifiers per GB/T 36904-2018 (电子证照 标识规范).

``1.2.156.3005.2.{type code}.{issuer code}.{serial}.{version}.{check}``:

- ``1.2.156.3005.2``: the OID arc of electronic licences;
- type code (证照类型代码): 21 characters, the national authority's 18-character code and a
  three-digit sequence;
- issuer code (颁发机构代码): the issuing department's 18-character unified social credit code;
- serial (流水号): unique per type and issuer, here the issue year and a seven-digit counter;
- version (版本号): three digits, ``001`` for the first issue, raised by each replacement;
- check (校验位): ISO/IEC 7064 MOD 37,36 (hybrid system, alphabet ``0-9A-Z``) over the concatenation
  of the four fields without dots.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.iso7064 import mod_37_36

PREFIX = "1.2.156.3005.2"
_ALNUM = re.compile(r"^[0-9A-Z]+$")
_SHAPE = re.compile(
    r"^1\.2\.156\.3005\.2\.([0-9A-Z]{21})\.([0-9A-Z]{18})\.([0-9A-Z]{1,32})\.(\d{3})\.([0-9A-Z])$"
)


class InvalidIdentifier(ValueError):
    """The text is not a GB/T 36904 licence identifier, or its check character is wrong."""


@dataclass(frozen=True)
class Identifier:
    type_code: str
    issuer_code: str
    serial: str
    version: str

    @property
    def check(self) -> str:
        return check_character(self.type_code, self.issuer_code, self.serial, self.version)

    def __str__(self) -> str:
        return ".".join(
            [PREFIX, self.type_code, self.issuer_code, self.serial, self.version, self.check]
        )


def check_character(type_code: str, issuer_code: str, serial: str, version: str) -> str:
    """GB/T 36904: ISO/IEC 7064 MOD 37,36 over the four fields concatenated without dots."""
    body = f"{type_code}{issuer_code}{serial}{version}".upper()
    if not _ALNUM.match(body):
        raise InvalidIdentifier("only digits and capital letters are allowed")
    return str(mod_37_36.calc_check_digit(body))


def build(type_code: str, issuer_code: str, serial: str, version: int | str = 1) -> Identifier:
    version_text = f"{int(version):03d}"
    if len(version_text) != 3:
        raise InvalidIdentifier("the version has three digits")
    identifier = Identifier(type_code.upper(), issuer_code.upper(), serial.upper(), version_text)
    if not _SHAPE.match(str(identifier)):
        raise InvalidIdentifier("type code 21, issuer code 18 characters, serial 1-32")
    return identifier


def parse(text: str) -> Identifier:
    """Split and check an identifier; raises ``InvalidIdentifier`` naming what is wrong."""
    match = _SHAPE.match(text.strip().upper())
    if match is None:
        raise InvalidIdentifier("not shaped as 1.2.156.3005.2.{type}.{issuer}.{serial}.{ver}.{c}")
    type_code, issuer_code, serial, version, check = match.groups()
    identifier = Identifier(type_code, issuer_code, serial, version)
    if identifier.check != check:
        raise InvalidIdentifier("the check character does not match")
    return identifier


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidIdentifier:
        return False
    return True


def valid_type_code(code: str) -> bool:
    return len(code) == 21 and bool(_ALNUM.match(code))
