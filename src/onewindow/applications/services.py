"""Every write of an application by its applicant, and the one function that moves an application
through the life cycle table (``transition``), used by the workflow too."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.accounts.selectors import effective_agencies
from onewindow.applications import events, files, forms, numbers, selectors, uploads
from onewindow.applications.lifecycle import ACTION_LABELS, PAUSED, Status, target_of
from onewindow.applications.models import (
    Application,
    ApplicationMaterial,
    CorrectionRequest,
    TimelineEntry,
)
from onewindow.catalog.models import ServiceItem
from onewindow.core import audit, personal
from onewindow.core.calendar import add_workdays, workdays_between
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.events import publish
from onewindow.workflow import engine


# -- the life cycle -------------------------------------------------------------------------------
def not_allowed(application: Application, action: str) -> DomainError:
    state = Status(application.status).label
    message = _("办件当前状态为“%(state)s”，不能执行“%(action)s”。") % {
        "state": state,
        "action": ACTION_LABELS.get(action, action),
    }
    return DomainError("invalid_transition", message, status=409)


def transition(
    application: Application,
    action: str,
    actor: User | None,
    *,
    public_comment: str = "",
    internal_comment: str = "",
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Apply ``action`` from the table to a locked application: status, pauses and the deadline,
    the timeline, the audit trail, and the step's event (``applications.events``), which tells the
    applicant and every other app once the transaction commits."""
    current = application.status
    target = target_of(action, current, application.resume_to)
    # Free text on the timeline (a clerk's comment, an applicant's reason) never keeps an ID or
    # mobile number in clear.
    public_comment = personal.mask_text(public_comment)
    internal_comment = personal.mask_text(internal_comment)
    if target is None:
        raise not_allowed(application, action)
    now = timezone.now()
    if target in PAUSED and current not in PAUSED:
        application.resume_to = current
        application.paused_since = now
    if current in PAUSED and target not in PAUSED:
        _end_pause(application, now)
    application.status = target
    application.version += 1
    application.save()
    entry = TimelineEntry.objects.create(
        application=application,
        actor=actor,
        actor_label=_actor_label(actor),
        action=action,
        from_status=current,
        to_status=target,
        public_comment=public_comment,
        internal_comment=internal_comment,
        details=details or {},
    )
    audit.record(
        f"application.{action}",
        request=request,
        actor=actor,
        obj=application,
        data={"from": current, "to": target},
    )
    publish(events.for_step(application, entry, details or {}))


def _end_pause(application: Application, now: Any) -> None:
    if application.paused_since is None:
        return
    paused = workdays_between(timezone.localdate(application.paused_since), timezone.localdate(now))
    application.paused_since = None
    application.resume_to = ""
    if application.accepted_at is not None:  # the clock runs only after acceptance
        application.paused_workdays += paused
        set_deadline(application)
        engine.shift_active(application.case_type, application.pk, paused)


def set_deadline(application: Application) -> None:
    """The promised completion date (承诺办结日期): the item's promised working days from acceptance,
    plus the days the clock was paused. Until a clerk accepts, it is counted from submission, so
    the applicant learns a date when they submit; acceptance counts it again from its own day."""
    promised = int(application.item_version.data["promised_limit"])
    started = application.accepted_at or application.submitted_at
    if started is not None:
        start = timezone.localdate(started)
        application.deadline = add_workdays(start, promised + application.paused_workdays)


def _actor_label(actor: User | None) -> str:
    if actor is None:
        return _("系统")
    if authority.is_staff(actor):
        return _("工作人员")
    return actor.display_name


# -- applying -------------------------------------------------------------------------------------
def require_applicant(user: Any) -> None:
    """Staff handle applications and never make one: every way of applying (the apply pages, a
    create, a bundle's form) refuses a staff account with the same 403."""
    if authority.is_staff(user):
        raise DomainError("staff_cannot_apply", _("工作人员账号不能提交申请。"), status=403)


