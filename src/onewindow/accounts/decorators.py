"""The staff-only check for pages, in one place: ``accounts.authority`` decides who is staff."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from onewindow.accounts import authority

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """A staff page: a visitor who is not signed in is sent to sign in (302, back here after),
    a signed-in person who is not active staff is refused with the 403 the API gives
    (``authority.require_staff``); nothing about the page is shown to either."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authority.require_staff(request.user)
        return view(request, *args, **kwargs)

    return login_required(wrapper)
