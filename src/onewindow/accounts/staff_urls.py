"""The platform administrators' enterprise pages, wired into the workbench's address space by
``workbench.urls`` under the ``workbench`` namespace."""

from django.urls import path

from onewindow.accounts import staff_views

urlpatterns = [
    path("enterprises/", staff_views.enterprise_list, name="enterprises"),
    path(
        "enterprises/agencies/<int:agency_id>/revoke/",
        staff_views.revoke_agency,
        name="enterprise_revoke_agency",
    ),
]