def acting_for(user: User, enterprise_uscc: str | None, item: ServiceItem) -> User | None:
    """The enterprise an agent applies for, checked against an effective authorisation whose
    scope covers the item; None when the user applies for themself."""
    if not enterprise_uscc:
        return None
    for agency in effective_agencies(user):
        if agency.enterprise.uscc == enterprise_uscc.upper():
            if agency.covers(item.basic_code) or agency.covers(item.implementation_code):
                return agency.enterprise
            message = _("您的代办授权不包括此事项。")
            raise DomainError("agency_scope", message, fields={"enterprise": [message]}, status=403)
    message = _("您没有代表该企业办事的有效授权。")
    raise DomainError("no_agency", message, fields={"enterprise": [message]}, status=403)


def _check_audience(item: ServiceItem, user: User, enterprise: User | None) -> None:
    objects = item.current_version.data["service_objects"] if item.current_version else []
    wanted = "legal" if enterprise is not None else "natural"
    if wanted not in objects:
        message = (
            _("此事项只面向法人办理，请以企业经办人身份申请。")
            if wanted == "natural"
            else _("此事项只面向自然人办理。")
        )
        raise DomainError("wrong_audience", message, fields={"enterprise": [message]}, status=422)


def create_application(
    user: User,
    item: ServiceItem,
    data: dict[str, Any],
    *,
    enterprise_uscc: str | None = None,
    submit: bool = False,
    bundle_group: Any = None,
    before_submit: Callable[[Application], None] | None = None,
    request: HttpRequest | None = None,
) -> Application:
    """A draft (or, with ``submit``, a submitted application) under the item's current version.
    ``before_submit`` runs on the new application in the same transaction, before it is submitted
    (the one-request submission stores its materials there)."""
    if item.status != ServiceItem.Status.PUBLISHED or item.current_version is None:
        raise DomainError("item_unavailable", _("该事项当前不可申请。"), status=404)
    require_applicant(user)
    enterprise = acting_for(user, enterprise_uscc, item)
    _check_audience(item, user, enterprise)
    schema = item.current_version.data["form_schema"]
    # What the platform knows fills the marked fields the applicant left out.
    data = forms.unmask(schema, {**forms.prefill(schema, user, enterprise), **(data or {})}, user)
    errors = forms.form_errors(schema, data, complete=False)
    if errors:
        raise DomainError(
            "validation_error", _("申请表填写有误，请按提示修改。"), fields=errors, status=422
        )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                if not submit:
                    check_open_drafts(user)
                application = Application.objects.create(
                    number=numbers.new_number(),
                    applicant=user,
                    enterprise=enterprise,
                    item=item,
                    item_version=item.current_version,
                    item_name=str(item.current_version.data.get("name", item.name))[:200],
                    department=item.department,
                    # The account's sealed phone as it is: same kind, same key, same index.
                    contact_phone_encrypted=user.phone_encrypted,
                    contact_phone_index=user.phone_index or "",
                    contact_phone_masked=user.phone_masked,
                    bundle_group=bundle_group,
                )
                # The sealed values are bound to the row's id, known only after the insert.
                store_form(application, data)
                application.save(update_fields=["data", "personal_data"])
                TimelineEntry.objects.create(
                    application=application,
                    actor=user,
                    actor_label=user.display_name,
                    action="create",
                    to_status=Status.DRAFT,
                )
                if submit:
                    if before_submit is not None:
                        before_submit(application)
                    # The row was inserted by this transaction: submitted as it is in memory.
                    return _submit_locked(application, user, request)
                publish(events.draft_created(application))
                return application
        except IntegrityError as exc:  # a number drawn twice: draw again
            if "number" not in str(exc).lower():
                raise
    raise DomainError("busy", _("系统繁忙，请稍后再试。"), status=503)


def check_open_drafts(user: User) -> None:
    """Refuse (409, on ``drafts``) a new draft for someone who already keeps ``DRAFTS_MAX_OPEN``
    open: each draft may hold files, so drafts without end would fill the disk. The person's row
    is locked first, so parallel requests cannot each see room for one more."""
    limit = int(settings.ONEWINDOW["DRAFTS_MAX_OPEN"])
    User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    if Application.objects.filter(applicant=user, status=Status.DRAFT).count() >= limit:
        message = _(
            "您已有%(count)d份未提交的草稿，达到上限。请先提交或删除不需要的草稿，再新建申请。"
        ) % {"count": limit}
        raise DomainError("too_many_drafts", message, fields={"drafts": [message]}, status=409)


def discard_draft(application: Application, user: User, request: HttpRequest | None = None) -> None:
    """Delete a draft that was never submitted, with its materials; their files are deleted once
    this commits (a file another application reuses stays). Anything but a draft is refused."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.applicant_id != user.pk:
            message = _("只有草稿的申请人本人可以删除它。")
            raise DomainError("forbidden", message, status=403)
        if locked.status != Status.DRAFT:
            message = _("只能删除未提交的草稿。")
            raise DomainError("invalid_transition", message, status=409)
        audit.record(
            "application.discard",
            request=request,
            actor=user,
            obj=locked,
            data={"materials": locked.materials.count()},
        )
        locked.delete()  # each material's file goes after the commit: files.release_deleted


def update_draft(application: Application, user: User, data: dict[str, Any]) -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in (Status.DRAFT, Status.CORRECTION):
            raise not_allowed(locked, "submit")
        schema = locked.item_version.data["form_schema"]
        current = selectors.form_values(locked, why="draft update")
        merged = {**current, **forms.unmask(schema, data or {}, user, current)}
        errors = forms.form_errors(schema, merged, complete=False)
        if errors:
            raise DomainError(
                "validation_error", _("申请表填写有误，请按提示修改。"), fields=errors, status=422
            )
        store_form(locked, merged)
        locked.version += 1
        locked.save(update_fields=["data", "personal_data", "version"])
    return locked


def store_form(application: Application, values: dict[str, Any]) -> None:
    """Keep a form on a saved application (not written yet): personal values (the fields the form
    marks as ID number or phone, and any ID or mobile number typed into another field) only as
    masks in ``data``, their clear values sealed to this application in ``personal_data``."""
    schema = application.item_version.data["form_schema"]
    stored, clear = personal.split_form(schema, values)
    application.data = stored
    application.personal_data = (
        personal.seal_record(clear, application.personal_context) if clear else None
    )


# -- materials ----------------------------------------------------------------------------------
def material_spec(application: Application, material_index: int) -> dict[str, Any]:
    """The item's material at ``material_index``, or a field error on ``material``."""
    materials = application.item_version.data["materials"]
    if not 0 <= material_index < len(materials):
        message = _("没有这一项申请材料。")
        raise DomainError("validation_error", message, fields={"material": [message]}, status=422)
    return dict(materials[material_index])


def lock_editable(application_id: int) -> Application:
    """The application, locked, while its applicant may change its materials: a draft, or one
    waiting for a correction."""
    locked = Application.objects.select_for_update().get(pk=application_id)
    if locked.status not in (Status.DRAFT, Status.CORRECTION):
        message = _("办件当前状态为“%(state)s”，不能修改材料。") % {
            "state": Status(locked.status).label
        }
        raise DomainError("invalid_transition", message, status=409)
    return locked


def stored_size(locked: Application, replacing: int) -> int:
    """Bytes the application's materials hold, without the one at ``replacing`` (it goes). A
    replaced file is deleted when its replacement commits, so it counts for nothing after."""
    current = locked.materials.filter(replaced=False).exclude(material_index=replacing)
    return int(current.aggregate(s=Sum("size"))["s"] or 0)


def put_material(
    locked: Application,
    material_index: int,
    spec: dict[str, Any],
    *,
    content: bytes | None = None,
    suffix: str = "",
    **fields: Any,
) -> ApplicationMaterial:
    """Record the material at ``material_index`` of a locked, editable application, replacing the
    current one. ``content`` is stored under the application's number, the index and ``suffix``;
    without it ``fields`` name a file already stored.

    Storage follows the transaction: the new file is deleted again if the transaction does not
    commit, and the replaced one (the row stays, as a record, without its file) is deleted once it
    commits, unless another row still uses it (a checked material reused elsewhere)."""
    previous = list(locked.materials.filter(material_index=material_index, replaced=False))
    released = [str(m.file.name) for m in previous if m.file]
    ApplicationMaterial.objects.filter(pk__in=[m.pk for m in previous]).update(
        replaced=True, file=""
    )
    record = ApplicationMaterial(
        application=locked, material_index=material_index, name=spec["name"], **fields
    )
    if content is not None:
        files.store_in_transaction(record, f"{locked.number}-{material_index}{suffix}", content)
    record.save()
    files.release(released)
    return record


def note(
    application: Application,
    actor: User | None,
    action: str,
    details: dict[str, Any],
    *,
    internal_comment: str = "",
) -> None:
    """A timeline entry that changes no state (a material checked, reused, committed to; a
    licence waiting to be completed). Without an actor the platform itself took the step."""
    TimelineEntry.objects.create(
        application=application,
        actor=actor,
        actor_label=actor.display_name if actor else _("系统"),
        action=action,
        from_status=application.status,
        to_status=application.status,
        internal_comment=internal_comment,
        details=details,
    )


def add_material(
    application: Application,
    user: User,
    material_index: int,
    name: str,
    stream: IO[bytes],
    size: int,
) -> ApplicationMaterial:
    """Store one file for one of the item's materials (a new upload replaces the earlier one)."""
    spec = material_spec(application, material_index)
    with transaction.atomic():
        locked = lock_editable(application.pk)
        checked = uploads.check_upload(stream, size, stored_size(locked, material_index))
        return put_material(
            locked,
            material_index,
            spec,
            content=stream.read(),
            suffix=checked.extension,
            original_name=(name or "")[:200],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )


def _missing(application: Application) -> FieldErrorsCollector:
    errors = FieldErrorsCollector()
    schema = application.item_version.data["form_schema"]
    values = selectors.form_values(application, why="completeness check")
    for key, messages in forms.form_errors(schema, values, complete=True).items():
        for message in messages:
            errors.add(key, message)
    present = set(
        application.materials.filter(replaced=False).values_list("material_index", flat=True)
    )
    for index, material in enumerate(application.item_version.data["materials"]):
        if material["necessity"] == "required" and index not in present:
            errors.add(f"materials.{index}", _("请上传“%(name)s”。") % {"name": material["name"]})
    return errors


def submit_application(
    application: Application, user: User, request: HttpRequest | None = None
) -> Application:
    """Submit a draft. Atomic: afterwards the application, its materials and its first task exist,
    or nothing changed. Every missing field and material is reported at once."""
    with transaction.atomic():
        locked = (
            # ``of``: lock the application's row only; a plain FOR UPDATE would lock the joined item
            # version as well, so every submission of one item queued behind the others (and
            # deadlocked with the foreign-key checks of drafts created meanwhile).
            Application.objects.select_for_update(of=("self",))
            .select_related("item_version", "department")
            .get(pk=application.pk)
        )
        return _submit_locked(locked, user, request)


def _submit_locked(locked: Application, user: User, request: HttpRequest | None) -> Application:
    """Submit a draft whose row the caller's transaction holds: locked, or inserted by it (the
    one-request submission, whose new row no one else can see, needs no lock nor a read back)."""
    if locked.status != Status.DRAFT:
        raise not_allowed(locked, "submit")
    _missing(locked).raise_if_any(_("申请还不完整，请按提示补充。"))
    locked.submitted_at = timezone.now()
    set_deadline(locked)
    transition(locked, "submit", user, request=request)
    # The clerks of the accepting department hear of the new task from open_stage.
    _open_acceptance(locked)
    return locked


