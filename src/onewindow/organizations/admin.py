from django.contrib import admin

from onewindow.organizations.models import Department, Region, ServiceHall, Window


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "uscc", "region", "phone", "is_active"]
    list_filter = ["region", "is_active"]
    search_fields = ["name", "slug", "uscc"]


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0


@admin.register(ServiceHall)
class ServiceHallAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "address"]
    inlines = [WindowInline]
