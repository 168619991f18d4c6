"""Every write about enterprise accounts: a legal representative registers their enterprise
(checked against the market register), authorises agents (经办人) and revokes them; a platform
administrator revokes too.

How a representative is recorded: an ``Agency`` with the role ``legal_representative``, the scope
``all`` and no end (``REPRESENTATIVE_UNTIL``). It lets them apply for the enterprise like any
agent and is what ``selectors.represented_enterprise`` asks before anyone manages the agents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts import authority, selectors
from onewindow.accounts.events import AgentAuthorised, AgentRevoked
from onewindow.accounts.models import Agency, User
from onewindow.accounts.registry.base import RegistryUnavailable, get_registry
from onewindow.accounts.scopes import item_catalogue
from onewindow.core import audit, events
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import validate_mobile, validate_uscc

REPRESENTATIVE_UNTIL = datetime(9999, 12, 31, tzinfo=UTC)
# An agent's authorisation lasts at most this long; the representative renews it.
MAX_AGENCY = timedelta(days=3 * 366)
# A scope lists at most this many items; more is "all".
MAX_SCOPE_ITEMS = 200
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: Any, *, empty: str, longest: int, too_long: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError(empty)
    if CONTROL_RE.search(text):
        raise ValidationError(_("不能包含控制字符。"))
    if len(text) > longest:
        raise ValidationError(too_long)
    return text


def _enterprise_name(value: Any) -> str:
    return _text(
        value,
        empty=_("请填写企业名称。"),
        longest=128,
        too_long=_("企业名称不能超过128个字。"),
    )


def _person_name(value: Any) -> str:
    return _text(
        value,
        empty=_("请填写法定代表人姓名。"),
        longest=30,
        too_long=_("姓名不能超过30个字。"),
    )


def _uscc(value: Any) -> str:
    text = str(value or "")
    if not text.strip():
        raise ValidationError(_("请填写统一社会信用代码。"))
    if len(text) > 40 or CONTROL_RE.search(text):
        raise ValidationError(_("统一社会信用代码应为18位。"))
    return validate_uscc(text)


def _not_representative() -> DomainError:
    # The same words whether the register names someone else or nobody matches: nobody learns
    # who represents an enterprise from this page.
    message = _("核验未通过：登记信息中的法定代表人不是您本人。只有法定代表人本人可以登记企业。")
    return DomainError(
        "not_legal_representative",
        message,
        fields={"legal_representative": [message]},
        status=422,
    )


def _registry_unavailable() -> DomainError:
    return DomainError(
        "registry_unavailable",
        _("暂时无法连接市场主体登记系统核验企业信息，请稍后再试。您填写的内容已保留。"),
        status=503,
        headers={"Retry-After": "60"},
    )


def register_enterprise(
    person: User,
    uscc: Any,
    name: Any,
    legal_representative: Any,
    request: HttpRequest | None = None,
) -> Agency:
    """A natural person registers the enterprise they legally represent.

    Guarantees: every field error at once; the market register (``registry.get_registry``) must
    confirm that the enterprise exists, is active, bears this name and has this person (their
    name and, where the register holds it, their ID number) as its legal representative, else a
    field error that never names the real representative; a register that cannot be asked is a
    503 ``registry_unavailable``; the enterprise's account is created if missing; registering
    again is a 409; a representative the register no longer names is replaced; audited."""
    if not person.is_natural_person or not person.id_number_encrypted:
        raise DomainError(
            "natural_person_required", _("只有实名注册的个人账号可以登记企业。"), status=403
        )
    errors = FieldErrorsCollector()
    code = errors.check("uscc", _uscc, uscc)
    enterprise_name = errors.check("name", _enterprise_name, name)
    representative = errors.check("legal_representative", _person_name, legal_representative)
    errors.raise_if_any()
    assert code is not None and enterprise_name is not None and representative is not None
    if "".join(representative.split()) != "".join(person.name.split()):
        message = _("法定代表人姓名应与您实名登记的姓名一致：只有法定代表人本人可以登记企业。")
        raise DomainError(
            "validation_error", message, fields={"legal_representative": [message]}, status=422
        )
    try:
        answer = get_registry().verify(
            code, enterprise_name, person.name, person.reveal_id_number()
        )
    except RegistryUnavailable as exc:
        audit.record(
            "accounts.registry_unavailable", request=request, actor=person, data={"uscc": code}
        )
        raise _registry_unavailable() from exc
    if not answer.found:
        message = _("市场主体登记信息中没有这个统一社会信用代码，请核对营业执照。")
        raise DomainError("not_registered", message, fields={"uscc": [message]}, status=422)
    if not answer.active:
        message = _("该企业的登记状态不是存续（在业），不能登记。")
        raise DomainError("not_active", message, fields={"uscc": [message]}, status=422)
    if not answer.name_matches:
        message = _("企业名称与登记信息不一致，请按营业执照上的名称填写。")
        raise DomainError("name_mismatch", message, fields={"name": [message]}, status=422)
    if not answer.representative_matches:
        raise _not_representative()
    return _record_representative(person, code, enterprise_name, request)


def _enterprise_account(code: str, name: str, representative: str) -> User:
    enterprise = User.objects.filter(username=code).first()
    if enterprise is None:
        try:
            with transaction.atomic():
                enterprise = User(
                    username=code,
                    kind=User.Kind.LEGAL,
                    name=name,
                    uscc=code,
                    legal_representative=representative,
                )
                enterprise.set_unusable_password()
                enterprise.save()
        except IntegrityError:  # registered at the same instant by another request
            enterprise = User.objects.filter(username=code).first()
    if enterprise is None or enterprise.kind != User.Kind.LEGAL:
        raise DomainError("uscc_taken", _("该统一社会信用代码无法登记，请联系管理员。"), status=409)
    return enterprise


def _record_representative(
    person: User, code: str, name: str, request: HttpRequest | None
) -> Agency:
    with transaction.atomic():
        enterprise = _enterprise_account(code, name, person.name)
        enterprise = User.objects.select_for_update().get(pk=enterprise.pk)
        now = timezone.now()
        mine = Agency.objects.filter(enterprise=enterprise, agent=person).first()
        if (
            mine is not None
            and mine.role == Agency.Role.LEGAL_REPRESENTATIVE
            and mine.is_effective()
        ):
            message = _("您已登记过该企业，无需重复登记。")
            raise DomainError("already_registered", message, fields={"uscc": [message]}, status=409)
        # The register names this person: whoever was recorded before is no longer.
        replaced = list(
            Agency.objects.filter(
                enterprise=enterprise,
                role=Agency.Role.LEGAL_REPRESENTATIVE,
                revoked_at__isnull=True,
            ).exclude(agent=person)
        )
        for old in replaced:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
        agency, _created = Agency.objects.update_or_create(
            enterprise=enterprise,
            agent=person,
            defaults={
                "role": Agency.Role.LEGAL_REPRESENTATIVE,
                "scope": [Agency.ALL],
                "valid_from": now,
                "expires_at": REPRESENTATIVE_UNTIL,
                "revoked_at": None,
                "granted_by": None,
            },
        )
        enterprise.name, enterprise.legal_representative = name, person.name
        enterprise.save(update_fields=["name", "legal_representative"])
        audit.record(
            "accounts.enterprise_registered",
            request=request,
            actor=person,
            obj=enterprise,
            data={"agency": agency.pk, "replaced": [a.agent_id for a in replaced]},
        )
    return agency


# -- agents ----------------------------------------------------------------------------------------
def _managed_enterprise(representative: User, uscc: str) -> User:
    enterprise = selectors.represented_enterprise(representative, uscc)
    if enterprise is None:
        raise DomainError("not_found", _("企业不存在，或您不是该企业的法定代表人。"), status=404)
    return enterprise


def _scope(value: Any) -> list[str]:
    """``"all"`` or a list of item ids → what ``Agency.scope`` stores (implementation codes)."""
    if value == Agency.ALL or value == [Agency.ALL]:
        return [Agency.ALL]
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,，]+", value) if v]
    if not isinstance(value, list) or not value:
        raise ValidationError(_("请选择授权范围：全部业务，或选择具体事项。"))
    if len(value) > MAX_SCOPE_ITEMS:
        raise ValidationError(
            _("一次最多选择%(count)s个事项；需要更多时请授权全部业务。")
            % {"count": MAX_SCOPE_ITEMS}
        )
    ids: set[int] = set()
    for entry in value:
        if isinstance(entry, bool) or not re.fullmatch(r"\d{1,10}", str(entry)):
            raise ValidationError(_("授权范围应为事项编号的列表，或“all”（全部业务）。"))
        ids.add(int(entry))
    found = item_catalogue().by_ids(ids)
    if len(found) != len(ids):
        missing = sorted(ids - {item.id for item in found})[:5]
        raise ValidationError(
            _("以下事项不存在或未发布：%(ids)s。") % {"ids": "、".join(map(str, missing))}
        )
    return sorted(item.code for item in found)


def _valid_until(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.max)
    else:
        text = str(value or "").strip()
        if not text:
            raise ValidationError(_("请填写授权有效期至哪一天。"))
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                moment = datetime.combine(date.fromisoformat(text), time(23, 59, 59))
            elif len(text) <= 40:
                moment = datetime.fromisoformat(text)
            else:
                raise ValueError(text)
        except ValueError as exc:
            raise ValidationError(_("有效期应为日期，如 2027-06-30。")) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    now = timezone.now()
    if moment <= now:
        raise ValidationError(_("有效期应晚于现在。"))
    if moment > now + MAX_AGENCY:
        raise ValidationError(
            _("授权有效期最长3年，请选择%(day)s或更早的日期。")
            % {"day": timezone.localdate(now + MAX_AGENCY).isoformat()}
        )
    return moment


def _agent_by_phone(value: Any) -> User:
    phone = validate_mobile(str(value or "")[:20])
    agent = selectors.active_user_by_phone(phone)
    if agent is None or not agent.is_natural_person:
        # Staff and closed accounts are treated as unknown: nothing about them is told.
        raise ValidationError(
            _("该手机号尚未注册个人账号。请经办人先用该手机号注册并实名，再来授权。")
        )
    return agent


def authorise_agent(
    representative: User,
    uscc: str,
    phone: Any,
    scope: Any,
    valid_until: Any,
    request: HttpRequest | None = None,
) -> Agency:
    """The legal representative authorises a registered person (found by phone) to act for the
    enterprise for the items in ``scope`` until ``valid_until``.

    Guarantees: only the representative (else 404, as for an unknown enterprise); every field
    error at once; the scope's items exist; the end is in the future and at most ``MAX_AGENCY``
    away; one authorisation per enterprise and person, also when two arrive at once (the
    enterprise's row is locked; a second grant renews the first); audited; the agent is told
    (``AgentAuthorised``)."""
    enterprise = _managed_enterprise(representative, uscc)
    errors = FieldErrorsCollector()
    agent = errors.check("phone", _agent_by_phone, phone)
    codes = errors.check("scope", _scope, scope)
    until = errors.check("valid_until", _valid_until, valid_until)
    if agent is not None and agent.pk == representative.pk:
        errors.add("phone", _("您是法定代表人，无需授权自己。"))
    errors.raise_if_any()
    assert agent is not None and codes is not None and until is not None
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=enterprise.pk).first()
        existing = Agency.objects.filter(enterprise=enterprise, agent=agent).first()
        if existing is not None and existing.role == Agency.Role.LEGAL_REPRESENTATIVE:
            message = _("此人登记为该企业的法定代表人，无需授权。")
            raise DomainError("validation_error", message, fields={"phone": [message]}, status=422)
        now = timezone.now()
        agency, _created = Agency.objects.update_or_create(
            enterprise=enterprise,
            agent=agent,
            defaults={
                "role": Agency.Role.AGENT,
                "scope": codes,
                "valid_from": now,
                "expires_at": until,
                "revoked_at": None,
                "granted_by": representative,
            },
        )
        audit.record(
            "accounts.agency_granted",
            request=request,
            actor=representative,
            obj=agency,
            data={"enterprise": enterprise.pk, "agent": agent.pk, "scope": codes[:20]},
        )
        events.publish(
            AgentAuthorised(
                agency_id=agency.pk,
                enterprise_id=enterprise.pk,
                agent_id=agent.pk,
                granted_by_id=representative.pk,
                valid_from=now.isoformat(),
            )
        )
    return agency


def _revoke(agency: Agency, actor: User, request: HttpRequest | None) -> Agency:
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        if agency.revoked_at is not None:  # revoking again changes nothing and tells nobody
            return agency
        agency.revoked_at = timezone.now()
        agency.save(update_fields=["revoked_at"])
        audit.record(
            "accounts.agency_revoked",
            request=request,
            actor=actor,
            obj=agency,
            data={"enterprise": agency.enterprise_id, "agent": agency.agent_id},
        )
        events.publish(
            AgentRevoked(
                agency_id=agency.pk,
                enterprise_id=agency.enterprise_id,
                agent_id=agency.agent_id,
                revoked_by_id=actor.pk,
                revoked_at=agency.revoked_at.isoformat(),
            )
        )
    return agency


def revoke_agent(
    representative: User, uscc: str, agency_id: int, request: HttpRequest | None = None
) -> Agency:
    """The legal representative revokes one of the enterprise's agents. Guarantees: someone
    else's enterprise or agent is a 404; revoking twice is harmless (no second notice); the
    agent is told (``AgentRevoked``); audited."""
    enterprise = _managed_enterprise(representative, uscc)
    agency = selectors.agents_of(enterprise).filter(pk=agency_id).first()
    if agency is None:
        raise DomainError("not_found", _("该经办人授权不存在。"), status=404)
    return _revoke(agency, representative, request)


def revoke_by_admin(admin: User, agency_id: int, request: HttpRequest | None = None) -> Agency:
    """A platform administrator revokes an authorisation (an agent's or a representative's).
    Anyone else: 404."""
    if not authority.is_platform_admin(admin):
        raise DomainError("not_found", _("该经办人授权不存在。"), status=404)
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise DomainError("not_found", _("该经办人授权不存在。"), status=404)
    return _revoke(agency, admin, request)


def scope_names(scope: Iterable[str]) -> list[str]:
    """The items a stored scope names, for people ("全部业务" for all)."""
    codes = list(scope)
    if Agency.ALL in codes:
        return [_("全部业务")]
    return [item.name for item in item_catalogue().by_codes(codes)]
