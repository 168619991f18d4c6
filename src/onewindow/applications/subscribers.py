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
)
from onewindow.applications.models import TimelineEntry
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
