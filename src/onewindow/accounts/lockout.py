"""Password lock-out (django-axes) with two rules, so that a stranger cannot lock anyone out:

- an account is locked for ``AXES_COOLOFF_TIME`` after ``AXES_FAILURE_LIMIT`` failures *from one
  client address* (``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]``): the owner, coming
  from another address, still logs in, by password or by SMS code;
- one client address is refused every password login for the same time once its failures on any
  accounts reach ``LOGIN_FAILURES_PER_IP`` (higher, since a service hall or a campus shares one
  address): credential stuffing is throttled where it comes from.

And what django-axes answers once either rule refuses a login."""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from onewindow.core import personal
from onewindow.core.errors import DomainError, error_response

_ADDRESS_FLAG = "onewindow_address_throttled"


def username_key(username: str) -> str:
    """What django-axes stores for a login name: a keyed SM3 blind index, not the name itself. A
    typed phone number reaches authenticate() as its account's handle (``services.login_name``),
    so this is also the key of that account's failures, whatever form its phone was typed in."""
    from onewindow.accounts.services import normalise_login

    return personal.index(personal.Kind.PHONE, normalise_login(username))


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the login name of an attempt, as :func:`username_key`."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = getattr(request, "POST", {}).get("username")
    return username_key(str(username)) if username else None


def address_failures(request: HttpRequest) -> int:
    """Failed password logins from this request's client address within the cool-off time."""
    ip = getattr(request, "axes_ip_address", None)
    if not ip:
        return 0
    total = AccessAttempt.objects.filter(
        ip_address=ip, attempt_time__gte=get_cool_off_threshold(request)
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return int(total or 0)


class AccountAndAddressHandler(AxesDatabaseHandler):
    """django-axes' database handler with the per-address rule added to its per-account rule."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The failures that count against ``AXES_FAILURE_LIMIT``: this account's from this
        address, or the whole limit once this address has used up its own (higher) limit."""
        failures = int(super().get_failures(request, credentials))
        if address_failures(request) >= settings.ONEWINDOW["LOGIN_FAILURES_PER_IP"]:
            setattr(request, _ADDRESS_FLAG, True)
            return max(failures, int(get_failure_limit(request, credentials)))
        return failures


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_error(request: HttpRequest) -> DomainError:
    """The 429 for a refused password login, naming which rule refused it."""
    minutes = _minutes()
    headers = {"Retry-After": str(minutes * 60)}
    if getattr(request, _ADDRESS_FLAG, False):
        return DomainError(
            "login_throttled",
            _("您的网络登录失败次数过多，请%(minutes)d分钟后再试。") % {"minutes": minutes},
            status=429,
            headers=headers,
        )
    return DomainError(
        "account_locked",
        _("登录失败次数过多，账号已临时锁定，请%(minutes)d分钟后再试，或使用短信验证码登录。")
        % {"minutes": minutes},
        status=429,
        headers=headers,
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    error = lockout_error(request)
    if request.path.startswith("/api/"):
        return error_response(error.code, error.message, 429, headers=error.headers)
    response = render(request, "accounts/locked.html", {"message": error.message}, status=429)
    response["Retry-After"] = error.headers["Retry-After"]
    return response
