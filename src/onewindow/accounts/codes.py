"""SMS one-time codes: 6 digits, 5-minute expiry, at most 5 wrong tries, 60-second resend cool-down,
hourly limits per phone and kind of use (codes actually sent) and per IP address, held under a lock so they also hold
for simultaneous requests. The code is stored only as a keyed SM3 hash, the phone only as a blind
index and a mask."""

from __future__ import annotations

import math
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts import selectors
from onewindow.accounts.models import SmsCode
from onewindow.core import locks, personal
from onewindow.core.crypto import constant_time_equal, hmac_sm3
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import validate_mobile
from onewindow.notifications.services import queue_sms
from onewindow.notifications.sms.base import SmsMessage

CODE_FIELD = "sms_code"


def _config() -> dict[str, Any]:
    config: dict[str, Any] = settings.ONEWINDOW
    return config


def _hash(phone: str, purpose: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac_sm3(key, f"sms-code\x00{phone}\x00{purpose}\x00{code}".encode()).hex()


def _too_many(wait: timedelta, message: str) -> DomainError:
    seconds = max(1, math.ceil(wait.total_seconds()))
    return DomainError(
        "too_many_requests", message, status=429, headers={"Retry-After": str(seconds)}
    )


def _phone_index(phone: str) -> str:
    return personal.index(personal.Kind.PHONE, phone)


def _check_rate_limits(phone_index: str, purpose: str, ip: str | None) -> None:
    now = timezone.now()
    config = _config()
    for_purpose = SmsCode.objects.filter(phone_index=phone_index, purpose=purpose)
    last = for_purpose.order_by("-created_at").first()
    if last and last.created_at > now - config["SMS_CODE_RESEND_AFTER"]:
        wait = last.created_at + config["SMS_CODE_RESEND_AFTER"] - now
        raise _too_many(
            wait,
            _("验证码已发送，请%(seconds)d秒后再重新获取。")
            % {"seconds": max(1, math.ceil(wait.total_seconds()))},
        )
    hour_ago = now - timedelta(hours=1)
    # The phone's limits are per kind of use (login, register, reset, progress, a staff member's
    # second factor): a stranger asking for registration or reset codes for someone's number never
    # uses up that person's login codes, and nobody without the password can use up a second
    # factor. Within a kind the limit counts codes actually sent (so made-up progress lookups, which
    # send nothing, never use up the owner's codes) and, per purpose, requests whether they sent or
    # not — so the answers are the same for a number with an account and one without, and nothing
    # tells which numbers are registered.
    per_kind = config["SMS_CODE_PER_PHONE_PER_HOUR"]
    counted = [for_purpose.filter(created_at__gt=hour_ago)]
    kind, bound, _rest = purpose.partition(":")
    if bound:  # one kind, many purposes (progress:<number>): codes sent for any of them count
        counted.insert(
            0,
            SmsCode.objects.filter(
                phone_index=phone_index,
                purpose__startswith=f"{kind}:",
                sent=True,
                created_at__gt=hour_ago,
            ),
        )
    for recent in counted:
        if recent.count() >= per_kind:
            oldest = recent.order_by("created_at").first()
            assert oldest is not None
            raise _too_many(
                oldest.created_at + timedelta(hours=1) - now,
                _("该手机号获取验证码过于频繁，请一小时后再试。"),
            )
    if (
        ip
        and SmsCode.objects.filter(ip=ip, created_at__gt=hour_ago).count()
        >= config["SMS_CODE_PER_IP_PER_HOUR"]
    ):
        raise _too_many(timedelta(hours=1), _("您的网络获取验证码过于频繁，请稍后再试。"))


_TEXTS = {
    SmsCode.Purpose.REGISTER: "【{site}】您正在注册账号，验证码{code}，5分钟内有效。请勿告诉他人。",
    SmsCode.Purpose.LOGIN: "【{site}】您正在登录，验证码{code}，5分钟内有效。请勿告诉他人。",
    SmsCode.Purpose.RESET_PASSWORD: "【{site}】您正在重置密码，验证码{code}，5分钟内有效。请勿告诉他人。",
}
# The second factor of a password login (not a Purpose: nobody can ask for it without the password).
SECOND_FACTOR = "second_factor"
SECOND_FACTOR_TEXT = (
    "【{site}】您正在登录工作账号，验证码{code}，5分钟内有效。如非本人操作，请立即联系管理员。"
)
PROGRESS_TEXT = "【{site}】您正在查询办件进度，验证码{code}，5分钟内有效。"


def request_code(phone: str, purpose: str, ip: str | None) -> SmsCode | None:
    """Create and send a code. For login and password reset no code is sent to a number without an
    account, but the caller cannot tell: the answer is the same, so numbers cannot be enumerated."""
    errors = FieldErrorsCollector()
    phone = errors.check("phone", validate_mobile, phone)
    if purpose not in SmsCode.Purpose.values:
        errors.add("purpose", _("验证码用途无效。"))
    errors.raise_if_any()
    needs_account = purpose != SmsCode.Purpose.REGISTER
    send = not needs_account or selectors.active_user_by_phone(phone) is not None
    text = _TEXTS[SmsCode.Purpose(purpose)]
    return issue_code(phone, purpose, ip, text, send=send)


def issue_code(
    phone: str, purpose: str, ip: str | None, text: str, *, send: bool
) -> SmsCode | None:
    """Rate-limit, store (hashed) and, when ``send``, text a new code. ``purpose`` may carry what
    the code is bound to, e.g. ``progress:<application number>``.

    Guarantees: the limits hold however many requests arrive at once. The count and the insert run
    under a lock per phone and per client address (``core.locks``), so of 25 simultaneous requests
    for one phone exactly one passes the resend rule, and no more than the hourly limits pass."""
    phone_index = _phone_index(phone)
    with transaction.atomic():
        locks.hold(f"sms-code:phone:{phone_index}", *([f"sms-code:ip:{ip}"] if ip else []))
        _check_rate_limits(phone_index, purpose, ip)
        code = f"{secrets.randbelow(10**6):06d}"
        now = timezone.now()
        sms_code = SmsCode.objects.create(
            phone_index=phone_index,
            phone_masked=personal.mask(personal.Kind.PHONE, phone),
            purpose=purpose,
            code_hash=_hash(phone, purpose, code),
            sent=send,
            created_at=now,
            expires_at=now + _config()["SMS_CODE_TTL"],
            ip=ip,
        )
        if not send:
            return None
        message = text.format(site=_config()["SITE_NAME"], code=code)
        queue_sms(
            SmsMessage(
                phone=phone, text=message, code=code, purpose=purpose.split(":")[0], sent_at=now
            )
        )
    return sms_code


def verify_code(phone: str, purpose: str, code: str) -> None:
    """Consume the newest code for this phone and purpose, or raise a field error on ``sms_code``.

    A wrong guess is counted even though the error is raised, and the fifth wrong guess burns the
    code; the row is locked so two concurrent guesses are both counted."""
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()):
        raise _code_error("sms_code_format", _("验证码为6位数字。"))
    failure: DomainError | None = None
    with transaction.atomic():
        current = (
            SmsCode.objects.select_for_update()
            .filter(phone_index=_phone_index(phone), purpose=purpose, consumed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        now = timezone.now()
        if current is None:
            failure = _code_error("sms_code_missing", _("请先获取短信验证码。"))
        elif current.attempts >= _config()["SMS_CODE_MAX_TRIES"]:
            failure = _code_error("sms_code_locked", _("验证码错误次数过多，请重新获取。"))
        elif current.expires_at <= now:
            failure = _code_error("sms_code_expired", _("验证码已过期，请重新获取。"))
        elif not constant_time_equal(current.code_hash, _hash(phone, purpose, code)):
            current.attempts += 1
            current.save(update_fields=["attempts"])
            left = _config()["SMS_CODE_MAX_TRIES"] - current.attempts
            failure = (
                _code_error(
                    "sms_code_invalid", _("验证码不正确，还可尝试%(left)d次。") % {"left": left}
                )
                if left > 0
                else _code_error("sms_code_locked", _("验证码错误次数过多，请重新获取。"))
            )
        else:
            current.consumed_at = now
            current.save(update_fields=["consumed_at"])
    if failure is not None:
        raise failure


def _code_error(code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={CODE_FIELD: [message]}, status=422)
