from django.urls import path

from onewindow.catalog import admin_views

app_name = "catalog-admin"

urlpatterns = [
    path("", admin_views.import_page, name="import"),
    path("jobs/<int:job_id>/", admin_views.job_page, name="job"),
    path("export.<str:fmt>", admin_views.export, name="export"),
]
