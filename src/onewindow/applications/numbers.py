"""Application numbers (办件编号): short enough to read out on the phone, not guessable in sequence.

``QL-20261123-7KQ4M9XF``: a prefix, the date, and 8 random characters from an alphabet without the
look-alikes 0/O, 1/I/L and U (40 bits of chance: guessing a valid number is hopeless).
"""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.utils import timezone

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RE = re.compile(r"^[A-Z]{2,4}-\d{8}-[" + ALPHABET + r"]{8}$")


def new_number() -> str:
    prefix = settings.ONEWINDOW.get("APPLICATION_PREFIX", "QL")
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{timezone.localdate():%Y%m%d}-{random_part}"


def normalise(number: str) -> str:
    return re.sub(r"\s", "", number or "").upper()
