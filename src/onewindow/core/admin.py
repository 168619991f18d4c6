from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core.models import AuditEvent, CalendarDay, OutboxEvent


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ["day", "is_workday", "name"]
    list_filter = ["is_workday"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the trail can be searched here but never edited."""

    list_display = ["id", "at", "action", "actor_id", "object_type", "object_id", "ip"]
    list_filter = ["action"]
    search_fields = ["action", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventStateFilter(admin.SimpleListFilter):
    title = _("送达情况")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("stuck", _("卡住")), ("waiting", _("未送达")), ("delivered", _("已送达"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> Any:
        from onewindow.core.events import stuck_events

        if self.value() == "stuck":
            return queryset.filter(pk__in=stuck_events().values("pk"))
        if self.value() == "waiting":
            return queryset.filter(delivered_at__isnull=True)
        if self.value() == "delivered":
            return queryset.filter(delivered_at__isnull=False)
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin[OutboxEvent]):
    """Domain events and their delivery: read-only, with one action, to try the selected ones
    again now (after the cause of a failure is fixed)."""

    list_display = [
        "id",
        "name",
        "created_at",
        "delivered_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = [EventStateFilter, "name"]
    search_fields = ["name"]
    actions = ["retry_now"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("立即重试所选事件"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        from onewindow.core.events import deliver

        waiting = list(queryset.filter(delivered_at__isnull=True).values_list("pk", flat=True))
        OutboxEvent.objects.filter(pk__in=waiting).update(next_attempt_at=timezone.now())
        delivered = sum(1 for pk in waiting if deliver(pk))
        self.message_user(
            request,
            _("已重试 %(tried)d 个事件，送达 %(done)d 个。")
            % {"tried": len(waiting), "done": delivered},
            messages.SUCCESS if delivered == len(waiting) else messages.WARNING,
        )
