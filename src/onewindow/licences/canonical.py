"""The canonical byte form of a licence: exactly the bytes its SM2 signature covers.

See docs/licences.md. In short: a JSON object ``{"data": {...}, "metadata": {...}}`` serialised
with keys sorted by code point, no insignificant whitespace, strings as UTF-8 (not ``\\u`` escapes,
except the controls JSON requires), no floating-point numbers (decimals are written as strings),
dates as ``YYYY-MM-DD``, an absent value as ``null``. The metadata fields are those of GB/T 36902
that do not change over the licence's life; the status is deliberately not signed, because it
changes (revocation, suspension) and is read online.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

METADATA_FIELDS = (
    "identifier",
    "licence_name",
    "type_name",
    "type_code",
    "licence_number",
    "holder",
    "holder_code",
    "holder_code_type",
    "issuer",
    "issuer_code",
    "issue_date",
    "valid_from",
    "valid_until",
    "jurisdiction",
    "version",
    "key_id",
)


# Signed when present: a licence issued since salts were introduced carries 128 random bits (32
# hex characters), sealed with its personal values, so that its signature over bytes holding the
# holder's ID number cannot test guesses of the masked digits. Older licences have none and their
# bytes are as they were.
OPTIONAL_METADATA_FIELDS = ("salt",)


class NotCanonical(ValueError):
    """A value that has no canonical form (a float, a non-string key, an unknown type)."""


def _clean(value: Any, path: str = "") -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path}: keys must be strings")
            out[key] = _clean(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_clean(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise NotCanonical(f"{path or 'value'}: {type(value).__name__} has no canonical form")


def canonical_bytes(metadata: Mapping[str, Any], data: Mapping[str, Any]) -> bytes:
    missing = [name for name in METADATA_FIELDS if name not in metadata]
    if missing:
        raise NotCanonical(f"metadata lacks {', '.join(missing)}")
    names = METADATA_FIELDS + tuple(n for n in OPTIONAL_METADATA_FIELDS if n in metadata)
    document = {
        "data": _clean(dict(data), "data"),
        "metadata": {name: _clean(metadata[name], name) for name in names},
    }
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def normalise_data(value: Any) -> Any:
    """Turn what a form or import produced into signable values (floats become strings)."""
    if isinstance(value, float):
        return format(value, "g") if value != int(value) else int(value)
    if isinstance(value, Mapping):
        return {str(k): normalise_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise_data(v) for v in value]
    return value
