"""One guard against doing a write twice, for pages and the API alike.

A write that carries a key (the API's ``Idempotency-Key`` header, or the token a form page hands
out) runs once per user and key: its answer is recorded in the same transaction as what it wrote,
and a repeat of the same request (a retry after a lost answer, a double click) gets that first
answer back without writing again. Two repeats arriving at the same moment meet on the record's
unique key; the loser's writes roll back with its record and it answers as the winner did.

A key belongs to one request: a repeat whose fingerprint (a digest of what was asked) differs is
refused with 422 ``idempotency_mismatch`` rather than answered with another request's result. A
write without a key is not a repeat of anything and simply runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onewindow.core.errors import DomainError
from onewindow.core.models import IdempotencyRecord
from onewindow.core.schemas import ApiJSONEncoder

# The longest key kept (the column's width); a longer header is cut, as it always was.
MAX_KEY = 64
# A form page's token is 32 hex digits (uuid4().hex).
FORM_TOKEN = 32
# Form fields that say nothing about what was asked.
_NOT_ASKED = frozenset({"csrfmiddlewaretoken", "token"})


@dataclass(frozen=True)
class Answer:
    """The answer to give: the first one, or the one just made. ``replayed`` tells which."""

    status: int
    body: Any
    replayed: bool = False


def fingerprint(asked: Any) -> str:
    """A digest of what a request asked for (its parsed body and whatever names its target)."""
    text = json.dumps(asked, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def header_key(request: HttpRequest) -> str:
    """The API's ``Idempotency-Key`` header, or "" when the client sent none."""
    return request.headers.get("Idempotency-Key", "").strip()[:MAX_KEY]


def form_key(request: HttpRequest, scope: str) -> str:
    """A form page's token as a key of its own ``scope`` (one per kind of page), or "" for a post
    without a token (made by hand, not a repeat of anything)."""
    token = request.POST.get("token", "").strip()[:FORM_TOKEN]
    return f"{scope}:{token}" if token else ""


def form_fingerprint(request: HttpRequest) -> str:
    """What a form post asked: its path and every field but the tokens, in a stable order."""
    fields = {k: request.POST.getlist(k) for k in request.POST if k not in _NOT_ASKED}
    return fingerprint({"path": request.path, "fields": fields})


def _earlier(user: Any, key: str, digest: str, mismatch: str | None) -> Answer | None:
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is None:
        return None
    if record.fingerprint != digest:
        message = mismatch or _("同一个Idempotency-Key不能用于不同的请求。")
        raise DomainError("idempotency_mismatch", message, status=422)
    return Answer(record.status, record.replay(), replayed=True)


def once(
    user: Any,
    key: str,
    digest: str,
    run: Callable[[], tuple[int, Any]],
    *,
    mismatch: str | None = None,
) -> Answer:
    """Run ``run`` (which returns a status and a JSON-ready body) once for ``user`` and ``key``.

    The record is written with the answer, inside one transaction: when ``run`` raises, nothing is
    recorded and the same key may be tried again. ``DomainError`` 422 when the key was used for a
    request with another fingerprint (``mismatch`` words it for a page; the API's names its header).
    """
    if not key:
        status, body = run()
        return Answer(status, body)
    earlier = _earlier(user, key, digest, mismatch)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            status, body = run()
            IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=digest, status=status, body=_stored(body)
            )
    except IntegrityError:
        # The same key raced in at the same moment: answer as the winner did. No record means the
        # conflict was something else, a real fault not to be hidden.
        earlier = _earlier(user, key, digest, mismatch)
        if earlier is None:
            raise
        return earlier
    return Answer(status, body)


def _stored(body: Any) -> Any:
    """The body as JSON keeps it (dates as ISO text), which is also what a replay answers."""
    return json.loads(json.dumps(body, cls=ApiJSONEncoder))
