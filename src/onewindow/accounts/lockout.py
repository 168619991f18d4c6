"""What django-axes answers once an account is locked out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from onewindow.core.errors import error_response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "登录失败次数过多，账号已临时锁定，请%(minutes)d分钟后再试，或使用短信验证码登录。"
    ) % {"minutes": minutes}
    headers = {"Retry-After": str(minutes * 60)}
    if request.path.startswith("/api/"):
        return error_response("account_locked", message, 429, headers=headers)
    response = render(request, "accounts/locked.html", {"message": message}, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response
