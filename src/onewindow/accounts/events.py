"""The identity app's domain events (see ``core.events``): an agent authorised or revoked.
Payloads name the enterprise, the agent and who acted by account id only."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.core.events import Event, described


@dataclass(frozen=True)
class AgentAuthorised(Event):
    """A legal representative authorised a person to act for their enterprise (or renewed or
    changed an authorisation)."""

    name = "agency.authorised"
    agency_id: int = described("the authorisation (Agency)")
    enterprise_id: int = described("the enterprise's account")
    agent_id: int = described("the agent's account")
    granted_by_id: int | None = described("who authorised")
    valid_from: str = described("when this grant took effect (ISO 8601); names the grant")


@dataclass(frozen=True)
class AgentRevoked(Event):
    """An authorisation was revoked, by the legal representative or a platform administrator."""

    name = "agency.revoked"
    agency_id: int = described("the authorisation (Agency)")
    enterprise_id: int = described("the enterprise's account")
    agent_id: int = described("the agent's account")
    revoked_by_id: int | None = described("who revoked it")
    revoked_at: str = described("when (ISO 8601); names the revocation")
