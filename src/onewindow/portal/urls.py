from django.urls import path

from onewindow.applications import views as applications
from onewindow.catalog import views as catalog
from onewindow.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("personal/", views.audience, {"kind": "personal"}, name="personal"),
    path("enterprise/", views.audience, {"kind": "enterprise"}, name="enterprise"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<slug:slug>/", views.department_detail, name="department"),
    path("departments/<slug:slug>/powers/", catalog.powers, name="powers"),
    path("interaction/", views.interaction, name="interaction"),
    path("lang/<str:code>/", views.switch_language, name="language"),
    path("search/", catalog.search_page, name="search"),
    path("search/suggest/", catalog.suggest_fragment, name="suggest"),
    path("items/<int:item_id>/", catalog.guide, name="guide"),
    path("bundles/<slug:slug>/", catalog.bundle_page, name="bundle"),
    path("<str:audience>/topics/<slug:topic>/", catalog.topic, name="topic"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/register/", views.register_view, name="register"),
    path("accounts/password-reset/", views.password_reset_view, name="password_reset"),
    path("accounts/sms-code/", views.sms_code_fragment, name="sms_code"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("my/", views.my_space, name="my_space"),
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
    path("my/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
