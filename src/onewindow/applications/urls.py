"""The applicant's pages (apply, my applications, materials, progress), wired into the portal's
address space by ``portal.urls`` under the ``portal`` namespace."""

from django.urls import path

from onewindow.applications import views as applications

urlpatterns = [
    path("items/<int:item_id>/apply/", applications.apply, name="apply"),
    path("my/applications/", applications.my_applications, name="my_applications"),
    path("my/applications/<str:number>/", applications.detail, name="application"),
    path("my/applications/<str:number>/edit/", applications.edit, name="application_edit"),
    path(
        "my/applications/<str:number>/materials/",
        applications.materials,
        name="application_materials",
    ),
    path("my/applications/<str:number>/submit/", applications.review, name="application_review"),
    path(
        "my/applications/<str:number>/submitted/",
        applications.submitted,
        name="application_submitted",
    ),
    path(
        "my/applications/<str:number>/files/<int:material_id>/",
        applications.material_file,
        name="application_material_file",
    ),
    path(
        "my/applications/<str:number>/withdraw/", applications.withdraw, name="application_withdraw"
    ),
    path("my/applications/<str:number>/discard/", applications.discard, name="application_discard"),
    path("my/messages/", applications.my_messages, name="my_messages"),
    path("bundles/<slug:slug>/apply/", applications.apply_bundle, name="apply_bundle"),
    path("my/bundles/<uuid:group>/", applications.bundle_group, name="bundle_group"),
    path("progress/", applications.progress_page, name="progress"),
]
