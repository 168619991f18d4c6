"""Every write of the identity app: registration, login, tokens, agents and staff roles."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts import codes, selectors
from onewindow.accounts.models import (
    Agency,
    ApiToken,
    Membership,
    SmsCode,
    User,
    id_number_index,
    new_person_handle,
)
from onewindow.core import audit
from onewindow.core.crypto import blind_index, sm3_hex
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import (
    MOBILE_RE,
    normalise_uscc,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)
from onewindow.organizations.models import Department

NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·• .'-]{0,29}$")
TOKEN_PREFIX = "ow_"  # noqa: S105 - a public prefix, not a secret


def _validate_person_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationError(_("请填写姓名。"))
    if not NAME_RE.match(name) or len(name) < 2:
        raise ValidationError(_("姓名应为2至30个汉字或字母，与身份证件一致。"))
    return name


def _validate_new_password(password: str, user: User) -> None:
    if not password:
        raise ValidationError(_("请设置密码。"))
    validate_password(password, user)


@dataclass(frozen=True)
class PersonRegistration:
    name: str
    id_number: str
    phone: str
    sms_code: str
    password: str


def register_person(data: PersonRegistration, request: HttpRequest | None = None) -> User:
    """Create a natural person's account.

    Guarantees: every field error is reported at once; the SMS code is checked only when everything
    else is valid (so a typo elsewhere does not burn a try); the ID number is stored encrypted; one
    ID number and one phone belong to at most one account, also when two registrations race (the
    blind indexes are unique in the database). The account table keeps no number in clear: the phone
    is sealed and the username is a random handle."""
    errors = FieldErrorsCollector()
    name = errors.check("name", _validate_person_name, data.name)
    id_number = errors.check("id_number", validate_resident_id, data.id_number)
    phone = errors.check("phone", validate_mobile, data.phone)
    if not re.fullmatch(r"\d{6}", (data.sms_code or "").strip()):
        errors.add("sms_code", _("验证码为6位数字。"))
    candidate = User(kind=User.Kind.NATURAL, username=new_person_handle(), name=name or "")
    candidate.set_phone(phone)
    errors.check("password", lambda p: _validate_new_password(p, candidate), data.password)
    if id_number and User.objects.filter(id_number_index=id_number_index(id_number)).exists():
        errors.add("id_number", _("该身份证号码已注册，请直接登录或找回密码。"))
    if phone and selectors.phone_registered(phone):
        errors.add("phone", _("该手机号已注册，请直接登录。"))
    errors.raise_if_any()
    assert phone is not None and id_number is not None

    codes.verify_code(phone, SmsCode.Purpose.REGISTER, data.sms_code)
    candidate.set_id_number(id_number)
    candidate.set_password(data.password)
    try:
        with transaction.atomic():
            candidate.save()
            audit.record("accounts.register", request=request, actor=candidate, obj=candidate)
    except IntegrityError as exc:
        # Another registration with the same number committed between the check above and this
        # insert: name the field whose number is taken.
        taken = User.objects.filter(phone_index=candidate.phone_index).exists()
        field, message = (
            ("phone", _("该手机号已注册，请直接登录。"))
            if taken
            else ("id_number", _("该手机号或身份证号码已注册。"))
        )
        raise DomainError(
            "duplicate_account", message, fields={field: [message]}, status=409
        ) from exc
    return candidate


def normalise_login(username: str) -> str:
    """People type their phone with spaces or +86, and the USCC in lower case."""
    value = re.sub(r"[\s-]", "", username or "")
    if value.startswith("+86") and MOBILE_RE.match(value[3:]):
        return value[3:]
    if len(value) == 18 and value[:2].isalnum() and not value.isdigit():
        return normalise_uscc(value)
    return value


def login_name(typed: str) -> str:
    """What ``authenticate()`` and the lock-out (django-axes) are given for what a person typed: a
    phone number becomes its account's handle, or, for a number without an account, a keyed hash of
    it. So axes' tables (failures, access log) never hold a phone number, and failures count against
    the account however its phone was typed."""
    value = normalise_login(typed)
    if not MOBILE_RE.match(value):
        return value
    user = selectors.user_by_phone(value)
    # "?" starts no username, so the stand-in finds no account.
    return user.username if user is not None else "?" + blind_index(value, "login")[:32]


def _audit_failed_login(request: HttpRequest, typed: str, name: str, reason: str) -> None:
    # What people type is a phone number for most of them: keep only a keyed hash of it.
    user = User.objects.filter(username=name).only("pk").first()
    audit.record(
        "auth.login_failed",
        request=request,
        object_type="accounts.user" if user else "",
        object_id=user.pk if user else "",
        data={"reason": reason, "username_index": blind_index(typed, "login")[:16]},
    )


def _locked_out() -> DomainError:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return DomainError(
        "account_locked",
        _("登录失败次数过多，账号已临时锁定，请%(minutes)d分钟后再试，或使用短信验证码登录。")
        % {"minutes": minutes},
        status=429,
        headers={"Retry-After": str(minutes * 60)},
    )


def login_with_password(request: HttpRequest, username: str, password: str) -> User:
    """Check a password (django-axes counts failures and locks the account). A natural person
    types their phone number; it reaches ``authenticate()`` as their handle (``login_name``)."""
    errors = FieldErrorsCollector()
    if not (username or "").strip():
        errors.add("username", _("请输入手机号或用户名。"))
    if not password:
        errors.add("password", _("请输入密码。"))
    errors.raise_if_any()
    typed = normalise_login(username)
    name = login_name(typed)
    user = authenticate(request, username=name, password=password)
    if getattr(request, "axes_locked_out", False):
        _audit_failed_login(request, typed, name, "locked")
        raise _locked_out()
    if user is None or not isinstance(user, User):
        _audit_failed_login(request, typed, name, "bad_credentials")
        message = _("用户名或密码不正确。")
        raise DomainError(
            "invalid_credentials", message, fields={"password": [message]}, status=401
        )
    audit.record("auth.login", request=request, actor=user, obj=user, data={"method": "password"})
    return user


def login_with_sms(request: HttpRequest, phone: str, code: str) -> User:
    errors = FieldErrorsCollector()
    phone = errors.check("phone", validate_mobile, phone)
    errors.raise_if_any()
    codes.verify_code(phone, SmsCode.Purpose.LOGIN, code)
    user = selectors.active_user_by_phone(phone)
    if user is None:  # a code is only ever sent to a registered number; this is a stale one
        message = _("验证码不正确。")
        raise DomainError("sms_code_invalid", message, fields={"sms_code": [message]}, status=422)
    audit.record("auth.login", request=request, actor=user, obj=user, data={"method": "sms"})
    return user


def token_digest(token: str) -> str:
    return sm3_hex(token.encode())


def issue_token(user: User, name: str = "", ttl: timedelta | None = None) -> tuple[str, ApiToken]:
    """Returns the token (shown once) and its record."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken.objects.create(
        user=user,
        name=name[:64],
        prefix=token[:10],
        key_hash=token_digest(token),
        expires_at=timezone.now() + (ttl or settings.ONEWINDOW["API_TOKEN_TTL"]),
    )
    return token, record


