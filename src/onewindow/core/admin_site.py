"""The Django admin as OneWindow's back office (管理后台): its name on every page, and the sections
of the third-party apps it lists named in the site's languages like ours (each app of ours names
itself in its ``AppConfig.verbose_name``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Sections and models of installed libraries, by app label and model name (``object_name``).
LIBRARY_NAMES: dict[str, tuple[Promise, dict[str, Promise]]] = {
    "django_tasks_database": (_("后台任务"), {"DBTaskResult": _("任务结果")}),
    "axes": (_("登录锁定"), {}),
}


class OneWindowAdminSite(admin.AdminSite):
    site_header = _("OneWindow 一网通办 管理后台")
    site_title = _("OneWindow 管理后台")
    index_title = _("管理首页")

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        apps = super().get_app_list(request, app_label)
        for app in apps:
            names = LIBRARY_NAMES.get(app["app_label"])
            if names is None:
                continue
            app["name"] = names[0]
            for model in app["models"]:
                if model["object_name"] in names[1]:
                    model["name"] = names[1][model["object_name"]]
        return apps


class OneWindowAdminConfig(AdminConfig):
    """Installed in place of ``django.contrib.admin``: ``admin.site`` is the branded site."""

    default_site = "onewindow.core.admin_site.OneWindowAdminSite"
