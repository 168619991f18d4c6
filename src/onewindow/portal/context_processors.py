"""What every page's layout needs: the site's name and identifiers, the visitor's display choices
and, for staff, the staff navigation."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onewindow.accounts import authority
from onewindow.core.errors import DomainError
from onewindow.licences.services import ISSUER_ROLES
from onewindow.portal.preferences import elderly_mode
from onewindow.tickets import services as tickets


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    current: bool = False


def site(request: HttpRequest) -> dict[str, object]:
    config = settings.ONEWINDOW
    return {
        "site_name": config["SITE_NAME"],
        "site_identifier": config["SITE_IDENTIFIER"],
        "icp_number": config["ICP_NUMBER"],
        "elderly": elderly_mode(request),
    }


def _hotline_staff(user: object) -> bool:
    try:
        tickets.hotline_department_id()  # an installation without a hotline has no hotline pages
        return bool(tickets.is_hotline_staff(user))
    except DomainError:  # no hotline department on this installation
        return False


def staff_navigation(request: HttpRequest) -> dict[str, object]:
    """The staff's own navigation (``staff_nav``): only the pages the person may open, each decided
    by ``accounts.authority``, so nobody is shown a link to a refusal."""
    user = getattr(request, "user", None)
    if not authority.is_staff(user):
        return {"staff_nav": []}
    heads = authority.departments_of(user, authority.Role.DECIDER, authority.Role.DEPARTMENT_ADMIN)
    wanted: list[tuple[str, str | Promise, bool]] = [
        ("workbench:inbox", _("待办任务"), True),
        # The department's load and its licences are for those who answer for the department.
        ("workbench:load", _("部门工作量"), bool(heads) or authority.is_platform_admin(user)),
        ("licences:manage", _("电子证照管理"), bool(authority.departments_of(user, *ISSUER_ROLES))),
        ("workbench:staff", _("人员管理"), authority.may_manage_staff(user)),
        ("workbench:departments", _("部门管理"), authority.is_platform_admin(user)),
        ("workbench:enterprises", _("企业与经办人"), authority.is_platform_admin(user)),
    ]
    if _hotline_staff(user):  # the 12345 hotline's own pages, for its staff only
        wanted[1:1] = [
            ("workbench:hotline", _("12345热线"), True),
            ("workbench:hotline_call", _("来电登记"), True),
            ("workbench:knowledge", _("知识库"), True),
        ]
    links = []
    for name, label, allowed in wanted:
        if not allowed:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # a page this installation does not have
            continue
        links.append(NavLink(url, label, request.path == url))
    return {"staff_nav": links}
