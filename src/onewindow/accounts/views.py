"""The identity app's own pages in the citizen's space: my enterprises and their agents, and the
account page (phone, password, API tokens). Wired into the portal's address space by
``portal.urls`` (namespace ``portal``). Every form works without JavaScript: a plain POST that
re-renders with the errors and keeps what was typed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onewindow.accounts import account, enterprises, selectors
from onewindow.accounts.forms import (
    AgentForm,
    EnterpriseForm,
    PasswordChangeForm,
    PhoneChangeForm,
    TokenForm,
)
from onewindow.accounts.models import Agency, ApiToken, User
from onewindow.accounts.scopes import item_catalogue
from onewindow.core.errors import DomainError
from onewindow.core.net import client_network

SCOPE_CHOICES_SHOWN = 50


def _person(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not user.is_natural_person:
        raise PermissionDenied
    return user


def _status(error: DomainError) -> int:
    return error.status if error.status in (403, 409, 429, 503) else 422


# -- my enterprises --------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def my_enterprises(request: HttpRequest) -> HttpResponse:
    """我的企业: the enterprises I represent or act for, and registering one I represent."""
    person = _person(request)
    form = EnterpriseForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            agency = enterprises.register_enterprise(
                person,
                form.value("uscc"),
                form.value("name"),
                form.value("legal_representative"),
                request,
            )
        except DomainError as error:
            form.apply_errors(error)
            status = _status(error)
        else:
            messages.success(request, _("企业登记成功。现在可以授权经办人代企业办事。"))
            return redirect("portal:my_enterprise", uscc=agency.enterprise.uscc)
    return render(
        request,
        "accounts/enterprises.html",
        {"agencies": selectors.my_enterprises(person), "form": form},
        status=status,
    )


def _managed(request: HttpRequest, uscc: str) -> tuple[User, User]:
    person = _person(request)
    enterprise = selectors.represented_enterprise(person, uscc)
    if enterprise is None:  # someone else's and unknown look the same
        raise Http404
    return person, enterprise


def _chosen_scope(request: HttpRequest) -> Any:
    if request.POST.get("scope_mode", "all") == "all":
        return Agency.ALL
    return request.POST.getlist("items")[: enterprises.MAX_SCOPE_ITEMS + 1]


def _authorise(request: HttpRequest, person: User, uscc: str, form: AgentForm) -> tuple[int, str]:
    """Authorise the agent the form names: the page's status and the scope's own error (shown
    beside the item picker, not in the form's summary); 0 when it was done."""
    try:
        enterprises.authorise_agent(
            person,
            uscc,
            form.value("phone"),
            _chosen_scope(request),
            form.value("valid_until"),
            request,
        )
    except DomainError as error:
        scope_error = " ".join(error.fields.pop("scope", []))
        if error.fields or not scope_error:
            form.apply_errors(error)
        return _status(error), scope_error
    return 0, ""


@login_required
@require_http_methods(["GET", "POST"])
def my_enterprise(request: HttpRequest, uscc: str) -> HttpResponse:
    """One enterprise I represent: its agents, and authorising one (all business or chosen
    items, the items searchable by name)."""
    person, enterprise = _managed(request, uscc)
    form = AgentForm(request.POST or None)
    status, scope_error = 200, ""
    if request.method == "POST" and form.is_valid():
        status, scope_error = _authorise(request, person, uscc, form)
        if not status:
            messages.success(request, _("已授权经办人，并已通知本人。"))
            return redirect("portal:my_enterprise", uscc=enterprise.uscc)
    query = (request.GET.get("q") or request.POST.get("q") or "").strip()[:50]
    return render(
        request,
        "accounts/enterprise.html",
        {
            "enterprise": enterprise,
            "agents": [
                (a, enterprises.scope_names(a.scope)) for a in selectors.agents_of(enterprise)
            ],
            "form": form,
            "scope_mode": request.POST.get("scope_mode", "all"),
            "scope_error": scope_error,
            "items": item_catalogue().search(query, SCOPE_CHOICES_SHOWN),
            "chosen": set(request.POST.getlist("items")),
            "query": query,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def revoke_agent(request: HttpRequest, uscc: str, agency_id: int) -> HttpResponse:
    """Revoking asks first (GET: the question; POST: the act)."""
    person, enterprise = _managed(request, uscc)
    agency = selectors.agents_of(enterprise).filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    if request.method == "POST":
        enterprises.revoke_agent(person, uscc, agency_id, request)
        messages.success(request, _("已撤销该经办人的授权，并已通知本人。"))
        return redirect("portal:my_enterprise", uscc=enterprise.uscc)
    return render(
        request, "accounts/revoke_agent.html", {"enterprise": enterprise, "agency": agency}
    )


# -- my account ------------------------------------------------------------------------------------
def _tokens(user: User) -> list[ApiToken]:
    records = ApiToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at")
    return [t for t in records if t.is_usable()]


def _change_password(request: HttpRequest, user: User, form: PasswordChangeForm) -> int:
    """The page's status after a password change: 0 when done (the session stays signed in)."""
    try:
        account.change_password(
            user, form.value("current_password"), form.value("new_password"), request
        )
    except DomainError as error:
        form.apply_errors(error)
        return _status(error)
    update_session_auth_hash(request, user)
    return 0


def _create_token(user: User, form: TokenForm) -> tuple[int, str]:
    """The page's status and the new token's secret (shown once)."""
    try:
        secret, _record = account.create_token(
            user, form.value("token_name"), int(form.value("token_days") or 0)
        )
    except DomainError as error:
        form.apply_errors(error)
        return _status(error), ""
    return 200, secret


@login_required
@require_http_methods(["GET", "POST"])
def account_page(request: HttpRequest) -> HttpResponse:
    """账号设置: the phone (masked; changed on its own page), the password, API tokens."""
    user: User = request.user  # type: ignore[assignment]
    action = request.POST.get("action", "")
    password_form = PasswordChangeForm(request.POST if action == "password" else None)
    token_form = TokenForm(request.POST if action == "token" else None)
    status, secret = 200, ""
    if action == "password" and password_form.is_valid():
        status = _change_password(request, user, password_form)
        if not status:
            messages.success(request, _("密码已修改，其他设备上的登录已退出。"))
            return redirect("portal:account")
    elif action == "token" and token_form.is_valid():
        status, secret = _create_token(user, token_form)
        if secret:
            token_form = TokenForm()
    return render(
        request,
        "accounts/account.html",
        {
            "account": user,
            "password_form": password_form,
            "token_form": token_form,
            "tokens": _tokens(user),
            "secret": secret,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def change_phone(request: HttpRequest) -> HttpResponse:
    """更换手机号: a code to the new number, then the change."""
    user: User = request.user  # type: ignore[assignment]
    form = PhoneChangeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if request.POST.get("action") == "send_code":
                account.send_phone_code(user, form.value("phone"), client_network(request))
                messages.info(request, _("验证码已发送到新手机号，5分钟内有效。"))
            else:
                account.change_phone(user, form.value("phone"), form.value("sms_code"), request)
                messages.success(request, _("手机号已更换，请用新手机号登录。"))
                return redirect("portal:account")
        except DomainError as error:
            form.apply_errors(error)
            status = _status(error)
    return render(request, "accounts/change_phone.html", {"form": form}, status=status)