def withdraw(
    application: Application, user: User, reason: str = "", request: HttpRequest | None = None
) -> Application:
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        transition(locked, "withdraw", user, public_comment=reason, request=request)
        engine.cancel_active(locked.case_type, locked.pk)
    return locked


def _open_acceptance(application: Application) -> None:
    from onewindow.applications.case import open_acceptance  # the case kind builds on this module

    open_acceptance(application)


def resubmit(
    application: Application,
    user: User,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Application:
    """Send a corrected application back; the clock starts again from where it stopped."""
    if data:
        update_draft(application, user, data)
    with transaction.atomic():
        locked = (
            # ``of``: lock the application's row only; a plain FOR UPDATE would lock the joined item
            # version as well, so every submission of one item queued behind the others (and
            # deadlocked with the foreign-key checks of drafts created meanwhile).
            Application.objects.select_for_update(of=("self",))
            .select_related("item_version")
            .get(pk=application.pk)
        )
        if locked.status != Status.CORRECTION:
            raise not_allowed(locked, "resubmit")
        _missing(locked).raise_if_any(_("补正还不完整，请按提示补充。"))
        back_to = locked.resume_to
        transition(locked, "resubmit", user, request=request)
        CorrectionRequest.objects.filter(application=locked, resolved_at__isnull=True).update(
            resolved_at=timezone.now()
        )
        if back_to == Status.SUBMITTED:  # corrected before acceptance: a clerk looks again
            _open_acceptance(locked)
    return locked


# -- bundles (一件事一次办) -------------------------------------------------------------------------
def create_bundle_applications(
    user: User,
    bundle: Any,
    data: dict[str, Any],
    *,
    enterprise_uscc: str | None = None,
    submit: bool = False,
    request: HttpRequest | None = None,
) -> list[Application]:
    """One form for the whole bundle: each item's application gets the answers its own form asks
    for, all in one group; with ``submit`` every one is submitted, or none is. A staff account is
    refused once (403), not once per item."""
    require_applicant(user)
    group = uuid.uuid4()
    created: list[Application] = []
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for entry in bundle.entries.select_related("item__current_version", "item__department"):
            item = entry.item
            if item.current_version is None:
                continue
            fields = set(item.current_version.data["form_schema"].get("properties", {}))
            own = {k: v for k, v in data.items() if k in fields}
            try:
                application = create_application(
                    user,
                    item,
                    own,
                    enterprise_uscc=enterprise_uscc,
                    bundle_group=group,
                    request=request,
                )
                if submit:
                    application = submit_application(application, user, request)
            except DomainError as error:
                for key, messages in (error.fields or {"": [error.message]}).items():
                    errors.setdefault(key, [])
                    errors[key] += [
                        f"{item.name}：{m}"
                        for m in messages
                        if f"{item.name}：{m}" not in errors[key]
                    ]
                continue
            created.append(application)
        if errors:
            transaction.set_rollback(True)
            raise DomainError(
                "validation_error",
                _("一件事申请还不完整，请按提示补充。"),
                fields=errors,
                status=422,
            )
    return created


def submit_group(user: User, group: Any, request: HttpRequest | None = None) -> list[Application]:
    """Submit every draft of a bundle at once, or none of them: any refusal of any one of them
    (a missing field, or an error that names no field, reported under the application's number)
    rolls the whole group back."""
    errors: dict[str, list[str]] = {}
    done: list[Application] = []
    with transaction.atomic():
        for application in Application.objects.filter(
            bundle_group=group, applicant=user, status=Status.DRAFT
        ):
            try:
                done.append(submit_application(application, user, request))
            except DomainError as error:
                for key, messages in (error.fields or {"": [error.message]}).items():
                    field = f"{application.number}.{key}" if key else application.number
                    errors.setdefault(field, []).extend(messages)
        if errors:
            transaction.set_rollback(True)
            raise DomainError(
                "validation_error",
                _("一件事申请还不完整，请按提示补充。"),
                fields=errors,
                status=422,
            )
    return done
