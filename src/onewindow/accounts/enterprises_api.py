"""Enterprise accounts over the API: a legal representative registers their enterprise and
manages its agents (经办人). Every phone in an answer is masked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from onewindow.accounts import enterprises, selectors
from onewindow.accounts.auth import AUTH, current_user
from onewindow.accounts.models import Agency, User
from onewindow.core.errors import DomainError, errors
from onewindow.core.params import ID

router = Router(tags=["enterprises"])


class EnterpriseIn(Schema):
    # Defaults and plain types let the service report every missing or wrong field together.
    uscc: str = ""
    name: str = ""
    legal_representative: str = ""


class EnterpriseOut(Schema):
    uscc: str
    name: str
    role: str
    scope: list[str] | str
    scope_names: list[str]
    valid_until: datetime | None


class AgentIn(Schema):
    phone: str = ""
    scope: Any = None
    valid_until: str = ""


class AgentOut(Schema):
    id: int
    name: str
    phone: str
    scope: list[str] | str
    scope_names: list[str]
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None
    active: bool


def _scope(agency: Agency) -> list[str] | str:
    return Agency.ALL if Agency.ALL in agency.scope else list(agency.scope)


def enterprise_payload(agency: Agency) -> dict[str, object]:
    representative = agency.role == Agency.Role.LEGAL_REPRESENTATIVE
    return {
        "uscc": agency.enterprise.uscc or "",
        "name": agency.enterprise.name,
        "role": agency.role,
        "scope": _scope(agency),
        "scope_names": enterprises.scope_names(agency.scope),
        "valid_until": None if representative else agency.expires_at,
    }


def agent_payload(agency: Agency) -> dict[str, object]:
    return {
        "id": agency.pk,
        "name": agency.agent.name,
        "phone": agency.agent.phone_masked,
        "scope": _scope(agency),
        "scope_names": enterprises.scope_names(agency.scope),
        "valid_from": agency.valid_from,
        "valid_until": agency.expires_at,
        "revoked_at": agency.revoked_at,
        "active": agency.is_effective(),
    }


def _person(request: HttpRequest) -> User:
    user = current_user(request)
    if not user.is_natural_person:
        raise DomainError(
            "natural_person_required", _("只有实名注册的个人账号可以登记和管理企业。"), status=403
        )
    return user


@router.post(
    "/enterprises",
    response={201: EnterpriseOut, **errors(401, 403, 409, 422, 503)},
    auth=AUTH,
    summary="Register my enterprise as its legal representative (checked against the market register)",
)
def register_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Status[dict[str, object]]:
    agency = enterprises.register_enterprise(
        _person(request), payload.uscc, payload.name, payload.legal_representative, request
    )
    return Status(201, enterprise_payload(agency))


@router.get(
    "/enterprises",
    response={200: list[EnterpriseOut], **errors(401)},
    auth=AUTH,
    summary="The enterprises I represent or act for, with my role, scope and end",
)
def my_enterprises(request: HttpRequest) -> list[dict[str, object]]:
    return [enterprise_payload(a) for a in selectors.my_enterprises(current_user(request))]


@router.post(
    "/enterprises/{uscc}/agents",
    response={201: AgentOut, **errors(401, 403, 404, 422)},
    auth=AUTH,
    summary="Authorise an agent (legal representative only)",
)
def authorise_agent(request: HttpRequest, uscc: str, payload: AgentIn) -> Status[dict[str, object]]:
    agency = enterprises.authorise_agent(
        current_user(request), uscc, payload.phone, payload.scope, payload.valid_until, request
    )
    return Status(201, agent_payload(agency))


def _enterprise(request: HttpRequest, uscc: str) -> User:
    enterprise = selectors.represented_enterprise(current_user(request), uscc)
    if enterprise is None:
        raise DomainError("not_found", _("企业不存在，或您不是该企业的法定代表人。"), status=404)
    return enterprise


@router.get(
    "/enterprises/{uscc}/agents",
    response={200: list[AgentOut], **errors(401, 404, 422)},
    auth=AUTH,
    summary="The enterprise's agents, current and past (legal representative only)",
)
def list_agents(request: HttpRequest, uscc: str) -> list[dict[str, object]]:
    return [agent_payload(a) for a in selectors.agents_of(_enterprise(request, uscc))]


@router.delete(
    "/enterprises/{uscc}/agents/{agency_id}",
    response={204: None, **errors(401, 404, 422)},
    auth=AUTH,
    summary="Revoke an agent's authorisation (idempotent; legal representative only)",
)
def revoke_agent(request: HttpRequest, uscc: str, agency_id: ID) -> Status[None]:
    enterprises.revoke_agent(current_user(request), uscc, agency_id, request)
    return Status(204, None)
