"""What the API's typed answers share.

An answer built from a dict may have keys that are Python keywords (``from``, declared with an
alias) and keys that only some readers get (staff see internal comments): operations that answer
such dicts pass ``**ANSWER`` to their decorator, so the aliases are the keys written and a key the
dict did not set is left out rather than written as null — the same bytes as the dict itself.
"""

from __future__ import annotations

from typing import TypedDict


class AnswerOptions(TypedDict):
    by_alias: bool
    exclude_unset: bool


ANSWER: AnswerOptions = {"by_alias": True, "exclude_unset": True}
