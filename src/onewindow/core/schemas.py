"""What the API's typed answers share.

An answer built from a dict may have keys that are Python keywords (``from``, declared with an
alias) and keys that only some readers get (staff see internal comments): operations that answer
such dicts pass ``**ANSWER`` to their decorator, so the aliases are the keys written and a key the
dict did not set is left out rather than written as null — the same bytes as the dict itself.
"""

from __future__ import annotations

import datetime
from typing import Any, TypedDict

from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class AnswerOptions(TypedDict):
    by_alias: bool
    exclude_unset: bool


ANSWER: AnswerOptions = {"by_alias": True, "exclude_unset": True}


class ApiJSONEncoder(NinjaJSONEncoder):
    """Times always to the millisecond (``2026-11-27T09:00:27.000Z``). Django's encoder drops the
    fraction when it is zero, so a stored answer read back and written again (an idempotent
    replay) would differ from the first one once in a thousand times."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime):
            text = o.isoformat(timespec="milliseconds")
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class ApiRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder
