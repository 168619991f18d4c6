"""Every write of electronic licences: issue (from an application, by a decider, by import), the
life cycle (suspend, resume, revoke, replace, expire) and the record of every use.

Each service validates everything first, then writes in one transaction with its event on the
licence's timeline, in the audit trail and in the outbox (``licences.events``); the holder's
notice is a subscriber of that event (``licences.subscribers``), after commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts import authority
from onewindow.accounts.models import User, id_number_index
from onewindow.core import audit
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.events import publish
from onewindow.core.personal import mask_text
from onewindow.core.validators import (
    normalise_resident_id,
    normalise_uscc,
    validate_resident_id,
    validate_uscc,
)
from onewindow.licences import events, face, identifiers, keys, sealing, signing
from onewindow.licences.canonical import canonical_bytes, normalise_data
from onewindow.licences.lifecycle import ACTION_LABELS, NEEDS_REASON, Status, target_of
from onewindow.licences.models import (
    CODE_TYPE_ID,
    CODE_TYPE_USCC,
    Licence,
    LicenceEvent,
    LicenceType,
    LicenceUse,
    holder_index,
)
from onewindow.organizations.models import Department

# Who issues, changes and imports a department's licences: its deciders and administrators.
ISSUER_ROLES: tuple[str, ...] = (authority.Role.DECIDER, authority.Role.DEPARTMENT_ADMIN)


@dataclass(frozen=True)
class Holder:
    name: str
    code: str
    code_type: str  # 111 | 001
    user: User | None = None

    @classmethod
    def of_user(cls, user: User) -> Holder:
        if user.kind == User.Kind.LEGAL:
            return cls(user.name, user.uscc or "", CODE_TYPE_USCC, user)
        return cls(user.name, user.reveal_id_number(), CODE_TYPE_ID, user)

    @classmethod
    def of_application(cls, application: Any) -> Holder:
        """Whoever an application is for: the enterprise an agent acts for, or the applicant."""
        return cls.of_user(application.enterprise or application.applicant)


# -- the signed form ----------------------------------------------------------------------------
def metadata(licence: Licence, clear: sealing.Clear) -> dict[str, Any]:
    """The GB/T 36902 metadata that the signature covers (see canonical.py), with the licence's
    clear values (the columns keep masks of personal data)."""
    return {
        "identifier": licence.identifier,
        "licence_name": licence.name,
        "type_name": licence.licence_type.name,
        "type_code": licence.licence_type.code,
        "licence_number": clear.number,
        "holder": clear.holder_name,
        "holder_code": clear.holder_code,
        "holder_code_type": licence.holder_code_type,
        "issuer": licence.issuer_name,
        "issuer_code": licence.issuer_code,
        "issue_date": licence.issue_date,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "jurisdiction": licence.jurisdiction,
        "version": f"{licence.version:03d}",
        "key_id": licence.signing_key.key_id,
        **({"salt": clear.salt} if clear.salt else {}),
    }


def signed_bytes(licence: Licence, clear: sealing.Clear | None = None) -> bytes:
    """The exact bytes the licence's signature covers, rebuilt from its columns and its sealed
    personal values (opened for that purpose only when the caller has not got them)."""
    if clear is None:
        clear = sealing.open_clear(licence, why="licence signature")
    return canonical_bytes(metadata(licence, clear), clear.data)


def _sign(licence: Licence, clear: sealing.Clear) -> None:
    key = licence.signing_key
    message = signed_bytes(licence, clear)
    licence.signature = signing.sign(key.private_key(), bytes(key.public_key), message)


# -- permissions --------------------------------------------------------------------------------
def can_manage(user: User | None, department_id: int) -> bool:
    """Whether the person issues and manages the department's licences (``ISSUER_ROLES``)."""
    return authority.holds(user, department_id, *ISSUER_ROLES)


def require_manager(user: User | None, department_id: int) -> None:
    if not can_manage(user, department_id):
        raise DomainError("forbidden", _("只有颁发部门的决定人员或管理员可以办理。"), status=403)


