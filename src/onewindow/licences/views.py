"""Licence pages: the wallet (我的证照), one licence with its shares and use log, the public
verification page reached from the QR code, a shared licence, using a licence in an application,
and the issuer's pages (licences issued, actions, issuing with edits, bulk import)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from onewindow.accounts import authority
from onewindow.accounts.decorators import staff_required
from onewindow.accounts.models import User
from onewindow.applications import selectors as app_selectors
from onewindow.core.errors import DomainError
from onewindow.licences import (
    documents,
    imports,
    issuance,
    reuse,
    sealing,
    selectors,
    services,
    sharing,
    throttle,
    verification,
)
from onewindow.licences.forms import ActionForm, ImportForm, IssueForm, ShareForm, copy_errors
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import ImportJob, Licence, LicenceUse
from onewindow.organizations.models import Department


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# -- the holder ---------------------------------------------------------------------------------
@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if authority.is_staff(user):
        return redirect("licences:manage")
    return render(request, "licences/wallet.html", {"licences": selectors.wallet(user)[:200]})


def _facts(licence: Licence, revealed: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The number, holder and face rows as a page shows them: masked, but for the one value the
    viewer asked to see in full (显示完整号码), which only this answer carries."""
    revealed = revealed or {}
    holder, code = verification.face_holder(licence)
    rows = [
        ("number", _("证照编号"), licence.number),
        ("holder_name", _("持证主体"), holder),
        ("holder_code", _("持证主体代码"), code),
        *((f"data.{key}", title, text) for key, title, text in documents.face_items(licence)),
    ]
    revealable = set(sealing.revealable_fields(licence))
    return [
        {
            "field": field,
            "label": label,
            "value": revealed.get(field, value),
            "revealed": field in revealed,
            "revealable": field in revealable and field not in revealed,
        }
        for field, label, value in rows
    ]


def _own_licence(request: HttpRequest, licence_id: int) -> Licence:
    user = _user(request)
    licence = None if authority.is_staff(user) else selectors.visible_licence(user, licence_id)
    if licence is None:
        raise Http404
    return licence


@login_required
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    user = _user(request)
    licence = _own_licence(request, licence_id)
    form = ShareForm(request.POST or None)
    new_link = ""
    if request.method == "POST" and form.is_valid():
        try:
            _link, token = sharing.create(
                licence, user, form.cleaned_data["purpose"], form.cleaned_data["hours"]
            )
            new_link = request.build_absolute_uri(reverse("licences:shared", args=[token]))
            form = ShareForm()
        except DomainError as error:
            copy_errors(form, error)
    return _render_detail(request, licence, form=form, new_link=new_link)


@login_required
@require_POST
def reveal(request: HttpRequest, licence_id: int) -> HttpResponse:
    """显示完整号码 on the holder's own page: the one value in full on this answer only (never
    in the session or a redirect); the holder's own look is not recorded."""
    licence = _own_licence(request, licence_id)
    field = request.POST.get("field", "")
    try:
        value = sealing.reveal_value(licence, field, viewer=_user(request), own=True)
    except DomainError as error:
        return _render_detail(request, licence, reveal_errors=error.fields, status=error.status)
    return _render_detail(request, licence, revealed={field: value})


def _render_detail(
    request: HttpRequest,
    licence: Licence,
    *,
    form: forms.Form | None = None,
    new_link: str = "",
    revealed: dict[str, str] | None = None,
    reveal_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "licences/detail.html",
        {
            "licence": licence,
            "facts": _facts(licence, revealed),
            "reveal_url": reverse("licences:reveal", args=[licence.pk]),
            "reveal_errors": reveal_errors or {},
            "check": verification.verify_licence(licence),
            "qr": _qr(request, licence),
            "form": form or ShareForm(),
            "new_link": new_link,
            "shares": licence.shares.all()[:50],
            "uses": licence.uses.select_related("application")[:100],
            "events": licence.events.all(),
        },
        status=status,
    )


def _qr(request: HttpRequest, licence: Licence) -> str:
    title = _("%(name)s 核验二维码") % {"name": licence.name}
    return documents.qr_svg(licence, request.build_absolute_uri("/").rstrip("/"), title)


