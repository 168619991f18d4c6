"""Applicant pages: apply step by step, upload materials, review and submit, follow, fix a
correction, withdraw; progress lookup without an account. Everything works without JavaScript."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.accounts.models import User
from onewindow.accounts.selectors import effective_agencies
from onewindow.applications import (
    forms,
    presenters,
    progress,
    rendering,
    selectors,
    services,
    trust,
)
from onewindow.applications.files import material_response
from onewindow.applications.lifecycle import Status
from onewindow.applications.models import Application, ApplicationMaterial, IdempotencyRecord
from onewindow.catalog import selectors as catalog
from onewindow.core import personal
from onewindow.core.errors import DomainError
from onewindow.core.net import client_network
from onewindow.notifications.models import Message


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _mine(request: HttpRequest, number: str) -> Application:
    application = selectors.visible_to_applicant(_user(request)).filter(number=number).first()
    if application is None:
        raise Http404
    return application


def _open_faults(application: Application) -> list[dict[str, str]]:
    """The open correction request's faults, each with what it points at (a material's or a form
    field's name), so a page can show the clerk's words next to exactly that material or field."""
    correction = application.corrections.filter(resolved_at__isnull=True).first()
    if correction is None:
        return []
    data = application.item_version.data
    materials = data["materials"]
    properties = data["form_schema"].get("properties", {})
    out = []
    for fault in correction.faults:
        kind, key = str(fault.get("kind", "material")), str(fault.get("key", ""))
        target = ""
        if kind == "material" and key.isdigit() and int(key) < len(materials):
            target = str(materials[int(key)]["name"])
        elif kind == "field" and key in properties:
            target = str(properties[key].get("title", key))
        out.append(
            {"kind": kind, "key": key, "target": target, "message": str(fault.get("message", ""))}
        )
    return out


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
    click) answers what the first one made. The result and the token's record commit together,
    so the losing one of two simultaneous clicks fails on the token's unique key and takes what
    it made back with it. A post without a token (made by hand) is not a repeat of anything."""
    token = request.POST.get("token", "").strip()[:32]  # the page's is 32 hex digits
    if not token:
        return create()
    key = f"{scope}:{token}"
    earlier = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if earlier is not None:
        return dict(earlier.body)
    try:
        with transaction.atomic():
            body = create()
            IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint="", status=201, body=body
            )
    except IntegrityError:
        earlier = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if earlier is None:  # not the other click's token: a real fault, not to be hidden
            raise
        return dict(earlier.body)
    return body


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, item_id: int) -> HttpResponse:
    """Step 1: the form. A token in the page makes a double click create one draft, not two."""
    item = catalog.published_item(item_id)
    if item is None or item.current_version is None:
        raise Http404
    user = _user(request)
    schema = item.current_version.data["form_schema"]
    agencies = [
        a
        for a in effective_agencies(user)
        if a.covers(item.basic_code) or a.covers(item.implementation_code)
    ]
    enterprise_uscc = request.POST.get("enterprise") or request.GET.get("enterprise") or ""
    enterprise = next(
        (a.enterprise for a in agencies if a.enterprise.uscc == enterprise_uscc), None
    )
    data = forms.prefill(schema, user, enterprise)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        data = rendering.parse(schema, request.POST, list(schema.get("properties", {})))
        try:
            done = _once(
                request,
                user,
                "page",
                lambda: {
                    "number": services.create_application(
                        user, item, data, enterprise_uscc=enterprise_uscc or None, request=request
                    ).number
                },
            )
        except DomainError as error:
            errors, status = error.fields or {"data": [error.message]}, error.status
        else:
            return redirect("portal:application_materials", number=done["number"])
    return render(
        request,
        "applications/apply.html",
        {
            "item": item,
            "data_version": item.current_version,
            "fields": rendering.fields(
                schema, data, errors, set(forms.prefill(schema, user, enterprise))
            ),
            "errors": errors,
            "token": uuid.uuid4().hex,
            "agencies": agencies,
            "enterprise": enterprise_uscc,
        },
        status=status,
    )


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
            "field_faults": [f for f in _open_faults(application) if f["kind"] == "field"],
        },
        status=status,
    )


def _choose_instead(request: HttpRequest, application: Application, action: str) -> tuple[str, int]:
    """A written commitment (D) or a checked material reused (B) instead of an upload; returns the
    error to show and its status, or ("", 200) when done."""
    try:
        index = int(request.POST.get("material", "-1"))
        if action == "commit":
            agreed = request.POST.get("agreed") == "1"
            trust.commit_instead(application, _user(request), index, agreed=agreed)
            messages.success(request, _("已作出告知承诺，这项材料免于提交。"))
        else:
            source = int(request.POST.get("source", "0") or 0)
            trust.reuse_checked(application, _user(request), index, source)
            messages.success(request, _("已使用核验过的材料。"))
    except ValueError:
        return _("没有这一项申请材料。"), 422
    except DomainError as failure:
        return failure.details()[0], failure.status
    return "", 200


