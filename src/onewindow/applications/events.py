"""The domain events of an application (see ``core.events``): one for each step of the life cycle
table, published by ``services.transition`` in the step's transaction, and one for a new draft.

Payloads name the application by id and number (a number is no personal data: it is printed on
every notice), the people by account id, and nothing of the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onewindow.core.events import Event, described


@dataclass(frozen=True)
class DraftCreated(Event):
    """An applicant started an application and left it as a draft (one created and submitted at
    once publishes ``application.submitted`` only: it was never a draft anyone saw)."""

    name = "application.draft_created"
    application_id: int = described("the application")
    number: str = described("its number (办件编号)")
    item_id: int = described("the service item applied for")
    applicant_id: int = described("the applicant's account")
    enterprise_id: int | None = described("the enterprise an agent applies for, if any")
    fetch_licences: bool = described(
        "the item lets the platform fetch some material as a licence the holder has"
    )


@dataclass(frozen=True)
class ApplicationEvent(Event):
    """A step of the life cycle table (``applications.lifecycle.TABLE``)."""

    application_id: int = described("the application")
    number: str = described("its number (办件编号)")
    version: int = described("the application's version after the step")
    action: str = described("the step's action in the life cycle table")
    from_status: str = described("the status before")
    to_status: str = described("the status after")
    actor_id: int | None = described("who acted (none: the system)")
    applicant_id: int = described("the applicant's account")
    department_id: int = described("the handling department (of a transfer: the one giving it up)")
    entry_id: int = described("the step's timeline entry (its public comment is the notice's)")


@dataclass(frozen=True)
class Submitted(ApplicationEvent):
    """The applicant submitted the application; the accepting clerks have a task."""

    name = "application.submitted"


@dataclass(frozen=True)
class Accepted(ApplicationEvent):
    """受理: the clock of the promised time limit starts."""

    name = "application.accepted"


@dataclass(frozen=True)
class CorrectionRequested(ApplicationEvent):
    """一次性告知补正: staff listed every fault at once; the clock stops until the resubmission."""

    name = "application.correction_requested"
    faults: int = described("how many faults the request lists")


@dataclass(frozen=True)
class Resubmitted(ApplicationEvent):
    """The applicant sent the corrected application back; it returns to where it stopped."""

    name = "application.resubmitted"


@dataclass(frozen=True)
class Rejected(ApplicationEvent):
    """不予受理: refused at acceptance, with a reason and its legal basis (final)."""

    name = "application.rejected"


@dataclass(frozen=True)
class ReviewFinished(ApplicationEvent):
    """Every review of the application is done; it waits for the decision."""

    name = "application.review_finished"


@dataclass(frozen=True)
class Decided(ApplicationEvent):
    """办结: the application is decided, approved (准予, also 即办 at the window) or denied."""

    name = "application.decided"
    decision: str = described("`approved` or `denied`")


@dataclass(frozen=True)
class Suspended(ApplicationEvent):
    """特别程序: the clock stops (a hearing, an expert opinion ...)."""

    name = "application.suspended"


@dataclass(frozen=True)
class Resumed(ApplicationEvent):
    """The special procedure ended; the application returns to where it stopped."""

    name = "application.resumed"


@dataclass(frozen=True)
class Transferred(ApplicationEvent):
    """转办: another department handles the application from now on."""

    name = "application.transferred"
    from_department: str = described("the department that gave it up (slug)")
    to_department: str = described("the department that handles it now (slug)")


@dataclass(frozen=True)
class Delivered(ApplicationEvent):
    """送达: the result reached the applicant; the application is closed."""

    name = "application.delivered"


@dataclass(frozen=True)
class Withdrawn(ApplicationEvent):
    """The applicant withdrew the application before its decision (final)."""

    name = "application.withdrawn"


# The event of each action of the life cycle table.
FOR_ACTION: dict[str, type[ApplicationEvent]] = {
    "submit": Submitted,
    "accept": Accepted,
    "request_correction": CorrectionRequested,
    "resubmit": Resubmitted,
    "reject": Rejected,
    "review_done": ReviewFinished,
    "approve": Decided,
    "deny": Decided,
    "handle_immediately": Decided,
    "suspend": Suspended,
    "resume": Resumed,
    "transfer": Transferred,
    "deliver": Delivered,
    "withdraw": Withdrawn,
}


def for_step(application: Any, entry: Any, details: dict[str, Any]) -> ApplicationEvent:
    """The event of the step ``entry`` records (a saved ``TimelineEntry``), from what is in memory:
    building it costs no query."""
    event_type = FOR_ACTION[entry.action]
    extra: dict[str, Any] = {}
    if event_type is Decided:
        extra["decision"] = application.decision
    elif event_type is CorrectionRequested:
        extra["faults"] = len(details.get("faults", []))
    elif event_type is Transferred:
        extra["from_department"] = str(details.get("from", ""))
        extra["to_department"] = str(details.get("to", ""))
    return event_type(
        application_id=application.pk,
        number=application.number,
        version=application.version,
        action=entry.action,
        from_status=entry.from_status,
        to_status=entry.to_status,
        actor_id=entry.actor_id,
        applicant_id=application.applicant_id,
        department_id=application.department_id,
        entry_id=entry.pk,
        **extra,
    )


def draft_created(application: Any) -> DraftCreated:
    materials = application.item_version.data.get("materials", [])
    return DraftCreated(
        application_id=application.pk,
        number=application.number,
        item_id=application.item_id,
        applicant_id=application.applicant_id,
        enterprise_id=application.enterprise_id,
        fetch_licences=any(m.get("licence_fetch") and m.get("licence_type") for m in materials),
    )