@login_required
def show(request: HttpRequest, licence_id: int) -> HttpResponse:
    """出示证照: the licence held up at a counter. The QR code as large as the screen allows, the
    licence's name and number and the holder as the face prints them (a person masked), and its
    status now; nothing to press, no script."""
    licence = _own_licence(request, licence_id)
    response = render(
        request,
        "licences/show.html",
        {
            "licence": licence,
            "holder": verification.face_holder(licence)[0],
            "check": verification.verify_licence(licence).as_dict(),
            "qr": _qr(request, licence),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def unshare(request: HttpRequest, licence_id: int, share_id: int) -> HttpResponse:
    user = _user(request)
    licence = None if authority.is_staff(user) else selectors.visible_licence(user, licence_id)
    if licence is None:
        raise Http404
    sharing.revoke(share_id, user, licence)
    messages.success(request, _("授权已撤销。"))
    return redirect("licences:detail", licence_id)


@login_required
def download(request: HttpRequest, licence_id: int) -> HttpResponse:
    user = _user(request)
    licence = services.open_licence(user, licence_id, request)
    if licence is None:
        raise Http404
    services.record_use(licence, LicenceUse.Channel.DOWNLOAD, user=user)
    body = documents.pdf_bytes(licence, request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.pk}.pdf"'
    return response


# -- anyone -------------------------------------------------------------------------------------
def verify_page(request: HttpRequest) -> HttpResponse:
    identifier = request.GET.get("id", "").strip()
    result = offline = None
    wait = throttle.wait_seconds(request) if identifier else 0
    if identifier and not wait:  # the QR code's target: the same remembered answer as the API's
        result = verification.verify_query(
            identifier, request.GET.get("p", ""), request.GET.get("s", "")
        )
        offline = result.get("offline_payload_valid")
    limited = throttle.too_many(wait).message if wait else ""
    response = render(
        request,
        "licences/verify.html",
        {"identifier": identifier, "result": result, "offline": offline, "limited": limited},
        status=429 if wait else 200,
    )
    if wait:
        response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"  # the status may change at any moment
    return response


def shared(request: HttpRequest, token: str) -> HttpResponse:
    try:
        licence, share = sharing.open_shared(token)
    except DomainError as error:
        return render(request, "licences/shared.html", {"error": error.message}, status=404)
    if verification.status_now(licence) == Status.REVOKED:
        # A revoked licence's link shows the revocation and nothing else: no holder, no face.
        context: dict[str, Any] = {
            "revoked": True,
            "share": share,
            "revoked_at": licence.status_changed_at,
        }
    else:
        context = {
            "licence": licence,
            "share": share,
            "rows": documents.face_rows(licence),
            "holder": verification.face_holder(licence),
            "check": verification.verify_licence(licence),
        }
    response = render(request, "licences/shared.html", context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# -- using a licence in an application ------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def use_in_application(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    application = app_selectors.visible_to_applicant(user).filter(number=number).first()
    if application is None:
        raise Http404
    offers = reuse.offers(application)
    error = ""
    if request.method == "POST":
        try:
            reuse.use_licence(
                application,
                user,
                int(request.POST.get("material", "-1") or -1),
                int(request.POST.get("licence", "0") or 0),
                consent=request.POST.get("consent") == "1",
            )
            messages.success(request, _("已使用电子证照，该项材料免于提交。"))
            return redirect("portal:application", application.number)
        except ValueError:
            error = _("请选择证照。")
        except DomainError as exc:
            # One form per material: the first field message is the one to show.
            error = exc.details()[0]
    materials = application.item_version.data["materials"]
    rows = [(index, materials[index], found) for index, found in offers.items()]
    return render(
        request,
        "licences/use.html",
        {"application": application, "rows": rows, "error": error},
        status=422 if error else 200,
    )


# -- the issuer (staff pages: ``staff_required``) ------------------------------------------------
@staff_required
def manage(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    departments = authority.departments_of(user)
    licences = selectors.staff_licences(departments)
    query = request.GET.get("q", "").strip()
    if query:
        licences = licences.filter(number__icontains=query) | licences.filter(
            identifier__icontains=query.upper()
        )
    status = request.GET.get("status", "")
    if status in Status.values:
        licences = licences.filter(status=status)
    return render(
        request,
        "licences/manage.html",
        {
            "licences": licences[:100],
            "statuses": Status.choices,
            "query": query,
            "status": status,
            "jobs": ImportJob.objects.filter(department_id__in=departments)[:10],
        },
    )


def _issued_licence(request: HttpRequest, licence_id: int) -> Licence:
    departments = authority.departments_of(request.user)
    licence = selectors.staff_licences(departments).filter(pk=licence_id).first()
    if licence is None:
        raise Http404
    return licence


@staff_required
@require_http_methods(["GET", "POST"])
def manage_detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    user = _user(request)
    licence = _issued_licence(request, licence_id)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        if form.needs_confirmation():
            return _render_manage(request, licence, form=form, status=200, confirm=action)
        try:
            if action == "replace":
                new = services.replace(licence.pk, user, {}, reason, request=request)
                messages.success(request, _("已换发新版本。"))
                return redirect("licences:manage_detail", new.pk)
            services.change_status(licence.pk, action, user, reason, request=request)
            messages.success(request, _("已办理。"))
            return redirect("licences:manage_detail", licence.pk)
        except DomainError as error:
            copy_errors(form, error)
    return _render_manage(request, licence, form=form, status=422 if form.errors else 200)


@staff_required
@require_POST
def manage_reveal(request: HttpRequest, licence_id: int) -> HttpResponse:
    """显示完整号码 for the issuer's staff, who give a reason: the audit trail records who saw
    which value of which licence and why; the value is on this answer only."""
    user = _user(request)
    licence = _issued_licence(request, licence_id)
    field = request.POST.get("field", "")
    try:
        value = sealing.reveal_value(
            licence,
            field,
            viewer=user,
            own=False,
            purpose=request.POST.get("purpose", ""),
            request=request,
        )
    except DomainError as error:
        return _render_manage(request, licence, reveal_errors=error.fields, status=error.status)
    return _render_manage(request, licence, revealed={field: value})


def _render_manage(
    request: HttpRequest,
    licence: Licence,
    *,
    form: forms.Form | None = None,
    revealed: dict[str, str] | None = None,
    reveal_errors: dict[str, list[str]] | None = None,
    status: int = 200,
    confirm: str = "",
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "licences/manage_detail.html",
        {
            "confirm": confirm,
            "licence": licence,
            "facts": _facts(licence, revealed),
            "reveal_url": reverse("licences:manage_reveal", args=[licence.pk]),
            "ask_purpose": True,
            "reveal_errors": reveal_errors or {},
            "check": verification.verify_licence(licence),
            "form": form or ActionForm(),
            "events": licence.events.all(),
            "uses": licence.uses.select_related("application")[:100],
            "can_manage": services.can_manage(user, licence.issuer_id),
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def issue_page(request: HttpRequest, number: str) -> HttpResponse:
    """The decider completes and issues an approved application's licence. Only those who issue
    the department's licences (``services.can_manage``) open the form: other staff who see the
    application (its clerk) are refused (403), since the form shows it filled in."""
    user = _user(request)
    application = app_selectors.visible_to_staff(user).filter(number=number).first()
    licence_type = issuance.licence_type_for(application) if application else None
    if application is None or licence_type is None:
        raise Http404
    services.require_manager(user, application.department_id)
    initial = issuance.face_data(application, licence_type)
    form = IssueForm(request.POST or None, licence_type=licence_type, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            licence = issuance.issue_by_decider(application, user, form.face(), request=request)
        except DomainError as error:
            copy_errors(form, error, prefix="data.")
        else:
            messages.success(request, _("电子证照已签发。"))
            return redirect("licences:manage_detail", licence.pk)
    context = {"application": application, "licence_type": licence_type, "form": form}
    return render(request, "licences/issue.html", context, status=422 if form.errors else 200)


def _import_departments(user: User) -> list[Department]:
    """The departments whose licences the user may import: theirs, where they manage licences."""
    mine = Department.objects.filter(pk__in=authority.departments_of(user))
    return [d for d in mine if services.can_manage(user, d.pk)]


@staff_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    departments = _import_departments(user)
    if not departments:
        message = _("只有颁发部门的决定人员或管理员可以导入证照。")
        raise DomainError("forbidden", message, status=403)
    form = ImportForm(request.POST or None, request.FILES or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        job = imports.start(
            data["department"], data["licence_type"], user, upload.name, upload.read()
        )
        return redirect("licences:import_job", job.pk)
    return render(
        request, "licences/import.html", {"form": form}, status=422 if form.errors else 200
    )


@staff_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = ImportJob.objects.filter(
        pk=job_id, department_id__in=authority.departments_of(request.user)
    ).first()
    if job is None:
        raise Http404
    processed = imports.progress(job)
    percent = int(100 * processed / job.total) if job.total else 0
    template = (
        "licences/_import_progress.html"
        if request.headers.get("HX-Request")
        else "licences/import_job.html"
    )
    return render(request, template, {"job": job, "percent": percent, "processed": processed})
