"""Licence types in the admin: their face, validity, numbering and what a public verification
shows of each item (``verification_fields``, checked by ``LicenceType.clean``)."""

from django.contrib import admin

from onewindow.licences.models import LicenceType


@admin.register(LicenceType)
class LicenceTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "holder_kind", "validity_years", "is_active"]
    list_filter = ["holder_kind", "is_active"]
    search_fields = ["code", "name"]
    fields = [
        "code",
        "name",
        "holder_kind",
        "schema",
        "number_field",
        "validity_years",
        "template",
        "verification_fields",
        "holder_name_personal",
        "is_active",
    ]
