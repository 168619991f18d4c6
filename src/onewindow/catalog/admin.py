"""Catalogue administration in the Django admin: department administrators edit their own
department's drafts, platform administrators all; publishing runs the consistency checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.accounts.authority import is_platform_admin
from onewindow.catalog import services
from onewindow.catalog.definitions import validate_form, validate_process
from onewindow.catalog.models import Bundle, BundleItem, FeeItem, ItemVersion, Material, ServiceItem
from onewindow.catalog.permissions import can_edit_catalog, editable_departments
from onewindow.core.errors import DomainError
from onewindow.organizations.models import Department


def _label(path: str) -> str:
    """The field's name as the form shows it; a path inside a definition stays as it is."""
    try:
        return str(getattr(ServiceItem._meta.get_field(path), "verbose_name", path))
    except FieldDoesNotExist:
        return path


class MaterialInline(admin.StackedInline[Material, ServiceItem]):
    model = Material
    extra = 0
    fields = [
        ("order", "name"),
        ("forms", "material_type", "copies", "paper_size"),
        ("source", "source_note", "necessity"),
        "acceptance_standard",
        "legal_basis",
        ("blank_form", "example"),
        "notes",
        ("licence_type", "licence_fetch"),
        ("commitment_allowed", "commitment_text"),
    ]


class FeeInline(admin.TabularInline[FeeItem, ServiceItem]):
    model = FeeItem
    extra = 0


class ServiceItemForm(forms.ModelForm[ServiceItem]):
    class Meta:
        model = ServiceItem
        fields = [
            f.name
            for f in ServiceItem._meta.concrete_fields
            if f.editable and f.name not in {"id", "status", "current_version"}
        ]

    def clean(self) -> dict[str, Any]:
        """Check the two definitions on every save, not only at publication."""
        data = super().clean() or {}
        known = set(Department.objects.values_list("slug", flat=True))
        if "process" in data:
            for path, problems in validate_process(data["process"], known).items():
                self.add_error("process", f"{path}: {' '.join(problems)}")
        if "form_schema" in data:
            for path, problems in validate_form(data["form_schema"]).items():
                self.add_error("form_schema", f"{path}: {' '.join(problems)}")
        return data


class CatalogPermissions:
    """Role-based access instead of Django's model permissions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_edit_catalog(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_catalog(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_catalog(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_catalog(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user)


@admin.register(ServiceItem)
class ServiceItemAdmin(CatalogPermissions, admin.ModelAdmin[ServiceItem]):
    form = ServiceItemForm
    change_form_template = "admin/catalog/serviceitem/change_form.html"
    list_display = ["name", "department", "item_type", "status", "version_number", "updated_at"]
    list_filter = ["status", "item_type", "department"]
    search_fields = ["name", "implementation_code", "basic_code", "keywords"]
    readonly_fields = ["status", "current_version", "updated_at"]
    inlines = [MaterialInline, FeeInline]
    actions = ["publish_selected", "withdraw_selected"]
    list_select_related = ["department", "current_version"]

    @admin.display(description=gettext_lazy("版本"))
    def version_number(self, obj: ServiceItem) -> str:
        return f"v{obj.current_version.number}" if obj.current_version else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceItem]:
        return (
            super().get_queryset(request).filter(department__in=editable_departments(request.user))
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "department":
            kwargs["queryset"] = editable_departments(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def response_change(self, request: HttpRequest, obj: ServiceItem) -> HttpResponse:
        if "_publish" in request.POST:
            self._publish(request, obj)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(
        self, request: HttpRequest, obj: ServiceItem, post_url_continue: str | None = None
    ) -> HttpResponse:
        if "_publish" in request.POST:
            self._publish(request, obj)
            return HttpResponseRedirect(f"../{obj.pk}/change/")
        return super().response_add(request, obj, post_url_continue)

    def _publish(self, request: HttpRequest, obj: ServiceItem) -> bool:
        try:
            version = services.publish_item(obj, user=request.user, request=request)
        except DomainError as error:
            self.message_user(request, f"{obj.name}：{error.message}", messages.ERROR)
            for field, problems in error.fields.items():
                self.message_user(
                    request, f"{_label(field)}：{'；'.join(problems)}", messages.ERROR
                )
            return False
        self.message_user(
            request,
            _("已发布“%(name)s”第%(n)d版。") % {"name": obj.name, "n": version.number},
            messages.SUCCESS,
        )
        return True

    @admin.action(description=gettext_lazy("发布所选事项"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        for item in queryset:
            self._publish(request, item)

    @admin.action(description=gettext_lazy("停用所选事项"))
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[ServiceItem]) -> None:
        for item in queryset:
            try:
                services.withdraw_item(item, user=request.user, request=request)
            except DomainError as error:
                self.message_user(request, f"{item.name}：{error.message}", messages.WARNING)


@admin.register(ItemVersion)
class ItemVersionAdmin(CatalogPermissions, admin.ModelAdmin[ItemVersion]):
    list_display = ["item", "number", "valid_from", "valid_until", "published_at"]
    readonly_fields = [
        "item",
        "number",
        "data",
        "valid_from",
        "valid_until",
        "published_at",
        "published_by",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ItemVersion]:
        return (
            super()
            .get_queryset(request)
            .filter(item__department__in=editable_departments(request.user))
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BundleItemInline(admin.TabularInline[BundleItem, Bundle]):
    model = BundleItem
    extra = 0
    autocomplete_fields = ["item"]


@admin.register(Bundle)
class BundleAdmin(CatalogPermissions, admin.ModelAdmin[Bundle]):
    list_display = ["name", "audience", "lead_department", "is_active"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [BundleItemInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_platform_admin(request.user)
