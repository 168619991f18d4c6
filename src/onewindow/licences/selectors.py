"""Reads: whose licences are these, which can stand in for an application's material."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.accounts.selectors import effective_agencies
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import Licence, holder_index


def holder_codes(user: User) -> list[str]:
    """The blind indexes of every holder code the user may see licences of: their own ID number
    (or USCC) and those of enterprises they act for."""
    codes: list[str] = []
    if user.kind == User.Kind.NATURAL and user.id_number_encrypted:
        codes.append(holder_index(user.reveal_id_number()))
    if user.kind == User.Kind.LEGAL and user.uscc:
        codes.append(holder_index(user.uscc))
    for agency in effective_agencies(user):
        if agency.enterprise.uscc:
            codes.append(holder_index(agency.enterprise.uscc))
    return codes


def wallet(user: User) -> QuerySet[Licence]:
    """My licences (我的证照): every version, newest first."""
    return Licence.objects.filter(holder_code_index__in=holder_codes(user)).select_related(
        "licence_type", "signing_key"
    )


def visible_licence(user: User, licence_id: int) -> Licence | None:
    return wallet(user).filter(pk=licence_id).first()


def usable_for_material(holder_code: str, type_code: str) -> QuerySet[Licence]:
    """Valid licences of one type held by one holder (by clear code; looked up by its index)."""
    return (
        Licence.objects.filter(
            holder_code_index=holder_index(holder_code),
            licence_type__code=type_code,
            status=Status.VALID,
        )
        .select_related("licence_type", "signing_key")
        .order_by("-issue_date", "-id")
    )


def staff_licences(department_ids: list[int]) -> QuerySet[Licence]:
    return Licence.objects.filter(Q(issuer_id__in=department_ids)).select_related("licence_type")


def readable_licence(user: User, licence_id: int) -> Licence | None:
    """The licence, for its holder (or an agent of the holding enterprise) or staff of its issuer;
    None for anyone else, as for a licence that does not exist."""
    if not authority.is_staff(user):
        return visible_licence(user, licence_id)
    return (
        staff_licences(authority.departments_of(user))
        .select_related("signing_key")
        .filter(pk=licence_id)
        .first()
    )
