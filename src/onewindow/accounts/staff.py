"""A department's administrators manage its staff: add an account with its roles, change the
roles, deactivate and reactivate it, give it a new temporary password. A platform administrator
does the same in every department.

Who may is ``accounts.authority`` (``may_manage_staff``, ``may_manage_member``, ``may_grant``,
``is_last_admin``); someone who may not is answered 404, as for a member who does not exist. Every
change is one transaction with its audit event; field errors are reported all at once (422), also
when two administrators add the same username or phone at the same instant (the unique indexes
decide, and the loser gets the field error, not a 500)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts import authority
from onewindow.accounts.models import ApiToken, Membership, User, phone_index
from onewindow.accounts.services import _validate_new_password, _validate_person_name
from onewindow.core import audit
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import validate_mobile
from onewindow.organizations.models import Department

# A staff account's name: lower-case letters first, then letters, digits and . _ - (the house
# habit is ``<department slug>.<role>`` or ``<slug>.<person>``). Never a natural person's random
# handle, a phone number or a credit code, so a staff name cannot shadow another kind of login.
USERNAME_RE = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")
# Letters and digits that cannot be mistaken for each other when read out or copied by hand.
_READABLE = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password() -> str:
    """A temporary password to read out or hand over: three groups of four readable characters
    (about 69 bits), e.g. ``k7Qm-2xPa-Wr9t``."""
    return "-".join("".join(secrets.choice(_READABLE) for _ in range(4)) for _ in range(3))


def _not_found() -> DomainError:
    return DomainError("not_found", _("工作人员不存在。"), status=404)


def _managed_department(admin: User, department: Department) -> Department:
    if not authority.may_manage_staff(admin, department.pk):
        raise DomainError("not_found", _("部门不存在。"), status=404)
    return department


def _managed_member(admin: User, member: User) -> User:
    if not authority.is_staff_account(member) or not authority.may_manage_member(admin, member):
        raise _not_found()
    return member


def _validate_username(value: str) -> str:
    username = (value or "").strip().lower()
    if not username:
        raise ValidationError(_("请填写登录用户名。"))
    if not USERNAME_RE.match(username) or username.startswith("np_"):
        raise ValidationError(
            _("用户名为3至32位小写字母、数字或 . _ -，以字母开头，如 market.zhangsan。")
        )
    return username


def _validate_optional_mobile(value: str) -> str:
    return validate_mobile(value) if (value or "").strip() else ""


def _check_roles(
    errors: FieldErrorsCollector, admin: User, department: Department, roles: list[str]
) -> list[str]:
    wanted = [r for r in authority.DEPARTMENT_ROLES if r in roles]
    if any(not authority.may_grant(admin, department.pk, r) for r in roles):
        errors.add("roles", _("只能授予本部门的窗口、审查、决定或部门管理员角色。"))
    return wanted


def _username_taken() -> str:
    return _("该用户名已被使用，请换一个。")


def _phone_taken() -> str:
    return _("该手机号已登记在其他账号上。")


@dataclass(frozen=True)
class NewStaff:
    name: str
    username: str
    phone: str = ""
    roles: list[str] = field(default_factory=list)
    password: str = ""  # empty: one is generated


def add_staff(
    admin: User, department: Department, data: NewStaff, request: HttpRequest | None = None
) -> tuple[User, str]:
    """Create a staff account with roles in the department; returns it and its password (the one
    the administrator set, or a generated one), to be shown once and never stored in clear.

    Guarantees: only an administrator of the department (or a platform administrator) may, else
    404; every field error at once: the name, the username (format, taken), the phone (optional; a
    mobile number, on no other account; stored sealed and masked), at least one department role and
    never the platform role, the password (Django's validators, or generated; either way temporary:
    the member sets their own at first sign-in, ``replace_temporary_password``); the account and its
    seats are created together or not at all, with one audit event; a username or phone taken by a
    concurrent request is the same field error."""
    _managed_department(admin, department)
    errors = FieldErrorsCollector()
    name = errors.check("name", _validate_person_name, data.name)
    username = errors.check("username", _validate_username, data.username)
    phone = errors.check("phone", _validate_optional_mobile, data.phone)
    if username and User.objects.filter(username=username).exists():
        errors.add("username", _username_taken())
    if phone and User.objects.filter(phone_index=phone_index(phone)).exists():
        errors.add("phone", _phone_taken())
    roles = _check_roles(errors, admin, department, data.roles)
    if not data.roles:
        errors.add("roles", _("请至少选择一个角色。"))
    password = data.password or generate_password()
    if data.password:
        errors.check(
            "password",
            lambda p: _validate_new_password(p, name=name or "", phone=phone),
            data.password,
        )
    errors.raise_if_any()
    member = User(kind=User.Kind.STAFF, username=username or "", name=name or "")
    member.is_staff = Membership.Role.DEPARTMENT_ADMIN in roles  # the admin site, as ensure_staff
    member.set_phone(phone or None)
    member.set_password(password)
    member.password_temporary = True
    try:
        with transaction.atomic():
            member.save()
            for role in roles:
                authority.grant(member, department, role)
            audit.record(
                "accounts.staff_added",
                request=request,
                actor=admin,
                obj=member,
                data={"department": department.pk, "roles": roles},
            )
    except IntegrityError as exc:
        raise _taken_now(username or "", phone or "") from exc
    return member, password


def _taken_now(username: str, phone: str) -> DomainError:
    """The field error for an insert that lost a race on a unique index."""
    errors = FieldErrorsCollector()
    if User.objects.filter(username=username).exists():
        errors.add("username", _username_taken())
    if phone and User.objects.filter(phone_index=phone_index(phone)).exists():
        errors.add("phone", _phone_taken())
    if not errors:
        errors.add("username", _username_taken())
    return DomainError(
        "validation_error", _("提交的信息有误，请按提示修改。"), fields=errors.fields, status=422
    )


def _lock_departments(department_ids: list[int]) -> None:
    """Changes that could leave a department without an administrator queue on its row, so two
    administrators removing each other at once cannot both succeed."""
    ids = sorted(set(department_ids))
    list(Department.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))


def set_roles(
    admin: User,
    member: User,
    department: Department,
    roles: list[str],
    request: HttpRequest | None = None,
) -> tuple[list[str], list[str]]:
    """Make ``roles`` the member's roles in the department: grant what is missing, take what is not
    listed (``authority.grant`` / ``revoke``). Returns (granted, taken).

    Guarantees: only someone who manages both the member and the department, else 404; only
    department roles (never the platform role); an administrator cannot take their own
    administrator role, nor the last active administrator's; the admin site flag follows the
    administrator role; one audit event naming what changed."""
    _managed_department(admin, department)
    _managed_member(admin, member)
    errors = FieldErrorsCollector()
    wanted = _check_roles(errors, admin, department, roles)
    errors.raise_if_any()
    admin_role = Membership.Role.DEPARTMENT_ADMIN
    with transaction.atomic():
        _lock_departments([department.pk])
        held = {
            m.role
            for m in authority.recorded_memberships(member)
            if m.department_id == department.pk
        }
        granted = [r for r in wanted if r not in held]
        taken = [r for r in authority.DEPARTMENT_ROLES if r in held and r not in wanted]
        if admin_role in taken:
            _check_admin_may_go(admin, member, department.pk)
        for role in granted:
            authority.grant(member, department, role)
        for role in taken:
            authority.revoke(member, department, role)
        _follow_admin_flag(member)
        if granted or taken:
            audit.record(
                "accounts.staff_roles_changed",
                request=request,
                actor=admin,
                obj=member,
                data={"department": department.pk, "granted": granted, "taken": taken},
            )
    return granted, taken


def _check_admin_may_go(admin: User, member: User, department_id: int | None) -> None:
    if member.pk == admin.pk:
        message = _("不能取消或停用您自己的管理员账号，请由另一位管理员操作。")
        raise DomainError("own_account", message, fields={"roles": [message]}, status=422)
    if authority.is_last_admin(member, department_id):
        message = _("这是部门唯一的管理员，请先为部门指定另一位管理员。")
        raise DomainError("last_admin", message, fields={"roles": [message]}, status=422)


def _follow_admin_flag(member: User) -> None:
    """The admin site opens to administrators (as ``ensure_staff`` sets it): on while the member
    administers a department, off when the last such role goes (a superuser keeps it)."""
    administers = any(
        m.role == Membership.Role.DEPARTMENT_ADMIN for m in authority.recorded_memberships(member)
    )
    wanted = member.is_superuser or administers
    if member.is_staff != wanted:
        member.is_staff = wanted
        member.save(update_fields=["is_staff"])


def set_active(admin: User, member: User, active: bool, request: HttpRequest | None = None) -> None:
    """Deactivate a staff account (it signs in no more, holds no seat, is handed no work, its API
    tokens are revoked) or reactivate it (its recorded seats count again).

    Guarantees: only someone who manages the member, else 404; nobody deactivates themselves, nor
    the last active administrator of a department; audited."""
    _managed_member(admin, member)
    with transaction.atomic():
        administered = [
            m.department_id
            for m in authority.recorded_memberships(member)
            if m.role == Membership.Role.DEPARTMENT_ADMIN and m.department_id is not None
        ]
        _lock_departments(administered)
        member.refresh_from_db(fields=["is_active"])
        if member.is_active == active:
            return
        if not active:
            if member.pk == admin.pk:
                message = _("不能停用您自己的账号。")
                raise DomainError("own_account", message, fields={"active": [message]}, status=422)
            if authority.is_last_admin(member):
                message = _("这是部门唯一的管理员，请先为部门指定另一位管理员。")
                raise DomainError("last_admin", message, fields={"active": [message]}, status=422)
            ApiToken.objects.filter(user=member, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        member.is_active = active
        member.save(update_fields=["is_active"])
        authority.forget(member)
        audit.record(
            "accounts.staff_activated" if active else "accounts.staff_deactivated",
            request=request,
            actor=admin,
            obj=member,
        )


def reset_staff_password(admin: User, member: User, request: HttpRequest | None = None) -> str:
    """Give a staff account a new temporary password, returned to be shown once.

    Guarantees: only someone who manages the member, else 404; the old password stops working and
    the new one must be replaced at the member's next sign-in; the member's other sessions end (Django ties sessions to the password) and their API tokens are
    revoked; audited (never the password)."""
    _managed_member(admin, member)
    password = generate_password()
    with transaction.atomic():
        member.set_password(password)
        member.password_temporary = True
        member.save(update_fields=["password", "password_temporary"])
        ApiToken.objects.filter(user=member, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit.record("accounts.staff_password_reset", request=request, actor=admin, obj=member)
    return password


def replace_temporary_password(
    user: User, current: str, password: str, confirm: str, request: HttpRequest | None = None
) -> None:
    """The holder of a temporary password (set or reset by an administrator) sets their own.

    Guarantees: the current password is checked; the new one passes Django's validators, is
    typed twice alike and differs from the temporary one; every field error at once; once set,
    the account is no longer held to this page; audited (never a password). The caller keeps
    the session signed in (``update_session_auth_hash``)."""
    errors = FieldErrorsCollector()
    if not user.check_password(current or ""):
        errors.add("current", _("当前密码不正确。"))
    errors.check(
        "password",
        lambda p: _validate_new_password(p, name=user.name, phone=None),
        password,
    )
    if password and user.check_password(password):
        errors.add("password", _("新密码不能与临时密码相同。"))
    if password != confirm:
        errors.add("confirm", _("两次输入的密码不一致。"))
    errors.raise_if_any()
    with transaction.atomic():
        user.set_password(password)
        user.password_temporary = False
        user.save(update_fields=["password", "password_temporary"])
        audit.record("accounts.password_changed", request=request, actor=user, obj=user)
