"""What licences do when events are delivered (``core.events``): issue the licence of an approved
application, fetch the licences a new draft may use instead of uploads, tell the holder. Registered
by ``LicencesConfig.ready``; ``docs/events.md`` lists them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications.events import Decided, DraftCreated
from onewindow.applications.lifecycle import Status as ApplicationStatus
from onewindow.applications.models import Application
from onewindow.core.events import subscribe
from onewindow.licences import issuance
from onewindow.licences.events import (
    LicenceChanged,
    LicenceIssued,
    LicenceResumed,
    LicenceRevoked,
    LicenceSuspended,
)
from onewindow.licences.lifecycle import ACTION_LABELS
from onewindow.licences.models import Licence
from onewindow.licences.reuse import fetch_for
from onewindow.licences.services import holder_user, reference
from onewindow.notifications.services import notify


@subscribe(Decided, when={"decision": "approved"})
def issue_licence(event: Decided) -> None:
    """Issue the licence the item names, filled from the application; when the data does not fill
    it, the deciders are asked to complete it (``licence_pending``). Once per application."""
    issuance.issue_for_application(event.application_id)


@subscribe(DraftCreated, when={"fetch_licences": True})
def fetch_held_licences(event: DraftCreated) -> None:
    """Attach, as materials the item lets the platform fetch, the valid licences the holder has
    (免提交, trust level A). Only while the application is still a draft; a material the
    applicant provided meanwhile stays."""
    application = (
        Application.objects.select_related("item_version", "applicant", "enterprise")
        .filter(pk=event.application_id, status=ApplicationStatus.DRAFT)
        .first()
    )
    if application is not None:
        fetch_for(application, application.applicant)


@subscribe(LicenceIssued)
def tell_holder_of_new_licence(event: LicenceIssued) -> None:
    """Tell the holder's account (when the issuer knew it) of the new licence (in-site and SMS)."""
    if event.holder_id is None:
        return
    licence = Licence.objects.get(pk=event.licence_id)
    holder = User.objects.get(pk=event.holder_id)
    _tell_holder(holder, licence, _("您获得了新的电子证照"), event.status, event.row_version)


@subscribe(LicenceSuspended)
@subscribe(LicenceResumed)
@subscribe(LicenceRevoked)
def tell_holder_of_change(event: LicenceChanged) -> None:
    """Tell the holder's account, found by the licence's holder code, that the issuer suspended,
    restored or revoked the licence (in-site and SMS)."""
    licence = Licence.objects.select_related("licence_type").get(pk=event.licence_id)
    holder = holder_user(licence)
    if holder is not None:
        title = str(ACTION_LABELS[event.action])
        _tell_holder(holder, licence, title, event.to_status, event.row_version)


def _tell_holder(user: User, licence: Licence, title: str, status: str, row_version: int) -> None:
    # Messages (SMS, in-site) never carry an ID number: the type, a masked reference and a link.
    # The key is the step's: a second delivery of the event finds the notice sent.
    notify(
        user,
        title,
        _("%(name)s（编号%(number)s）：%(title)s。")
        % {"name": licence.name, "number": reference(licence), "title": title},
        link=reverse("licences:detail", args=[licence.pk]),
        key=f"licence:{licence.pk}:{status}:{row_version}",
        sms=True,
    )
