"""The domain events of a ticket (see ``core.events``): each step the reporter hears of, and the
end of a ticket (for the evaluation of the service). Payloads name the ticket by id and number and
the reporter's account by id; never the reporter's phone, name or words."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.core.events import Event, described


@dataclass(frozen=True)
class TicketEvent(Event):
    ticket_id: int = described("the ticket")
    number: str = described("its number (工单编号)")
    action: str = described("the step: received, dispatched, replied, merged, reopened, closed")
    entry_id: int = described("the step's entry (its public text is what the reporter is told)")
    reporter_id: int | None = described("the reporter's account (none: known by phone only)")


@dataclass(frozen=True)
class Received(TicketEvent):
    """A ticket was filed (by its reporter, an operator, a letter or an Open311 client)."""

    name = "ticket.received"


@dataclass(frozen=True)
class Dispatched(TicketEvent):
    """The hotline dispatched the ticket to a department (again after a return)."""

    name = "ticket.dispatched"


@dataclass(frozen=True)
class Replied(TicketEvent):
    """The handling department replied, or the operator answered on the call."""

    name = "ticket.replied"


@dataclass(frozen=True)
class Merged(TicketEvent):
    """The ticket was merged into an earlier one that reports the same thing."""

    name = "ticket.merged"


@dataclass(frozen=True)
class Reopened(TicketEvent):
    """An unsatisfied reporter reopened the ticket; it is back with the department."""

    name = "ticket.reopened"


@dataclass(frozen=True)
class Closed(TicketEvent):
    """The ticket is closed (办结): after the return visit, on the call, or by the hotline."""

    name = "ticket.closed"
    satisfied: bool | None = described("the return visit's answer (none: no visit)")