# -- issuing ------------------------------------------------------------------------------------
def check_data(licence_type: LicenceType, data: dict[str, Any]) -> dict[str, Any]:
    """The licence's face data checked against its type's schema; every error at once (422)."""
    # Values from a form are converted to what each face item declares (a number typed as 120 onto
    # a text item is "120"): any value the form accepted fills the face.
    data = normalise_data(face.conform(licence_type.schema, data or {}))
    errors = FieldErrorsCollector()
    validator = jsonschema.Draft202012Validator(licence_type.schema or {"type": "object"})
    properties = (licence_type.schema or {}).get("properties", {})
    for error in validator.iter_errors(data):
        if error.validator == "required":
            for name in error.validator_value:
                if name not in data or data[name] in ("", None):
                    title = properties.get(name, {}).get("title", name)
                    errors.add(f"data.{name}", _("请填写“%(title)s”。") % {"title": title})
        else:
            key = ".".join(str(p) for p in error.absolute_path) or "data"
            title = properties.get(key, {}).get("title", key)
            errors.add(f"data.{key}", _("“%(title)s”的格式不正确。") % {"title": title})
    errors.raise_if_any(_("证照信息填写有误，请按提示修改。"))
    return dict(data)


def check_holder(holder: Holder) -> Holder:
    errors = FieldErrorsCollector()
    if not holder.name.strip():
        errors.add("holder_name", _("请填写持证主体名称。"))
    code = holder.code
    try:
        if holder.code_type == CODE_TYPE_ID:
            code = validate_resident_id(normalise_resident_id(holder.code))
        elif holder.code_type == CODE_TYPE_USCC:
            code = validate_uscc(normalise_uscc(holder.code))
        else:
            errors.add("holder_code_type", _("持证主体代码类型应为111或001。"))
    except ValidationError as exc:
        errors.add("holder_code", exc.messages[0])
    errors.raise_if_any(_("持证主体信息有误，请按提示修改。"))
    return Holder(holder.name.strip(), code, holder.code_type, holder.user)


# GB/T 36904 leaves the serial's scheme to the issuer within its field (1-32 of 0-9A-Z). A counter
# made identifiers enumerable (the type and issuer codes are public, the check character is
# computed): the serial is the issue year and ten characters drawn with ``secrets``, 36^10 (about
# 3.7e15) per type, issuer and year, so the next licence cannot be guessed from the last one.
SERIAL_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SERIAL_RANDOM_LENGTH = 10
SERIAL_TRIES = 5


def _draw_serial(year: int) -> str:
    """A fresh unpredictable serial; uniqueness per type and issuer is the database's
    ``licence_serial_version_unique`` constraint, and ``issue`` draws again on a collision."""
    drawn = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_RANDOM_LENGTH))
    return f"{year}{drawn}"


def _valid_until(licence_type: LicenceType, start: dt.date) -> dt.date | None:
    if not licence_type.validity_years:
        return None
    try:
        end = start.replace(year=start.year + licence_type.validity_years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + licence_type.validity_years, day=28)
    return end - dt.timedelta(days=1)


def issue(
    licence_type: LicenceType,
    issuer: Department,
    holder: Holder,
    data: dict[str, Any],
    *,
    actor: User | None = None,
    application: Any = None,
    issue_date: dt.date | None = None,
    valid_until: dt.date | None = None,
    replaces: Licence | None = None,
    request: HttpRequest | None = None,
) -> Licence:
    """Issue and sign one licence. Guarantees: the data fits the type; the serial is unique per
    type and issuer (also under concurrency); the stored signature verifies."""
    if not licence_type.is_active:
        raise DomainError("licence_type_inactive", _("该证照类型已停用。"), status=422)
    data = check_data(licence_type, data)
    holder = check_holder(holder)
    today = issue_date or timezone.localdate()
    with transaction.atomic():
        key = keys.active_key(issuer)
        old_number = (
            sealing.open_clear(replaces, why="licence replacement").number if replaces else ""
        )
        for attempt in range(SERIAL_TRIES):
            if replaces is not None:
                serial, version = replaces.serial, replaces.version + 1
            else:
                serial, version = _draw_serial(today.year), 1
            number = (
                str(data.get(licence_type.number_field, "")) if licence_type.number_field else ""
            )
            licence = _signed_licence(
                licence_type,
                issuer,
                holder,
                data,
                serial=serial,
                version=version,
                number=number or old_number or f"{issuer.region.code}{serial}",
                today=today,
                valid_until=valid_until or _valid_until(licence_type, today),
                key=key,
                application=application,
                replaces=replaces,
            )
            try:
                with transaction.atomic():  # a savepoint: a collision leaves the rest intact
                    licence.save()
                break
            except IntegrityError:
                if replaces is not None or attempt == SERIAL_TRIES - 1:
                    raise
        LicenceEvent.objects.create(
            licence=licence, action="issue", to_status=Status.VALID, actor=actor
        )
        audit.record("licence.issue", request=request, actor=actor, obj=licence)
        holder_id = holder.user.pk if holder.user is not None else None
        publish(events.issued(licence, holder_id, actor.pk if actor else None))
    return licence


