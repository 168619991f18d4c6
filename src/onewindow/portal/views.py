"""Public pages. Every form works without JavaScript (a plain POST that re-renders with errors and
keeps what was typed); htmx only saves a round trip when sending an SMS code."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.accounts import authority, codes, selectors, services
from onewindow.accounts.models import ApiToken, SmsCode, User
from onewindow.catalog import selectors as catalog_selectors
from onewindow.core.errors import DomainError
from onewindow.core.net import client_network
from onewindow.organizations.models import Department, ServiceHall
from onewindow.organizations.selectors import active_departments, directory_version
from onewindow.portal import preferences
from onewindow.portal.forms import (
    PasswordLoginForm,
    PasswordResetForm,
    PortalForm,
    RegistrationForm,
    SmsLoginForm,
)

SESSION_BACKEND = "onewindow.accounts.backends.AccountBackend"
FAVICON = Path(__file__).resolve().parent / "static" / "portal" / "favicon.ico"


# -- public pages ----------------------------------------------------------------------------------
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    departments = active_departments().filter(parent__isnull=True)
    halls = ServiceHall.objects.select_related("region").annotate(window_count=Count("windows"))
    return render(
        request,
        "portal/home.html",
        {
            "departments": departments,
            "halls": halls,
            "directory_version": directory_version(),
            "catalog_version": catalog_selectors.catalog_version(),
            "hot": catalog_selectors.hot_entries(12),
            "bundles": catalog_selectors.bundle_links(),
        },
    )


@require_GET
def audience(request: HttpRequest, kind: str) -> HttpResponse:
    """个人办事 / 法人办事: where a person or an enterprise starts."""
    title = _("个人办事") if kind == "personal" else _("法人办事")
    target, topics = catalog_selectors.AUDIENCES[kind]
    return render(
        request,
        "portal/audience.html",
        {
            "kind": kind,
            "title": title,
            "departments": active_departments(),
            "halls": ServiceHall.objects.prefetch_related("windows__department"),
            "directory_version": directory_version(),
            "topics": topics,
            "hot": catalog_selectors.hot_entries(10, target),
            "bundles": catalog_selectors.bundles_for(kind),
        },
    )


@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/departments.html",
        {"departments": active_departments().select_related("parent")},
    )


@require_GET
def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(
        Department.objects.select_related("region", "parent"), slug=slug, is_active=True
    )
    return render(
        request,
        "portal/department.html",
        {
            "department": department,
            "children": department.children.filter(is_active=True),
            "windows": department.windows.filter(is_active=True).select_related("hall"),
            "entries": catalog_selectors.department_entries(department),
        },
    )


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """隐私声明: what the site keeps about a person, why, for how long, and their rights
    (《个人信息保护法》)."""
    return render(request, "portal/privacy.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """无障碍声明: what the site does for people with disabilities and older people
    (GB/T 37668-2019, WCAG 2.2 AA), what is known not to work, and whom to tell."""
    return render(request, "portal/accessibility.html")


@cache_control(max_age=7 * 24 * 3600, public=True)
@require_GET
def favicon(request: HttpRequest) -> FileResponse:
    """``/favicon.ico``, which browsers and feed readers ask for whatever the page links."""
    return FileResponse(FAVICON.open("rb"), content_type="image/vnd.microsoft.icon")


@require_GET
def interaction(request: HttpRequest) -> HttpResponse:
    """互动交流: the way in to 我要反映, 我的诉求 and 市长信箱 (``portal.tickets_views``), then the
    12345 hotline and every department's consultation phone."""
    hotline = Department.objects.filter(Q(slug="hotline") | Q(phone="12345")).first()
    return render(
        request,
        "portal/interaction.html",
        {"hotline": hotline, "departments": active_departments()},
    )


# -- sign in and out -------------------------------------------------------------------------------
def _next_url(request: HttpRequest, user: User) -> str:
    """Where a login goes: the page that asked for it, else staff to their workbench and everyone
    else to 我的空间."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    if authority.is_staff(user):
        return reverse("workbench:inbox")
    return reverse(settings.LOGIN_REDIRECT_URL)


def _send_code(request: HttpRequest, form: PortalForm, purpose: str) -> None:
    """Send a code to the form's phone; the form shows a refusal beside the phone."""
    try:
        codes.request_code(form.value("phone"), purpose, client_network(request))
    except DomainError as error:
        form.apply_errors(error)
        return
    messages.info(request, _("验证码已发送，5分钟内有效。如未收到，可在60秒后重新获取。"))


def _refusal_status(error: DomainError, *kept: int) -> int:
    """A refusal's status on a form page: the ``kept`` ones as they are, any other as 422."""
    return error.status if error.status in kept else 422


def _login_form(request: HttpRequest) -> tuple[str, PortalForm]:
    mode = "sms" if (request.POST or request.GET).get("mode") == "sms" else "password"
    form_class = SmsLoginForm if mode == "sms" else PasswordLoginForm
    return mode, form_class(request.POST or None)


