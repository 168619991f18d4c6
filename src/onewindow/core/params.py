"""Whole numbers from requests (ids, page numbers), parsed once and within what the database holds.

A query like ``?page=9223372036854775807`` or ``?item=9223372036854775808`` must not reach the
database: the row offset of such a page overflows a 64-bit integer (PostgreSQL: "bigint out of
range"; SQLite: "Python int too large"). Every page and API operation that reads an id or a page
number from a query string or form goes through :func:`bounded_int`; API schemas use the same
bounds (:data:`ID`, :data:`PAGE`), so the OpenAPI document says them too.
"""

from __future__ import annotations

from typing import Annotated

from django.utils.translation import gettext as _
from pydantic import Field

from onewindow.core.errors import DomainError

# Ids are 64-bit signed integers (Django's BigAutoField) and start at 1.
MAX_ID = 2**63 - 1
# Twenty rows a page: 10,000 pages are 200,000 rows, more than anyone leafs through, and the row
# offset stays cheap for the database.
MAX_PAGE = 10_000

ID = Annotated[int, Field(ge=1, le=MAX_ID)]
PAGE = Annotated[int, Field(ge=1, le=MAX_PAGE)]
# Visits to a hall that an item needs (到现场次数): the search filter's upper bound.
MAX_VISITS = 100
# A position in a short list (an item's materials), counted from 0.
INDEX = Annotated[int, Field(ge=0, le=9_999)]


def bounded_int(
    raw: str | None,
    field: str,
    *,
    default: int | None = None,
    minimum: int = 1,
    maximum: int = MAX_ID,
) -> int | None:
    """``raw`` as a whole number in ``[minimum, maximum]``; ``default`` when absent or empty.

    Anything else (text, a fraction, a number out of range) raises a 422 ``DomainError`` naming
    ``field``: the API answers it in the error envelope, a page shows it as a page error.
    """
    text = (raw or "").strip()
    if not text:
        return default
    value: int | None = None
    # The length bound keeps int() from parsing thousands of digits (a CPU cost, and a ValueError
    # past Python's own limit of 4,300).
    if len(text) <= 20 and text.lstrip("+-").isdigit():
        value = int(text)
    if value is None or not minimum <= value <= maximum:
        message = _("应为%(minimum)s至%(maximum)s之间的整数。") % {
            "minimum": minimum,
            "maximum": maximum,
        }
        raise DomainError("validation_error", message, fields={field: [message]}, status=422)
    return value


def page_number(raw: str | None) -> int:
    """A page number from a query string: 1 when absent, otherwise 1 to ``MAX_PAGE``."""
    return bounded_int(raw, "page", default=1, maximum=MAX_PAGE) or 1
