"""12345 in the admin: categories (their limits and Open311 attributes checked as the importer
checks them), the knowledge base (publish or retire answers), tickets read-only (reporter masked,
no ciphertext, free text masked) and Open311 client keys (a new key is shown once, on the page
that issues it; a key is turned off by unticking it)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal
from onewindow.tickets import clients, knowledge
from onewindow.tickets.case import TICKET
from onewindow.tickets.categories import attribute_problems, limit_problems
from onewindow.tickets.models import Article, Category, ClientKey, Kind, Ticket


class CategoryForm(forms.ModelForm[Category]):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "name_en",
            "group",
            "description",
            "keywords",
            "order",
            "active",
            "department",
            "limits",
            "location_required",
            "attributes",
        ]

    def clean_limits(self) -> Any:
        limits = self.cleaned_data.get("limits")
        problems = limit_problems(limits)
        if problems:
            raise forms.ValidationError(problems)
        return limits or {}

    def clean_attributes(self) -> Any:
        attributes = self.cleaned_data.get("attributes")
        problems = attribute_problems(attributes)
        if problems:
            raise forms.ValidationError(problems)
        return sorted(attributes or [], key=lambda a: a.get("order", 0))


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    form = CategoryForm
    list_display = [
        "code",
        "name",
        "group",
        "department",
        "limits_text",
        "location_required",
        "active",
        "order",
    ]
    list_filter = ["group", "department", "location_required", "active"]
    list_select_related = ["department"]
    search_fields = ["code", "name", "name_en", "keywords"]
    ordering = ["group", "order", "code"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name",
                    "name_en",
                    "group",
                    "description",
                    "keywords",
                    "order",
                    "active",
                ]
            },
        ),
        (_("承办与时限"), {"fields": ["department", "limits", "location_required"]}),
        (_("Open311 附加属性"), {"fields": ["attributes"]}),
    ]

    @admin.display(description=_("办理时限（工作日）"))
    def limits_text(self, category: Category) -> str:
        limits = category.limits or {}
        return "，".join(
            f"{kind.label} {limits[kind.value]}" for kind in Kind if kind.value in limits
        )


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ["question", "category", "state", "department", "updated_at"]
    list_filter = ["state", "category__group", "category"]
    list_select_related = ["category", "department"]
    search_fields = ["question", "answer", "keywords"]
    fields = [
        "category",
        "question",
        "answer",
        "keywords",
        "state",
        "department",
        "source",
        "proposed_by",
    ]
    readonly_fields = ["source", "proposed_by"]
    actions = ["publish_selected", "retire_selected"]

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(knowledge.changed)  # operators' search sees the change at once

    @admin.action(description=_("发布所选条目"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        published = 0
        for article in queryset.exclude(state=Article.State.PUBLISHED):
            knowledge.publish(article, request.user, request=request)
            published += 1
        self.message_user(
            request, gettext("已发布%(n)s个条目。") % {"n": published}, messages.SUCCESS
        )

    @admin.action(description=_("停用所选条目"))
    def retire_selected(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        retired = queryset.exclude(state=Article.State.RETIRED).update(state=Article.State.RETIRED)
        transaction.on_commit(knowledge.changed)
        self.message_user(
            request, gettext("已停用%(n)s个条目。") % {"n": retired}, messages.SUCCESS
        )


# The steps that are not actions of the table (case.ACTIONS), as the history names them.
STEPS = {
    "receive": _("受理"),
    "repeat": _("重复来电"),
    "assist": _("协办意见"),
    "escalate": _("超期转督办"),
    "merged": _("有工单并入"),
    "reopen": _("申请重办"),
    "link": _("关联工单"),
}


def step_label(name: str) -> str:
    spec = TICKET.action(name)
    return str(spec.label if spec is not None else STEPS.get(name, name))


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    """Read-only: tickets change only through the hotline's and departments' actions."""

    list_display = [
        "number",
        "kind",
        "channel",
        "category",
        "status",
        "department",
        "phone_masked",
        "created_at",
        "due_at",
    ]
    list_filter = ["status", "kind", "channel", "category__group", "department"]
    list_select_related = ["category", "department"]
    search_fields = ["number"]
    date_hierarchy = "created_at"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "kind",
                    "channel",
                    "category",
                    "status",
                    "department",
                    "assisting",
                ]
            },
        ),
        (
            _("反映人"),
            {
                "fields": [
                    "reporter_text",
                    "reporter_name_masked",
                    "phone_masked",
                    "confidential",
                    "publish",
                    "published",
                    "client",
                ]
            },
        ),
        (
            _("诉求"),
            {
                "fields": [
                    "title",
                    "description_text",
                    "address",
                    "lat",
                    "long",
                    "attributes",
                    "application_number",
                ]
            },
        ),
        (
            _("办理"),
            {
                "fields": [
                    "created_at",
                    "dispatched_at",
                    "due_at",
                    "returned_count",
                    "extended",
                    "supervised_at",
                    "reply_text",
                    "replied_at",
                    "satisfied",
                    "closed_at",
                    "reopened_at",
                    "merged_into",
                ]
            },
        ),
        (_("办理记录"), {"fields": ["history"]}),
    ]
    readonly_fields = [str(f) for _name, options in fieldsets for f in options["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("反映人账号"))
    def reporter_text(self, ticket: Ticket) -> str:
        if ticket.reporter is None:
            return "—"
        return personal.mask(personal.Kind.NAME, ticket.reporter.name) or gettext("（已注册用户）")

    @admin.display(description=_("办理记录"))
    def history(self, ticket: Ticket) -> str:
        """Every step, its public and internal notes masked (a reporter may type a phone)."""
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    date_format(timezone.localtime(entry.at), "Y-m-d H:i"),
                    step_label(entry.action),
                    entry.department.name if entry.department else "",
                    personal.mask_text(entry.public),
                    personal.mask_text(entry.internal),
                )
                for entry in ticket.entries.select_related("department")
            ),
        )
        return format_html(
            "<table><thead><tr><th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th>"
            "<th scope='col'>{}</th><th scope='col'>{}</th></tr></thead><tbody>{}</tbody></table>",
            gettext("时间"),
            gettext("步骤"),
            gettext("部门"),
            gettext("公开说明"),
            gettext("内部说明"),
            rows,
        )

    @admin.display(description=_("诉求内容"))
    def description_text(self, ticket: Ticket) -> str:
        return personal.mask_text(ticket.description)

    @admin.display(description=_("答复内容"))
    def reply_text(self, ticket: Ticket) -> str:
        return personal.mask_text(ticket.reply)


class ClientKeyForm(forms.ModelForm[ClientKey]):
    class Meta:
        model = ClientKey
        fields = ["name", "active"]


@admin.register(ClientKey)
class ClientKeyAdmin(admin.ModelAdmin[ClientKey]):
    """Adding a client issues its key, shown once on the page that follows; only a keyed hash
    is kept, so a lost key is replaced by adding the client again and turning the old one off."""

    form = ClientKeyForm
    list_display = ["name", "prefix", "active", "created_at", "last_used_at"]
    list_editable = ["active"]
    list_filter = ["active"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    actions = ["turn_on", "turn_off"]

    def get_fields(self, request: HttpRequest, obj: ClientKey | None = None) -> Any:
        return (
            ["name"] if obj is None else ["name", "prefix", "active", "created_at", "last_used_at"]
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # turned off instead: its tickets keep naming their client

    def save_model(self, request: HttpRequest, obj: ClientKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, record = clients.issue(obj.name)
        obj.pk, obj.key_hash, obj.prefix, obj.created_at = (
            record.pk,
            record.key_hash,
            record.prefix,
            record.created_at,
        )
        obj._state.adding = False
        request._issued_key = key  # type: ignore[attr-defined]  # shown once by response_add

    def response_add(
        self, request: HttpRequest, obj: ClientKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        key = getattr(request, "_issued_key", "")
        response = TemplateResponse(
            request,
            "admin/tickets/clientkey/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "client": obj,
                "key": key,
                "title": gettext("Open311客户端密钥已签发"),
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("启用所选密钥"))
    def turn_on(self, request: HttpRequest, queryset: QuerySet[ClientKey]) -> None:
        n = queryset.update(active=True)
        self.message_user(request, gettext("已启用%(n)s个密钥。") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("停用所选密钥"))
    def turn_off(self, request: HttpRequest, queryset: QuerySet[ClientKey]) -> None:
        n = queryset.update(active=False)
        self.message_user(request, gettext("已停用%(n)s个密钥。") % {"n": n}, messages.SUCCESS)
