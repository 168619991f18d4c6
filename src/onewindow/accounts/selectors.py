from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from onewindow.accounts.models import Agency, User, phone_index
from onewindow.core import personal
from onewindow.core.models import AuditEvent
from onewindow.core.validators import MOBILE_RE


def effective_agencies(agent: User) -> QuerySet[Agency]:
    now = timezone.now()
    return Agency.objects.filter(
        agent=agent, revoked_at__isnull=True, valid_from__lte=now, expires_at__gt=now
    ).select_related("enterprise")


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


def user_by_phone(phone: str) -> User | None:
    """The account with this mobile number, active or not, found by its blind index (the account
    table holds no clear number). ``phone`` is normalised (``validators.validate_mobile``); anything
    that is not a mobile number finds nobody."""
    if not phone or not MOBILE_RE.match(phone):
        return None
    return User.objects.filter(phone_index=phone_index(phone)).first()


def active_user_by_phone(phone: str) -> User | None:
    """The active account with this mobile number, or None: login by SMS, password reset and "is
    there an account to send a code to?" all ask this."""
    user = user_by_phone(phone)
    return user if user is not None and user.is_active else None


def phone_registered(phone: str) -> bool:
    """Whether any account, active or not, has this mobile number (by its blind index)."""
    return user_by_phone(phone) is not None


def phone_on_file(user: User) -> str:
    """The account's mobile number in clear, to send it a code (the staff second factor); "" when
    none is on file."""
    return user.open_phone(why="sms code to the phone on file") if user.has_phone else ""


# -- enterprises and their agents ------------------------------------------------------------------
def my_enterprises(user: User) -> QuerySet[Agency]:
    """The enterprises a person acts for today, as legal representative or agent: their own
    authorisations, the representative's first."""
    return effective_agencies(user).order_by("role", "enterprise__name")


def represented_enterprise(user: User, uscc: str) -> User | None:
    """The enterprise with this USCC if ``user`` is its legal representative today, else None:
    the one question "may this person manage the enterprise's agents?" (someone else's enterprise
    and an unknown code look the same)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    agency = (
        effective_agencies(user)
        .filter(role=Agency.Role.LEGAL_REPRESENTATIVE, enterprise__uscc=(uscc or "").upper()[:18])
        .first()
    )
    return agency.enterprise if agency is not None else None


def agents_of(enterprise: User) -> QuerySet[Agency]:
    """The enterprise's agents, current first, then expired and revoked ones (kept as record)."""
    return (
        Agency.objects.filter(enterprise=enterprise, role=Agency.Role.AGENT)
        .select_related("agent")
        .order_by("revoked_at", "-expires_at", "-id")
    )


def enterprises_for_admin(query: str = "") -> QuerySet[User]:
    """Enterprise accounts for the platform administrators' page, searched by USCC or name."""
    enterprises = User.objects.filter(kind=User.Kind.LEGAL).order_by("name")
    query = (query or "").strip()[:64]
    if query:
        enterprises = enterprises.filter(Q(uscc__icontains=query) | Q(name__icontains=query))
    return enterprises


def representative_of(enterprise: User) -> Agency | None:
    now = timezone.now()
    return (
        Agency.objects.filter(
            enterprise=enterprise,
            role=Agency.Role.LEGAL_REPRESENTATIVE,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        .select_related("agent")
        .first()
    )
