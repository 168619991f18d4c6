"""What applications do when their own events are delivered (``core.events``): the applicant's
notices, titled by the action table (``applications.case``). Registered by ``ApplicationsConfig.ready``; ``docs/events.md`` lists them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.applications.case import APPLICATION
from onewindow.applications.events import (
    Accepted,
    ApplicationEvent,
    CorrectionRequested,
    Decided,
    Delivered,
    Rejected,
    Submitted,
)
from onewindow.applications.models import Application, TimelineEntry
from onewindow.core.events import subscribe
from onewindow.notifications.services import notify


@subscribe(Accepted)
@subscribe(CorrectionRequested)
@subscribe(Rejected)
@subscribe(Decided)
@subscribe(Delivered)
def tell_applicant(event: ApplicationEvent) -> None:
    """The applicant's notice of the step (in-site, SMS and e-mail), with the step's public
    comment; once per step, whatever the number of deliveries (the notice's key)."""
    spec = APPLICATION.action(event.action)
    if spec is None or not spec.notice:
        return
    title = str(spec.notice)
    entry = TimelineEntry.objects.select_related("application__applicant").get(pk=event.entry_id)
    body = _("办件%(number)s（%(item)s）：%(title)s。") % {
        "number": event.number,
        "item": entry.application.item_name,
        "title": title,
    }
    if entry.public_comment:
        body += entry.public_comment
    notify(
        entry.application.applicant,
        title,
        body,
        link=reverse("portal:application", args=[event.number]),
        key=f"app:{event.application_id}:{event.action}:{event.version}",
        sms=True,
        email=True,
    )


@subscribe(Submitted)
def confirm_submission(event: Submitted) -> None:
    """The applicant's receipt of a submission, in-site and by SMS: the number, the item and the
    promised completion date. Once per application (the notice's key), however often the event is
    delivered; the text names no one, and ``notify`` masks any number a value let through."""
    application = (
        Application.objects.select_related("applicant")
        .only("pk", "number", "item_name", "deadline", "applicant")
        .get(pk=event.application_id)
    )
    promised = application.deadline.isoformat() if application.deadline else _("受理后确定")
    notify(
        application.applicant,
        _("申请已提交"),
        _("办件%(number)s（%(item)s）已提交，承诺办结日期%(date)s。可凭办件编号查询进度。")
        % {"number": event.number, "item": application.item_name, "date": promised},
        link=reverse("portal:application_submitted", args=[event.number]),
        key=f"app:{event.application_id}:submitted",
        sms=True,
    )