def revoke_token(record: ApiToken, request: HttpRequest | None = None) -> None:
    if record.revoked_at is None:
        record.revoked_at = timezone.now()
        record.save(update_fields=["revoked_at"])
        audit.record("auth.token_revoked", request=request, actor=record.user, obj=record)


def touch_token(record: ApiToken) -> None:
    """Note use at most once a minute, so reads do not turn into writes."""
    now = timezone.now()
    if record.last_used_at is None or record.last_used_at < now - timedelta(minutes=1):
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)


def create_legal_person(
    name: str, uscc: str, legal_representative: str, password: str | None
) -> User:
    code = validate_uscc(uscc)
    user = User.objects.create_user(
        username=code,
        password=password,
        kind=User.Kind.LEGAL,
        name=name,
        uscc=code,
        legal_representative=legal_representative,
    )
    return user


def grant_agency(
    enterprise: User,
    agent: User,
    scope: list[str],
    expires_at: datetime,
    request: HttpRequest | None = None,
) -> Agency:
    """Authorise a natural person to act for a legal person (replaces an earlier grant)."""
    if enterprise.kind != User.Kind.LEGAL or agent.kind != User.Kind.NATURAL:
        raise DomainError("invalid_agency", _("只能授权自然人代表法人办事。"))
    if expires_at <= timezone.now():
        raise DomainError(
            "invalid_agency",
            _("授权的失效时间应晚于现在。"),
            fields={"expires_at": [_("授权的失效时间应晚于现在。")]},
        )
    agency, _created = Agency.objects.update_or_create(
        enterprise=enterprise,
        agent=agent,
        defaults={
            "scope": scope,
            "expires_at": expires_at,
            "revoked_at": None,
            "valid_from": timezone.now(),
        },
    )
    audit.record(
        "accounts.agency_granted",
        request=request,
        obj=agency,
        data={"enterprise": enterprise.pk, "agent": agent.pk, "scope": scope},
    )
    return agency


def ensure_staff(
    username: str, name: str, department: Department | None, role: str, password: str | None
) -> User:
    """Create a staff account with one role, or add the role to an existing one."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"kind": User.Kind.STAFF, "name": name}
    )
    if created:
        user.set_password(password)
        user.is_staff = role in (Membership.Role.DEPARTMENT_ADMIN, Membership.Role.PLATFORM_ADMIN)
        user.is_superuser = role == Membership.Role.PLATFORM_ADMIN
        user.save()
    Membership.objects.get_or_create(user=user, department=department, role=role)
    return user
