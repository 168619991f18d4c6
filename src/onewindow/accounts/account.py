"""The writes of the account page (账号设置): change the password, change the phone (with a code
sent to the new number), create an API token."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onewindow.accounts import codes, selectors, services
from onewindow.accounts.models import ApiToken, User
from onewindow.core import audit
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import validate_mobile

PHONE_CHANGE_TEXT = "【{site}】您正在更换登录手机号，验证码{code}，5分钟内有效。请勿告诉他人。"
TOKEN_DAYS = (30, 90, 365)


def _phone_purpose(user: User) -> str:
    # Bound to the account, so a code asked for by one account cannot change another's phone.
    return f"change_phone:{user.pk}"


def change_password(user: User, current: str, new: str, request: HttpRequest | None = None) -> None:
    """Guarantees: the current password is required and checked; the new one passes the site's
    password rules; other sessions end (Django ties sessions to the password; the caller keeps
    this one); audited."""
    errors = FieldErrorsCollector()
    if not current:
        errors.add("current_password", _("请输入当前密码。"))
    elif not user.check_password(current):
        errors.add("current_password", _("当前密码不正确。"))
    if not new:
        errors.add("new_password", _("请设置新密码。"))
    else:
        errors.check("new_password", lambda p: validate_password(p, user), new)
    errors.raise_if_any()
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        audit.record("accounts.password_changed", request=request, actor=user, obj=user)


def send_phone_code(user: User, phone: str, ip: str | None) -> None:
    """A code to the new number (the person must hold it)."""
    errors = FieldErrorsCollector()
    number = errors.check("phone", validate_mobile, phone)
    errors.raise_if_any()
    assert number is not None
    if user.has_phone and selectors.user_by_phone(number) == user:
        message = _("这已经是您的手机号。")
        raise DomainError("validation_error", message, fields={"phone": [message]}, status=422)
    codes.issue_code(number, _phone_purpose(user), ip, PHONE_CHANGE_TEXT, send=True)


def _phone_taken() -> DomainError:
    # Said only to someone who has just proved they hold the number.
    message = _("该手机号已注册其他账号，不能用于本账号。")
    return DomainError("phone_taken", message, fields={"phone": [message]}, status=409)


def change_phone(user: User, phone: str, sms_code: str, request: HttpRequest | None = None) -> None:
    """Guarantees: the code sent to the new number is required; a number of another account is
    refused (also when two changes race: the blind index is unique); audited with masks only."""
    errors = FieldErrorsCollector()
    number = errors.check("phone", validate_mobile, phone)
    if not re.fullmatch(r"\d{6}", (sms_code or "").strip()):
        errors.add("sms_code", _("验证码为6位数字。"))
    errors.raise_if_any()
    assert number is not None
    codes.verify_code(number, _phone_purpose(user), sms_code)
    holder = selectors.user_by_phone(number)
    if holder is not None and holder.pk != user.pk:
        raise _phone_taken()
    before = user.phone_masked
    try:
        with transaction.atomic():
            user.set_phone(number)
            user.save(update_fields=["phone_encrypted", "phone_index", "phone_masked"])
            audit.record(
                "accounts.phone_changed",
                request=request,
                actor=user,
                obj=user,
                data={"from": before, "to": user.phone_masked},
            )
    except IntegrityError as exc:
        raise _phone_taken() from exc


def create_token(user: User, name: str, days: int) -> tuple[str, ApiToken]:
    """A named API token valid for one of ``TOKEN_DAYS``; the secret is returned once."""
    errors = FieldErrorsCollector()
    name = (name or "").strip()
    if not name:
        errors.add("token_name", _("请给令牌起个名字，说明用途。"))
    elif len(name) > 64 or re.search(r"[\x00-\x1f\x7f]", name):
        errors.add("token_name", _("名称不超过64个字，且不含控制字符。"))
    if days not in TOKEN_DAYS:
        errors.add("token_days", _("请选择有效期。"))
    errors.raise_if_any()
    return services.issue_token(user, name=name, ttl=timedelta(days=days))
