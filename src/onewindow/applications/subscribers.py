"""What applications do when their own events are delivered (``core.events``): the applicant's
notices. Registered by ``ApplicationsConfig.ready``; ``docs/events.md`` lists them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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

# The notice the applicant gets for each step that tells them something, by the step's action.
NOTICES = {
    "accept": gettext_lazy("您的申请已受理"),
    "request_correction": gettext_lazy("请补正材料"),
    "reject": gettext_lazy("您的申请不予受理"),
    "approve": gettext_lazy("您的申请已办结（准予）"),
    "deny": gettext_lazy("您的申请已办结（不予准予）"),
    "handle_immediately": gettext_lazy("您的申请已办结"),
    "deliver": gettext_lazy("办理结果已送达"),
}


@subscribe(Accepted)
@subscribe(CorrectionRequested)
@subscribe(Rejected)
@subscribe(Decided)
@subscribe(Delivered)
def tell_applicant(event: ApplicationEvent) -> None:
    """The applicant's notice of the step (in-site, SMS and e-mail), with the step's public
    comment; once per step, whatever the number of deliveries (the notice's key)."""
    title = str(NOTICES[event.action])
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
