from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from onewindow.accounts import authority, codes, selectors, services
from onewindow.accounts.auth import AUTH, bearer, current_user
from onewindow.accounts.models import ApiToken, User
from onewindow.core.errors import DomainError, errors
from onewindow.core.net import client_network
from onewindow.core.params import ID

router = Router(tags=["identity"])


class LoginIn(Schema):
    username: str = ""
    password: str = ""
    # Accounts that need the second factor: empty first (a code is sent), then the code received.
    sms_code: str = ""


class SmsLoginIn(Schema):
    phone: str = ""
    sms_code: str = ""


class AgencyOut(Schema):
    enterprise_name: str
    uscc: str
    scope: list[str]
    expires_at: datetime


class MembershipOut(Schema):
    department: str | None
    department_name: str | None
    role: str


class MeOut(Schema):
    id: int
    kind: str
    name: str
    phone: str
    id_number: str
    uscc: str | None
    agencies: list[AgencyOut]
    memberships: list[MembershipOut]


class TokenOut(Schema):
    token: str
    expires_at: datetime
    user: MeOut


class SmsCodeIn(Schema):
    phone: str = ""
    purpose: str = "register"


class SmsCodeOut(Schema):
    expires_in: int
    resend_after: int


class PersonIn(Schema):
    # Defaults let the service report every missing or wrong field together, in its own words.
    name: str = ""
    id_number: str = ""
    phone: str = ""
    sms_code: str = ""
    password: str = ""


class PasswordResetIn(Schema):
    phone: str = ""
    sms_code: str = ""
    password: str = ""


class UnlockIn(Schema):
    reason: str = ""


class UnlockOut(Schema):
    cleared: int


class PersonOut(Schema):
    id: int
    username: str
    name: str
    phone: str
    id_number: str


class TokenInfo(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    current: bool


def me_payload(user: User) -> dict[str, object]:
    """What a user may know about their own account; personal numbers masked."""
    return {
        "id": user.pk,
        "kind": user.kind,
        "name": user.name,
        "phone": user.phone_masked,
        "id_number": user.id_number_masked,
        "uscc": user.uscc,
        "agencies": [
            {
                "enterprise_name": a.enterprise.name,
                "uscc": a.enterprise.uscc or "",
                "scope": a.scope,
                "expires_at": a.expires_at,
            }
            for a in selectors.effective_agencies(user)
        ],
        "memberships": [
            {
                "department": m.department.slug if m.department else None,
                "department_name": m.department.name if m.department else None,
                "role": m.role,
            }
            for m in authority.memberships_of(user)
        ],
    }


def _token_response(user: User) -> dict[str, object]:
    token, record = services.issue_token(user, name="api-login")
    return {"token": token, "expires_at": record.expires_at, "user": me_payload(user)}


@router.post(
    "/auth/login",
    response={200: TokenOut, **errors(401, 422, 429)},
    auth=None,
    summary="Log in with a password",
)
def login(request: HttpRequest, payload: LoginIn) -> dict[str, object]:
    user = services.login_with_password(
        request, payload.username, payload.password, payload.sms_code
    )
    return _token_response(user)


@router.post(
    "/auth/sms-login",
    response={200: TokenOut, **errors(422, 429)},
    auth=None,
    summary="Log in with an SMS code",
)
def sms_login(request: HttpRequest, payload: SmsLoginIn) -> dict[str, object]:
    user = services.login_with_sms(request, payload.phone, payload.sms_code)
    return _token_response(user)


@router.post(
    "/auth/logout", response={204: None, **errors(401)}, auth=bearer, summary="Revoke this token"
)
def logout(request: HttpRequest) -> Status[None]:
    services.revoke_token(request.api_token, request)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get(
    "/auth/tokens",
    response={200: list[TokenInfo], **errors(401)},
    auth=AUTH,
    summary="My active tokens",
)
def list_tokens(request: HttpRequest) -> list[dict[str, object]]:
    current = getattr(request, "api_token", None)
    records = ApiToken.objects.filter(user=current_user(request), revoked_at__isnull=True).order_by(
        "-id"
    )
    return [
        {
            "id": r.pk,
            "name": r.name,
            "prefix": r.prefix,
            "created_at": r.created_at,
            "expires_at": r.expires_at,
            "last_used_at": r.last_used_at,
            "current": current is not None and current.pk == r.pk,
        }
        for r in records
        if r.is_usable()
    ]


@router.delete(
    "/auth/tokens/{token_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    auth=AUTH,
    summary="Revoke one of my tokens",
)
def delete_token(request: HttpRequest, token_id: ID) -> Status[None]:
    record = ApiToken.objects.filter(pk=token_id, user=current_user(request)).first()
    if record is None:
        raise DomainError("not_found", _("接口令牌不存在。"), status=404)
    services.revoke_token(record, request)
    return Status(204, None)


@router.post(
    "/auth/sms-codes",
    response={202: SmsCodeOut, **errors(422, 429)},
    auth=None,
    summary="Send an SMS one-time code",
)
def send_sms_code(request: HttpRequest, payload: SmsCodeIn) -> Status[dict[str, int]]:
    codes.request_code(payload.phone, payload.purpose, client_network(request))
    config = settings.ONEWINDOW
    return Status(
        202,
        {
            "expires_in": int(config["SMS_CODE_TTL"].total_seconds()),
            "resend_after": int(config["SMS_CODE_RESEND_AFTER"].total_seconds()),
        },
    )


@router.post(
    "/accounts/persons",
    response={201: PersonOut, **errors(409, 422, 429)},
    auth=None,
    summary="Register a natural person",
)
def register_person(request: HttpRequest, payload: PersonIn) -> Status[dict[str, object]]:
    user = services.register_person(services.PersonRegistration(**payload.dict()), request)
    return Status(
        201,
        {
            "id": user.pk,
            "username": user.phone_masked,
            "name": user.name,
            "phone": user.phone_masked,
            "id_number": user.id_number_masked,
        },
    )


@router.post(
    "/auth/password-reset",
    response={204: None, **errors(422, 429)},
    auth=None,
    summary="Set a new password with an SMS code sent to the account's phone",
)
def password_reset(request: HttpRequest, payload: PasswordResetIn) -> Status[None]:
    services.reset_password(payload.phone, payload.sms_code, payload.password, request)
    return Status(204, None)


@router.post(
    "/accounts/users/{user_id}/unlock",
    response={200: UnlockOut, **errors(401, 403, 404, 422)},
    auth=AUTH,
    summary="Lift an account's password lock-out (administrators; audited)",
)
def unlock_account(request: HttpRequest, user_id: ID, payload: UnlockIn) -> dict[str, int]:
    target = User.objects.filter(pk=user_id).first()
    if target is None:
        raise DomainError("not_found", _("账号不存在。"), status=404)
    cleared = services.unlock_account(current_user(request), target, payload.reason, request)
    return {"cleared": cleared}


@router.get("/me", response={200: MeOut, **errors(401)}, auth=AUTH, summary="The signed-in account")
def me(request: HttpRequest) -> dict[str, object]:
    assert isinstance(request.user, User)
    return me_payload(request.user)
