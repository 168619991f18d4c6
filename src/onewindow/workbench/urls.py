from django.urls import path

from onewindow.accounts import staff_urls as enterprises
from onewindow.workbench import departments, hotline, staff, views

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
    path("staff/", staff.staff_list, name="staff"),
    path("staff/add/", staff.staff_add, name="staff_add"),
    path("staff/<int:user_id>/", staff.staff_member, name="staff_member"),
    path("staff/<int:user_id>/roles/", staff.staff_roles, name="staff_roles"),
    path("staff/<int:user_id>/active/", staff.staff_active, name="staff_active"),
    path("staff/<int:user_id>/password/", staff.staff_password, name="staff_password"),
    path("password/", staff.temporary_password, name="password"),
    path("departments/", departments.department_list, name="departments"),
    path("departments/add/", departments.department_add, name="department_add"),
    path("departments/<int:department_id>/", departments.department_edit, name="department_edit"),
    # The 12345 hotline and its tickets.
    path("hotline/", hotline.overview, name="hotline"),
    path("hotline/call/", hotline.call, name="hotline_call"),
    path("hotline/lists/<slug:which>/", hotline.task_list, name="hotline_list"),
    path("hotline/knowledge/", hotline.articles, name="knowledge"),
    path("hotline/knowledge/search/", hotline.knowledge_results, name="knowledge_search"),
    path("hotline/knowledge/add/", hotline.article_add, name="article_add"),
    path("hotline/knowledge/<int:article_id>/", hotline.article_edit, name="article"),
    path(
        "hotline/knowledge/<int:article_id>/<slug:change>/",
        hotline.article_state,
        name="article_state",
    ),
    path("tickets/", hotline.ticket_search, name="ticket_search"),
    path("tickets/<str:number>/", hotline.ticket_page, name="ticket"),
    path("tasks/<int:task_id>/link/", hotline.link, name="ticket_link"),
    path("tasks/<int:task_id>/propose/", hotline.propose, name="ticket_propose"),
    *enterprises.urlpatterns,
]
