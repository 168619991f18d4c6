from django.urls import path

from onewindow.accounts import staff_urls as enterprises
from onewindow.workbench import views

app_name = "workbench"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("load/", views.load, name="load"),
    path("tasks/<int:task_id>/", views.task_page, name="task"),
    path("tasks/<int:task_id>/reveal/", views.reveal, name="reveal"),
    path("tasks/<int:task_id>/claim/", views.claim, name="claim"),
    path("tasks/<int:task_id>/release/", views.release, name="release"),
    path("tasks/<int:task_id>/act/", views.act, name="act"),
    path("tasks/<int:task_id>/reassign/", views.reassign, name="reassign"),
    path("materials/<int:material_id>/", views.material_file, name="material"),
    path(
        "tasks/<int:task_id>/materials/<int:material_id>/check/",
        views.check_material,
        name="check_material",
    ),
    *enterprises.urlpatterns,
]
