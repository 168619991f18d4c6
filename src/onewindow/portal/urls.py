from django.urls import path

from onewindow.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("personal/", views.audience, {"kind": "personal"}, name="personal"),
    path("enterprise/", views.audience, {"kind": "enterprise"}, name="enterprise"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<slug:slug>/", views.department_detail, name="department"),
    path("interaction/", views.interaction, name="interaction"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/register/", views.register_view, name="register"),
    path("accounts/sms-code/", views.sms_code_fragment, name="sms_code"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("my/", views.my_space, name="my_space"),
    path("my/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
]
