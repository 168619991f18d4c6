"""The platform administrators' page of enterprises and their agents (企业与经办人授权管理),
wired into the workbench's address space by ``workbench.urls``. Only
``authority.is_platform_admin`` opens it; other staff and citizens get the 403 page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onewindow.accounts import authority, enterprises, selectors
from onewindow.accounts.decorators import staff_required
from onewindow.accounts.models import Agency
from onewindow.core.errors import DomainError

PAGE_SIZE = 20


def _platform_admin(request: HttpRequest) -> None:
    if not authority.is_platform_admin(request.user):
        raise PermissionDenied


@staff_required
@require_GET
def enterprise_list(request: HttpRequest) -> HttpResponse:
    """Enterprises, searched by USCC or name, each with its representative (masked phone) and
    its agents."""
    _platform_admin(request)
    query = (request.GET.get("q") or "").strip()[:64]
    page = Paginator(selectors.enterprises_for_admin(query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for enterprise in page.object_list:
        agencies = (
            Agency.objects.filter(enterprise=enterprise)
            .select_related("agent")
            .order_by("role", "revoked_at", "-expires_at")
        )
        rows.append(
            {
                "enterprise": enterprise,
                "agencies": [(a, enterprises.scope_names(a.scope)) for a in agencies],
            }
        )
    return render(
        request, "accounts/staff_enterprises.html", {"rows": rows, "page": page, "query": query}
    )


@staff_required
@require_POST
def revoke_agency(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Revoke an authorisation (the form on the list asks for a confirmation tick)."""
    _platform_admin(request)
    back = redirect("workbench:enterprises")
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("请勾选“确认撤销”后再提交。"))
        return back
    try:
        enterprises.revoke_by_admin(request.user, agency_id, request)  # type: ignore[arg-type]
    except DomainError as error:
        messages.error(request, error.message)
        return back
    messages.success(request, _("已撤销该授权，并已通知本人。"))
    return back
