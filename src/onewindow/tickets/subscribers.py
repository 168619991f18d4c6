"""What tickets do when their own events are delivered (``core.events``): the reporter hears of
each step that concerns them, in-site when they have an account and by SMS to the phone they gave
(the reply and a merge always, receipt to a phone-only reporter). Once per step: each notice's key
names the entry."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.core import personal
from onewindow.core.events import subscribe
from onewindow.notifications.services import notify, queue_sms
from onewindow.notifications.sms.base import SmsMessage
from onewindow.tickets.events import (
    Closed,
    Dispatched,
    Merged,
    Received,
    Reopened,
    Replied,
    TicketEvent,
)
from onewindow.tickets.models import Entry, Ticket

TITLES = {
    "received": _("工单已受理"),
    "dispatched": _("工单已转办"),
    "replied": _("工单已答复"),
    "merged": _("工单已合并办理"),
    "reopened": _("工单已重办"),
    "closed": _("工单已办结"),
}
# Steps told by SMS as well (to an account's phone, or the phone a reporter without one gave).
BY_SMS = {"replied", "merged"}


@subscribe(Received)
@subscribe(Dispatched)
@subscribe(Replied)
@subscribe(Merged)
@subscribe(Reopened)
@subscribe(Closed)
def tell_reporter(event: TicketEvent) -> None:
    entry = Entry.objects.select_related("ticket__reporter").get(pk=event.entry_id)
    ticket: Ticket = entry.ticket
    title = str(TITLES.get(event.action, _("工单有新进展")))
    body = _("工单%(number)s：%(text)s") % {"number": ticket.number, "text": entry.public or title}
    if ticket.reporter is not None:
        notify(
            ticket.reporter,
            title,
            body,
            link=reverse("portal:ticket", args=[ticket.number]),
            key=f"ticket:{ticket.pk}:{event.action}:{entry.pk}",
            sms=event.action in BY_SMS,
        )
        return
    if ticket.phone_encrypted and (event.action in BY_SMS or event.action == "received"):
        phone = personal.open_for(ticket.phone_encrypted, personal.Kind.PHONE, why="sms delivery")
        site = settings.ONEWINDOW.get("SITE_NAME", "")
        queue_sms(SmsMessage(phone=phone, text=f"【{site}】{body}"[:300], purpose="ticket"))
