from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from onewindow.accounts.models import Agency, Membership, User
from onewindow.core import personal
from onewindow.core.models import AuditEvent


def effective_agencies(agent: User) -> QuerySet[Agency]:
    now = timezone.now()
    return Agency.objects.filter(
        agent=agent, revoked_at__isnull=True, valid_from__lte=now, expires_at__gt=now
    ).select_related("enterprise")


def memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("department")


def reveal_id_number(viewer: User, person: User, request: HttpRequest | None, purpose: str) -> str:
    """A staff member sees a person's full ID number: always recorded in the audit trail."""
    return personal.reveal(
        person.id_number_encrypted,
        personal.Kind.ID_NUMBER,
        viewer=viewer,
        owner_id=person.pk,
        subject=person,
        purpose=purpose,
        request=request,
    )


def recent_logins(user: User, limit: int = 5) -> list[dict[str, object]]:
    """The account's last sign-ins, from the audit trail, so people can spot one that was not them."""
    events = AuditEvent.objects.filter(
        action="auth.login", object_type="accounts.user", object_id=str(user.pk)
    ).order_by("-at")[:limit]
    return [{"at": e.at, "ip": e.ip, "method": (e.data or {}).get("method", "")} for e in events]


def active_user_by_phone(phone: str) -> User | None:
    """The active account whose mobile number is ``phone`` (normalised), or None. The one place that
    looks accounts up by phone, so the way phones are stored can change here alone."""
    return User.objects.filter(phone=phone, is_active=True).first()


def phone_registered(phone: str) -> bool:
    """Whether any account, active or not, has ``phone`` as its mobile number or login name."""
    return User.objects.filter(Q(phone=phone) | Q(username=phone)).exists()


def phone_on_file(user: User) -> str:
    """The account's mobile number in clear, to send it a code; "" when none is on file."""
    return user.phone or ""


def may_unlock(admin: User, user: User) -> bool:
    """Whether ``admin`` may lift ``user``'s lock-out: a platform administrator anyone's, a
    department administrator that of staff in one of their departments."""
    if not admin.is_active:
        return False
    if (
        admin.is_superuser
        or Membership.objects.filter(user=admin, role=Membership.Role.PLATFORM_ADMIN).exists()
    ):
        return True
    departments = Membership.objects.filter(
        user=admin, role=Membership.Role.DEPARTMENT_ADMIN
    ).values("department")
    return Membership.objects.filter(user=user, department__in=departments).exists()
