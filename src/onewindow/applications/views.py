"""Applicant pages: apply step by step, upload materials, review and submit, follow, fix a
correction, withdraw; progress lookup without an account. Everything works without JavaScript."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.accounts.models import User
from onewindow.applications import materials as application_materials
from onewindow.applications import presenters, progress, rendering, selectors, services
from onewindow.applications.applying import ApplyForm, Audience
from onewindow.applications.files import material_response
from onewindow.applications.lifecycle import Status
from onewindow.applications.models import Application, ApplicationMaterial
from onewindow.catalog import selectors as catalog
from onewindow.core import idempotency, personal
from onewindow.core.errors import DomainError
from onewindow.core.net import client_network
from onewindow.notifications.services import read_recent


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _mine(request: HttpRequest, number: str) -> Application:
    application = selectors.visible_to_applicant(_user(request)).filter(number=number).first()
    if application is None:
        raise Http404
    return application


@login_required
@require_GET
@xframe_options_sameorigin  # the detail page previews PDFs in a frame of its own origin
def material_file(request: HttpRequest, number: str, material_id: int) -> FileResponse:
    """One of my (or my enterprise's) uploaded materials."""
    material = ApplicationMaterial.objects.filter(
        pk=material_id, application=_mine(request, number)
    ).first()
    if material is None:
        raise Http404
    return material_response(material)


def _once(
    request: HttpRequest, user: User, scope: str, create: Callable[[], dict[str, str]]
) -> dict[str, str]:
    """Run ``create`` once per page: the form carries a token, and a second post of it (a double
    click) answers what the first one made (``core.idempotency``)."""
    answer = idempotency.once(
        user,
        idempotency.form_key(request, scope),
        idempotency.form_fingerprint(request),
        lambda: (201, create()),
        mismatch=_("这张表单已经提交过，内容与这次不同：要再申请一次，请重新打开申请页面填写。"),
    )
    return dict(answer.body)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, item_id: int) -> HttpResponse:
    """Step 1: the form. A token in the page makes a double click create one draft, not two.
    A staff account is refused the page (403), as it would be refused the application; so is a
    person who may not apply for this item, with how to act for an enterprise, before any form.
    ``action=prefill`` (the enterprise chosen, with or without htmx) fills in the enterprise's
    details and keeps the rest as typed; nothing is saved."""
    item = catalog.published_item(item_id)
    if item is None or item.current_version is None:
        raise Http404
    user = _user(request)
    services.require_applicant(user)
    form = ApplyForm.start(request, user, item.current_version.data["form_schema"], [item])
    audience = Audience.of([item])
    if audience.refuses(form):
        return _who_may_apply(request, item.name, reverse("portal:guide", args=[item.pk]))
    prefilling = request.method == "POST" and request.POST.get("action") == "prefill"
    if prefilling:
        form.switch_enterprise(request)
    elif request.method == "POST":
        number = _create_draft(request, user, item, form)
        if number:
            return redirect("portal:application_materials", number=number)
    return _apply_page(request, item, audience, form, prefilling)


def _apply_page(
    request: HttpRequest, item: Any, audience: Audience, form: ApplyForm, prefilling: bool
) -> HttpResponse:
    """The form page; after an enterprise was chosen, its token is kept (the draft is not created
    yet), and htmx gets only the fields it swaps."""
    context = {
        "item": item,
        "data_version": item.current_version,
        "audience": audience,
        **form.context((prefilling and request.POST.get("token")) or _token()),
    }
    if prefilling and request.headers.get("HX-Request"):
        return render(request, "applications/_apply_fields.html", context)
    return render(request, "applications/apply.html", context, status=form.status)


def _create_draft(request: HttpRequest, user: User, item: Any, form: ApplyForm) -> str:
    """The new draft's number, or "" with the form refused (its errors shown, nothing lost)."""
    data = form.read(request)
    try:
        form.require_complete()
        done = _once(
            request,
            user,
            "page",
            lambda: {
                "number": services.create_application(
                    user, item, data, enterprise_uscc=form.enterprise or None, request=request
                ).number
            },
        )
    except DomainError as error:
        form.refuse(error)
        return ""
    return str(done["number"])


def _who_may_apply(request: HttpRequest, name: str, back: str) -> HttpResponse:
    """The page a person gets instead of a form they may not send: how to act for an enterprise."""
    return render(
        request, "applications/who_may_apply.html", {"name": name, "back": back}, status=403
    )


