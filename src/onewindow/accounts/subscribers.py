"""What the identity app does when its own events are delivered (``core.events``): the agent is
told, in-site and by SMS. Registered by ``AccountsConfig.ready``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.accounts.events import AgentAuthorised, AgentRevoked
from onewindow.accounts.models import Agency
from onewindow.core.events import subscribe
from onewindow.notifications.services import notify


@subscribe(AgentAuthorised)
def tell_agent_authorised(event: AgentAuthorised) -> None:
    """The agent learns they may act for the enterprise, until when (in-site and SMS)."""
    agency = Agency.objects.select_related("agent", "enterprise").get(pk=event.agency_id)
    title = _("企业授权您为经办人")
    body = _("%(enterprise)s已授权您代办业务，有效期至%(until)s。") % {
        "enterprise": agency.enterprise.name,
        "until": agency.expires_at.strftime("%Y-%m-%d"),
    }
    notify(
        agency.agent,
        title,
        body,
        link=reverse("portal:my_enterprises"),
        key=f"agency:{event.agency_id}:authorised:{event.valid_from}",
        sms=True,
    )


@subscribe(AgentRevoked)
def tell_agent_revoked(event: AgentRevoked) -> None:
    """The agent learns they may no longer act for the enterprise (in-site and SMS)."""
    agency = Agency.objects.select_related("agent", "enterprise").get(pk=event.agency_id)
    title = _("企业已撤销您的经办人授权")
    body = _("%(enterprise)s已撤销对您的经办人授权，您不能再代该企业办理业务。") % {
        "enterprise": agency.enterprise.name
    }
    notify(
        agency.agent,
        title,
        body,
        link=reverse("portal:my_enterprises"),
        key=f"agency:{event.agency_id}:revoked:{event.revoked_at}",
        sms=True,
    )
