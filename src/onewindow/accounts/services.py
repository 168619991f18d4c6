"""Every write of the identity app: registration, login, tokens, agents and staff roles."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts import authority, codes, lockout, selectors
from onewindow.accounts.models import (
    Agency,
    ApiToken,
    Membership,
    SmsCode,
    User,
    id_number_index,
    new_person_handle,
)
from onewindow.core import audit, personal
from onewindow.core.crypto import blind_index, sm3_hex
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.net import client_network
from onewindow.core.validators import (
    MOBILE_RE,
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


def _validate_new_password(password: str, *, name: str, phone: str | None) -> None:
    """Django's password validators, told the person's name and clear phone: the account row keeps
    neither a clear phone nor (for a natural person) a username that is one, so the similarity
    check would otherwise never see the number."""
    if not password:
        raise ValidationError(_("请设置密码。"))
    person = User(name=name)
    person.phone = phone or ""  # type: ignore[attr-defined]  # read by the similarity check only
    validate_password(password, person)


@dataclass(frozen=True)
class PersonRegistration:
    name: str
    id_number: str
    phone: str
    sms_code: str
    password: str
    # The page asks for consent to the privacy statement before the ID number (False: refused);
    # None where the channel's own client asks for it (the API).
    privacy_consent: bool | None = None


def _registration_refused() -> DomainError:
    # The same words whatever the reason, so they do not tell a stranger that an ID number has an
    # account: only the holder of that account's phone learns it (see register_person).
    return DomainError(
        "registration_refused",
        _(
            "无法完成注册，请核对填写的信息。如您已有账号，请用注册时的手机号登录或找回密码；"
            "如需帮助，请携带居民身份证到政务服务大厅办理。"
        ),
        status=409,
    )


def _already_registered() -> DomainError:
    # Said only to someone who has just proved they hold the phone (its SMS code).
    message = _("该手机号已注册，请直接登录；如忘记密码，请通过短信验证码找回密码。")
    return DomainError("already_registered", message, fields={"phone": [message]}, status=409)


def register_person(data: PersonRegistration, request: HttpRequest | None = None) -> User:
    """Create a natural person's account.

    Guarantees: every field error is reported at once; the SMS code is checked only when everything
    else is well-formed (so a typo elsewhere does not burn a try), and before anything is said about
    existing accounts: "already registered" goes only to the holder of the phone, with a pointer to
    password reset, and an ID number that has an account under another phone gets the same generic
    refusal as a race, so nobody learns who is registered; the ID number is stored encrypted; one ID
    number and one phone belong to at most one account, also when two registrations race (the
    blind indexes are unique in the database). The account table keeps no number in clear: the phone
    is sealed and the username is a random handle."""
    errors = FieldErrorsCollector()
    if data.privacy_consent is False:
        errors.add("privacy_consent", _("请阅读并同意隐私政策后再注册。"))
    name = errors.check("name", _validate_person_name, data.name)
    id_number = errors.check("id_number", validate_resident_id, data.id_number)
    phone = errors.check("phone", validate_mobile, data.phone)
    if not re.fullmatch(r"\d{6}", (data.sms_code or "").strip()):
        errors.add("sms_code", _("验证码为6位数字。"))
    errors.check(
        "password",
        lambda p: _validate_new_password(p, name=name or "", phone=phone),
        data.password,
    )
    errors.raise_if_any()
    assert phone is not None and id_number is not None

    codes.verify_code(phone, SmsCode.Purpose.REGISTER, data.sms_code)
    # From here on the caller holds the phone.
    if selectors.phone_registered(phone):
        raise _already_registered()
    holder = User.objects.filter(id_number_index=id_number_index(id_number)).only("pk").first()
    if holder is not None:
        # Recorded against the existing account, so its owner's records show the attempt.
        audit.record(
            "accounts.register_refused",
            request=request,
            obj=holder,
            data={"reason": "id_number_taken"},
        )
        raise _registration_refused()
    candidate = User(kind=User.Kind.NATURAL, username=new_person_handle(), name=name or "")
    candidate.set_phone(phone)
    candidate.set_id_number(id_number)
    candidate.set_password(data.password)
    try:
        with transaction.atomic():
            candidate.save()
            audit.record("accounts.register", request=request, actor=candidate, obj=candidate)
    except IntegrityError as exc:
        # Another registration committed between the checks above and this insert. The caller has
        # proved they hold the phone, so they may learn that it has an account; an ID number taken
        # under another phone gets the generic refusal.
        if selectors.phone_registered(phone):
            raise _already_registered() from exc
        raise _registration_refused() from exc
    return candidate


def normalise_login(username: str) -> str:
    """People type their phone with spaces or +86, and the USCC in lower case.

    Only a value that *is* a unified social credit code once upper-cased (GB 32100-2015: alphabet
    and check character, ``validators.validate_uscc``) is upper-cased: staff account names such as
    ``transport.reviewer`` are 18 characters long too and must reach ``authenticate()`` as typed."""
    value = re.sub(r"[\s-]", "", username or "")
    if value.startswith("+86") and MOBILE_RE.match(value[3:]):
        return value[3:]
    if len(value) == 18:
        try:
            return validate_uscc(value)
        except ValidationError:
            return value
    return value


def login_name(typed: str) -> str:
    """What ``authenticate()`` and the lock-out (django-axes) are given for what a person typed: a
    phone number becomes its account's handle, or, for a number without an account, a keyed hash of
    it. django-axes stores a blind index of this name (``lockout.username_key``), so its rows never
    hold a phone number, and failures count against the account however its phone was typed (the
    password reset and an administrator's unlock clear them by the same key)."""
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


def login_with_password(
    request: HttpRequest, username: str, password: str, sms_code: str = ""
) -> User:
    """Check a password. django-axes counts failures per account and client address, and per
    address (``accounts.lockout``): a refused login is a 429 that names the rule.

    A natural person types their phone number; it reaches ``authenticate()`` and django-axes as
    their account's handle (``login_name``), so failures count per account however it is typed.

    An account that needs the second factor (``User.needs_second_factor``) is signed in only with
    the password *and* an SMS code to its phone on file: a right password without ``sms_code``
    sends that code and answers 401 ``second_factor_required``; the caller sends the password again
    with the code."""
    errors = FieldErrorsCollector()
    if not (username or "").strip():
        errors.add("username", _("请输入手机号或用户名。"))
    if not password:
        errors.add("password", _("请输入密码。"))
    errors.raise_if_any()
    typed = normalise_login(username)
    name = login_name(typed)
    user = authenticate(request, username=name, password=password, second_factor_follows=True)
    if getattr(request, "axes_locked_out", False):
        _audit_failed_login(request, typed, name, "locked")
        raise lockout.lockout_error(request)
    if user is None or not isinstance(user, User):
        _audit_failed_login(request, typed, name, "bad_credentials")
        message = _("用户名或密码不正确。")
        raise DomainError(
            "invalid_credentials", message, fields={"password": [message]}, status=401
        )
    method = "password"
    if user.needs_second_factor:
        _check_second_factor(request, user, sms_code)
        method = "password+sms"
    ip = client_network(request)
    if ip:  # as AXES_RESET_ON_SUCCESS does for page logins, which API logins do not go through
        axes_reset(ip=ip, username=lockout.username_key(name))
    audit.record("auth.login", request=request, actor=user, obj=user, data={"method": method})
    return user


def _check_second_factor(request: HttpRequest, user: User, sms_code: str) -> None:
    phone = selectors.phone_on_file(user)
    if not phone:
        raise DomainError(
            "second_factor_unavailable",
            _("该账号须使用短信验证码二次验证，但未登记手机号，请联系管理员。"),
            status=403,
        )
    if not (sms_code or "").strip():
        try:
            codes.issue_code(
                phone,
                codes.SECOND_FACTOR,
                client_network(request),
                codes.SECOND_FACTOR_TEXT,
                send=True,
            )
        except DomainError as error:  # e.g. the code sent a moment ago is still the one to enter
            raise DomainError(
                error.code,
                error.message,
                fields={"sms_code": [error.message]},
                status=error.status,
                headers=error.headers,
            ) from error
        message = _("验证码已发送至%(phone)s，请再次输入密码和验证码完成登录。") % {
            "phone": user.phone_masked
        }
        raise DomainError(
            "second_factor_required", message, fields={"sms_code": [message]}, status=401
        )
    codes.verify_code(phone, codes.SECOND_FACTOR, sms_code)


def login_with_sms(request: HttpRequest, phone: str, code: str) -> User:
    """Sign in with a code sent to the account's phone: the second way in for anyone, staff
    included, whose password login is locked. An account that needs the second factor is refused
    here (the phone is only one of its factors) and signs in by password and code."""
    errors = FieldErrorsCollector()
    phone = errors.check("phone", validate_mobile, phone)
    errors.raise_if_any()
    codes.verify_code(phone, SmsCode.Purpose.LOGIN, code)
    user = selectors.active_user_by_phone(phone)
    if user is None:  # a code is only ever sent to a registered number; this is a stale one
        message = _("验证码不正确。")
        raise DomainError("sms_code_invalid", message, fields={"sms_code": [message]}, status=422)
    if user.needs_second_factor:  # the phone is only one of its two factors
        raise DomainError(
            "password_required",
            _("该账号须先输入密码，再输入短信验证码登录，请使用密码登录。"),
            status=403,
        )
    audit.record("auth.login", request=request, actor=user, obj=user, data={"method": "sms"})
    return user


def reset_password(
    phone: str, sms_code: str, password: str, request: HttpRequest | None = None
) -> User:
    """Set a new password for whoever holds the account's phone (找回密码).

    Guarantees: every field error is reported at once and the code is checked only when the rest is
    well-formed; a number without an account gets the answer of a wrong code (no code was ever sent
    to it), so accounts cannot be found this way; the password lock-out of the account is lifted
    (its owner has just proved the phone), its API tokens are revoked and its other sessions end
    (Django ties sessions to the password); the reset is audited."""
    errors = FieldErrorsCollector()
    checked_phone = errors.check("phone", validate_mobile, phone)
    if not re.fullmatch(r"\d{6}", (sms_code or "").strip()):
        errors.add("sms_code", _("验证码为6位数字。"))
    errors.check(
        "password", lambda p: _validate_new_password(p, name="", phone=checked_phone), password
    )
    errors.raise_if_any()
    assert checked_phone is not None
    codes.verify_code(checked_phone, SmsCode.Purpose.RESET_PASSWORD, sms_code)
    user = selectors.active_user_by_phone(checked_phone)
    if user is None:  # a code is only ever sent to a registered number; this is a stale one
        message = _("验证码不正确。")
        raise DomainError("sms_code_invalid", message, fields={"sms_code": [message]}, status=422)
    if user.needs_second_factor:  # the phone alone must not replace the password as well
        raise DomainError(
            "reset_needs_administrator",
            _("该账号使用密码和短信验证码双重验证，不能仅凭短信验证码重置密码，请联系管理员。"),
            status=403,
        )
    errors.check(
        "password",
        lambda p: _validate_new_password(p, name=user.name, phone=checked_phone),
        password,
    )
    errors.raise_if_any()
    with transaction.atomic():
        user.set_password(password)
        user.password_temporary = False  # chosen by the holder of the phone, not handed over
        user.save(update_fields=["password", "password_temporary"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit.record("accounts.password_reset", request=request, actor=user, obj=user)
    axes_reset(username=lockout.username_key(user.username))
    return user


def unlock_account(admin: User, user: User, reason: str, request: HttpRequest | None = None) -> int:
    """An administrator lifts an account's password lock-out (the staff's way back in when SMS
    login is not an option). Guarantees: only someone ``authority.may_manage_member`` allows, otherwise a
    404 as for an account that does not exist; a reason is required; the unlock is recorded in the
    audit trail with who, whom, why (personal numbers in the reason masked) and how many failure
    records were cleared. Returns that number."""
    if not authority.may_manage_member(admin, user):
        raise DomainError("not_found", _("账号不存在。"), status=404)
    reason = (reason or "").strip()
    if not reason:
        message = _("请填写解锁原因。")
        raise DomainError("validation_error", message, fields={"reason": [message]}, status=422)
    cleared = int(axes_reset(username=lockout.username_key(user.username)))
    audit.record(
        "accounts.unlocked",
        request=request,
        actor=admin,
        obj=user,
        data={"reason": personal.mask_text(reason[:200]), "cleared": cleared},
    )
    return cleared


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
    """Create a staff account with one role, or add the role to an existing one. An
    administrator's role opens the admin site (``is_staff``; the platform role as superuser)
    whenever it is added, not only with the account: a clerk made department administrator edits
    their department's catalogue there."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"kind": User.Kind.STAFF, "name": name}
    )
    flags = (user.is_staff, user.is_superuser)
    if created:
        user.set_password(password)
    user.is_staff = user.is_staff or role in (
        Membership.Role.DEPARTMENT_ADMIN,
        Membership.Role.PLATFORM_ADMIN,
    )
    user.is_superuser = user.is_superuser or role == Membership.Role.PLATFORM_ADMIN
    if created or (user.is_staff, user.is_superuser) != flags:
        user.save()
    authority.grant(user, department, role)
    return user