def _token() -> str:
    """A new form token: one page, one write (``core.idempotency``)."""
    return uuid.uuid4().hex


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, number: str) -> HttpResponse:
    """Change the form of a draft or of an application waiting for a correction."""
    application = _mine(request, number)
    schema = application.item_version.data["form_schema"]
    data, errors, status = dict(application.data), {}, 200
    if request.method == "POST":
        data = rendering.parse(schema, request.POST, list(schema.get("properties", {})))
        try:
            services.update_draft(application, _user(request), data)
        except DomainError as error:
            errors, status = error.fields or {"data": [error.message]}, 422
        else:
            return redirect("portal:application_materials", number=number)
    return render(
        request,
        "applications/edit.html",
        {
            "application": application,
            "fields": rendering.fields(schema, data, errors),
            "errors": errors,
            "field_faults": [
                f for f in presenters.open_faults(application) if f["kind"] == "field"
            ],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest, number: str) -> HttpResponse:
    """Step 2: one upload per material, or a checked material or a commitment in its place; each
    can be replaced until submission."""
    application = _mine(request, number)
    action = request.POST.get("action", application_materials.UPLOAD)
    error, status = "", 200
    if request.method == "POST":
        try:
            notice = application_materials.put(
                application, _user(request), action, request.POST, request.FILES
            )
        except DomainError as failure:
            error, status = application_materials.refusal_text(failure), failure.status
        else:
            messages.success(request, notice)
            anchor = application_materials.anchor(request.POST)
            return redirect(reverse("portal:application_materials", args=[number]) + anchor)
    context = {
        "application": application,
        **application_materials.page(application, _user(request)),
        "error": error,
        "failed_index": request.POST.get("material", "") if error else "",
        "failed_action": action if error else "",
    }
    return render(request, "applications/materials.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, number: str) -> HttpResponse:
    """Step 3: check everything and submit (or resubmit after a correction)."""
    application = _mine(request, number)
    problems: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if application.status not in (Status.DRAFT, Status.CORRECTION):
            return redirect("portal:application", number=number)  # a second click: already sent
        try:
            if application.status == Status.CORRECTION:
                services.resubmit(application, _user(request), request=request)
                messages.success(request, _("补正材料已提交。"))
            else:
                services.submit_application(application, _user(request), request)
                return redirect("portal:application_submitted", number=number)
        except DomainError as error:
            problems, status = error.fields or {"": [error.message]}, error.status
        else:
            return redirect("portal:application", number=number)
    application.refresh_from_db()
    return render(
        request,
        "applications/review.html",
        {
            "application": application,
            "detail": presenters.detail(application, staff=False),
            "form_rows": presenters.form_rows(application),
            "missing_materials": presenters.missing_materials(application),
            "problems": presenters.problem_rows(application, problems),
        },
        status=status,
    )


@login_required
@require_GET
def submitted(request: HttpRequest, number: str) -> HttpResponse:
    """After submitting: what happens next, the promised date, the number, how to follow it."""
    application = _mine(request, number)
    if application.submitted_at is None:
        return redirect("portal:application_review", number=number)
    return render(
        request,
        "applications/submitted.html",
        {
            "application": application,
            "promised_limit": application.item_version.data.get("promised_limit"),
            "steps": presenters.stepper(application),
            "receipt_url": _receipt_url(application),
        },
    )


def _receipt_url(application: Application) -> str:
    if application.submitted_at is None:
        return ""
    return reverse("api-v1:application_receipt", args=[application.pk])


@login_required
@require_GET
def my_applications(request: HttpRequest) -> HttpResponse:
    applications = selectors.visible_to_applicant(_user(request)).order_by("-created_at")[:100]
    return render(request, "applications/list.html", {"applications": applications})


@login_required
@require_GET
def detail(request: HttpRequest, number: str) -> HttpResponse:
    application = _mine(request, number)
    return render(
        request,
        "applications/detail.html",
        {
            "application": application,
            "detail": presenters.detail(application, staff=False),
            "faults": presenters.open_faults(application),
            "can_withdraw": application.status in WITHDRAWABLE,
            "steps": presenters.stepper(application),
            "receipt_url": _receipt_url(application),
        },
    )


WITHDRAWABLE = (
    Status.SUBMITTED,
    Status.CORRECTION,
    Status.IN_REVIEW,
    Status.DECIDING,
    Status.SUSPENDED,
)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """Withdraw an application, after a page that asks once more (and for a reason): a withdrawn
    application cannot be brought back."""
    application = _mine(request, number)
    if request.method == "GET":
        if application.status not in WITHDRAWABLE:
            return redirect("portal:application", number=number)
        return render(request, "applications/withdraw.html", {"application": application})
    try:
        services.withdraw(application, _user(request), request.POST.get("reason", ""), request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("portal:application", number=number)


@login_required
@require_http_methods(["GET", "POST"])
def discard(request: HttpRequest, number: str) -> HttpResponse:
    """Delete one of my drafts (and its files), after a page that asks once more: nothing can bring
    a deleted draft back."""
    application = _mine(request, number)
    if request.method == "GET":
        return render(request, "applications/discard.html", {"application": application})
    try:
        services.discard_draft(application, _user(request), request)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portal:application", number=number)
    messages.success(request, _("草稿已删除。"))
    return redirect("portal:my_applications")


@login_required
@require_GET
def my_messages(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    items = read_recent(user)
    return render(request, "applications/messages.html", {"items": items})


@require_http_methods(["GET", "POST"])
@personal.no_store
def progress_page(request: HttpRequest) -> HttpResponse:
    """进度查询: number + phone → code → the public view."""
    values = {k: request.POST.get(k, "").strip() for k in ("number", "phone", "code")}
    if request.method == "GET":  # the receipt's QR code brings the number along
        values["number"] = request.GET.get("number", "").strip()[:40]
    context: dict[str, Any] = {"values": values, "errors": {}}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "send_code":
                progress.request_code(values["number"], values["phone"], client_network(request))
                context["code_sent"] = True
            else:
                application = progress.lookup(values["number"], values["phone"], values["code"])
                context["view"] = presenters.public_view(application)
                context["steps"] = presenters.stepper(application)
        except DomainError as error:
            context["errors"] = error.fields or {"": [error.message]}
            context["message"] = error.message
            status = error.status
    return render(request, "applications/progress.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def apply_bundle(request: HttpRequest, slug: str) -> HttpResponse:
    """One form for a bundle (一件事): shared answers are asked once, then one draft per item. As on
    the single apply page, a token in the page makes a double click create one group, and an agent
    may apply for an enterprise whose authorisation covers every item of the bundle. Staff are
    refused the page (403)."""
    bundle = catalog.active_bundles().filter(slug=slug).first()
    if bundle is None:
        raise Http404
    user = _user(request)
    services.require_applicant(user)
    items = [entry.item for entry in bundle.entries.all()]
    form = ApplyForm.start(request, user, catalog.bundle_form(bundle), items)
    audience = Audience.of(items)
    if audience.refuses(form):
        return _who_may_apply(request, bundle.name, reverse("portal:bundle", args=[bundle.slug]))
    if request.method == "POST":
        data = form.read(request)

        def create() -> dict[str, str]:
            made = services.create_bundle_applications(
                user, bundle, data, enterprise_uscc=form.enterprise or None, request=request
            )
            return {"group": str(made[0].bundle_group)}

        try:
            form.require_complete()
            done = _once(request, user, "bundle", create)
        except DomainError as error:
            form.refuse(error, general="", status=422)
        else:
            return redirect("portal:bundle_group", group=done["group"])
    context = {"bundle": bundle, "audience": audience, **form.context(_token())}
    return render(request, "applications/apply_bundle.html", context, status=form.status)


@login_required
@require_http_methods(["GET", "POST"])
def bundle_group(request: HttpRequest, group: str) -> HttpResponse:
    """The applications of one bundle, shown and submitted as one."""
    applications = list(
        selectors.visible_to_applicant(_user(request)).filter(bundle_group=group).order_by("pk")
    )
    if not applications:
        raise Http404
    problems: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            services.submit_group(_user(request), applications[0].bundle_group, request)
        except DomainError as error:
            problems, status = error.fields or {"": [error.message]}, error.status
        else:
            messages.success(request, _("一件事的全部申请已提交。"))
            return redirect("portal:bundle_group", group=group)
        applications = [
            a
            for a in selectors.visible_to_applicant(_user(request))
            .filter(bundle_group=group)
            .order_by("pk")
        ]
    return render(
        request,
        "applications/bundle_group.html",
        {
            "applications": applications,
            "problems": problems,
            "drafts": any(a.status == Status.DRAFT for a in applications),
        },
        status=status,
    )