def _signed_licence(
    licence_type: LicenceType,
    issuer: Department,
    holder: Holder,
    data: dict[str, Any],
    *,
    serial: str,
    version: int,
    number: str,
    today: dt.date,
    valid_until: dt.date | None,
    key: Any,
    application: Any,
    replaces: Licence | None,
) -> Licence:
    """The licence row, signed over its clear values, keeping only masks of personal data."""
    identifier = str(identifiers.build(licence_type.code, issuer.uscc, serial, version))
    clear = sealing.Clear(
        number=number,
        holder_name=holder.name,
        holder_code=holder.code,
        data=data,
        salt=sealing.new_salt(),
    )
    stored = sealing.seal(licence_type, identifier, clear, holder.code_type)
    licence = Licence(
        identifier=identifier,
        licence_type=licence_type,
        name=licence_type.name,
        number=stored.number,
        serial=serial,
        version=version,
        issuer=issuer,
        issuer_name=issuer.name,
        issuer_code=issuer.uscc,
        holder_name=stored.holder_name,
        holder_code_type=holder.code_type,
        holder_code_index=holder_index(holder.code),
        holder_code_masked=stored.holder_code_masked,
        personal_sealed=stored.sealed,
        jurisdiction=issuer.region.code,
        issue_date=today,
        valid_from=today,
        valid_until=valid_until,
        data=stored.data,
        signing_key=key,
        application=application,
        replaces=replaces,
    )
    _sign(licence, clear)
    return licence


def reference(licence: Licence) -> str:
    """How a message names a licence: its number, masked when it is (or holds) personal data (the
    column already keeps a mask then; masking again is the guard for any other number)."""
    return mask_text(licence.number)


# -- the life cycle -----------------------------------------------------------------------------
def _not_allowed(licence: Licence, action: str) -> DomainError:
    return DomainError(
        "invalid_transition",
        _("证照当前状态为“%(state)s”，不能%(action)s。")
        % {"state": Status(licence.status).label, "action": ACTION_LABELS.get(action, action)},
        status=409,
    )


def _move(
    licence: Licence,
    action: str,
    actor: User | None,
    reason: str,
    request: HttpRequest | None,
) -> None:
    target = target_of(action, licence.status)
    if target is None:
        raise _not_allowed(licence, action)
    # Staff type reasons freely ("吊销 持证人身份证…"); the row, the timeline, the holder's page
    # and every answer keep them with ID and mobile numbers masked.
    reason = mask_text(reason)
    current = licence.status
    licence.status = target
    licence.status_changed_at = timezone.now()
    licence.status_reason = reason
    licence.row_version += 1
    licence.save(update_fields=["status", "status_changed_at", "status_reason", "row_version"])
    LicenceEvent.objects.create(
        licence=licence,
        action=action,
        from_status=current,
        to_status=target,
        actor=actor,
        reason=reason,
    )
    audit.record(
        f"licence.{action}",
        request=request,
        actor=actor,
        obj=licence,
        data={"from": current, "to": target},
    )
    publish(events.changed(licence, action, current, actor.pk if actor else None))


def change_status(
    licence_id: int,
    action: str,
    actor: User,
    reason: str = "",
    *,
    request: HttpRequest | None = None,
) -> Licence:
    """Suspend, resume or revoke, by the issuer's deciders or administrators. Verification sees
    the new status at once (it reads the row); the holder hears of it after commit."""
    if action not in {"suspend", "resume", "revoke"}:
        message = _("不支持的操作。")
        raise DomainError("validation_error", message, fields={"action": [message]}, status=422)
    if action in NEEDS_REASON and not reason.strip():
        message = _("请填写理由。")
        raise DomainError("validation_error", message, fields={"reason": [message]}, status=422)
    with transaction.atomic():
        licence = _locked_for_manager(licence_id, actor)
        _move(licence, action, actor, reason.strip(), request)
    return licence


