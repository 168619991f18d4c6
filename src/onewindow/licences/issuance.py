"""Issuing a licence from an approved application: automatically (the item names the licence type
and how the application's data fills it), or by the decider with edits when the data does not
fill every required item of the licence face."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.applications import services as applications
from onewindow.applications.models import Application
from onewindow.applications.selectors import form_values_for_issuance
from onewindow.core.errors import DomainError
from onewindow.licences.models import Licence, LicenceType
from onewindow.licences.services import (
    Holder,
    issue,
    require_manager,
)
from onewindow.notifications.services import notify


def licence_type_for(application: Application) -> LicenceType | None:
    code = application.item_version.data.get("licence_type") or ""
    return LicenceType.objects.filter(code=code, is_active=True).first() if code else None


def _enterprise(application: Application) -> User | None:
    """The enterprise the application is for: the one an agent acts for, or the applicant when
    the applicant is an enterprise account; none when a person applies for themselves."""
    if application.enterprise is not None:
        return application.enterprise
    applicant = application.applicant
    return applicant if applicant.kind == User.Kind.LEGAL else None


def _source(application: Application, form: dict[str, Any], holder: Holder, source: str) -> Any:
    """One mapping source: ``data.<field>``, ``holder.name``, ``holder.code``,
    ``enterprise.uscc``, ``enterprise.name``, ``enterprise.legal_representative``,
    ``application.number``, ``item.name``, ``department.name``, or ``=<literal>``.

    ``enterprise.*`` is the enterprise's own register entry and nothing else: a person applying
    for themselves has none, so a business licence's USCC is never filled with their ID number
    (the item left unfilled goes to the decider, who completes it)."""
    if source.startswith("="):
        return source[1:]
    head, _dot, rest = source.partition(".")
    if head == "data":
        return form.get(rest)
    if head == "enterprise":
        enterprise = _enterprise(application)
        if enterprise is None or rest not in ("uscc", "name", "legal_representative"):
            return None
        return getattr(enterprise, rest) or None
    values = {
        "holder.name": holder.name,
        "holder.code": holder.code,
        "application.number": application.number,
        "item.name": application.item_name,
        "department.name": application.department.name,
    }
    return values.get(source)


def face_data(application: Application, licence_type: LicenceType) -> dict[str, Any]:
    """The licence face filled from the application: the item's mapping first, then any face item
    whose name the application form shares."""
    holder = Holder.of_application(application)
    mapping: dict[str, str] = application.item_version.data.get("licence_mapping") or {}
    form = form_values_for_issuance(application)  # personal values in clear, through core.personal
    data: dict[str, Any] = {}
    for name in (licence_type.schema or {}).get("properties", {}):
        if name in mapping:
            value = _source(application, form, holder, mapping[name])
        else:
            value = form.get(name)
        if value not in (None, ""):
            data[name] = value
    return data


def existing(application: Application) -> Licence | None:
    return Licence.objects.filter(application=application, replaces__isnull=True).first()


def issue_for_application(application_id: int) -> Licence | None:
    """Run after an approval commits. Idempotent: a second run finds the licence issued."""
    application = (
        Application.objects.select_related(
            "item_version", "applicant", "enterprise", "department__region"
        )
        .filter(pk=application_id)
        .first()
    )
    if application is None or application.decision != "approved":
        return None
    licence_type = licence_type_for(application)
    if licence_type is None:
        return None
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=application.pk)
        found = existing(application)
        if found is not None:
            return found
        try:
            return issue(
                licence_type,
                application.department,
                Holder.of_application(application),
                face_data(application, licence_type),
                application=application,
            )
        except DomainError as error:
            _pending(application, error)
            return None


def _pending(application: Application, error: DomainError) -> None:
    """The data does not fill the licence: the deciders complete it by hand."""
    applications.note(
        application,
        None,
        "licence_pending",
        {"fields": error.fields},
        internal_comment=error.message,
    )
    # Completing the licence is the deciders' work of the department: they are told it waits.
    for decider in authority.told_of_new_work(application.department_id, authority.Role.DECIDER):
        notify(
            decider,
            _("待制发电子证照"),
            _("办件%(number)s已准予，电子证照信息不全，请补全后签发。")
            % {"number": application.number},
            key=f"licence-pending:{application.pk}:{decider.pk}",
        )


def issue_by_decider(
    application: Application, user: User, data: dict[str, Any], request: Any = None
) -> Licence:
    """The decider issues (or completes) the licence with edited face data."""
    require_manager(user, application.department_id)
    if application.decision != "approved":
        raise DomainError("not_approved", _("办件未准予，不能签发证照。"), status=409)
    licence_type = licence_type_for(application)
    if licence_type is None:
        raise DomainError("no_licence_type", _("该事项没有配置电子证照类型。"), status=422)
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=application.pk)
        if existing(application) is not None:
            raise DomainError("already_issued", _("该办件的电子证照已签发。"), status=409)
        return issue(
            licence_type,
            application.department,
            Holder.of_application(application),
            {**face_data(application, licence_type), **(data or {})},
            actor=user,
            application=application,
            request=request,
        )
