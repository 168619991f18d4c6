from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    """12345 tickets and the mayor's mailbox: the second case kind on the workflow engine."""

    name = "onewindow.tickets"
    label = "tickets"
    verbose_name = _("12345热线与市长信箱")

    def ready(self) -> None:
        from onewindow.tickets import subscribers  # noqa: F401
        from onewindow.tickets.case import TICKET
        from onewindow.workflow.registry import register_case_kind

        register_case_kind(TICKET)