def _sign_in(request: HttpRequest, form: PortalForm, mode: str) -> User:
    if mode == "sms":
        return services.login_with_sms(request, form.value("phone"), form.value("sms_code"))
    return services.login_with_password(
        request, form.value("username"), form.value("password"), form.value("sms_code")
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    mode, form = _login_form(request)
    status = 200
    if request.method == "POST" and form.is_valid():
        if mode == "sms" and request.POST.get("action") == "send_code":
            _send_code(request, form, SmsCode.Purpose.LOGIN)
            return _render_login(request, form, mode, 200)
        try:
            user = _sign_in(request, form, mode)
        except DomainError as error:
            form.apply_errors(error)
            status = _refusal_status(error, 401, 403, 429)
        else:
            auth_login(request, user, backend=SESSION_BACKEND)
            return redirect(_next_url(request, user))
    return _render_login(request, form, mode, status)


def _render_login(request: HttpRequest, form: PortalForm, mode: str, status: int) -> HttpResponse:
    if mode == "password" and not form.has_error("sms_code") and not form.value("sms_code"):
        del form.fields["sms_code"]  # only for the second step of a second-factor login
    return render(
        request,
        "portal/login.html",
        {
            "form": form,
            "mode": mode,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=status,
    )


def _registration(form: PortalForm) -> services.PersonRegistration:
    return services.PersonRegistration(
        name=form.value("name"),
        id_number=form.value("id_number"),
        phone=form.value("phone"),
        sms_code=form.value("sms_code"),
        password=form.value("password"),
        privacy_consent=bool(form.cleaned_data.get("privacy_consent")),
    )


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "send_code":
            _send_code(request, form, SmsCode.Purpose.REGISTER)
            return render(request, "portal/register.html", {"form": form, "code_sent": True})
        if not form.passwords_match():
            return render(request, "portal/register.html", {"form": form}, status=422)
        try:
            user = services.register_person(_registration(form), request=request)
        except DomainError as error:
            form.apply_errors(error)
            # Only the holder of the phone hears that it is registered: show them the way back in.
            context = {"form": form, "already_registered": error.code == "already_registered"}
            status = _refusal_status(error, 409, 429)
            return render(request, "portal/register.html", context, status=status)
        auth_login(request, user, backend=SESSION_BACKEND)
        site = settings.ONEWINDOW["SITE_NAME"]
        messages.success(request, _("注册成功，欢迎使用%(site)s。") % {"site": site})
        return redirect("portal:my_space")
    return render(request, "portal/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
def password_reset_view(request: HttpRequest) -> HttpResponse:
    """找回密码: a code to the account's phone, then a new password."""
    form = PasswordResetForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "send_code":
            _send_code(request, form, SmsCode.Purpose.RESET_PASSWORD)
            return render(request, "portal/password_reset.html", {"form": form})
        if not form.passwords_match():
            return render(request, "portal/password_reset.html", {"form": form}, status=422)
        try:
            services.reset_password(
                form.value("phone"), form.value("sms_code"), form.value("password"), request
            )
        except DomainError as error:
            form.apply_errors(error)
            status = _refusal_status(error, 429)
        else:
            messages.success(request, _("密码已重置，请使用新密码登录。"))
            return redirect("portal:login")
    return render(request, "portal/password_reset.html", {"form": form}, status=status)


@require_POST
def sms_code_fragment(request: HttpRequest) -> HttpResponse:
    """htmx: send a code without reloading the page; answers a small status fragment."""
    purpose = request.POST.get("purpose", "")
    try:
        codes.request_code(request.POST.get("phone", ""), purpose, client_network(request))
    except DomainError as error:
        return render(request, "portal/_sms_status.html", {"error": error.details()[0]})
    return render(request, "portal/_sms_status.html", {"sent": True})


@require_GET
def switch_language(request: HttpRequest, code: str) -> HttpResponse:
    """A plain link, so public pages carry no form token and can be cached for everyone."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    response = redirect(_back_to(request))
    preferences.remember(response, settings.LANGUAGE_COOKIE_NAME, code)
    return response


@require_GET
def switch_elderly(request: HttpRequest, mode: str) -> HttpResponse:
    """长辈模式 on or off: a plain link on every page (no script, no form token), remembered in a
    cookie the page cache keys on."""
    if mode not in ("on", "off"):
        raise Http404
    response = redirect(_back_to(request))
    preferences.remember(response, preferences.ELDERLY_COOKIE, "1" if mode == "on" else "0")
    return response


def _back_to(request: HttpRequest) -> str:
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Signing out is a POST (a link or a prefetch must not sign anyone out); the address opened
    directly explains that and offers the button."""
    if request.method == "GET":
        return render(request, "portal/logout.html")
    auth_logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# -- my space --------------------------------------------------------------------------------------
@login_required
@require_GET
def my_space(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")
    return render(
        request,
        "portal/my_space.html",
        {
            "account": user,
            "agencies": selectors.effective_agencies(user),
            "staff": authority.is_staff(user),
            "memberships": authority.memberships_of(user),
            "tokens": [t for t in tokens if t.is_usable()],
            "logins": selectors.recent_logins(user),
            "unread": user.messages.filter(read_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    record = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(record, request=request)
    messages.success(request, _("已撤销该接口令牌。"))
    return redirect("portal:account")
