from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from onewindow.accounts.models import User


class AccountBackend(ModelBackend):
    """Password login by username: a natural person's random handle (the phone they type becomes
    it in ``services.login_name``, so django-axes counts failures per account and stores no phone),
    the unified social credit code for legal persons, the account name for staff. Accounts that
    need a second factor are signed in only by a caller that checks it next
    (``second_factor_follows=True``)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            # Spend the same time as a real check, so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if not (user.check_password(password) and self.user_can_authenticate(user)):
            return None
        if user.needs_second_factor and not kwargs.get("second_factor_follows"):
            # A password alone does not sign this account in, e.g. through the admin site's own
            # login form: ``services.login_with_password`` asks for the SMS code after it.
            return None
        return user
