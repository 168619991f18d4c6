"""Bearer-token authentication for the API (``Authorization: Bearer ow_...``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from onewindow.accounts.models import ApiToken, User
from onewindow.accounts.services import token_digest, touch_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token.startswith("ow_") or len(token) > 128:
            return None
        record = (
            ApiToken.objects.select_related("user").filter(key_hash=token_digest(token)).first()
        )
        if record is None or not record.is_usable() or not record.user.is_active:
            return None
        touch_token(record)
        request.user = record.user
        request.api_token = record  # type: ignore[attr-defined]
        return record.user


def current_user(request: HttpRequest) -> User:
    """The signed-in account of a request that passed ``AUTH``."""
    user = request.user
    assert isinstance(user, User)
    return user


class SignedInSession(SessionAuth):
    """The session of a signed-in person, with its CSRF token on writes. A request that signs
    nobody in is not asked for a CSRF token: it gets the API's 401, not a CSRF 403."""

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)


bearer = BearerToken()
# Pages call the API with their session cookie (and CSRF token); programs use bearer tokens.
AUTH: list[Any] = [bearer, SignedInSession()]