@login_required
@require_http_methods(["GET", "POST"])
def materials(request: HttpRequest, number: str) -> HttpResponse:
    """Step 2: one upload per material; each can be replaced until submission."""
    application = _mine(request, number)
    error, status = "", 200
    action = request.POST.get("action", "upload")
    if request.method == "POST" and action in ("commit", "reuse"):
        error, status = _choose_instead(request, application, action)
        if not error:
            return redirect("portal:application_materials", number=number)
    elif request.method == "POST":
        upload = request.FILES.get("file")
        try:
            index = int(request.POST.get("material", "-1"))
            if upload is None:
                raise DomainError(
                    "validation_error",
                    _("请选择文件。"),
                    fields={"file": [_("请选择文件。")]},
                    status=422,
                )
            services.add_material(
                application, _user(request), index, upload.name or "", upload, upload.size or 0
            )
        except ValueError:
            error, status = _("没有这一项申请材料。"), 422
        except DomainError as failure:
            error, status = (failure.fields.get("file") or [failure.message])[0], failure.status
        else:
            messages.success(request, _("已上传。"))
            return redirect("portal:application_materials", number=number)
    uploaded = {m.material_index: m for m in application.materials.filter(replaced=False)}
    faults = _open_faults(application)
    editable = application.status in trust.EDITABLE
    reusable = trust.reusable(application, _user(request)) if editable else {}
    rows = [
        {
            "index": i,
            "spec": spec,
            "file": uploaded.get(i),
            "faults": [f for f in faults if f["kind"] == "material" and f["key"] == str(i)],
            "reusable": reusable.get(i, []),
            "commitment": trust.commitment_text(application, spec)
            if spec.get("commitment_allowed")
            else "",
        }
        for i, spec in enumerate(application.item_version.data["materials"])
    ]
    return render(
        request,
        "applications/materials.html",
        {
            "application": application,
            "rows": rows,
            "error": error,
            "failed_index": request.POST.get("material", "") if error else "",
            "failed_action": action if error else "",
            "field_faults": [f for f in faults if f["kind"] == "field"],
            "other_faults": [f for f in faults if not f["target"]],
        },
        status=status,
    )


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
                messages.success(
                    request, _("申请已提交，办件编号%(number)s。") % {"number": number}
                )
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
            "problems": presenters.problem_rows(application, problems),
        },
        status=status,
    )


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
            "faults": _open_faults(application),
            "can_withdraw": application.status
            in (
                Status.SUBMITTED,
                Status.CORRECTION,
                Status.IN_REVIEW,
                Status.DECIDING,
                Status.SUSPENDED,
            ),
        },
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    application = _mine(request, number)
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
    items = list(Message.objects.filter(user=user)[:100])
    Message.objects.filter(user=user, read_at__isnull=True, pk__in=[m.pk for m in items]).update(
        read_at=timezone.now()
    )
    return render(request, "applications/messages.html", {"items": items})


@require_http_methods(["GET", "POST"])
@personal.no_store
def progress_page(request: HttpRequest) -> HttpResponse:
    """进度查询: number + phone → code → the public view."""
    values = {k: request.POST.get(k, "").strip() for k in ("number", "phone", "code")}
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
    may apply for an enterprise whose authorisation covers every item of the bundle."""
    bundle = catalog.active_bundles().filter(slug=slug).first()
    if bundle is None:
        raise Http404
    user = _user(request)
    schema = catalog.bundle_form(bundle)
    items = [entry.item for entry in bundle.entries.all()]
    agencies = [
        a
        for a in effective_agencies(user)
        if all(a.covers(i.basic_code) or a.covers(i.implementation_code) for i in items)
    ]
    enterprise_uscc = request.POST.get("enterprise") or request.GET.get("enterprise") or ""
    enterprise = next(
        (a.enterprise for a in agencies if a.enterprise.uscc == enterprise_uscc), None
    )
    data = forms.prefill(schema, user, enterprise)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        data = rendering.parse(schema, request.POST, list(schema.get("properties", {})))
        try:
            done = _once(
                request,
                user,
                "bundle",
                lambda: {
                    "group": str(
                        services.create_bundle_applications(
                            user,
                            bundle,
                            data,
                            enterprise_uscc=enterprise_uscc or None,
                            request=request,
                        )[0].bundle_group
                    )
                },
            )
        except DomainError as error:
            errors, status = error.fields or {"": [error.message]}, 422
        else:
            return redirect("portal:bundle_group", group=done["group"])
    return render(
        request,
        "applications/apply_bundle.html",
        {
            "bundle": bundle,
            "fields": rendering.fields(
                schema, data, errors, set(forms.prefill(schema, user, enterprise))
            ),
            "errors": errors,
            "token": uuid.uuid4().hex,
            "agencies": agencies,
            "enterprise": enterprise_uscc,
        },
        status=status,
    )


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
