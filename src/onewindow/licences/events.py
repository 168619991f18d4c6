"""The domain events of electronic licences (see ``core.events``): issued, and each step of the
life cycle table (``licences.lifecycle.TABLE``), published by ``licences.services`` in the
transaction that writes the licence's own timeline (``LicenceEvent``).

Payloads name the licence by id and the holder by account id, never by name or code: a licence's
number may be a resident ID number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onewindow.core.events import Event, described


@dataclass(frozen=True)
class LicenceIssued(Event):
    """A licence was issued and signed: from an approved application, by a decider, by import, or
    as the new version of a replaced one (换发)."""

    name = "licence.issued"
    licence_id: int = described("the licence")
    licence_type: str = described("its type's code (GB/T 36903)")
    version: int = described("its version (1, or the next one of a replacement)")
    issuer_id: int = described("the issuing department")
    application_id: int | None = described("the application it was issued on, if any")
    replaces_id: int | None = described("the licence it replaces, if any")
    holder_id: int | None = described("the holder's account, when the issuer knew it")
    actor_id: int | None = described("who issued it (none: the platform, on approval)")
    status: str = described("its status (`valid`)")
    row_version: int = described("its row version (the notice's key)")


@dataclass(frozen=True)
class LicenceChanged(Event):
    """A step of a licence's life cycle."""

    licence_id: int = described("the licence")
    licence_type: str = described("its type's code (GB/T 36903)")
    issuer_id: int = described("the issuing department")
    action: str = described("the step's action in the life cycle table")
    from_status: str = described("the status before")
    to_status: str = described("the status after")
    actor_id: int | None = described("who acted (none: the daily expiry)")
    row_version: int = described("its row version after the step (the notice's key)")


@dataclass(frozen=True)
class LicenceSuspended(LicenceChanged):
    """暂扣: the issuer suspended the licence; verification answers that it is suspended."""

    name = "licence.suspended"


@dataclass(frozen=True)
class LicenceResumed(LicenceChanged):
    """The suspension was lifted; the licence is valid again."""

    name = "licence.resumed"


@dataclass(frozen=True)
class LicenceRevoked(LicenceChanged):
    """吊销/撤销: the issuer revoked the licence (final)."""

    name = "licence.revoked"


@dataclass(frozen=True)
class LicenceReplaced(LicenceChanged):
    """换发: a new version replaces the licence (its ``licence.issued`` names this one)."""

    name = "licence.replaced"


@dataclass(frozen=True)
class LicenceExpired(LicenceChanged):
    """The licence's validity ended (the daily ``expire_licences``)."""

    name = "licence.expired"


FOR_ACTION: dict[str, type[LicenceChanged]] = {
    "suspend": LicenceSuspended,
    "resume": LicenceResumed,
    "revoke": LicenceRevoked,
    "replace": LicenceReplaced,
    "expire": LicenceExpired,
}


def issued(licence: Any, holder_id: int | None, actor_id: int | None) -> LicenceIssued:
    return LicenceIssued(
        licence_id=licence.pk,
        licence_type=licence.licence_type.code,
        version=licence.version,
        issuer_id=licence.issuer_id,
        application_id=licence.application_id,
        replaces_id=licence.replaces_id,
        holder_id=holder_id,
        actor_id=actor_id,
        status=licence.status,
        row_version=licence.row_version,
    )


def changed(licence: Any, action: str, from_status: str, actor_id: int | None) -> LicenceChanged:
    return FOR_ACTION[action](
        licence_id=licence.pk,
        licence_type=licence.licence_type.code,
        issuer_id=licence.issuer_id,
        action=action,
        from_status=from_status,
        to_status=licence.status,
        actor_id=actor_id,
        row_version=licence.row_version,
    )
