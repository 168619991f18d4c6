"""Who may see which application, and the reads of the applicant's pages."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.accounts.selectors import effective_agencies
from onewindow.applications.lifecycle import Status
from onewindow.applications.models import Application
from onewindow.core import personal
from onewindow.workflow import seats


def visible_to_applicant(user: User) -> QuerySet[Application]:
    """Mine, and those of enterprises I act for (within the scope of my authorisation)."""
    condition = Q(applicant=user, enterprise__isnull=True)
    for agency in effective_agencies(user):
        if agency.covers("all"):
            condition |= Q(enterprise=agency.enterprise)
        else:
            codes = [s for s in agency.scope if isinstance(s, str)]
            condition |= Q(enterprise=agency.enterprise, item__basic_code__in=codes) | Q(
                enterprise=agency.enterprise, item__implementation_code__in=codes
            )
    return Application.objects.filter(condition).select_related("item_version", "department")


def visible_one_to_applicant(user: User, application_id: int) -> Application | None:
    """The application if ``visible_to_applicant`` holds it, else None. One's own (applied for no
    enterprise) is looked for first, without reading the person's agencies: nearly every request
    on an application is its applicant's own, and then costs one query, not two."""
    own = (
        Application.objects.filter(pk=application_id, applicant=user, enterprise__isnull=True)
        .select_related("item_version", "department")
        .first()
    )
    if own is not None:
        return own
    return visible_to_applicant(user).filter(pk=application_id).first()


def staff_condition(user: Any) -> Q:
    """Staff may see an application when they hold any role in its handling department or one of
    their seats has (or had) a task on it; never a draft (the applicant's alone)."""
    if not authority.is_staff(user):
        return Q(pk__in=[])
    visible = Q(department_id__in=authority.departments_of(user)) | Q(
        pk__in=seats.cases_open_to(user, Application.case_type)
    )
    return visible & ~Q(status=Status.DRAFT)


def staff_may_see(user: Any, application: Application) -> bool:
    """The yes/no twin of ``staff_condition`` for one application."""
    if not authority.is_staff(user) or application.status == Status.DRAFT:
        return False
    return authority.holds(user, application.department_id) or seats.may_open_case(
        user, Application.case_type, application.pk
    )


def visible_to_staff(user: User) -> QuerySet[Application]:
    """The applications staff may see (``staff_condition``): the API's reads, the pages and the
    material files all ask this one rule."""
    return Application.objects.filter(staff_condition(user))


def find_for(user: User, number: str) -> tuple[Application | None, bool]:
    """The application and whether the user sees it as staff."""
    if authority.is_staff(user):
        return visible_to_staff(user).filter(number=number).first(), True
    return visible_to_applicant(user).filter(number=number).first(), False


# -- the form's personal values (core.personal is the door) ----------------------------------------
# A value as screens show it once masked: an ID number's region and last four, a mobile's first
# three and last four.
_MASKED = re.compile(r"\d{6}\*{8}[\dX]{4}|1[3-9]\d\*{4}\d{4}")


def form_values(application: Application, *, why: str) -> dict[str, Any]:
    """The application's form with its personal values in clear, for the platform's own use
    (checking the form, editing a draft); ``why`` says which. Never shown to a person."""
    clear = personal.open_record(application.personal_data, application.personal_context, why=why)
    return {**application.data, **clear}


def form_values_for_issuance(application: Application) -> dict[str, Any]:
    """The form in clear for filling a licence face from it (the licence seals what it keeps)."""
    return form_values(application, why="licence issuance")


def revealable_fields(application: Application) -> list[str]:
    """The form fields a page shows masked and a person may ask to see in full."""
    schema = application.item_version.data["form_schema"]
    declared = personal.personal_fields(schema)
    return [
        name
        for name, value in application.data.items()
        if isinstance(value, str) and value and (name in declared or _MASKED.search(value))
    ]


def reveal_form_value(
    application: Application,
    field: str,
    *,
    viewer: User,
    purpose: str,
    request: HttpRequest | None = None,
) -> str:
    """One personal value of the form in full, for a person who asked for it. The applicant sees
    their own without a record; anyone else (staff) must say why, and the audit trail keeps who,
    which application and field, and why."""
    purpose = personal.reveal_reason(
        field,
        revealable_fields(application),
        purpose,
        own=viewer.pk == application.applicant_id,
        unknown=_("申请表中没有可显示完整内容的这一项。"),
    )
    values = personal.reveal_record(
        application.personal_data,
        application.personal_context,
        viewer=viewer,
        owner_id=application.applicant_id,
        subject=application,
        purpose=purpose,
        request=request,
        field=field,
    )
    return str(values.get(field, application.data.get(field, "")))
