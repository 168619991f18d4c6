from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from onewindow.accounts import selectors
from onewindow.accounts.models import User
from onewindow.core.validators import MOBILE_RE


class AccountBackend(ModelBackend):
    """Password login by the phone for natural persons (found by its blind index: their username is
    a random handle), the unified social credit code for legal persons, the account name for staff
    (already normalised by ``services.normalise_login``)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = (
            selectors.user_by_phone(username)
            if MOBILE_RE.match(username)
            else User.objects.filter(username=username).first()
        )
        if user is None:
            # Spend the same time as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