def replace(
    licence_id: int,
    actor: User,
    data: dict[str, Any],
    reason: str,
    *,
    request: HttpRequest | None = None,
) -> Licence:
    """换发: a new version with the same serial and the edited data; the old one is replaced."""
    if not reason.strip():
        message = _("请填写理由。")
        raise DomainError("validation_error", message, fields={"reason": [message]}, status=422)
    with transaction.atomic():
        old = _locked_for_manager(licence_id, actor)
        if old.status != Status.VALID:
            raise _not_allowed(old, "replace")
        clear = sealing.open_clear(old, why="licence replacement")
        holder = Holder(
            clear.holder_name, clear.holder_code, old.holder_code_type, holder_user(old)
        )
        _move(old, "replace", actor, reason.strip(), request)
        new = issue(
            old.licence_type,
            old.issuer,
            holder,
            {**clear.data, **(data or {})},
            actor=actor,
            application=old.application,
            replaces=old,
            request=request,
        )
    return new


def expire_due(today: dt.date | None = None) -> int:
    """End every licence whose validity has passed (run daily). Returns how many ended."""
    today = today or timezone.localdate()
    done = 0
    due = Licence.objects.filter(
        status__in=[Status.VALID, Status.SUSPENDED], valid_until__lt=today
    ).values_list("pk", flat=True)
    for pk in list(due[:10000]):
        with transaction.atomic():
            licence = _locked(pk)
            if licence.status in (Status.VALID, Status.SUSPENDED) and licence.valid_until:
                _move(licence, "expire", None, _("有效期届满"), None)
                done += 1
    return done


def _locked(licence_id: int) -> Licence:
    # The licence's own row only: its type, issuer and signing key are shared by every licence of
    # the department, and locking them made changes to unrelated licences queue.
    licence = (
        Licence.objects.select_for_update(of=("self",))
        .select_related("licence_type", "issuer", "signing_key")
        .filter(pk=licence_id)
        .first()
    )
    if licence is None:
        raise _no_such_licence()
    return licence


def _no_such_licence() -> DomainError:
    return DomainError("not_found", _("证照不存在。"), status=404)


def _locked_for_manager(licence_id: int, actor: User | None) -> Licence:
    """The licence, locked, for a decider or administrator of its issuer. A licence that does not
    exist and one the caller may not touch answer alike (404, same body), so nobody learns which
    licence ids exist by trying actions on them."""
    licence = _locked(licence_id)
    if not can_manage(actor, licence.issuer_id):
        raise _no_such_licence()
    return licence


def holder_user(licence: Licence) -> User | None:
    """The account of the holder, found by the blind index of the holder code."""
    code = sealing.holder_code(licence, why="find the holder's account")
    return holder_user_by_code(Holder(licence.holder_name, code, licence.holder_code_type))


def holder_user_by_code(holder: Holder) -> User | None:
    if holder.code_type == CODE_TYPE_USCC:
        return User.objects.filter(kind=User.Kind.LEGAL, uscc=holder.code).first()
    return User.objects.filter(id_number_index=id_number_index(holder.code)).first()


# -- use ----------------------------------------------------------------------------------------
def record_use(
    licence: Licence,
    channel: str,
    *,
    user: User | None = None,
    label: str = "",
    purpose: str = "",
    application: Any = None,
    material: Any = None,
    share: Any = None,
) -> LicenceUse:
    return LicenceUse.objects.create(
        licence=licence,
        channel=channel,
        user=user,
        user_label=mask_text(label or (user.display_name if user else ""))[:128],
        purpose=mask_text(purpose)[:200],
        application=application,
        material=material,
        share=share,
    )


def open_licence(user: User, licence_id: int, request: HttpRequest | None = None) -> Licence | None:
    """The licence, for its holder (or an agent of the holding enterprise) or staff of the issuer,
    with its personal values masked (显示完整号码 is ``sealing.reveal_value``). A staff opening is
    in the audit trail all the same. None for anyone else."""
    from onewindow.licences import selectors

    licence = selectors.readable_licence(user, licence_id)
    if licence is not None and authority.is_staff(user):
        audit.record(
            "personal_data.view",
            request=request,
            actor=user,
            obj=licence,
            data={"purpose": "licence"},
        )
    return licence
