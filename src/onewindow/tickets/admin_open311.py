"""Open311 client keys in the admin: an administrator names a client and gets its key, shown on
the next page once and never again (only a keyed hash is kept, ``tickets.clients``); a key is
turned off, not deleted, so the tickets it filed keep naming their client.

Wiring (``tickets/admin.py``): ``admin.site.register(ClientKey, ClientKeyAdmin)``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.core import audit
from onewindow.tickets import clients
from onewindow.tickets.models import ClientKey

ISSUED_TEMPLATE = "admin/tickets/clientkey/issued.html"


class ClientKeyAdmin(admin.ModelAdmin[ClientKey]):
    list_display = ["name", "prefix", "active", "created_at", "last_used_at"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    fields = ["name", "active", "prefix", "created_at", "last_used_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    actions = ["deactivate"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # turn a key off instead: its tickets keep naming their client

    def save_model(self, request: HttpRequest, obj: ClientKey, form: Any, change: bool) -> None:
        if not change:
            key = clients.new_key()
            obj.key_hash, obj.prefix = clients.digest(key), key[:8]
            request._open311_key = key  # type: ignore[attr-defined] # shown once, by response_add
        super().save_model(request, obj, form, change)
        audit.record(
            "ticket.client_key",
            request=request,
            obj=obj,
            data={"issued": not change, "active": obj.active},
        )

    def response_add(
        self, request: HttpRequest, obj: ClientKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        key = getattr(request, "_open311_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(
            request,
            ISSUED_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "title": _("Open311客户端密钥已生成"),
                "opts": self.model._meta,
                "original": obj,
                "key": key,
            },
        )
        add_never_cache_headers(response)  # the key must not stay in any cache
        return response

    @admin.action(description=gettext_lazy("停用所选密钥"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[ClientKey]) -> None:
        for record in queryset.filter(active=True):
            record.active = False
            record.save(update_fields=["active"])
            audit.record(
                "ticket.client_key",
                request=request,
                obj=record,
                data={"issued": False, "active": False},
            )
        messages.success(request, _("已停用所选密钥。"))
